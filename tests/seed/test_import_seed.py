"""`manage.py import_seed` against a real MariaDB database in the Go seed's schema, filled with rows
in its formats (tests/seed/support.py): what is imported and how, what is refused and why, that a
second run changes nothing, and that people can sign in afterwards."""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image as PILImage

from accounts.models import User
from chat.models import ChatMessage
from comments.models import Comment, NoteAlias
from notes.models import Follow, Note, NoteImage, Vote
from tests.seed.support import SeedDatabase
from treehole.testing.files import jpeg_with_gps, png_bytes
from treehole.redis import get_redis, key
from treehole.seedimport import sonyflake_time
from treehole.testing import ApiClient, make_categories
from uploads.models import Image

pytestmark = pytest.mark.django_db(transaction=True)

ALICE_PASSWORD = "alice-Seed-pass1"


@dataclass
class Seed:
    db: SeedDatabase
    alice: int
    bob: int
    carol: int
    renamed: int
    broken_hash: int
    duplicate_email: int
    note_with_images: int
    plain_note: int
    overlong_note: int
    surrogate_note: int
    orphan_note: int
    missing_image_note: int
    deleted_note: int
    note_urls: list
    comments: list
    messages: list


@pytest.fixture
def seed(tmp_path):
    name = f"{os.environ.get('TEST_DATABASE_NAME', 'test_treehole')}_seed"
    db = SeedDatabase(name=name, media=tmp_path / "seed_upload").create()
    alice = db.user(username="lin_xiao", email="Lin.Xiao@Example.com", password=ALICE_PASSWORD, sex=2, age=20, minutes=0)
    db.execute("UPDATE user_basic SET usericon = %s WHERE identity = %s",
               (db.upload(alice, png_bytes((90, 60), mode="RGB"), ext="png", minutes=1, kind=1), str(alice)))
    bob = db.user(username="bowen", email="bob@example.com", password="bob-Seed-pass22", sex=1, minutes=2,
                  usericon="https://cdn.example.com/default-icon.png")
    carol = db.user(username="keluo", email="carol@example.com", password="carol-Seed-pass3", minutes=3)
    renamed = db.user(username="张 三", email="zhang@example.com", password="zhang-Seed-pass4", minutes=4)
    broken_hash = db.user(username="mali", email="mallory@example.com", password_hash="not-a-hash", minutes=5)
    duplicate_email = db.user(username="lin2", email="lin.xiao@example.com", password="x-Seed-pass55", minutes=6)
    db.user(username="gone", email="gone@example.com", password="gone-Seed-pass6", minutes=7, deleted=True)

    first = db.upload(alice, jpeg_with_gps((64, 48)), ext="jpg", minutes=10)
    second = db.upload(alice, png_bytes(mode="RGB"), ext="png", minutes=10.5)
    db.upload(alice, png_bytes((30, 30), mode="RGB"), ext="png", minutes=11)  # uploaded, never used on a note
    # The seed's comma-joined URLs, with the stray space and trailing comma a hand-edit leaves.
    urls = f"{first}, {second},"
    note_with_images = db.note(author=alice, title="第一篇", content="树洞你好\n第二行", urls=urls, minutes=12, visit=7)
    plain_note = db.note(author=bob, title="没有图片", content="只有文字", minutes=20)
    overlong_note = db.note(author=bob, title="太长了", content="字" * (settings.TREEHOLE_LIMITS["note_content"] + 1), minutes=21)
    surrogate_note = db.note(author=bob, title="坏字符", content="x", minutes=22)
    # MariaDB keeps the bytes of a lone surrogate (ED A0 80) in a utf8mb4 column.
    db.execute("UPDATE note_basic SET content = CONCAT('a', X'EDA080', 'b') WHERE identity = %s", (str(surrogate_note),))
    orphan_note = db.note(author=broken_hash, title="作者没导入", content="作者的密码坏了", minutes=23)
    missing_image = f"/upload/{bob}/999999.png"
    missing_image_note = db.note(author=bob, title="图片丢了", content="图呢", urls=missing_image, minutes=24)
    deleted_note = db.note(author=bob, title="删了", content="软删除", minutes=25, deleted=True)
    db.note(author=None, title="没人写的", content="没有 user_notes", minutes=26)

    db.vote(user=bob, note=note_with_images, value="1", minutes=30)
    db.vote(user=carol, note=note_with_images, value="1", minutes=31)
    db.vote(user=carol, note=note_with_images, value="-1", minutes=32)  # carol changed her mind: the newest wins
    db.vote(user=alice, note=plain_note, value="0", minutes=33)  # opened the note, did not vote
    db.vote(user=bob, note=999, value="1", minutes=34)  # a note that never existed
    db.vote(user=carol, note=plain_note, value="yes", minutes=35)

    comments = [
        db.comment(user=bob, note=note_with_images, content="沙发", minutes=40),
        db.comment(user=carol, note=note_with_images, content="板凳", minutes=41),
        db.comment(user=alice, note=note_with_images, content="洞主来了", minutes=42),
        db.comment(user=bob, note=note_with_images, content="我又来了", minutes=43),
    ]
    db.comment(user=bob, note=123456789, content="帖子不存在", minutes=44)  # a dangling note id
    db.comment(user=carol, note=plain_note, content="长" * (settings.TREEHOLE_LIMITS["comment_content"] + 1), minutes=45)
    db.comment(user=carol, note=plain_note, content="删了的评论", minutes=46, deleted=True)

    messages = [
        db.message(user=alice, username="alice", content="大家好", minutes=50),
        db.message(user=bob, username="bowen", content="你好呀", minutes=51),
    ]
    db.message(user=broken_hash, username="mali", content="我没导入", minutes=52)
    yield Seed(
        db=db, alice=alice, bob=bob, carol=carol, renamed=renamed, broken_hash=broken_hash, duplicate_email=duplicate_email,
        note_with_images=note_with_images, plain_note=plain_note, overlong_note=overlong_note, surrogate_note=surrogate_note,
        orphan_note=orphan_note, missing_image_note=missing_image_note, deleted_note=deleted_note,
        note_urls=[first, second], comments=comments, messages=messages,
    )
    db.drop()


