"""Personal filters (屏蔽): saving them (API and settings page), what they hide from lists and
search (Redis-served and database-served alike), the content-warning preference, and what they
cost (signed-out lists untouched; signed-in one cached read)."""

from __future__ import annotations

import pytest
from django.test import Client

from notes import filtering, ranking
from notes.models import NoteFilter
from notes.services import note_filter_save
from treehole.testing.search import engine  # noqa: F401 - fixture
from treehole.redis import get_redis
from treehole.testing import ApiClient, assert_error, make_note, make_user, redis_round_trips, token_client

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/filters"


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content[:400]
    return [note["title"] for note in response.json()["results"]]


@pytest.fixture
def reader(db):
    return make_user()


@pytest.fixture
def reader_client(reader):
    return token_client(reader)


# --- Saving them ------------------------------------------------------------------------------

def test_get_without_filters_answers_the_defaults(reader_client, categories):
    body = reader_client.get_json(URL).json()
    assert body == {"muted_categories": [], "muted_keywords": [], "fold_warnings": True, "updated_at": None}


def test_put_replaces_the_filters_and_get_reads_them_back(reader_client, reader, categories):
    sent = {"muted_categories": ["life", "life"], "muted_keywords": [" 考研 ", "ＫＰＩ", "kpi"], "fold_warnings": False}
    response = reader_client.put_json(URL, sent)
    assert response.status_code == 200
    body = response.json()
    # Duplicates go (a keyword typed twice in another width or case counts once); spaces trimmed.
    assert body["muted_categories"] == ["life"]
    assert body["muted_keywords"] == ["考研", "ＫＰＩ"]
    assert body["fold_warnings"] is False and body["updated_at"]
    assert reader_client.get_json(URL).json()["muted_keywords"] == ["考研", "ＫＰＩ"]
    row = NoteFilter.objects.get(user=reader)
    assert row.muted_categories == ["life"] and row.fold_warnings is False
    # A second PUT replaces the whole set.
    reader_client.put_json(URL, {"muted_categories": [], "muted_keywords": [], "fold_warnings": True})
    assert reader_client.get_json(URL).json()["muted_keywords"] == []


def test_filters_need_a_signed_in_caller(api_client, categories):
    assert_error(api_client.get_json(URL), 401, "unauthenticated")
    assert_error(api_client.put_json(URL, {"muted_categories": [], "muted_keywords": [], "fold_warnings": True}),
                 401, "unauthenticated")


@pytest.mark.parametrize("body, field", [
    ({"muted_categories": ["nope"], "muted_keywords": [], "fold_warnings": True}, "muted_categories"),
    ({"muted_categories": [], "muted_keywords": ["x" * 21], "fold_warnings": True}, "muted_keywords"),
    ({"muted_categories": [], "muted_keywords": [""], "fold_warnings": True}, "muted_keywords"),
    ({"muted_categories": [], "muted_keywords": [f"w{i}" for i in range(51)], "fold_warnings": True}, "muted_keywords"),
    ({"muted_categories": [], "muted_keywords": ["a\ud800"], "fold_warnings": True}, "muted_keywords"),
    ({"muted_categories": [], "muted_keywords": []}, "fold_warnings"),
    ({"muted_categories": "life", "muted_keywords": [], "fold_warnings": True}, "muted_categories"),
])
def test_bad_filters_are_a_400_on_the_field_and_change_nothing(reader_client, reader, categories, body, field):
    response = reader_client.put_json(URL, body)
    assert_error(response, 400, "invalid", field)
    assert not NoteFilter.objects.filter(user=reader).exists()


def test_the_limits_are_in_the_openapi_schema(api_client):
    schema = api_client.get_json("/api/v1/openapi.json").json()
    assert "put" in schema["paths"]["/api/v1/me/filters"] and "get" in schema["paths"]["/api/v1/me/filters"]
    props = schema["components"]["schemas"]["FiltersIn"]["properties"]
    assert props["muted_keywords"]["maxItems"] == 50
    assert props["muted_keywords"]["items"]["maxLength"] == 20
    assert props["muted_keywords"]["items"]["minLength"] == 1
    assert set(schema["components"]["schemas"]["FiltersIn"]["required"]) == {"muted_categories", "muted_keywords", "fold_warnings"}


