"""Search: segmentation, both modes, both orders, filters, snippets and marks, who may find what,
edits and deletes reflected, #number — each against Mroonga (MariaDB) and FTS5 (SQLite)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from notes.models import Note
from treehole.testing.search import engine, mroonga  # noqa: F401 - fixtures
from django.utils import timezone

from treehole import clock
from treehole.testing import ApiClient, assert_error, make_note, make_user, token_client

pytestmark = pytest.mark.django_db

URL = "/api/v1/notes/search"


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content[:400]
    return [note["id"] for note in response.json()["results"]]


def find(q, client=None, **params) -> list[str]:
    return ids((client or ApiClient()).get_json(URL, {"q": q, **params}))


@pytest.fixture
def study(author, categories):
    """A note about 考研 and 找工作, and decoys that hold only one of the words."""
    return {
        "both": make_note(author, title="纠结", content="到底是考研还是找工作，家里人意见也不一样", category="study"),
        "kaoyan": make_note(author, title="复习", content="考研政治怎么复习比较好", category="study"),
        "work": make_note(author, title="求职", content="投了二十份简历，找工作太难了", category="life"),
    }


# --- Segmentation -------------------------------------------------------------------------------

@pytest.mark.parametrize("q", ["考研 工作", "考研工作", "工作 考研", "考研和工作"])
def test_words_mode_needs_every_word_and_segments_chinese(engine, study, q):
    assert find(q) == [str(study["both"].pk)]


def test_two_character_words_and_single_characters(engine, author, categories):
    cat = make_note(author, title="小猫", content="楼下的猫每天都来蹭饭")
    dog = make_note(author, title="狗狗", content="邻居家的柯基很可爱")
    assert find("猫") == [str(cat.pk)]
    assert find("可爱") == [str(dog.pk)]
    assert find("柯基 可爱") == [str(dog.pk)]
    assert find("猫 柯基") == []


def test_a_character_the_segmenter_split_off_a_word_stays_with_it(engine, author, categories):
    from notes.search import text

    # rjieba does not know 英语一 (the exam) or 流浪猫: it cuts off 一 and 猫, and 一 alone is in
    # nearly every note. Such a part is searched as typed; a verb before a word (找工作) and a
    # character typed on its own stay words of their own.
    assert text.parse("英语一 流浪猫").groups[0].terms == ("英语一",)
    assert text.parse("英语一 流浪猫").groups[1].terms == ("流浪猫",)
    assert text.parse("找工作").groups[0].terms == ("找", "工作")
    assert text.parse("我的 猫").groups[-1].terms == ("猫",)
    exam = make_note(author, title="作文", content="考研英语一的作文模板有用吗")
    apart = make_note(author, title="四级", content="英语四级一次就过了")  # 英语 and 一, apart
    assert find("英语一") == [str(exam.pk)]
    assert find("英语一 作文") == [str(exam.pk)]
    assert sorted(find("英语")) == sorted([str(exam.pk), str(apart.pk)])
    assert find("一") != []  # typed alone, still found wherever it occurs


def test_mixed_chinese_english_and_digits(engine, author, categories):
    phone = make_note(author, title="换手机", content="iPhone15 的电池比 iPhone13 耐用多了")
    score = make_note(author, title="四六级", content="CET-6 考了 580 分，终于过了")
    assert find("iphone15") == [str(phone.pk)]
    assert find("IPHONE15 电池") == [str(phone.pk)]
    assert find("580") == [str(score.pk)]
    assert find("cet-6 580") == [str(score.pk)]
    assert find("iphone14") == []


def test_full_width_letters_digits_and_punctuation(engine, author, categories):
    note = make_note(author, title="ＡＢＣ同学", content="考研加油！第１名！")
    assert find("abc") == [str(note.pk)]
    assert find("ＡＢＣ，考研") == [str(note.pk)]
    assert find("第1名") == [str(note.pk)]


def test_traditional_and_simplified_find_each_other(engine, author, categories):
    traditional = make_note(author, title="考試壓力", content="期末考試壓力好大，睡不著")
    simplified = make_note(author, title="压力", content="期末考试压力好大")
    assert sorted(find("考试 压力")) == sorted([str(traditional.pk), str(simplified.pk)])
    assert sorted(find("考試 壓力")) == sorted([str(traditional.pk), str(simplified.pk)])


# --- Modes and orders -----------------------------------------------------------------------------

def test_exact_mode_is_the_phrase_as_typed(engine, author, categories):
    phrase = make_note(author, title="求助", content="找工作很难，怎么办")
    scattered = make_note(author, title="日常", content="工作了一天，回家找钥匙")
    assert find("找工作", mode="exact") == [str(phrase.pk)]
    assert sorted(find("找工作")) == sorted([str(phrase.pk), str(scattered.pk)])
    assert find("工作找", mode="exact") == []


def test_relevance_by_default_newest_on_request(engine, author, categories):
    older = make_note(author, title="失眠怎么办", content="失眠，又失眠了，连着一周失眠")
    newer = make_note(author, title="日常", content="昨天有点失眠")
    Note.objects.filter(pk=older.pk).update(created_at=clock.now() - timedelta(days=3))
    from notes import search

    search.index_notes([older.pk])
    assert find("失眠") == [str(older.pk), str(newer.pk)]
    assert find("失眠", order="new") == [str(newer.pk), str(older.pk)]
    assert find("失眠", order="relevance") == [str(older.pk), str(newer.pk)]


def test_pagination_is_the_contract_page(engine, author, categories):
    made = [make_note(author, title=f"第{i}篇", content="图书馆自习") for i in range(5)]
    body = ApiClient().get_json(URL, {"q": "图书馆", "order": "new", "size": 2, "page": 2}).json()
    assert body["total"] == 5 and body["page"] == 2 and body["size"] == 2 and body["has_next"] is True
    assert [n["id"] for n in body["results"]] == [str(made[2].pk), str(made[1].pk)]


# --- Filters --------------------------------------------------------------------------------------

def test_category_and_date_filters(engine, author, categories):
    from notes import search

    old = make_note(author, title="旧", content="食堂的麻辣烫", category="life")
    new = make_note(author, title="新", content="食堂的麻辣烫涨价了", category="chat")
    Note.objects.filter(pk=old.pk).update(created_at=clock.now() - timedelta(days=10))
    search.index_notes([old.pk])
    today = timezone.localdate()
    assert find("麻辣烫", category="life") == [str(old.pk)]
    assert find("麻辣烫", since=(today - timedelta(days=1)).isoformat()) == [str(new.pk)]
    assert find("麻辣烫", until=(today - timedelta(days=5)).isoformat()) == [str(old.pk)]
    assert find("麻辣烫", since=(today - timedelta(days=10)).isoformat(), until=today.isoformat(), order="new") == [
        str(new.pk), str(old.pk)]


# --- Snippets -------------------------------------------------------------------------------------

def test_snippet_is_a_window_around_the_best_match_with_code_point_marks(engine, author, categories):
    filler = "今天天气不错，" * 20  # 140 characters before the match
    note = make_note(author, title="随笔", content=filler + "终于决定了：先考研，再找工作。" + "晚安。" * 30)
    (result,) = ApiClient().get_json(URL, {"q": "考研 工作"}).json()["results"]
    snippet = result["snippet"]
    assert snippet["field"] == "content"
    text = snippet["text"]
    assert text.startswith("…") and text.endswith("…") and "<" not in text
    marked = [text[start:end] for start, end in snippet["marks"]]
    assert marked == ["考研", "工作"]
    assert len(text) <= 82
    assert result["id"] == str(note.pk)


def test_snippet_marks_title_and_survive_full_width_and_traditional(engine, author, categories):
    make_note(author, title="考試", content="没什么")
    (result,) = ApiClient().get_json(URL, {"q": "考试"}).json()["results"]
    assert result["snippet"] == {"field": "title", "text": "考試", "marks": [[0, 2]]}
    make_note(author, title="英语", content="ｉＰｈｏｎｅ真好用")
    (result,) = ApiClient().get_json(URL, {"q": "iphone"}).json()["results"]
    assert result["snippet"] == {"field": "content", "text": "ｉＰｈｏｎｅ真好用", "marks": [[0, 6]]}


def test_search_page_draws_marks_escaped(engine, author, categories):
    make_note(author, title="<b>考研</b>", content="考研 & 工作")
    html = ApiClient().get("/notes/search/", {"q": "考研"}).content.decode()
    assert "&lt;b&gt;<mark>考研</mark>&lt;/b&gt;" in html or "<mark>考研</mark> &amp; 工作" in html
    assert "<b>考研</b>" not in html


# --- Who may find what ----------------------------------------------------------------------------

def test_hidden_held_and_deleted_notes_are_never_found(engine, author, other, staff, categories):
    from notes import services

    hidden = make_note(author, title="萤火虫一", content="夏天的萤火虫")
    held = make_note(author, title="萤火虫二", content="夏天的萤火虫")
    deleted = make_note(author, title="萤火虫三", content="夏天的萤火虫")
    visible = make_note(author, title="萤火虫四", content="夏天的萤火虫")
    services.note_set_hidden(note_id=hidden.pk, hidden=True)
    services.note_set_held(note_id=held.pk, held=True)
    services.note_delete(note_id=deleted.pk, user=author)
    assert find("萤火虫") == [str(visible.pk)]
    assert find("萤火虫", token_client(other)) == [str(visible.pk)]
    assert find("萤火虫", token_client(staff)) == [str(visible.pk)]
    assert sorted(find("萤火虫", token_client(author))) == sorted([str(held.pk), str(visible.pk)])
    services.note_set_held(note_id=held.pk, held=False)  # approved: everyone finds it now
    assert sorted(find("萤火虫")) == sorted([str(held.pk), str(visible.pk)])
    services.note_set_hidden(note_id=hidden.pk, hidden=False)
    assert len(find("萤火虫")) == 3


def test_edit_and_delete_are_reflected_at_once(engine, author, categories):
    from notes import services

    note = make_note(author, title="周末", content="去爬山")
    assert find("爬山") == [str(note.pk)]
    services.note_update(note_id=note.pk, user=author, content="去游泳")
    assert find("爬山") == []
    assert find("游泳") == [str(note.pk)]
    services.note_delete(note_id=note.pk, user=author)
    assert find("游泳") == []


def test_anonymous_authors_are_never_found_by_name(engine, categories):
    zhang = make_user("zhangsan")
    anonymous = make_note(zhang, title="秘密", content="不想让人知道", anonymous=True)
    signed = make_note(zhang, title="公开", content="署名的帖子", anonymous=False)
    assert find("zhangsan") == [str(signed.pk)]
    assert find("zhangsan 秘密") == []
    assert str(anonymous.pk) not in find("zhangsan", comments="true")


def test_signed_comments_with_the_comments_switch(engine, author, other, categories):
    from comments.services import comment_create, comment_delete

    signed = make_note(author, title="求推荐", content="有什么好看的书", anonymous=False)
    anonymous = make_note(author, title="求推荐", content="有什么好看的电影", anonymous=True)
    comment_create(user=other, note_id=signed.pk, content="推荐《三体》，特别好看")
    comment_create(user=other, note_id=anonymous.pk, content="推荐《三体》的电视剧")
    assert find("三体") == []
    (result,) = ApiClient().get_json(URL, {"q": "三体", "comments": "true"}).json()["results"]
    assert result["id"] == str(signed.pk)
    snippet = result["snippet"]
    assert snippet["field"] == "comment" and snippet["comment"]["floor"] == 1
    assert [snippet["text"][a:b] for a, b in snippet["marks"]] == ["三体"]
    # A signed commenter is found by name with the switch; an anonymous note's commenter never.
    assert find(other.username, comments="true") == [str(signed.pk)]
    assert find(other.username) == []
    comment_delete(user=other, comment_id=signed.comments.get().pk)
    assert find("三体", comments="true") == []


# --- #number ------------------------------------------------------------------------------------

def test_hash_id_jumps_to_the_note_first(engine, author, categories):
    from notes import services

    note = make_note(author, title="跳转", content="没有别的内容")
    mention = make_note(author, title="提到", content=f"我在找 {note.pk} 这一篇")
    body = ApiClient().get_json(URL, {"q": f"#{note.pk}"}).json()
    assert body["jump"] == {"id": str(note.pk), "number": note.number}
    assert [n["id"] for n in body["results"]] == [str(note.pk), str(mention.pk)]
    page = ApiClient().get("/notes/search/", {"q": f"#{note.pk}"})
    assert page.status_code == 302 and page["Location"] == f"/notes/{note.pk}/"
    services.note_set_hidden(note_id=note.pk, hidden=True)
    body = ApiClient().get_json(URL, {"q": f"#{note.pk}"}).json()
    assert body["jump"] is None and [n["id"] for n in body["results"]] == [str(mention.pk)]


def test_hash_number_jumps_to_the_numbered_note_in_the_api_the_page_and_the_search_box(engine, author, categories):
    from notes import services

    for _ in range(3):
        make_note(author, title="铺垫", content="前面的帖子")
    note = make_note(author, title="被引用的那篇", content="洞号引用")
    mention = make_note(author, title="引用", content=f"参见 #{note.number} 那篇")
    body = ApiClient().get_json(URL, {"q": f"#{note.number}"}).json()
    assert body["jump"] == {"id": str(note.pk), "number": note.number}
    assert body["results"][0]["id"] == str(note.pk)
    assert str(mention.pk) in [n["id"] for n in body["results"]]
    # The search box (the search page, and the home page's box that submits to it) jumps to it.
    page = ApiClient().get("/notes/search/", {"q": f"#{note.number}"})
    assert page.status_code == 302 and page["Location"] == f"/notes/{note.pk}/"
    assert ApiClient().get("/notes/search/", {"q": f"＃{note.number}"})["Location"] == f"/notes/{note.pk}/"
    # A number nobody has, or a hidden note's, jumps nowhere.
    assert ApiClient().get_json(URL, {"q": f"#{note.number + 50}"}).json()["jump"] is None
    services.note_set_hidden(note_id=note.pk, hidden=True)
    assert ApiClient().get_json(URL, {"q": f"#{note.number}"}).json()["jump"] is None
    from notes import search

    assert search.note_by_hash(note.number) is None


# --- Bad input, care ------------------------------------------------------------------------------

@pytest.mark.parametrize("params, field", [
    ({"q": ""}, "q"), ({"q": "x" * 101}, "q"), ({"q": "猫", "mode": "fuzzy"}, "mode"),
    ({"q": "猫", "order": "hot"}, "order"), ({"q": "猫", "since": "2026-13-01"}, "since"),
    ({"q": "猫", "since": "2026-05-02", "until": "2026-05-01"}, "until"), ({"q": "猫", "category": "nope"}, "category"),
    ({"q": "猫", "size": 51}, "size"), ({"q": "猫", "page": 0}, "page"),
])
def test_bad_input_is_a_400_naming_the_field(engine, categories, params, field):
    assert_error(ApiClient().get_json(URL, params), 400, "invalid", field)


def test_a_crisis_phrase_brings_the_care_card(engine, author, categories):
    from moderation.models import CrisisPhrase

    from moderation.care import state

    CrisisPhrase.objects.update_or_create(phrase="不想活了", defaults={"enabled": True})
    state.invalidate()
    make_note(author, title="累", content="真的不想活了")
    body = ApiClient().get_json(URL, {"q": "不想活了"}).json()
    assert body["care"] is not None and body["care"]["title"]
    assert ApiClient().get_json(URL, {"q": "考研"}).json()["care"] is None
    html = ApiClient().get("/notes/search/", {"q": "不想活了"}).content.decode()
    assert html.index('class="care-card"') < html.index('class="note-card')


# --- Rendering --------------------------------------------------------------------------------------

def test_the_api_renders_what_the_schema_would_images_in_order_and_every_extension(engine, author, other, categories):
    """The endpoint renders the service's objects without validating them again (a third of its
    CPU): they must be exactly what SearchPageOut would have produced — images in their order, a
    video, a signed and an anonymous author, the viewer's own vote, a comment snippet, the jump and
    the care card included."""
    import orjson

    from moderation.care import state
    from moderation.models import CrisisPhrase
    from notes import search, services
    from notes.api import SearchPageOut
    from notes.tests.test_api import stored_video, upload_image

    CrisisPhrase.objects.update_or_create(phrase="不想活了", defaults={"enabled": True})
    state.invalidate()
    first, second = upload_image(author), upload_image(author)
    pictured = make_note(author, title="操场的猫", content="操场上的猫又来了，不想活了的心情好了一点",
                         anonymous=False, image_ids=[second.pk, first.pk], video_id=stored_video(author).pk)
    plain = make_note(other, title="猫", content="操场边的猫窝", anonymous=True,
                      poll={"question": "猫叫什么", "options": ["咪咪", "大黄"], "multiple": False})
    services.note_vote(user=author, note_id=plain.pk, value=1)
    client = token_client(author)
    for params in ({"q": "操场 猫"}, {"q": "不想活了", "comments": "true"}, {"q": f"#{plain.number}"},
                   {"q": "猫", "order": "new"}):
        response = client.get_json(URL, params)
        assert response.status_code == 200, response.content[:400]
        body = response.json()
        assert body["results"], params
        validated = SearchPageOut.model_validate(search.note_search(viewer=author, **{**params, "comments": "comments" in params}).as_dict())
        assert body == orjson.loads(orjson.dumps(validated.model_dump(exclude_unset=True))), params
    (result,) = [r for r in client.get_json(URL, {"q": "操场 猫"}).json()["results"] if r["id"] == str(pictured.pk)]
    assert [image["id"] for image in result["images"]] == [str(second.pk), str(first.pk)]
    assert result["video"] is not None and result["author"]["username"] == author.username
    (polled,) = [r for r in client.get_json(URL, {"q": "操场 猫"}).json()["results"] if r["id"] == str(plain.pk)]
    assert [option["text"] for option in polled["poll"]["options"]] == ["咪咪", "大黄"]


def test_a_page_of_results_costs_the_same_few_queries_whatever_its_size(mroonga, author, other, categories):
    """The username lookup, the engine and the rows: images and poll options are read only when
    a result has some (one query each), never once per note. (Counted among the statements that
    read notes, users or the index, so a reload of the care phrases inside the request — every
    MODERATION_RELOAD_SECONDS — is not the search's.)"""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from notes.tests.test_api import upload_image

    searched = ("accounts_user", "mroonga_command", "notes_note", "notes_noteimage", "notes_poll")

    def search(params):
        with CaptureQueriesContext(connection) as captured:
            body = client.get_json(URL, params).json()
        own = [query["sql"] for query in captured.captured_queries if any(name in query["sql"] for name in searched)]
        return body, own

    for i in range(12):
        make_note(author, title=f"失眠第{i}天", content="又失眠了，数羊也没用")
    client = ApiClient()
    client.get_json(URL, {"q": "失眠"})  # warm what every page reads once (care phrases, categories)
    for size in (1, 12):
        body, own = search({"q": "失眠", "size": size})
        assert len(body["results"]) == size
        assert len(own) == 3, own
    for i in range(3):
        make_note(other, title=f"失眠的猫{i}", content="猫也失眠", image_ids=[upload_image(other).pk],
                  poll={"question": "睡了吗", "options": ["睡了", "没睡"]})
    for size in (2, 15):
        body, own = search({"q": "失眠", "size": size, "order": "new"})
        assert len(body["results"]) == size and all(r["images"] and r["poll"] for r in body["results"][:2])
        assert len(own) == 5, own
