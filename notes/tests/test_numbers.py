"""Public note numbers (#1234): publishing order, never reused, race-free on real MariaDB."""

from __future__ import annotations

import importlib
import threading
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.db import connection, transaction

from notes.models import Note, NoteSequence
from notes.services import note_create, note_delete
from treehole import clock
from treehole.testing import make_note, make_user

transactional = pytest.mark.django_db(transaction=True)


def test_numbers_follow_publishing_order(author, categories):
    first, second, third = (make_note(author) for _ in range(3))
    assert [first.number, second.number, third.number] == [first.number, first.number + 1, first.number + 2]


def test_a_deleted_notes_number_is_never_handed_out_again(author, categories):
    make_note(author)
    last = make_note(author)
    note_delete(note_id=last.pk, user=author)
    after = make_note(author)
    assert after.number == last.number + 1


def test_a_post_that_fails_gives_its_number_back(author, categories):
    before = make_note(author)
    with pytest.raises(Exception):
        with transaction.atomic():
            make_note(author)
            raise RuntimeError("the request failed after the insert")
    assert make_note(author).number == before.number + 1


def test_a_refused_post_takes_no_number(author, categories):
    from treehole.errors import InvalidInput

    before = make_note(author)
    with pytest.raises(InvalidInput):
        note_create(author=author, title="", content="正文", category="emotion")
    assert make_note(author).number == before.number + 1


@transactional
def test_twenty_concurrent_posts_get_twenty_distinct_consecutive_numbers(categories):
    authors = [make_user() for _ in range(20)]
    start = NoteSequence.objects.filter(name="note").values_list("last", flat=True).first() or 0
    barrier = threading.Barrier(len(authors))
    numbers: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def post(user):
        try:
            barrier.wait()
            note = note_create(author=user, title="同时发帖", content="大家一起发", category="life")
            with lock:
                numbers.append(note.number)
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(user,)) for user in authors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sorted(numbers) == list(range(start + 1, start + 21))
    stored = sorted(Note.objects.values_list("number", flat=True))
    assert stored == list(range(start + 1, start + 21))
    assert NoteSequence.objects.get(name="note").last == start + 20


def test_the_data_migration_numbers_existing_notes_in_creation_order(author, categories):
    """The migration's data step (0005) gives notes that existed before numbers their creation order."""
    migration = importlib.import_module("notes.migrations.0005_numbers_revisions_polls_filters")
    now = clock.now()
    made = [make_note(author) for _ in range(4)]
    # Creation times that disagree with the insertion order, and numbers that are wrong.
    times = [now - timedelta(hours=1), now - timedelta(hours=3), now - timedelta(hours=2), now - timedelta(hours=3)]
    for index, (note, when) in enumerate(zip(made, times)):
        Note.objects.filter(pk=note.pk).update(created_at=when, number=1000 + index)
    migration.number_existing_notes(django_apps, None)
    expected = sorted(made, key=lambda note: (times[made.index(note)], note.pk))
    assert [Note.objects.get(pk=note.pk).number for note in expected] == [1, 2, 3, 4]
    assert NoteSequence.objects.get(name="note").last == 4
    assert make_note(author).number == 5


def test_every_note_object_and_the_cached_card_carry_the_number(author, categories, api_client):
    from notes import ranking
    from treehole.redis import get_redis

    note = make_note(author)
    listed = api_client.get("/api/v1/notes", {"order": "new"}).json()["results"]
    assert [item["number"] for item in listed] == [note.number]
    assert api_client.get(f"/api/v1/notes/{note.pk}").json()["number"] == note.number
    assert get_redis().hget(ranking.info_key(note.pk), "number") == str(note.number)


@pytest.mark.parametrize("path", ["list", "detail"])
def test_a_card_cached_before_the_upgrade_is_read_again(author, categories, api_client, path):
    """A card written by the previous release (no ``number``, no ``fmt``) is refilled, never served short."""
    from notes import ranking
    from treehole.redis import get_redis

    note = make_note(author)
    api_client.get("/api/v1/notes", {"order": "new"})
    get_redis().hdel(ranking.info_key(note.pk), "number", "fmt")
    if path == "list":
        answer = api_client.get("/api/v1/notes", {"order": "new"})
        assert answer.status_code == 200
        assert answer.json()["results"][0]["number"] == note.number
    else:
        answer = api_client.get(f"/api/v1/notes/{note.pk}")
        assert answer.status_code == 200
        assert answer.json()["number"] == note.number
    assert get_redis().hget(ranking.info_key(note.pk), "number") == str(note.number)
