"""The search benchmark (``make bench BENCH_ARGS="--only search"``; bench/run.py runs it in a
process of its own, on its own database): search at 100,000 and then 1,000,000 notes, beside the
LIKE '%q%' search it replaced, on the same data in the same run.

For each size: notes are bulk-inserted (multi-row INSERTs of a varied generated corpus,
bench/search_corpus.py), the index is built with ``notes.search.rebuild`` (build time and index
size reported), then one-word, two-word and exact-phrase queries are timed (p50/p99):
- ``search``: ``notes.search.note_search`` — what the API runs (engine, 20 Note objects, snippets);
- ``engine``: the engine's own query alone (Groonga ``select`` through ``mroonga_command``);
- ``like``: the old selector's SQL (COUNT + the first 20 rows, ``LIKE '%q%'`` on title or content,
  newest first), fewer samples, bounded in time (one query costs seconds at 1,000,000 notes).

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=mysql://root@127.0.0.1:3306/treehole_bench_search \\
    REDIS_URL=redis://127.0.0.1:6379/12 .venv/bin/python -m bench.search --sizes 100000,1000000

Prints one ``BENCHJSON {...}`` line. The database is dropped and re-created (bench names only).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

BATCH = 5000


def log(message: str) -> None:
    print(f"[search {time.strftime('%H:%M:%S', time.gmtime())}] {message}", flush=True)


def setup(*, keep: bool) -> None:
    from bench.seed import ensure_database

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    ensure_database(os.environ["DATABASE_URL"], fresh=not keep)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def seed_notes(count: int, *, corpus, rng: random.Random, users: list[int], categories: list[int]) -> float:
    """Insert ``count`` more notes (multi-row INSERTs, no per-row round trip). Returns seconds."""
    from django.db import connection

    from django.db.models import Max

    from notes.models import Note, NoteSequence
    from treehole import clock, ids

    started = time.monotonic()
    number = Note.objects.aggregate(highest=Max("number"))["highest"] or 0  # numbers in insertion order
    fields = [f for f in Note._meta.concrete_fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    now = clock.now()
    done = 0
    with connection.cursor() as cursor:
        cursor.execute("SET SESSION foreign_key_checks = 0, unique_checks = 0")
        while done < count:
            n = min(BATCH, count - done)
            params = []
            for _ in range(n):
                title, content = corpus.note()
                when = now - timedelta(seconds=rng.uniform(0, 3 * 365 * 86400))
                number += 1
                values = {
                    "id": ids.next_id(), "number": number, "author_id": rng.choice(users), "category_id": rng.choice(categories),
                    "title": title, "content": content, "anonymous": rng.random() < 0.7, "video_id": None,
                    "approve": 0, "against": 0, "score": int(when.timestamp()), "visits": rng.randint(0, 500),
                    "comment_count": 0, "hidden": False, "folded": False, "held": False, "version": 0,
                    "created_at": when, "updated_at": when,
                }
                params += [values.get(f.attname, f.get_default()) for f in fields]
            cursor.execute(f"INSERT INTO {Note._meta.db_table} ({columns}) VALUES " + ", ".join([row] * n), params)
            done += n
        cursor.execute("SET SESSION foreign_key_checks = 1, unique_checks = 1")
    NoteSequence.objects.update_or_create(name="note", defaults={"last": number})
    return time.monotonic() - started


def queries(rng: random.Random, corpus_module, n: int) -> dict[str, list[tuple[str, str]]]:
    """(q, mode) per kind: topic words people type, pairs of them, and phrases lifted from notes."""
    from bench.search_corpus import Corpus

    topics = list(corpus_module.TOPICS.values())
    words = [kw for topic in topics for kw in topic[3]]
    one = [(rng.choice(words), "words") for _ in range(n)]
    two = []
    for _ in range(n):
        topic = rng.choice(topics)
        a = rng.choice(topic[3])
        b = rng.choice([w for w in topic[3] + corpus_module.PLACES + corpus_module.PEOPLE if w != a])
        two.append((f"{a} {b}", "words"))
    sampler = Corpus(seed=rng.randint(0, 10**6))
    phrases = []
    while len(phrases) < n:
        _title, content = sampler.note()
        start = rng.randrange(0, max(1, len(content) - 6))
        phrase = content[start:start + rng.randint(3, 6)].strip("，。！？… ")
        if len(phrase) >= 3:
            phrases.append((phrase, "exact"))
    return {"one_word": one, "two_words": two, "phrase": phrases}


# docker-compose.yml's MariaDB holds the notes table in memory (--innodb-buffer-pool-size=1G);
# the server this runs against is given the same for the run (the global is put back after):
# with MariaDB's default 128 MiB and O_DIRECT, each result's row is a disk read.
BUFFER_POOL_BYTES = int(os.environ.get("BENCH_SEARCH_BUFFER_POOL_BYTES", str(1 << 30)))


def buffer_pool(size: int | None = None) -> int:
    """The server's InnoDB buffer pool size (bytes), after setting it to ``size`` when given."""
    from django.db import connection

    with connection.cursor() as cursor:
        if size is not None:
            cursor.execute("SET GLOBAL innodb_buffer_pool_size = %s", [int(size)])
            for _ in range(600):  # the resize runs in the background
                cursor.execute("SHOW STATUS LIKE 'Innodb_buffer_pool_resize_status'")
                row = cursor.fetchone()
                if not row or not row[1] or "complete" in row[1].lower() or "completed" in row[1].lower():
                    break
                time.sleep(0.1)
        cursor.execute("SELECT @@innodb_buffer_pool_size")
        return int(cursor.fetchone()[0])


