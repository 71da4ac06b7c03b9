"""Every write of notifications: recording events, the comment fan-out, withdrawal, marking
read and the purge.

Events arrive inside the writer's transaction (``handlers.py``). One-recipient events
(moderation, ban, report handled) insert their row right there, so the action and its
notification commit together. A comment's fan-out to every follower of its note is recorded as a
``Delivery`` row in the comment's transaction and run by the worker after the commit
(``tasks.deliver``), a batch of followers per transaction; the comment request itself pays one
INSERT and one enqueue whatever the number of followers.

After every commit that changed someone's unread rows, ``_announce`` drops their cached unread
counts (with a repair if Redis fails) and pushes the new notification and count to those of
them who have a live ``/ws/events/`` socket.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from notifications import cache, events
from notifications.models import Delivery, Notification
from treehole import clock
from treehole.effects import Repair, after_commit
from treehole.errors import InvalidInput, NotFound

logger = logging.getLogger(__name__)

Kind = Notification.Kind
READ_IDS_MAX = 100
DEADLOCK_RETRIES = 5


def comment_key(comment_id: int) -> str:
    return f"c{comment_id}"


def fold_key(note_id: int) -> str:
    return f"n{note_id}"


# --- telling the users after the commit -----------------------------------------------------------


def _announce(user_ids, **match) -> None:
    """After the commit: forget the users' unread counts; frame the live ones (their latest
    notification matching ``match``, when given, and their count)."""
    user_ids = list(dict.fromkeys(user_ids))
    if not user_ids:
        return
    after_commit(lambda: _tell(user_ids, match), repair=Repair(cache.unread_repair, [str(u) for u in user_ids]))


def _tell(user_ids: list[int], match: dict) -> None:
    from notifications.selectors import notifications_latest_for

    cache.unread_forget(user_ids)
    alive = events.alive_among(user_ids)
    if not alive:
        return
    counts = cache.unread_counts_fresh(alive)
    latest = notifications_latest_for(user_ids=alive, **match) if match else {}
    frames = {}
    for user_id in alive:
        frames[user_id] = ([{"type": "notification", "notification": latest[user_id]}] if user_id in latest else [])
        frames[user_id].append({"type": "unread", "count": counts.get(user_id, 0)})
    events.send_frames(frames)


def _insert_one(row: Notification) -> bool:
    """Insert unless this event already notified this user (the unique key decides)."""
    created = Notification.objects.bulk_create([row], ignore_conflicts=True)
    return bool(created)


# --- events recorded inside the writer's transaction --------------------------------------------


def comment_published(*, comment_id: int, note_id: int, author_id: int, display_name: str,
                      reply_to_author_id: int | None) -> None:
    """A comment became visible: record its fan-out, run by the worker after the commit."""
    key = comment_key(comment_id)
    Delivery.objects.bulk_create([Delivery(
        event_key=key, note_id=note_id, comment_id=comment_id, actor_id=author_id, actor_name=display_name,
        reply_to_user_id=reply_to_author_id, created_at=clock.now(),
    )], ignore_conflicts=True)
    after_commit(lambda: _enqueue_delivery(key))


def _enqueue_delivery(key: str) -> None:
    from notifications.tasks import deliver

    delivery_id = Delivery.objects.filter(event_key=key).values_list("pk", flat=True).first()
    if delivery_id is not None:
        deliver(delivery_id)


def comment_withdrawn(*, comment_id: int) -> None:
    """A comment was deleted or hidden: stop its fan-out and withdraw what it already wrote
    (after the commit, in the worker)."""
    Delivery.objects.filter(event_key=comment_key(comment_id)).update(withdrawn=True)
    after_commit(lambda: _enqueue_withdraw(comment_id))


def _enqueue_withdraw(comment_id: int) -> None:
    from notifications.tasks import withdraw

    withdraw(comment_id)


def content_moderated(*, action: str, target_type: str, target_id: int, author_id: int | None, actor_id: int | None,
                      reason: str, excerpt: str, event_id: str) -> None:
    """Tell the author what a moderator (or the report threshold) did to their content."""
    if author_id is None or author_id == actor_id:
        return
    note_id = comment_id = None
    if target_type == "note":
        note_id = target_id
    elif target_type == "comment":
        from comments.models import Comment

        comment_id = target_id
        note_id = Comment.objects.filter(pk=target_id).values_list("note_id", flat=True).first()
        if note_id is None:
            comment_id = None
    if note_id is not None:
        from notes.models import Note

        if not Note.objects.filter(pk=note_id).exists():
            note_id = comment_id = None
    now = clock.now()
    key = f"mod:{event_id}"
    row = Notification(
        user_id=author_id, kind=Kind.MODERATION, note_id=note_id, comment_id=comment_id, event_key=key,
        detail={"action": action, "target_type": target_type, "reason": reason or "", "excerpt": excerpt or ""},
        created_at=now, updated_at=now,
    )
    if _insert_one(row):
        _announce([author_id], event_key=key)


def user_banned(*, user_id: int, actor_id: int | None, until, reason: str, event_id: str) -> None:
    if user_id == actor_id:
        return
    now = clock.now()
    key = f"ban:{event_id}"
    row = Notification(user_id=user_id, kind=Kind.BAN, event_key=key, created_at=now, updated_at=now,
                       detail={"until": until.isoformat() if until else None, "reason": reason or ""})
    if _insert_one(row):
        _announce([user_id], event_key=key)


def reports_closed(*, outcome: str, reports, actor_id: int | None) -> None:
    """Each reporter learns only that their report was handled, or that nothing was wrong."""
    from moderation.models import REPORTER_OUTCOMES

    told = REPORTER_OUTCOMES.get(outcome)
    if told is None:
        return
    now = clock.now()
    rows = [
        Notification(user_id=reporter_id, kind=Kind.REPORT_HANDLED, event_key=f"report:{report_id}",
                     detail={"outcome": str(told)}, created_at=now, updated_at=now)
        for report_id, reporter_id in reports if reporter_id is not None and reporter_id != actor_id
    ]
    if rows:
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        _announce([row.user_id for row in rows], kind=Kind.REPORT_HANDLED)


# --- the worker's fan-out -----------------------------------------------------------------------


def _locked(delivery_id: int) -> Delivery | None:
    return Delivery.objects.select_for_update().filter(pk=delivery_id).first()


def delivery_run(*, delivery_id: int) -> int:
    """Write a comment's notifications: the replied-to author's ``reply``, then every follower's
    ``comment`` (folded into their unread one for this note), a batch per transaction, resuming
    from the committed cursor. Returns how many users were told by this run."""
    told = 0
    with transaction.atomic():
        delivery = _locked(delivery_id)
        if delivery is None or delivery.done_at is not None:
            return 0
        if not delivery.reply_done:
            target = delivery.reply_to_user_id
            if (not delivery.withdrawn and target is not None and target != delivery.actor_id
                    and delivery.comment_id is not None and delivery.note_id is not None):
                now = clock.now()
                if _insert_one(Notification(
                    user_id=target, kind=Kind.REPLY, note_id=delivery.note_id, comment_id=delivery.comment_id,
                    actor_name=delivery.actor_name, event_key=delivery.event_key, created_at=now, updated_at=now,
                )):
                    told += 1
                    _announce([target], event_key=delivery.event_key)
            delivery.reply_done = True
            delivery.save(update_fields=["reply_done"])
    while True:
        for attempt in range(DEADLOCK_RETRIES):
            try:
                written = _delivery_batch(delivery_id)
                break
            except OperationalError as exc:
                # Two fan-outs upserting into the same users' rows can deadlock on the unique
                # index; InnoDB rolled this batch back whole (cursor included): run it again.
                if exc.args and exc.args[0] in (1213, 1205) and attempt + 1 < DEADLOCK_RETRIES:
                    time.sleep(0.01 * (attempt + 1))
                    continue
                raise
        if written is None:
            return told
        told += written


def _delivery_batch(delivery_id: int) -> int | None:
    """One batch of followers in one transaction; None when the delivery is finished."""
    with transaction.atomic():
        delivery = _locked(delivery_id)
        if delivery is None or delivery.done_at is not None:
            return None
        followers = []
        if not delivery.withdrawn and delivery.note_id is not None and delivery.comment_id is not None:
            from notes.selectors import note_follower_ids

            followers = note_follower_ids(note_id=delivery.note_id, after=delivery.cursor,
                                          limit=settings.NOTIFICATIONS_FANOUT_BATCH)
        if not followers:
            delivery.done_at = clock.now()
            delivery.save(update_fields=["done_at"])
            return None
        skip = {delivery.actor_id, delivery.reply_to_user_id}
        recipients = [user_id for user_id in followers if user_id not in skip]
        _fold_comment_rows(delivery, recipients)
        delivery.cursor = followers[-1]
        delivery.save(update_fields=["cursor"])
        _announce(recipients, kind=Kind.COMMENT, note_id=delivery.note_id)
        return len(recipients)


def _fold_comment_rows(delivery: Delivery, user_ids: list[int]) -> None:
    """One multi-row upsert: a new unread ``comment`` row per user, or ``count + 1`` on the
    user's unread one for this note (the ``(user, fold_key)`` unique key decides)."""
    if not user_ids:
        return
    now = clock.now()
    table = connection.ops.quote_name(Notification._meta.db_table)
    columns = ("user_id", "kind", "note_id", "comment_id", "actor_name", "count", "detail", "event_key", "fold_key",
               "created_at", "updated_at")
    value = Notification._meta.get_field("created_at").get_db_prep_value(now, connection)
    detail = "{}"
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        params = []
        for user_id in user_ids:
            params += [user_id, Kind.COMMENT.value, delivery.note_id, delivery.comment_id, delivery.actor_name, 1, detail,
                       delivery.event_key, fold_key(delivery.note_id), value, value]
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([row] * len(user_ids))} "
            "ON DUPLICATE KEY UPDATE `count` = `count` + 1, `updated_at` = VALUES(`updated_at`)",
            params,
        )