# --- What they hide -----------------------------------------------------------------------------

@pytest.fixture
def feed(author, categories):
    return {
        "study": make_note(author, title="复习计划", content="每天六小时", category="study"),
        "life": make_note(author, title="做饭", content="今天做了红烧肉", category="life"),
        "hurt": make_note(author, title="一件事", content="我又想起了那次 Breakup，好难过", category="emotion"),
        "plain": make_note(author, title="晴天", content="出去走走", category="emotion"),
    }


@pytest.mark.parametrize("order", ["hot", "new"])
def test_a_muted_keyword_hides_notes_case_and_width_insensitively(reader_client, reader, feed, order):
    note_filter_save(user=reader, muted_categories=[], muted_keywords=["ＢＲＥＡＫＵＰ"], fold_warnings=True)
    shown = titles(reader_client.get_json("/api/v1/notes", {"order": order}))
    assert "一件事" not in shown and {"复习计划", "做饭", "晴天"} <= set(shown)
    # Only for that reader: someone else, and a signed-out reader, still see it.
    assert "一件事" in titles(token_client(make_user()).get_json("/api/v1/notes", {"order": order}))
    assert "一件事" in titles(ApiClient().get_json("/api/v1/notes", {"order": order}))


def test_a_muted_category_leaves_the_mixed_feed_but_its_own_list_shows_it(reader_client, reader, feed):
    note_filter_save(user=reader, muted_categories=["life"], muted_keywords=[], fold_warnings=True)
    assert "做饭" not in titles(reader_client.get_json("/api/v1/notes", {"order": "new"}))
    assert titles(reader_client.get_json("/api/v1/notes", {"order": "new", "category": "life"})) == ["做饭"]


def test_keywords_apply_inside_a_category_list_too(reader_client, reader, feed):
    note_filter_save(user=reader, muted_categories=[], muted_keywords=["难过"], fold_warnings=True)
    assert titles(reader_client.get_json("/api/v1/notes", {"order": "new", "category": "emotion"})) == ["晴天"]


def test_the_readers_own_notes_are_never_hidden_from_them(reader_client, reader, categories):
    make_note(reader, title="我的考研日记", content="考研第一天", category="study")
    note_filter_save(user=reader, muted_categories=["study"], muted_keywords=["考研"], fold_warnings=True)
    assert titles(reader_client.get_json("/api/v1/notes", {"order": "new"})) == ["我的考研日记"]


def test_a_change_applies_at_once_through_the_cache(reader_client, reader, feed):
    assert "做饭" in titles(reader_client.get_json("/api/v1/notes", {"order": "new"}))  # caches the (empty) filters
    assert get_redis().exists(filtering.filter_key(reader.pk))
    reader_client.put_json(URL, {"muted_categories": [], "muted_keywords": ["红烧肉"], "fold_warnings": True})
    assert "做饭" not in titles(reader_client.get_json("/api/v1/notes", {"order": "new"}))
    reader_client.put_json(URL, {"muted_categories": [], "muted_keywords": [], "fold_warnings": True})
    assert "做饭" in titles(reader_client.get_json("/api/v1/notes", {"order": "new"}))


@pytest.mark.parametrize("order", ["hot", "new"])
def test_filtered_pages_are_full_stable_and_cover_every_kept_note_once(reader, reader_client, author, categories, order):
    notes = [make_note(author, title=f"帖{i}", content=("考研" if i % 3 == 0 else "日常") + f" {i}", category="study")
             for i in range(40)]
    note_filter_save(user=reader, muted_categories=[], muted_keywords=["考研"], fold_warnings=True)
    kept = {note.title for i, note in enumerate(notes) if i % 3 != 0}
    seen, page = [], 1
    while True:
        body = reader_client.get_json("/api/v1/notes", {"order": order, "size": 7, "page": page}).json()
        assert len(body["results"]) == 7 or not body["has_next"]
        seen += [note["title"] for note in body["results"]]
        if not body["has_next"]:
            assert body["total"] == len(kept)  # exact on the last page
            break
        assert body["total"] >= len(seen) + 1
        page += 1
    assert len(seen) == len(set(seen)) and set(seen) == kept
    # The same pages when the list comes from the database (Redis' set not built).
    get_redis().hdel(ranking.sets_state_key(), ranking.set_name("score" if order == "hot" else "time"))
    again = reader_client.get_json("/api/v1/notes", {"order": order, "size": 7, "page": 2}).json()
    assert [note["title"] for note in again["results"]] == seen[7:14]


