"""chat's step of ``manage.py import_seed``: the seed's ``message_basic`` rows (its chat room's
history). The seed copied the sender's username and avatar into every message; Treehole shows the
sender's current profile instead, so only who sent what, and when, is imported."""

from __future__ import annotations

from django.conf import settings

from accounts.models import User
from chat.models import ChatMessage
from chat.services import chat_message_import
from treehole.seedimport import BadRow, ImportReport, Outcome, SeedSource, clean, import_table, imported, row_identity, seed_id

COLUMNS = "id, deleted_at, identity, user_identity, date"  # `date` is the message's text (MessageBasic.Date)


def import_message(row: dict):
    identity = row_identity(row, ChatMessage, noun="message")
    if isinstance(identity, Outcome):
        return identity
    message_id, created_at = identity
    user_id = seed_id(row["user_identity"], what="user")
    if not User.objects.filter(pk=user_id).exists():
        raise BadRow(f"its sender {user_id} was not imported")
    content = clean(row["date"], what="content", max_length=settings.TREEHOLE_LIMITS["chat_message"], required=True)
    chat_message_import(message_id=message_id, user_id=user_id, content=content, created_at=created_at)
    return imported()


def seed_import_step(source: SeedSource, report: ImportReport) -> None:
    """The ``seed_import`` hook for chat messages."""
    import_table(source, report, "messages", "message_basic", COLUMNS, import_message)
