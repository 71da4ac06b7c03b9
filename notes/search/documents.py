"""What the index holds for one note: its normalised text and the few columns search filters on.

One document per note that someone may find: a visible note (``public``), or a note held for
review (found only by its author, like 我的帖子 shows it). A note hidden by a moderator, or
deleted, has no document. ``comments`` is the text of the note's signed comments (comments on a
note published under a name; held and deleted ones left out), searched when the 包括评论 switch is
on. ``people`` names the authors a query may find by username: ``a<id>`` for the author of a
signed note and ``c<id>`` for each signed commenter — an anonymous note carries none, so nobody is
ever found by the name of an anonymous author.

Comments live in a higher app: notes reads them through the ``search_comments`` hook (see
:func:`comment_texts`), never by importing it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from notes.search.text import normalize
from treehole import hooks

COMMENTS_CHARS = 100_000  # of comment text per note, newest floors dropped beyond it


@dataclass(frozen=True)
class CommentText:
    id: int
    floor: int
    author_id: int
    content: str


@dataclass(frozen=True)
class Document:
    id: int
    category_id: int
    author_id: int
    public: bool
    created_ms: int
    version: int
    title: str
    body: str
    comments: str
    people: str


def created_ms(note) -> int:
    return int(note.created_at.timestamp() * 1000)


def indexable(note) -> bool:
    """Visible notes and held ones (for their author); never a note hidden by a moderator."""
    return not note.hidden or note.held


def comment_texts(note_ids: Sequence[int]) -> dict[int, list[CommentText]]:
    """The searchable comments of these notes, by note, in floor order, from every registered
    ``search_comments`` hook: ``hook(note_ids) -> {note_id: [CommentText]}`` (comments registers
    one that answers for signed notes only, without deleted or held comments)."""
    found: dict[int, list[CommentText]] = {}
    if not note_ids:
        return found
    for hook in hooks.get_hooks("search_comments"):
        for note_id, texts in hook(list(note_ids)).items():
            found.setdefault(note_id, []).extend(texts)
    return found


def build(notes: Iterable, comments: dict[int, list[CommentText]] | None = None) -> list[Document]:
    """Documents for these note rows (those that should have one)."""
    notes = [note for note in notes if indexable(note)]
    if comments is None:
        comments = comment_texts([note.pk for note in notes if not note.anonymous])
    documents = []
    for note in notes:
        people = [] if note.anonymous else [f"a{note.author_id}"]
        texts, size = [], 0
        for comment in ([] if note.anonymous else comments.get(note.pk, [])):
            if size + len(comment.content) > COMMENTS_CHARS:
                break
            texts.append(normalize(comment.content))
            size += len(comment.content)
            people.append(f"c{comment.author_id}")
        documents.append(Document(
            id=note.pk, category_id=note.category_id, author_id=note.author_id, public=not note.hidden,
            created_ms=created_ms(note), version=note.version, title=normalize(note.title),
            body=normalize(note.content), comments="\n".join(texts), people=" ".join(dict.fromkeys(people)),
        ))
    return documents