def test_lists_past_the_redis_set_continue_filtered_from_the_database(reader, reader_client, author, categories, settings):
    settings.NOTES_RANK_SIZE = 10  # the sets keep the newest 10; the rest comes from the database
    notes = [make_note(author, title=f"帖{i}", content=("muted" if i % 2 else "kept") + f" {i}") for i in range(30)]
    note_filter_save(user=reader, muted_categories=[], muted_keywords=["MUTED"], fold_warnings=True)
    body = reader_client.get_json("/api/v1/notes", {"order": "new", "size": 50}).json()
    assert [note["title"] for note in body["results"]] == [f"帖{i}" for i in range(28, -1, -2)]
    assert body["total"] == 15 and body["has_next"] is False


def test_staff_filters_apply_to_their_database_lists(staff, feed):
    note_filter_save(user=staff, muted_categories=["study"], muted_keywords=[], fold_warnings=True)
    assert "复习计划" not in titles(token_client(staff).get_json("/api/v1/notes", {"order": "new"}))


def test_search_results_leave_muted_notes_out(engine, reader, reader_client, author, categories):
    make_note(author, title="考研经验", content="考研政治复习", category="study")
    make_note(author, title="考研吐槽", content="考研太累了，想放弃", category="life")
    make_note(author, title="考研心态", content="考研路上的焦虑", category="emotion")
    note_filter_save(user=reader, muted_categories=["life"], muted_keywords=["焦虑"], fold_warnings=True)
    found = titles(reader_client.get_json("/api/v1/notes/search", {"q": "考研", "order": "new"}))
    assert found == ["考研经验"]
    body = reader_client.get_json("/api/v1/notes/search", {"q": "考研", "order": "new"}).json()
    assert body["total"] == 1 and body["has_next"] is False
    # Searching inside the muted category asks for it; keywords still apply there.
    assert titles(reader_client.get_json("/api/v1/notes/search", {"q": "考研", "category": "life"})) == ["考研吐槽"]
    assert len(titles(ApiClient().get_json("/api/v1/notes/search", {"q": "考研"}))) == 3


def test_search_pages_stay_full_with_filters(engine, reader, reader_client, author, categories):
    for i in range(12):
        make_note(author, title=f"猫 {i}", content=("橘猫" if i % 2 else "黑猫") + " 很可爱")
    note_filter_save(user=reader, muted_categories=[], muted_keywords=["橘猫"], fold_warnings=True)
    first = reader_client.get_json("/api/v1/notes/search", {"q": "猫", "order": "new", "size": 4}).json()
    second = reader_client.get_json("/api/v1/notes/search", {"q": "猫", "order": "new", "size": 4, "page": 2}).json()
    assert len(first["results"]) == 4 and first["has_next"] is True
    assert len(second["results"]) == 2 and second["has_next"] is False and second["total"] == 6
    shown = [n["title"] for n in first["results"] + second["results"]]
    assert shown == [f"猫 {i}" for i in range(10, -1, -2)]


# --- Content warnings ----------------------------------------------------------------------------