def withdraw_run(*, comment_id: int) -> int:
    """Withdraw a deleted or hidden comment's notifications: a row it made alone goes; a folded
    row it started counts one less (its text is gone with the comment). Returns rows touched."""
    key = comment_key(comment_id)
    with transaction.atomic():
        # Waits for a fan-out batch in flight; the next one sees ``withdrawn`` and stops.
        Delivery.objects.select_for_update().filter(event_key=key).first()
        rows = Notification.objects.filter(event_key=key, comment_id=comment_id)
        unread_users = list(rows.filter(read_at__isnull=True).values_list("user_id", flat=True))
        gone, _ = rows.filter(count__lte=1).delete()
        fewer = rows.filter(count__gt=1).update(count=F("count") - 1)
        _announce(unread_users)
    return gone + fewer


def _ensure_ids(ids) -> list[int]:
    if not isinstance(ids, list) or not ids:
        raise InvalidInput(fields={"ids": [_("请给出要标为已读的通知。")]})
    if len(ids) > READ_IDS_MAX:
        raise InvalidInput(fields={"ids": [_("一次最多 %(n)d 条。") % {"n": READ_IDS_MAX}]})
    clean = []
    for value in ids:
        if isinstance(value, bool):
            raise InvalidInput(fields={"ids": [_("通知编号无效。")]})
        text = str(value)
        if not text.isdigit() or len(text) > 19:
            raise InvalidInput(fields={"ids": [_("通知编号无效。")]})
        clean.append(int(text))
    return list(dict.fromkeys(clean))


