"""The notifications' Redis keys: each user's unread count, cache-aside (``treehole/cache.py``).

``notif:unread:{user}`` holds the number of unread notifications as a string. Every write that
changes it (a delivery, a withdrawal, marking read, the purge) deletes it with its lease after
the commit, and the next reader refills it from one COUNT (single flight, a fill that read the
database before a write is refused by the lease). So a warm count costs no SQL, and a lost key
costs one query. ``rebuild_redis`` (the step below, registered in apps.py) drops every key and refills those of the
users who have anything unread.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from redis.exceptions import RedisError

from treehole import cache
from treehole.redis import get_redis, key


def unread_key(user_id: int) -> str:
    return key("notif", "unread", user_id)


def _lease_key(user_id: int) -> str:
    return key("notif", "unread", "lease", user_id)


def _policy() -> cache.Policy:
    return cache.Policy(ttl=settings.NOTIFICATIONS_UNREAD_TTL_SECONDS, absent_ttl=60)


def _count_from_db(user_id: int) -> int:
    from notifications.models import Notification

    return Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()


def unread_count(user_id: int) -> int:
    """The user's unread count: Redis when warm (no SQL), else one COUNT that fills it; the
    database alone while Redis is away."""
    try:
        value = cache.read_through(
            unread_key(user_id), lease_key=_lease_key(user_id), load=lambda: str(_count_from_db(user_id)),
            policy=_policy(), mode="s",
        )
    except RedisError:
        return _count_from_db(user_id)
    return int(value or 0)


def unread_forget(user_ids: Iterable[int]) -> None:
    """After a commit that changed these users' unread rows: drop their counts and leases, in
    one command per 1,000 users."""
    ids = list(dict.fromkeys(int(user_id) for user_id in user_ids))
    client = get_redis()
    for start in range(0, len(ids), 1000):
        chunk = ids[start:start + 1000]
        client.delete(*(unread_key(u) for u in chunk), *(_lease_key(u) for u in chunk))


def unread_repair(user_ids: list[int]) -> None:
    """The repair of a failed ``unread_forget`` (``treehole.effects.Repair``): the same, later."""
    unread_forget(user_ids)


def unread_counts_fresh(user_ids: Iterable[int]) -> dict[int, int]:
    """The current unread counts of these users, read from the database and stored: each lease
    is taken *before* the one GROUP BY (a write committed after it deletes the lease, and our
    fill is then refused), so a stored count is never older than a committed write."""
    from django.db.models import Count

    from notifications.models import Notification

    ids = list(dict.fromkeys(int(user_id) for user_id in user_ids))
    if not ids:
        return {}
    tokens = {user_id: cache.lease_take(_lease_key(user_id)) for user_id in ids}
    counts = dict.fromkeys(ids, 0)
    rows = (Notification.objects.filter(user_id__in=ids, read_at__isnull=True).order_by()
            .values_list("user_id").annotate(n=Count("id")).values_list("user_id", "n"))
    counts.update(rows)
    policy = _policy()
    for user_id, count in counts.items():
        cache.fill(unread_key(user_id), str(count), lease_key=_lease_key(user_id), token=tokens[user_id],
                   policy=policy, mode="s")
    return counts


def rebuild_unread_counts(stdout) -> None:
    """``manage.py rebuild_redis``: every unread count, from the database."""
    from notifications.models import Notification

    client = get_redis()
    dropped = 0
    batch: list[str] = []
    for name in client.scan_iter(match=key("notif", "unread", "*"), count=1000):
        batch.append(name)
        if len(batch) >= 1000:
            dropped += client.delete(*batch)
            batch = []
    if batch:
        dropped += client.delete(*batch)
    users = list(Notification.objects.filter(read_at__isnull=True).order_by("user_id").values_list("user_id", flat=True).distinct())
    for start in range(0, len(users), 1000):
        unread_counts_fresh(users[start:start + 1000])
    stdout.write(f"Notifications: dropped {dropped} keys, refilled the unread counts of {len(users)} users.")