def test_warning_folded_follows_the_readers_choice(reader, reader_client, note):
    from notes import selectors

    card_note = {"content_warning": "剧透"}
    assert filtering.warning_folded(card_note, filtering.filters_for(reader)) is True
    note_filter_save(user=reader, muted_categories=[], muted_keywords=[], fold_warnings=False)
    from accounts.models import User

    again = User.objects.get(pk=reader.pk)  # a new request: its own read of the filters
    assert filtering.warning_folded(card_note, filtering.filters_for(again)) is False
    assert filtering.warning_folded({"content_warning": ""}, filtering.DEFAULT) is False
    # Every Note object carries the decision for its reader (false without a warning).
    assert selectors.note_detail(note_id=note.pk, viewer=again)["warning_folded"] is False
    body = reader_client.get_json("/api/v1/notes").json()
    assert all(n["warning_folded"] is False for n in body["results"])


# --- What they cost -----------------------------------------------------------------------------

def test_signed_in_lists_with_filters_cost_one_cached_read(reader, reader_client, author, categories, django_assert_num_queries):
    for i in range(30):
        make_note(author, title=f"帖{i}", content="考研" if i % 5 == 0 else "日常")
    note_filter_save(user=reader, muted_categories=["life"], muted_keywords=["考研"], fold_warnings=True)
    reader_client.get_json("/api/v1/notes", {"order": "hot", "size": 20})  # warms the set, the cards and the filters
    with django_assert_num_queries(2), redis_round_trips() as filtered:  # the user; their follows and bookmarks
        body = reader_client.get_json("/api/v1/notes", {"order": "hot", "size": 20}).json()
    assert len(body["results"]) == 20
    plain = token_client(make_user())
    plain.get_json("/api/v1/notes", {"order": "hot", "size": 20})
    with django_assert_num_queries(2), redis_round_trips() as unfiltered:
        plain.get_json("/api/v1/notes", {"order": "hot", "size": 20})
    # With or without filters, the filters' GET where a signed-out reader's first answer has the
    # page's digest (treehole/pagecache.py), and one more than a stored signed-out answer.
    from django.core.cache import caches

    caches["pages"].clear()
    with redis_round_trips() as signed_out:
        ApiClient().get_json("/api/v1/notes", {"order": "hot", "size": 20})
    with redis_round_trips() as stored:
        ApiClient().get_json("/api/v1/notes", {"order": "hot", "size": 20})
    assert filtered["n"] == unfiltered["n"] == signed_out["n"] == stored["n"] + 1, (filtered, unfiltered, signed_out, stored)


