"""Per-note pseudonyms: Alice, Bob, … Zoe, then two-word forms (Alice Bob, …), then numbered.

The n-th distinct commenter of a note gets name(n). It depends only on the order people joined
that note's thread, never on who they are, so an alias in one note says nothing about the same
user's alias in another."""

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
