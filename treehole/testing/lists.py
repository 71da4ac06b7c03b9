"""Reading whole note lists in tests: the order the database says, and every page of the API."""

from __future__ import annotations


def database_order(order: str, category: str | None = None) -> list[str]:
    """The visible notes' ids as the list ``order`` ("hot" or "new") must give them."""
    from notes.models import Note

    notes = Note.objects.filter(hidden=False)
    if category:
        notes = notes.filter(category__slug=category)
    ordering = ("-score", "-id") if order == "hot" else ("-created_at", "-id")
    return [str(pk) for pk in notes.order_by(*ordering).values_list("pk", flat=True)]


def walk(client, order: str, size: int = 4, category: str | None = None) -> list[str]:
    """Every id of a list, page after page from page 1 until has_next is false; each page
    answers 200 and counts every visible note in ``total``."""
    seen, page = [], 1
    while True:
        params = {"order": order, "size": size, "page": page, **({"category": category} if category else {})}
        response = client.get_json("/api/v1/notes", params)
        assert response.status_code == 200, response.content
        body = response.json()
        seen += [note["id"] for note in body["results"]]
        assert body["total"] == len(database_order(order, category))
        if not body["has_next"]:
            return seen
        page += 1