def warm_notes() -> None:
    """Read the notes table once, as a running server has it in its buffer pool."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT SUM(LENGTH(title) + LENGTH(content)) FROM notes_note FORCE INDEX (PRIMARY)")
        cursor.fetchall()


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timed(call, items, *, budget_seconds: float | None = None) -> dict:
    samples, hits = [], []
    deadline = time.monotonic() + budget_seconds if budget_seconds else None
    for item in items:
        t0 = time.perf_counter()
        hits.append(call(item))
        samples.append((time.perf_counter() - t0) * 1000)
        if deadline and time.monotonic() > deadline:
            break
    return {"n": len(samples), "p50_ms": round(percentile(samples, 0.5), 2), "p99_ms": round(percentile(samples, 0.99), 2),
            "mean_ms": round(statistics.fmean(samples), 2), "median_hits": statistics.median(hits)}


def like_page(q: str) -> int:
    """The search this replaced (notes/selectors.py before issue 18): COUNT + the first page."""
    from django.db.models import Q

    from notes.models import Note

    notes = Note.objects.filter(hidden=False).filter(Q(title__icontains=q) | Q(content__icontains=q))
    total = notes.count()
    list(notes.order_by("-created_at", "-id").values_list("pk", flat=True)[:20])
    return total


def index_bytes() -> dict:
    """Mroonga's files of this database on disk, and InnoDB's notes table for comparison."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT @@datadir, DATABASE()")
        datadir, name = cursor.fetchone()
        cursor.execute("SELECT data_length + index_length FROM information_schema.TABLES "
                       "WHERE table_schema = DATABASE() AND table_name = 'notes_note'")
        (notes_bytes,) = cursor.fetchone()
    files = list(Path(datadir).glob(f"{name}.mrn*"))
    try:
        mroonga = sum(f.stat().st_size for f in files)
    except OSError:
        mroonga = None
    return {"index_bytes": mroonga if files else None, "notes_table_bytes": int(notes_bytes or 0)}


