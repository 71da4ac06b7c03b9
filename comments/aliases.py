"""Per-note pseudonyms: Alice, Bob, … Zoe, then two-word forms (Alice Bob, …), then numbered.

The n-th distinct commenter of a note gets name(n). It depends only on the order people joined
that note's thread, never on who they are, so an alias in one note says nothing about the same
user's alias in another."""

from accounts.serializers import DELETED_DISPLAY_NAME
from notes.serializers import ANONYMOUS_DISPLAY_NAME

NAMES = (
    "Alice", "Bob", "Carol", "Dave", "Eve", "Frank", "Grace", "Heidi", "Ivan", "Judy", "Kevin", "Linda",
    "Mallory", "Niaj", "Olivia", "Peggy", "Quentin", "Rupert", "Sybil", "Trent", "Ursula", "Victor",
    "Walter", "Xavier", "Yvonne", "Zoe",
)


def alias_name(number: int) -> str:
    """``number`` is 0-based."""
    count = len(NAMES)
    if number < count:
        return NAMES[number]
    number -= count
    if number < count * count:
        first, second = divmod(number, count)
        return f"{NAMES[first]} {NAMES[second]}"
    return f"{NAMES[number % count]} {number // count}"


def comment_display_name(*, note, user_id: int, username: str, alias_number: int | None) -> str:
    """The name a comment shows: the username on a signed note; on an anonymous one, 洞主 for the
    note's author and the commenter's alias (``alias_number``, 0-based) for everyone else. A
    signed comment of a deleted account (``username`` "") shows 已注销用户."""
    if not note.anonymous:
        return username or DELETED_DISPLAY_NAME
    if user_id == note.author_id:
        return ANONYMOUS_DISPLAY_NAME
    return alias_name(alias_number or 0)


def reserved_names() -> tuple[str, ...]:
    """Nobody may register an alias as their username (the ``reserved_usernames`` hook): a
    member called Alice could pass for a thread's anonymous Alice."""
    return (*NAMES, ANONYMOUS_DISPLAY_NAME)
