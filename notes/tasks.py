"""Background jobs of notes (Huey on Redis: persisted, so a restart of the web process loses
nothing; eager in the embedded mode and in tests)."""

from __future__ import annotations

import logging

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, task

from notes import ranking

logger = logging.getLogger(__name__)


@task()
def note_card_delete_again(note_id: int) -> None:
    """The seed's delayed second delete: a few seconds after an edit committed, delete the card
    once more, in case a reader that had loaded the old row put it back in between (the lease
    check already refuses that; this is the belt to its braces)."""
    ranking.note_info_invalidate(note_id)


@db_periodic_task(crontab(minute=settings.NOTES_VISITS_FLUSH_CRON_MINUTES))
def notes_flush_visits() -> None:
    """Write the visits counted in Redis to the database, one flusher at a time."""
    from notes.services import visits_flush

    with HUEY.lock_task("notes-flush-visits"):
        written = visits_flush()
    if written:
        logger.info("Flushed %d note visits to the database", written)


@task()
def search_index_notes(note_ids: list[int]) -> None:
    """Rewrite these notes' search documents from the database (a comment changed: a long
    thread's text is rebuilt here, not in the request)."""
    from notes import search

    search.index_notes(note_ids)