@pytest.fixture(autouse=True)
def _categories(transactional_db):
    make_categories()


def run_import(seed: Seed, *extra: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_seed", "--from", seed.db.url, "--media", str(seed.db.media), "--no-progress", *extra, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def checksum() -> tuple[dict, str]:
    """Row counts and one digest over every row (and stored file) the import writes."""
    digest = hashlib.sha256()
    counts = {}
    for model, fields in (
        (User, ("id", "username", "email", "password", "gender", "age", "avatar_id", "date_joined")),
        (Note, ("id", "number", "author_id", "title", "content", "anonymous", "approve", "against", "score", "visits",
                "comment_count", "created_at", "updated_at", "version", "category_id")),
        (NoteImage, ("note_id", "image_id", "position")),
        (Image, ("id", "owner_id", "file", "thumb", "width", "height", "size", "attached", "purpose")),
        (Vote, ("user_id", "note_id", "value", "scored_value", "updated_at")),
        (Comment, ("id", "note_id", "author_id", "floor", "content", "created_at")),
        (NoteAlias, ("note_id", "user_id", "number")),
        (Follow, ("user_id", "note_id", "created_at")),
        (ChatMessage, ("id", "user_id", "content", "created_at")),
    ):
        rows = list(model.objects.order_by(*fields[:2]).values_list(*fields))
        counts[model.__name__] = len(rows)
        digest.update(repr(rows).encode())
    for folder in ("images", "thumbs"):
        digest.update(repr(stored_files(folder)).encode())
    return counts, digest.hexdigest()


def stored_files(folder: str) -> list[str]:
    """Every file under MEDIA_ROOT/<folder> (uploads are stored as <folder>/<2 hex>/<name>)."""
    root = settings.MEDIA_ROOT / folder
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()) if root.exists() else []


