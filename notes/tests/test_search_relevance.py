"""Relevance on a fixed corpus with judged queries (notes/tests/search_relevance_corpus.py):
precision@5 of the search against the LIKE '%q%' newest-first search it replaces, on both engines.

precision@5 of one query = judged-relevant notes among the first 5 results / min(5, number of
judged-relevant notes), so a query with two right answers scores 1.0 when both come first.
The numbers are printed (``pytest -s``) and recorded in docs/search.md.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Q

from notes import search
from notes.models import Note
from notes.tests.search_relevance_corpus import NOTES, QUERIES
from treehole.testing.search import engine  # noqa: F401 - fixture
from treehole import clock
from treehole.testing import make_note

pytestmark = pytest.mark.django_db
K = 5


def precision(ranked: list[str], relevant: set[str]) -> float:
    return len([key for key in ranked[:K] if key in relevant]) / min(K, len(relevant))


@pytest.fixture
def corpus(engine, author, categories):
    start = clock.now() - timedelta(days=len(NOTES))
    keys = {}
    for day, (key, title, content) in enumerate(NOTES):
        note = make_note(author, title=title, content=content)
        Note.objects.filter(pk=note.pk).update(created_at=start + timedelta(days=day))
        keys[note.pk] = key
    search.index_notes(keys)
    return keys


def like_search(q: str) -> list[int]:
    """What search was before: the whole query as one substring, newest first."""
    notes = Note.objects.filter(hidden=False).filter(Q(title__icontains=q) | Q(content__icontains=q))
    return list(notes.order_by("-created_at", "-id").values_list("pk", flat=True)[:K])


def test_search_beats_like_on_judged_queries(corpus, engine):
    new_scores, like_scores, lines = [], [], []
    for q, mode, relevant in QUERIES:
        answer = search.note_search(q=q, mode=mode, size=K)
        ranked = [corpus[int(note["id"])] for note in answer.page.results]
        liked = [corpus[pk] for pk in like_search(q)]
        new_scores.append(precision(ranked, relevant))
        like_scores.append(precision(liked, relevant))
        lines.append(f"  {q!r:16} {mode:5} search {new_scores[-1]:.2f} {ranked}  LIKE {like_scores[-1]:.2f} {liked}")
    new, like = sum(new_scores) / len(QUERIES), sum(like_scores) / len(QUERIES)
    print(f"\nprecision@5 over {len(QUERIES)} judged queries ({engine.name}): search {new:.3f}, LIKE {like:.3f}")
    print("\n".join(lines))
    assert len(QUERIES) >= 30
    assert new > like + 0.2
    assert new >= 0.85
    # Never worse than LIKE on a query where LIKE already found what was wanted.
    assert all(n >= l for n, l in zip(new_scores, like_scores)), lines