def notifications_mark_read(*, user, ids=None, all: bool = False) -> int:  # noqa: A002 - the contract's name
    """Mark the user's notifications read (``ids``, or ``all``); returns how many stay unread.
    An id that is not the caller's is a 404 and nothing is marked. Idempotent."""
    now = clock.now()
    with transaction.atomic():
        mine = Notification.objects.filter(user_id=user.pk)
        if all:
            changed = mine.filter(read_at__isnull=True).update(read_at=now, fold_key=None)
        else:
            wanted = _ensure_ids(ids)
            found = set(mine.filter(pk__in=wanted).values_list("pk", flat=True))
            if len(found) != len(wanted):
                raise NotFound(_("通知不存在。"))
            changed = mine.filter(pk__in=wanted, read_at__isnull=True).update(read_at=now, fold_key=None)
        left = mine.filter(read_at__isnull=True).count()
        if changed:
            _announce([user.pk])
    return left


def notification_open(*, user, notification_id: int) -> Notification:
    """The user opened one of their notifications: it is read. 404 for anyone else's."""
    from notifications.selectors import notification_for_open

    row = notification_for_open(user=user, notification_id=notification_id)
    if row is None:
        raise NotFound(_("通知不存在。"))
    if row.read_at is None:
        notifications_mark_read(user=user, ids=[row.pk])
    return row


def notifications_purge(*, older_than_days: int | None = None, batch: int = 5000) -> int:
    """Delete notifications not changed for the retention period (and finished deliveries of the
    same age), a batch per transaction. Returns how many notifications went."""
    days = settings.NOTIFICATIONS_RETENTION_DAYS if older_than_days is None else older_than_days
    cutoff = clock.now() - timedelta(days=days)
    total = 0
    while True:
        with transaction.atomic():
            rows = list(Notification.objects.filter(updated_at__lt=cutoff).order_by("id").values_list("pk", "user_id", "read_at")[:batch])
            if not rows:
                break
            Notification.objects.filter(pk__in=[pk for pk, _u, _r in rows]).delete()
            _announce([user_id for _pk, user_id, read_at in rows if read_at is None])
            total += len(rows)
    Delivery.objects.filter(done_at__lt=cutoff).delete()
    return total


def deliveries_resend(*, older_than_seconds: int | None = None) -> int:
    """Enqueue again the deliveries that should have finished by now (a lost task)."""
    from notifications.tasks import deliver

    seconds = settings.NOTIFICATIONS_REDELIVER_AFTER_SECONDS if older_than_seconds is None else older_than_seconds
    ids = list(Delivery.objects.filter(done_at__isnull=True, created_at__lt=clock.now() - timedelta(seconds=seconds))
               .order_by("created_at").values_list("pk", flat=True)[:1000])
    for delivery_id in ids:
        deliver(delivery_id)
    return len(ids)
