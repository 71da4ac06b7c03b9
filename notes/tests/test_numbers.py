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
@pytest.mark.parametrize("sequence_row", ["present", "missing"])
def test_twenty_concurrent_posts_get_twenty_distinct_consecutive_numbers(categories, sequence_row):
    authors = [make_user() for _ in range(20)]
    make_note(authors[0])
    if sequence_row == "missing":  # emptied since the migration made it: the first posts make it again
        NoteSequence.objects.all().delete()
    start = Note.objects.order_by("-number").values_list("number", flat=True).first()
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
    assert stored == list(range(start, start + 21))
    assert NoteSequence.objects.get(name="note").last == start + 20


def test_the_data_migration_numbers_existing_notes_in_creation_order(author, categories):
    """The migration's data step (0006) gives notes that existed before numbers their creation order."""
    migration = importlib.import_module("notes.migrations.0006_numbers_revisions_polls_filters")
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


def test_by_number_answers_the_note_and_404s_for_unknown_or_hidden_ones(author, categories, api_client):
    from notes.services import note_set_hidden
    from treehole.testing import assert_error

    make_note(author)
    note = make_note(author, title="按编号找")
    answer = api_client.get(f"/api/v1/notes/by-number/{note.number}")
    assert answer.status_code == 200
    assert answer.json()["id"] == str(note.pk) and answer.json()["title"] == "按编号找"
    assert_error(api_client.get(f"/api/v1/notes/by-number/{note.number + 100}"), 404, "not_found")
    assert_error(api_client.get("/api/v1/notes/by-number/0"), 400, "invalid")
    assert_error(api_client.get("/api/v1/notes/by-number/abc"), 400, "invalid")
    assert_error(api_client.get(f"/api/v1/notes/by-number/{2**40}"), 400, "invalid")
    note_set_hidden(note_id=note.pk, hidden=True)
    assert_error(api_client.get(f"/api/v1/notes/by-number/{note.number}"), 404, "not_found")


def test_slash_n_number_redirects_to_the_note(author, categories):
    from django.test import Client

    from notes.services import note_delete

    note = make_note(author)
    for path in (f"/n/{note.number}", f"/n/{note.number}/"):
        answer = Client().get(path)
        assert answer.status_code == 302 and answer["Location"] == f"/notes/{note.pk}/"
    note_delete(note_id=note.pk, user=author)
    assert Client().get(f"/n/{note.number}").status_code == 404
    assert Client().get("/n/99999999999").status_code == 404


def test_the_number_is_in_the_openapi_schema_with_its_constraints(api_client):
    schema = api_client.get("/api/v1/openapi.json").json()
    note = schema["components"]["schemas"]["NoteOut"]
    assert note["properties"]["number"]["type"] == "integer" and note["properties"]["number"]["minimum"] == 1
    assert "number" in note["required"]
    parameters = schema["paths"]["/api/v1/notes/by-number/{number}"]["get"]["parameters"]
    assert parameters[0]["schema"]["minimum"] == 1 and parameters[0]["schema"]["maximum"] == 2**31 - 1
