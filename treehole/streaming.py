"""Answers too large to build in memory (a member's data export): read the database a batch at a
time and write JSON a chunk at a time, so a process holds one batch and one chunk, never the
whole document, however many rows there are.

- ``keyset(queryset)`` yields the rows in primary-key order, one ``pk > last … LIMIT n`` query
  per batch, each read with ``.iterator(chunk_size=n)``. The batches matter on MariaDB: its
  client library buffers a whole result set (Django cannot stream from MySQL), so one query
  over 20,000 rows would hold them all at once; and no query stays open while the client reads.
- ``json_document(head, sections)`` writes ``{…head…, "name": [rows…], …}`` as bytes chunks.
- ``streaming_response(request, chunks, filename=…)`` answers them as an attachment. Under ASGI
  the chunks are pulled through ``sync_to_async`` one at a time: given a plain iterator, Django's
  ASGI handler would first collect every chunk into a list (and warn), which is the very thing
  this module exists to avoid.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import orjson
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import StreamingHttpResponse

BATCH = 1000
CHUNK_BYTES = 64 * 1024


def _row_key(row) -> Any:
    if isinstance(row, Mapping):
        return row["id"]
    if isinstance(row, tuple):
        return row[0]
    return row.pk


def keyset_batches(queryset, *, batch: int = BATCH) -> Iterator[list]:
    """The rows of ``queryset`` in primary-key order, as lists of at most ``batch`` rows (one query
    each), for callers that load something per batch (a note's images) instead of per row. A
    ``values()`` queryset must include ``id``; a ``values_list()`` one must put the key first."""
    ordered = queryset.order_by("pk")
    last = None
    while True:
        page = ordered if last is None else ordered.filter(pk__gt=last)
        rows = list(page[:batch].iterator(chunk_size=batch))
        if rows:
            last = _row_key(rows[-1])
            yield rows
        if len(rows) < batch:
            return


def keyset(queryset, *, batch: int = BATCH) -> Iterator:
    """Every row of ``queryset`` in primary-key order, ``batch`` rows per query."""
    for rows in keyset_batches(queryset, batch=batch):
        yield from rows


def _dumps(value) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)


def json_document(head: Mapping[str, Any], sections: Iterable[tuple[str, Callable[[], Iterable[Any]]]], *,
                  chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
    """``{…head…, "<name>": [<row>, …], …}`` in chunks of about ``chunk_bytes``. Each section's
    rows come from calling its function when the section is reached (so nothing is read early)."""
    buffer = bytearray(_dumps(dict(head))[:-1])  # the head object without its closing brace
    first_key = not head
    for name, rows in sections:
        buffer += (b"" if first_key else b",") + _dumps(name) + b":["
        first_key = False
        first_row = True
        for row in rows():
            if not first_row:
                buffer += b","
            buffer += _dumps(row)
            first_row = False
            if len(buffer) >= chunk_bytes:
                yield bytes(buffer)
                buffer.clear()
        buffer += b"]"
    buffer += b"}"
    yield bytes(buffer)


_END = object()


async def _pulled_in_a_thread(chunks: Iterator[bytes]):
    iterator = iter(chunks)
    take = sync_to_async(lambda: next(iterator, _END), thread_sensitive=True)
    while True:
        chunk = await take()
        if chunk is _END:
            return
        yield chunk


def streaming_response(request, chunks: Iterable[bytes], *, filename: str,
                       content_type: str = "application/json; charset=utf-8") -> StreamingHttpResponse:
    """``chunks`` as a downloaded file, streamed under WSGI and ASGI alike; never cached (it is
    someone's own data)."""
    content = _pulled_in_a_thread(iter(chunks)) if isinstance(request, ASGIRequest) else chunks
    response = StreamingHttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response