def test_signed_out_lists_never_read_the_filters(api_client, feed, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a signed-out list read the filters")

    monkeypatch.setattr(filtering, "_load", refuse)
    monkeypatch.setattr(filtering.cache, "read_through", refuse)
    assert len(titles(api_client.get_json("/api/v1/notes"))) == 4


def test_filters_are_read_from_the_database_while_redis_is_away(reader, feed, monkeypatch):
    from redis.exceptions import ConnectionError as RedisConnectionError

    note_filter_save(user=reader, muted_categories=[], muted_keywords=["红烧肉"], fold_warnings=False)

    def down(*args, **kwargs):
        raise RedisConnectionError("down")

    monkeypatch.setattr(filtering.cache, "read_through", down)
    found = filtering.filters_for(reader)
    assert found.keywords == ("红烧肉",) and found.fold_warnings is False


# --- The settings page -------------------------------------------------------------------------

def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_settings_page_saves_filters_and_the_feed_follows(reader, feed):
    client = signed_in(reader)
    profile = client.get("/accounts/me/").content.decode()
    assert "/me/filters/" in profile and "屏蔽设置" in profile
    page = client.get("/me/filters/")
    assert page.status_code == 200
    html = page.content.decode()
    for text in ("屏蔽的分类", "屏蔽的关键词", "折叠有内容提醒的帖子", 'name="muted_categories"', 'value="life"'):
        assert text in html
    response = client.post("/me/filters/", {"muted_categories": ["study"], "muted_keywords": "红烧肉\nfoo， bar",
                                            "fold_warnings": ""})
    assert response.status_code == 302
    saved = NoteFilter.objects.get(user=reader)
    assert saved.muted_categories == ["study"] and saved.muted_keywords == ["红烧肉", "foo", "bar"]
    assert saved.fold_warnings is False
    again = client.get("/me/filters/").content.decode()
    assert "红烧肉\nfoo\nbar" in again and "已保存" in again
    home = client.get("/", {"order": "new"}).content.decode()
    assert "复习计划" not in home and "做饭" not in home and "晴天" in home
    study = client.get("/", {"order": "new", "category": "study"}).content.decode()
    assert "复习计划" in study and "你屏蔽了这个分类" in study


def test_the_settings_page_shows_errors_on_their_fields(reader, categories):
    client = signed_in(reader)
    response = client.post("/me/filters/", {"muted_keywords": "x" * 21, "fold_warnings": "on"})
    assert response.status_code == 400
    assert "太长" in response.content.decode()
    assert not NoteFilter.objects.filter(user=reader).exists()


def test_the_settings_page_needs_a_sign_in(client, categories):
    response = client.get("/me/filters/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_search_page_leaves_muted_notes_out(engine, reader, author, categories):
    make_note(author, title="考研经验", content="考研政治复习", category="study")
    make_note(author, title="考研焦虑", content="考研路上的焦虑", category="emotion")
    note_filter_save(user=reader, muted_categories=[], muted_keywords=["焦虑"], fold_warnings=True)
    html = signed_in(reader).get("/notes/search/", {"q": "考研"}).content.decode()
    assert "考研经验" in html and "考研焦虑" not in html


def test_filtered_lists_and_saving_filters_work_while_redis_is_away(reader, reader_client, feed, settings):
    from tests.outage.support import redis_unreachable

    note_filter_save(user=reader, muted_categories=["life"], muted_keywords=[], fold_warnings=True)
    reader_client.get_json("/api/v1/notes", {"order": "new"})  # the filters cached in the real Redis
    with redis_unreachable(settings):
        assert titles(reader_client.get_json("/api/v1/notes", {"order": "new"})) == ["晴天", "一件事", "复习计划"]
        # A change while Redis is away commits (the cache's delete is repaired later) …
        response = reader_client.put_json(URL, {"muted_categories": [], "muted_keywords": ["晴天"], "fold_warnings": True})
        assert response.status_code == 200
        assert titles(reader_client.get_json("/api/v1/notes", {"order": "new"})) == ["一件事", "做饭", "复习计划"]
    # … and once Redis is back, the stale cached copy is gone (the repair ran or the next write mended it).
    from treehole.effects import repairs_run

    repairs_run()
    assert titles(reader_client.get_json("/api/v1/notes", {"order": "new"})) == ["一件事", "做饭", "复习计划"]


def test_the_readers_fold_choice_reaches_the_api_and_the_pages(reader, reader_client, author, categories):
    warned = make_note(author, title="电影观后感", content="结局是主角……", content_warning="剧透")
    make_note(author, title="普通的帖子", content="没有提醒")

    def listed(client):
        return {n["title"]: n["warning_folded"] for n in client.get_json("/api/v1/notes", {"order": "new"}).json()["results"]}

    # The default folds: for a signed-out reader and for a reader who never changed it.
    assert listed(ApiClient()) == {"电影观后感": True, "普通的帖子": False}
    assert listed(reader_client) == {"电影观后感": True, "普通的帖子": False}
    page = signed_in(reader)
    assert 'class="content-warning"' in page.get("/", {"order": "new"}).content.decode()
    assert "fold content-warning" in page.get(f"/notes/{warned.pk}/").content.decode()

    reader_client.put_json(URL, {"muted_categories": [], "muted_keywords": [], "fold_warnings": False})
    assert listed(reader_client) == {"电影观后感": False, "普通的帖子": False}
    assert reader_client.get_json(f"/api/v1/notes/{warned.pk}").json()["warning_folded"] is False
    page = signed_in(reader)
    home = page.get("/", {"order": "new"}).content.decode()
    assert 'class="content-warning"' not in home and "结局是主角" in home
    detail = page.get(f"/notes/{warned.pk}/").content.decode()
    assert "fold content-warning" not in detail and "内容提醒：剧透" in detail  # still labelled, not folded
    # Someone else's default is untouched.
    assert listed(ApiClient()) == {"电影观后感": True, "普通的帖子": False}