def measure(size: int, *, rng: random.Random, per_kind: int, like_per_kind: int, like_budget: float,
            build: bool = True) -> dict:
    from django.db import connection

    from notes import search
    from notes.search import text
    from notes.search.backends import SearchQuery
    from bench import search_corpus

    if build:
        log(f"{size:,} notes: building the index")
        built = search.rebuild()
    else:  # --skip-build: time the queries on the index a previous run built
        built = {"seconds": None, "documents": search.get_backend().stats()["documents"]}
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE TABLE notes_note")
        cursor.fetchall()
    sizes = index_bytes()
    log(f"  built in {built['seconds']}s; {sizes}")
    warm_notes()
    backend = search.get_backend()
    # The machine's load when the queries begin (1, 5, 15 minutes): on a shared machine it decides
    # the wall-clock numbers more than the code does, so it travels with them.
    load = [round(value, 1) for value in os.getloadavg()]
    log(f"  load average {load[0]} {load[1]} {load[2]} as the queries begin")
    result = {"notes": size, "build_seconds": built["seconds"], "documents": built["documents"], **sizes,
              "buffer_pool_bytes": buffer_pool(),
              "load_average": load, "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "kinds": {}}
    sets = queries(rng, search_corpus, per_kind)
    for kind, items in sets.items():
        for q, mode in items[:10]:  # warm the caches the way a running server has them
            search.note_search(q=q, mode=mode)
        full = timed(lambda item: search.note_search(q=item[0], mode=item[1]).page.total, items)
        engine = timed(lambda item: backend.search(SearchQuery(parsed=text.parse(item[0], item[1]))).total, items)
        like = timed(lambda item: like_page(item[0]), items[:like_per_kind], budget_seconds=like_budget)
        result["kinds"][kind] = {"search": full, "engine": engine, "like": like, "example": items[0][0]}
        log(f"  {kind}: search p50 {full['p50_ms']} p99 {full['p99_ms']} ms | engine p99 {engine['p99_ms']} ms | "
            f"LIKE p50 {like['p50_ms']} p99 {like['p99_ms']} ms (n={like['n']}) | hits {full['median_hits']}")
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--queries", type=int, default=int(os.environ.get("BENCH_SEARCH_QUERIES", "200")))
    parser.add_argument("--like-queries", type=int, default=int(os.environ.get("BENCH_SEARCH_LIKE_QUERIES", "20")))
    parser.add_argument("--keep", action="store_true",
                        help="keep the database's notes (seed only up to each size; sizes below what it holds are skipped)")
    parser.add_argument("--skip-build", action="store_true",
                        help="with --keep: query the index already there (no build time is measured)")
    parser.add_argument("--like-seconds", type=float, default=float(os.environ.get("BENCH_SEARCH_LIKE_SECONDS", "30")))
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith("mysql"):
        raise SystemExit("set DATABASE_URL=mysql://.../treehole_bench_search")
    started = time.monotonic()
    setup(keep=args.keep)
    from accounts.models import User
    from bench.search_corpus import Corpus
    from notes.models import Category
    from treehole import ids

    from notes.models import Note

    ids.configure(902)
    if not User.objects.filter(username__startswith="bench_s").exists():
        User.objects.bulk_create([User(username=f"bench_s{i}", email=f"bench_s{i}@bench.invalid", password="!")
                                  for i in range(2000)], batch_size=1000)
    users = list(User.objects.values_list("pk", flat=True))
    categories = list(Category.objects.values_list("pk", flat=True))
    corpus, rng = Corpus(seed=18), random.Random(18)
    out = {"sizes": [], "corpus": "bench/search_corpus.py (seed 18)"}
    have = Note.objects.count()
    pool_before = buffer_pool()
    if pool_before < BUFFER_POOL_BYTES:
        log(f"InnoDB buffer pool {pool_before >> 20} MiB -> {buffer_pool(BUFFER_POOL_BYTES) >> 20} MiB for the run")
    try:
        measure_sizes(args, out, have=have, corpus=corpus, rng=rng, users=users, categories=categories)
    finally:
        if buffer_pool() != pool_before:
            buffer_pool(pool_before)
    out["seconds"] = round(time.monotonic() - started)
    print("BENCHJSON " + json.dumps(out, ensure_ascii=False), flush=True)
    return 0


def measure_sizes(args, out: dict, *, have: int, corpus, rng, users, categories) -> None:
    for size in sorted(int(s) for s in args.sizes.split(",") if s):
        if size < have:
            log(f"skipping {size:,}: the database already holds {have:,} notes")
            continue
        seconds = seed_notes(size - have, corpus=corpus, rng=rng, users=users, categories=categories)
        log(f"seeded {size - have:,} notes in {seconds:.0f}s ({size:,} in all)")
        have = size
        measured = measure(size, rng=random.Random(size), per_kind=args.queries, like_per_kind=args.like_queries,
                           like_budget=args.like_seconds, build=not args.skip_build)
        measured["seed_seconds"] = round(seconds, 1)
        out["sizes"].append(measured)
        print("BENCHPART " + json.dumps(measured, ensure_ascii=False), flush=True)  # kept if a later size times out


if __name__ == "__main__":
    sys.exit(main())