def test_import_brings_users_notes_images_votes_comments_and_chat(seed):
    out, err = run_import(seed)

    # Users: ids, e-mail, gender, age and the join time (from the snowflake) kept.
    alice = User.objects.get(pk=seed.alice)
    assert (alice.username, alice.email, alice.gender, alice.age) == ("lin_xiao", "lin.xiao@example.com", "female", 20)
    assert alice.date_joined == sonyflake_time(seed.alice) == seed.db.moment(0)
    assert alice.password.startswith("seed_md5$")
    assert User.objects.get(pk=seed.bob).gender == "male"
    assert User.objects.get(pk=seed.bob).avatar_id is None  # an outside icon URL is not fetched
    renamed = User.objects.get(pk=seed.renamed)
    assert renamed.username == f"seed{seed.renamed % 10**8}" and renamed.email == "zhang@example.com"
    assert f"note: user {seed.renamed}" in err
    assert not User.objects.filter(pk__in=[seed.broken_hash, seed.duplicate_email]).exists()
    assert not User.objects.filter(email="gone@example.com").exists()

    # Alice's avatar is her seed upload, re-encoded into a square.
    assert alice.avatar is not None and alice.avatar.purpose == "avatar"
    assert alice.avatar.width == alice.avatar.height

    # The note: id and time kept, anonymous, its two images in the seed's order, counters recounted.
    note = Note.objects.get(pk=seed.note_with_images)
    assert note.author_id == seed.alice and note.anonymous
    assert note.created_at == seed.db.moment(12)
    assert (note.title, note.content, note.visits) == ("第一篇", "树洞你好\n第二行", 7)
    images = [link.image for link in NoteImage.objects.filter(note=note).select_related("image")]
    assert [image.pk for image in images] == [int(url.rsplit("/", 1)[1].split(".")[0]) for url in seed.note_urls]
    assert all(image.attached and image.owner_id == seed.alice for image in images)
    with default_storage.open(images[0].file.name) as stored:
        with PILImage.open(stored) as picture:
            assert len(picture.getexif()) == 0  # the seed's GPS EXIF did not survive
    # Votes: alice's own up-vote (the seed casts it with the note), bob up, carol's newest: down.
    assert dict(Vote.objects.filter(note=note).values_list("user_id", "value")) == {seed.alice: 1, seed.bob: 1, seed.carol: -1}
    assert (note.approve, note.against) == (2, 1)
    assert note.score == int(note.created_at.timestamp()) + settings.NOTES_VOTE_WEIGHT * 1
    assert note.comment_count == 4

    # Comments: floors in the order written, aliases on the anonymous note, 洞主 for its author.
    comments = list(Comment.objects.filter(note=note).order_by("floor"))
    assert [(c.pk, c.floor) for c in comments] == [(cid, n) for n, cid in enumerate(seed.comments, start=1)]
    thread = ApiClient().get_json(f"/api/v1/notes/{note.pk}/comments").json()["results"]
    assert [c["author"]["display_name"] for c in thread] == ["Alice", "Bob", "洞主", "Alice"]
    assert Follow.objects.filter(note=note).count() == 3  # its author and both commenters

    # Chat, in the seed's order.
    assert list(ChatMessage.objects.order_by("id").values_list("id", "content")) == [
        (seed.messages[0], "大家好"), (seed.messages[1], "你好呀")]

    # Bad rows: reported with the seed's id and why, and nothing of them is here.
    for row, reason in (
        (seed.broken_hash, "password is not the seed's hash"),
        (seed.duplicate_email, "这个邮箱已注册"),
        (seed.overlong_note, "over Treehole's limit"),
        (seed.surrogate_note, "lone surrogate"),
        (seed.orphan_note, f"its author {seed.broken_hash} was not imported"),
        (seed.missing_image_note, "is missing from --media"),
    ):
        assert any(str(row) in line and reason in line for line in err.splitlines()), (row, reason, err)
    assert "its note 123456789 was not imported" in err
    assert not Note.objects.filter(pk__in=[seed.overlong_note, seed.surrogate_note, seed.orphan_note,
                                           seed.missing_image_note, seed.deleted_note]).exists()
    assert Note.objects.count() == 2
    # Public numbers in the seed's publishing order.
    assert list(Note.objects.order_by("number").values_list("id", flat=True)) == [seed.note_with_images, seed.plain_note]
    # The note whose image was missing left no image row and no file behind.
    assert Image.objects.filter(owner_id=seed.bob).count() == 0
    assert Image.objects.count() == 3  # alice's avatar and the note's two images
    assert len(stored_files("images")) == 3

    # The summary: per kind, seed rows / imported / skipped / bad.
    summary = {line.split()[0]: line.split()[1:5] for line in out.splitlines()
               if line.split() and line.split()[0] in ("users", "avatars", "notes", "votes", "comments", "messages", "images")}
    assert summary["users"] == ["7", "4", "1", "2"]
    assert summary["notes"] == ["8", "2", "1", "5"]
    assert summary["comments"] == ["7", "4", "1", "2"]
    assert summary["messages"] == ["3", "2", "0", "1"]
    assert summary["images"] == ["4", "3", "1", "0"]
    assert "Redis rebuilt" in out and "Search index rebuilt" in out


