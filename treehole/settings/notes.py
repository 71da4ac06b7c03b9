"""Notes: rankings, the card cache, visits."""

from .base import env

# --- Notes (issue: notes) -----------------------------------------------------------------------
# Only the top NOTES_RANK_SIZE notes of each ranking (hot/new, global and per category) stay in
# Redis; deeper pages come from the database in the same order. Hot score = creation time in
# seconds + NOTES_VOTE_WEIGHT x net votes cast within NOTES_VOTE_WINDOW_SECONDS of creation.
NOTES_RANK_SIZE = env.int("NOTES_RANK_SIZE", default=2000)
NOTES_VOTE_WEIGHT = env.int("NOTES_VOTE_WEIGHT", default=500)
NOTES_VOTE_WINDOW_SECONDS = env.int("NOTES_VOTE_WINDOW_SECONDS", default=7 * 24 * 3600)
# Cards of notes outside the rankings live this long (plus jitter); absent ids for the short one.
NOTES_CACHE_TTL_SECONDS = env.int("NOTES_CACHE_TTL_SECONDS", default=12 * 3600)
NOTES_CACHE_ABSENT_TTL_SECONDS = env.int("NOTES_CACHE_ABSENT_TTL_SECONDS", default=60)
NOTES_CACHE_JITTER = env.float("NOTES_CACHE_JITTER", default=0.1)
NOTES_CACHE_LOCK_MS = env.int("NOTES_CACHE_LOCK_MS", default=3000)
NOTES_CACHE_WAIT_SECONDS = env.float("NOTES_CACHE_WAIT_SECONDS", default=3.0)
NOTES_COUNT_TTL_SECONDS = env.int("NOTES_COUNT_TTL_SECONDS", default=600)
NOTES_BUILD_LOCK_MS = env.int("NOTES_BUILD_LOCK_MS", default=30_000)
NOTES_TOMBSTONE_SECONDS = env.int("NOTES_TOMBSTONE_SECONDS", default=60)
# The seed's delayed second delete of a card after an edit (a persisted Huey task).
NOTES_SECOND_DELETE_SECONDS = env.int("NOTES_SECOND_DELETE_SECONDS", default=3)
# Visits counted in Redis are written to the database by a periodic task (cron minutes).
NOTES_VISITS_FLUSH_CRON_MINUTES = env.str("NOTES_VISITS_FLUSH_CRON_MINUTES", default="*")

