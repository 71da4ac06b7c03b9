"""Notifications (notifications/)."""

from .base import env

# Notifications whose last change is older than this many days are purged by a periodic job.
NOTIFICATIONS_RETENTION_DAYS = env.int("NOTIFICATIONS_RETENTION_DAYS", default=90)
NOTIFICATIONS_PURGE_CRON_HOUR = env.str("NOTIFICATIONS_PURGE_CRON_HOUR", default="4")
# Followers written per transaction by the comment fan-out (one multi-row upsert each).
NOTIFICATIONS_FANOUT_BATCH = env.int("NOTIFICATIONS_FANOUT_BATCH", default=1000)
# A delivery not finished this long after its comment is enqueued again by the periodic sweep
# (its task was lost: Redis away at enqueue time, a worker killed mid-way).
NOTIFICATIONS_REDELIVER_AFTER_SECONDS = env.int("NOTIFICATIONS_REDELIVER_AFTER_SECONDS", default=120)
# The cached unread count of a user (it is invalidated on every change; the TTL only bounds memory).
NOTIFICATIONS_UNREAD_TTL_SECONDS = env.int("NOTIFICATIONS_UNREAD_TTL_SECONDS", default=86400)