def test_redis_is_rebuilt_so_the_hot_list_shows_the_imported_notes(seed):
    run_import(seed)
    redis = get_redis()
    ranked = {int(member) for member in redis.zrange(key("note", "score"), 0, -1)}
    assert {seed.note_with_images, seed.plain_note} <= ranked
    listed = ApiClient().get_json("/api/v1/notes", {"order": "new"}).json()["results"]
    assert [item["id"] for item in listed] == [str(seed.plain_note), str(seed.note_with_images)]
    assert listed[1]["comment_count"] == 4 and len(listed[1]["images"]) == 2


def test_imported_notes_stay_anonymous(seed):
    run_import(seed)
    client = ApiClient()
    for path in (f"/api/v1/notes/{seed.note_with_images}", f"/api/v1/notes/{seed.note_with_images}/comments",
                 "/api/v1/notes", f"/notes/{seed.note_with_images}/", "/"):
        response = client.get(path)
        assert response.status_code == 200, path
        for secret in (b"lin_xiao", b"lin.xiao@example.com", str(seed.alice).encode(), b"bowen", str(seed.bob).encode()):
            assert secret not in response.content, (path, secret)
    note = client.get_json(f"/api/v1/notes/{seed.note_with_images}").json()
    assert note["author"] == {"display_name": "洞主", "avatar_url": None, "anonymous": True, "is_me": False}


def test_signed_notes_option_keeps_the_author_name(seed):
    run_import(seed, "--signed-notes")
    note = ApiClient().get_json(f"/api/v1/notes/{seed.plain_note}").json()
    assert note["author"]["anonymous"] is False and note["author"]["username"] == "bowen"


def test_second_run_changes_nothing(seed):
    run_import(seed)
    counts, digest = checksum()
    out, err = run_import(seed)
    assert checksum() == (counts, digest)
    summary = {line.split()[0]: line.split()[1:5] for line in out.splitlines() if line.split() and line.split()[0] in ("users", "notes", "votes", "comments", "messages")}
    assert all(row[1] == "0" for row in summary.values()), out  # nothing imported the second time
    assert summary["notes"][2] == "3" and summary["comments"][2] == "5"  # the rest were skipped ...
    assert "already imported" in out


def test_a_fixed_row_comes_in_on_the_next_run(seed):
    run_import(seed)
    # The operator restores the missing image, runs again: that note (and only it) arrives whole.
    missing = seed.db.media / str(seed.bob) / "999999.png"
    missing.parent.mkdir(parents=True, exist_ok=True)
    missing.write_bytes(png_bytes())
    out, _err = run_import(seed)
    note = Note.objects.get(pk=seed.missing_image_note)
    assert NoteImage.objects.filter(note=note).count() == 1
    assert Image.objects.get(pk=999999).owner_id == seed.bob


def test_sign_in_after_import_upgrades_the_seed_hash(seed):
    run_import(seed)
    client = ApiClient()
    response = client.post_json("/api/v1/auth/login", {"login": "lin_xiao", "password": ALICE_PASSWORD})
    assert response.status_code == 200, response.content
    assert response.json()["user"]["id"] == str(seed.alice)
    assert User.objects.get(pk=seed.alice).password.startswith("argon2$")
    # The renamed account signs in by e-mail.
    zhang = client.post_json("/api/v1/auth/login", {"login": "zhang@example.com", "password": "zhang-Seed-pass4"})
    assert zhang.status_code == 200


def test_refuses_what_is_not_the_seed(seed, tmp_path):
    with pytest.raises(CommandError, match="mysql://"):
        call_command("import_seed", "--from", "postgres://x/y", stdout=io.StringIO())
    seed.db.execute("DROP TABLE voted_note")
    with pytest.raises(CommandError, match="voted_note"):
        call_command("import_seed", "--from", seed.db.url, stdout=io.StringIO())
    with pytest.raises(CommandError, match="not a folder"):
        call_command("import_seed", "--from", seed.db.url, "--media", str(tmp_path / "nowhere"), stdout=io.StringIO())
    assert User.objects.count() == 0


def test_progress_bar_goes_to_stderr(seed):
    err = io.StringIO()
    call_command("import_seed", "--from", seed.db.url, "--media", str(seed.db.media), stdout=io.StringIO(), stderr=err)
    assert "notes     [" in err.getvalue() and "8/8" in err.getvalue()

