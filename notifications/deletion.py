"""notifications' part of an account deletion (the ``user_delete`` hook, accounts/deletion.py).

Goes: the member's own notifications (and their unread count in Redis, on commit). Changes: what
other people were told about the member's *signed* comments named them by username — those
notifications (and deliveries still fanning out) now say 已注销用户; on an anonymous note the actor
was 洞主 or an alias and stays exactly so. A pending reply to one of the member's comments is not
delivered to the gone account."""

from __future__ import annotations

from accounts.serializers import DELETED_DISPLAY_NAME
from notifications import cache
from notifications.models import Delivery, Notification
from treehole.effects import Repair, after_commit


def user_delete_step(*, user) -> None:
    Notification.objects.filter(user_id=user.pk).delete()
    user_id = user.pk
    after_commit(lambda: cache.unread_forget([user_id]), repair=Repair(cache.unread_repair, [user_id]))
    # Other readers' notifications of the member's signed comments (the comment FK has no database
    # constraint: the ids are looked up, then updated).
    from comments.models import Comment

    signed = list(Comment.objects.filter(author_id=user.pk, note__anonymous=False).values_list("pk", flat=True))
    if signed:
        Notification.objects.filter(comment_id__in=signed).update(actor_name=DELETED_DISPLAY_NAME)
    Delivery.objects.filter(actor_id=user.pk, note__anonymous=False).update(actor_name=DELETED_DISPLAY_NAME)
    Delivery.objects.filter(reply_to_user_id=user.pk, reply_done=False).update(reply_done=True)
