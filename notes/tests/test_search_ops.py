"""Search operations: the rate limit and load shedding, the OpenAPI schema, the migration and the
index's upkeep (rebuild_search with progress, reconciliation, the background job)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection

from notes import search
from notes.models import Note
from notes.search import load
from notes.search.backends import mroonga as mroonga_backend
from treehole.testing.search import engine, mroonga  # noqa: F401 - fixtures
from treehole.testing import ApiClient, assert_error, make_note, make_user, token_client

pytestmark = pytest.mark.django_db

URL = "/api/v1/notes/search"


def found(q, client=None, **params):
    response = (client or ApiClient()).get_json(URL, {"q": q, **params})
    assert response.status_code == 200, response.content[:300]
    return [note["id"] for note in response.json()["results"]]


# --- Rate limit and shedding ----------------------------------------------------------------------

def test_search_has_its_own_bucket_per_user(engine, settings, author, categories):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "search": (0.001, 2)}
    make_note(author, title="猫", content="猫")
    me, someone = token_client(author), token_client(make_user())
    assert found("猫", me) and found("猫", me)
    refused = me.get_json(URL, {"q": "猫"})
    assert_error(refused, 429, "rate_limited")
    assert int(refused["Retry-After"]) >= 1
    assert me.get_json("/api/v1/notes").status_code == 200  # other reads are not rationed by it
    assert found("猫", someone)  # another user has a bucket of their own
    # A typo costs nothing: invalid input is refused before a token is taken.
    assert_error(someone.get_json(URL, {"q": ""}), 400, "invalid", "q")
    assert_error(someone.get_json(URL, {"q": "猫", "mode": "x"}), 400, "invalid", "mode")
    assert found("猫", someone)


def test_search_is_shed_first_when_the_site_is_busy(engine, settings, author, categories):
    make_note(author, title="猫", content="猫")
    # A global bucket with 10 tokens and no refill: below the shedding line after a few requests.
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "global": (0.0001, 10)}
    settings.SEARCH_SHED_GLOBAL_BELOW = 0.5
    client = token_client(author)
    answers = [client.get_json(URL, {"q": "猫"}).status_code for _ in range(6)]
    assert answers[:4] == [200, 200, 200, 200] and answers[5] == 503
    shed = client.get_json(URL, {"q": "猫"})
    assert_error(shed, 503, "unavailable")
    assert shed["Retry-After"] == str(settings.SEARCH_SHED_RETRY_SECONDS)
    assert client.get_json("/api/v1/notes").status_code == 200  # the other reads still answer
    page = client.get("/notes/search/", {"q": "猫"})
    assert page.status_code == 503 and "搜索暂停" in page.content.decode()


def test_search_is_shed_when_the_engine_is_slow(engine, settings, author, categories):
    make_note(author, title="猫", content="猫")
    settings.SEARCH_SHED_LATENCY_MS = 0  # any real query is "slow"
    settings.SEARCH_SHED_PROBE_SECONDS = 3600
    client = ApiClient()
    assert found("猫", client)  # measured; no latency known before it
    load._last_probe = __import__("time").monotonic()  # the probe of this hour was just used
    assert_error(client.get_json(URL, {"q": "猫"}), 503, "unavailable")
    assert client.get_json("/api/v1/notes").status_code == 200
    load.reset()
    assert found("猫", client)


# --- Schema ---------------------------------------------------------------------------------------

def test_openapi_describes_every_parameter_with_its_constraints(db):
    schema = ApiClient().get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/notes/search"]["get"]
    params = {p["name"]: p for p in operation["parameters"]}
    assert set(params) >= {"q", "category", "mode", "order", "since", "until", "comments", "page", "size"}

    def resolve(param):
        node = param["schema"]
        return node.get("anyOf", [node])[0] if "anyOf" in node else node

    assert resolve(params["mode"])["enum"] == ["words", "exact"]
    assert resolve(params["order"])["enum"] == ["relevance", "new"]
    assert resolve(params["since"])["format"] == "date" and resolve(params["until"])["format"] == "date"
    assert resolve(params["q"])["maxLength"] == 100
    assert "503" in operation["responses"]
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    result = schema["components"]["schemas"]["SearchResultOut"]
    assert "snippet" in result["properties"] and body == "SearchPageOut"
    snippet = schema["components"]["schemas"]["SnippetOut"]["properties"]
    assert snippet["field"]["enum"] == ["title", "content", "comment"]


# --- Migration and rebuild ------------------------------------------------------------------------

def _create_table(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW CREATE TABLE `{name}`")
        return cursor.fetchone()[1].replace(f"`{name}`", "`T`")


# DDL commits on MariaDB: these tests commit for real (and the tables are flushed after them).
@pytest.mark.django_db(transaction=True)
def test_migration_is_idempotent_and_the_rebuild_builds_the_same_table(mroonga, author, categories):
    import importlib

    from django.db import connection as conn

    migration = importlib.import_module("notes.migrations.0005_search")
    with conn.schema_editor() as editor:
        migration.create_index(None, editor)  # engine, function and table already there: a no-op
    before = _create_table("notes_search")
    make_note(author, title="第一", content="考研")
    search.rebuild()
    assert _create_table("notes_search") == before
    assert before == mroonga_backend.create_table_sql("T")  # what rebuild_search creates


@pytest.mark.django_db(transaction=True)
def test_rebuild_search_command_rebuilds_with_progress(engine, author, other, categories):
    notes = [make_note(author, title=f"第{i}篇", content="期末复习") for i in range(5)]
    hidden = make_note(author, title="藏起来", content="期末复习")
    from notes.services import note_set_hidden

    note_set_hidden(note_id=hidden.pk, hidden=True)
    engine.clear()
    assert found("期末") == []
    out = io.StringIO()
    call_command("rebuild_search", stdout=out)
    text = out.getvalue()
    assert "6/6 notes read" in text and "5 documents" in text and "Search index rebuilt" in text
    assert sorted(found("期末")) == sorted(str(n.pk) for n in notes)


def test_reconcile_repairs_what_a_lost_update_left(engine, author, categories):
    kept = make_note(author, title="保留", content="晚霞很好看")
    gone = make_note(author, title="删掉", content="晚霞很好看")
    engine.delete([kept.pk])  # an index write that never happened
    Note.objects.filter(pk=gone.pk).delete()  # a delete whose index update was lost
    out = io.StringIO()
    call_command("rebuild_search", "--reconcile", stdout=out)
    assert "2 documents fixed" in out.getvalue()
    assert found("晚霞") == [str(kept.pk)]


def test_writes_that_arrive_out_of_order_never_undo_a_newer_document(engine, author, categories):
    from notes.search import documents

    note = make_note(author, title="旧标题", content="内容")
    old = documents.build([Note.objects.get(pk=note.pk)])
    from notes.services import note_update

    note_update(note_id=note.pk, user=author, title="新标题")
    engine.upsert(old)  # a late write of the older version
    assert found("新标题") == [str(note.pk)]
    assert found("旧标题") == []


def test_comment_changes_reindex_through_the_background_job(engine, author, other, categories):
    from comments.services import comment_create, comment_set_flags

    note = make_note(author, title="书单", content="求推荐", anonymous=False)
    comment = comment_create(user=other, note_id=note.pk, content="推荐《活着》")
    assert found("活着", comments="true") == [str(note.pk)]
    comment_set_flags(comment_id=comment.pk, held=True)  # held: out of the index
    assert found("活着", comments="true") == []


def test_search_answers_with_redis_down(engine, settings, author, categories):
    """The limiter fails open and nothing search needs lives only in Redis."""
    from tests.outage.support import redis_unreachable

    note = make_note(author, title="猫", content="楼下的猫")
    with redis_unreachable(settings):
        assert found("猫") == [str(note.pk)]
        assert ApiClient().get("/notes/search/", {"q": "猫"}).status_code == 200


def test_another_database_on_the_same_server_never_answers_for_this_one(mroonga, author, categories):
    """Groonga's query cache is one per server process and keyed by the command's text: without a
    key of this database's own, the same search run first on another database of the server (a
    parallel test run, a bench beside the site) answered here with that database's ids."""
    import json

    import MySQLdb

    from notes.search.backends import SearchQuery
    from notes.search import text

    note = make_note(author, title="银杏", content="银杏大道的叶子黄了")
    other_name = connection.settings_dict["NAME"] + "_cache_neighbour"
    params = connection.get_connection_params()
    raw = MySQLdb.connect(**{k: v for k, v in params.items() if k in ("host", "port", "user", "passwd", "password")},
                          charset="utf8mb4")
    cursor = raw.cursor()
    try:
        cursor.execute(f"DROP DATABASE IF EXISTS `{other_name}`")
        cursor.execute(f"CREATE DATABASE `{other_name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        cursor.execute(f"USE `{other_name}`")
        cursor.execute(mroonga_backend.create_table_sql())
        cursor.execute("INSERT INTO notes_search VALUES (1, 1, 1, 1, 0, 0, '银杏', '银杏', '', ''), "
                       "(2, 1, 1, 1, 0, 0, '银杏', '银杏', '', '')")
        query = SearchQuery(parsed=text.parse("银杏"))
        # The neighbour searches first (and Groonga caches its answer), as its own backend would.
        cursor.execute("SELECT mroonga_command(%s)", [mroonga_backend.select_command(query, database=other_name)])
        (answer,) = cursor.fetchone()
        assert json.loads(answer)[0][0][0] == 2  # its own two documents
        assert mroonga.search(query).ids == [note.pk]
        assert found("银杏") == [str(note.pk)]
    finally:
        cursor.execute(f"DROP DATABASE IF EXISTS `{other_name}`")
        raw.close()


def test_words_found_by_prefix_are_asked_last_and_the_answer_is_the_same(mroonga, author, categories):
    from notes.search import text
    from notes.search.backends import SearchQuery

    for content in ("想换宿舍，出租屋太贵", "出租屋里换了个床", "宿舍和出租屋都换过", "出租屋的宿舍费"):
        make_note(author, title="住", content=content)
    query = SearchQuery(parsed=text.parse("换宿舍 出租屋"))
    asked = mroonga_backend.groonga_query(query)
    assert asked == '"出租屋" ("宿舍" "换")'  # 换 alone is looked up by prefix over its pairs
    command = mroonga_backend.select_command(query, database=connection.settings_dict["NAME"])
    typed = command.replace(mroonga_backend._argument(asked), mroonga_backend._argument('("换" "宿舍") "出租屋"'))
    assert typed != command
    answer = mroonga._command(typed)[0]
    assert mroonga.search(query).ids == [int(row[0]) for row in answer[2:]] and len(answer[2:]) == 2
