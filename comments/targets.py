"""Comments as a moderation target kind (registered in ``CommentsConfig.ready``): folding,
holding and deleting go through the comments services, which keep the comment cache right."""

from __future__ import annotations

from comments.services import comment_delete, comment_set_flags
from moderation.targets import ModelTarget


def _fold(comment, *, folded, **_):
    comment_set_flags(comment_id=comment.pk, folded=folded)


def _delete(comment, *, moderator, **_):
    comment_delete(user=moderator, comment_id=comment.pk)


def _approve(comment, **_):
    comment_set_flags(comment_id=comment.pk, held=False)


COMMENT_TARGET = ModelTarget(
    "comment", "comments.Comment", held_field="held", hidden_field="deleted", fold_service=_fold,
    hide_service=_delete, delete_service=_delete, approve_service=_approve, select_related=("author",),
)
