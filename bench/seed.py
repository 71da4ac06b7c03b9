"""Seed a benchmark database fast: users, notes, votes and comments of realistic size (Chinese
text) with bulk inserts, counters consistent with the rows (what ``rebuild_redis --recount``
would compute), then ``rebuild_redis``. Idempotent: a database that already holds the asked
numbers is kept (pass --fresh to drop and recreate it).

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=mysql://root@127.0.0.1:3306/treehole_bench \\
    REDIS_URL=redis://127.0.0.1:6379/7 .venv/bin/python -m bench.seed --notes 10000 --votes 50000 --comments 100000

The database named in DATABASE_URL is created (and may be dropped): never point it at real data.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import timedelta

BATCH = 2000

SENTENCES = [
    "最近总是失眠，躺在床上脑子里全是白天没做完的事情",
    "和室友因为一点小事吵了一架，现在宿舍里的气氛特别尴尬",
    "考研还有三个月，每天学到半夜，可是感觉什么都没记住",
    "妈妈打电话问我过得好不好，我说挺好的，挂了电话就哭了",
    "工作第一年，领导总是当着大家的面批评我，我不知道该怎么办",
    "喜欢一个人三年了，一直没敢说，今天看到他和别人走在一起",
    "其实我也不知道自己想要什么，只是觉得每天都很累",
    "今天下班路上看到晚霞特别好看，突然觉得生活也没那么糟",
    "毕业以后和最好的朋友渐渐不联系了，翻到以前的照片有点难过",
    "父母总拿我和别人家的孩子比较，我已经很努力了",
    "第一次一个人在外地过年，出租屋里只有泡面和手机",
    "实习转正失败了，投了几十份简历都没有回音",
    "有没有人和我一样，表面上很开朗，其实一个人的时候很容易崩溃",
    "谢谢树洞里素不相识的你们，昨天的留言让我撑过了最难的一晚",
    "论文被导师打回来第五次了，我开始怀疑自己是不是不适合读研",
    "养了八年的猫走了，家里到处都是它的影子",
    "想换工作又怕找不到更好的，每天都在纠结中度过",
    "和异地恋的男朋友分手了，明明是我提的，为什么我这么难受",
    "早上在地铁上给一位老奶奶让座，她对我笑了很久",
    "体检报告出来了，有几项指标不太好，不敢告诉家里人",
    "有时候觉得，能在这里说出来，心里就轻松了一点",
    "希望明天会更好一点，哪怕只是一点点",
    "大家平时都是怎么排解压力的，求推荐一些方法",
    "我是不是太敏感了，别人一句无心的话我能想一整天",
]
COMMENTS = [
    "抱抱你，会好起来的", "我也是这样，感同身受", "加油！你已经做得很好了", "可以试试每天写日记",
    "别太为难自己，累了就休息一下", "楼主要照顾好自己啊", "看到这条的时候我也在失眠", "支持你的决定",
    "说出来就好，这里有人在听", "有需要可以找学校的心理老师聊聊", "同感，我去年也经历过",
    "慢慢来，一切都会过去的", "哈哈哈被最后一句暖到了", "祝你早日走出来", "我觉得你没有错",
]


def chinese(rng: random.Random, low: int, high: int, pool=SENTENCES) -> str:
    target = rng.randint(low, high)
    parts, size = [], 0
    while size < target:
        sentence = rng.choice(pool)
        parts.append(sentence + rng.choice("，。！？…"))
        size += len(sentence) + 1
    return "".join(parts)[:high]


def ensure_database(url: str, *, fresh: bool) -> None:
    import environ
    import MySQLdb

    db = environ.Env.db_url_config(url)
    conn = MySQLdb.connect(host=db["HOST"] or "127.0.0.1", port=int(db["PORT"] or 3306), user=db["USER"],
                           passwd=db["PASSWORD"] or "")
    cur = conn.cursor()
    name = db["NAME"]
    if not name.startswith(("treehole_bench", "bench_")):
        raise SystemExit(f"refusing to seed {name!r}: bench databases are named treehole_bench*")
    if fresh:
        cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
    cur.execute(f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    conn.close()


def setup(fresh: bool) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    ensure_database(os.environ["DATABASE_URL"], fresh=fresh)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def counts() -> dict[str, int]:
    from accounts.models import User
    from comments.models import Comment
    from notes.models import Note, Vote

    return {"users": User.objects.filter(username__startswith="bench_u").count(), "notes": Note.objects.count(),
            "votes": Vote.objects.count(), "comments": Comment.objects.count()}


def seed(*, users: int, notes: int, votes: int, comments: int, seed_value: int = 9, out=print) -> None:
    from django.conf import settings
    from django.db import transaction

    from accounts.models import User
    from comments.models import Comment, NoteAlias
    from notes.models import Category, Note, NoteSequence, Vote
    from treehole import clock, ids

    ids.configure(901)
    rng = random.Random(seed_value)
    now = clock.now()
    weight = settings.NOTES_VOTE_WEIGHT
    started = time.monotonic()

    with transaction.atomic():
        user_rows = [
            User(username=f"bench_u{i}", email=f"bench_u{i}@bench.invalid", password="!",
                 date_joined=now - timedelta(days=60))
            for i in range(users)
        ]
        User.objects.bulk_create(user_rows, batch_size=BATCH)
    user_ids = list(User.objects.filter(username__startswith="bench_u").order_by("username").values_list("pk", flat=True))
    out(f"  users: {len(user_ids)} ({time.monotonic() - started:.1f}s)")

    categories = list(Category.objects.values_list("pk", flat=True))
    # 30 days of notes: the newest quarter is inside the 7-day vote window, as on a live site.
    created = sorted((now - timedelta(seconds=rng.uniform(0, 30 * 86400)) for _ in range(notes)))
    note_rows = []
    for number, when in enumerate(created, start=1):  # a fresh database: numbers in publishing order
        note_rows.append(Note(
            id=ids.next_id(), number=number, author_id=rng.choice(user_ids), category_id=rng.choice(categories),
            title=chinese(rng, 8, 30)[:30], content=chinese(rng, 40, 600), anonymous=rng.random() < 0.7,
            visits=rng.randint(0, 3000), created_at=when, updated_at=when,
        ))

    # Votes: distinct (user, note) pairs, more on some notes than others; every one cast inside its
    # note's window, so it counts in the score (score = created + weight x net).
    note_weight = [rng.paretovariate(1.2) for _ in note_rows]
    vote_pairs: set[tuple[int, int]] = set()
    picks = rng.choices(range(len(note_rows)), weights=note_weight, k=votes * 2) if note_rows else []
    for index in picks:
        if len(vote_pairs) >= votes:
            break
        vote_pairs.add((index, rng.randrange(len(user_ids))))
    vote_rows = []
    for index, user_index in vote_pairs:
        note = note_rows[index]
        value = 1 if rng.random() < 0.78 else -1
        note.approve += value == 1
        note.against += value == -1
        note.score += weight * value
        vote_rows.append(Vote(user_id=user_ids[user_index], note_id=note.id, value=value, scored_value=value,
                              updated_at=note.created_at + timedelta(minutes=rng.randint(1, 600))))

    comment_rows, alias_rows = [], []
    per_note = [0] * len(note_rows)
    for index in (rng.choices(range(len(note_rows)), weights=note_weight, k=comments) if note_rows else []):
        per_note[index] += 1
    for index, count in enumerate(per_note):
        if not count:
            continue
        note = note_rows[index]
        note.comment_count = count
        aliases: dict[int, int] = {}
        when = note.created_at
        for floor in range(1, count + 1):
            author = rng.choice(user_ids)
            if author not in aliases:
                aliases[author] = len(aliases)  # numbered from 0, as comments.services does
                alias_rows.append(NoteAlias(note_id=note.id, user_id=author, number=aliases[author]))
            when = when + timedelta(seconds=rng.randint(5, 3600))
            comment_rows.append(Comment(id=ids.next_id(), note_id=note.id, author_id=author, floor=floor,
                                        content=chinese(rng, 6, 150, COMMENTS + SENTENCES), created_at=when))
    for note in note_rows:
        note.score += int(note.created_at.timestamp())
    out(f"  generated {len(note_rows)} notes, {len(vote_rows)} votes, {len(comment_rows)} comments "
        f"({time.monotonic() - started:.1f}s)")

    from django.db import connection

    with transaction.atomic():
        with connection.cursor() as cursor:  # rows are consistent by construction: skip the checks
            cursor.execute("SET SESSION foreign_key_checks = 0, unique_checks = 0")
        Note.objects.bulk_create(note_rows, batch_size=BATCH)
        Vote.objects.bulk_create(vote_rows, batch_size=BATCH * 2)
        NoteAlias.objects.bulk_create(alias_rows, batch_size=BATCH * 2)
        Comment.objects.bulk_create(comment_rows, batch_size=BATCH)
        with connection.cursor() as cursor:
            cursor.execute("SET SESSION foreign_key_checks = 1, unique_checks = 1")
        NoteSequence.objects.update_or_create(name="note", defaults={"last": len(note_rows)})
    out(f"  inserted ({time.monotonic() - started:.1f}s)")


def replicate(copies: int, out=print) -> None:
    """Multiply the notes inside MariaDB (``INSERT ... SELECT``, no round trip per row): copy k gets
    ids and times shifted k x 30 days back, so it ranks below the originals. For the memory bench,
    where only the number of notes matters, this turns minutes of inserts into seconds."""
    from django.db import connection, transaction

    from notes.models import Note, NoteSequence

    started = time.monotonic()
    table = connection.ops.quote_name(Note._meta.db_table)
    columns = [f.column for f in Note._meta.concrete_fields]
    base_min = Note.objects.order_by("id").values_list("id", flat=True).first()
    for k in range(1, copies):
        exprs = []
        for column in columns:
            quoted = connection.ops.quote_name(column)
            if column == "id":
                exprs.append(f"{quoted} - {k * 10**12}")
            elif column in ("created_at", "updated_at"):
                exprs.append(f"{quoted} - INTERVAL {k * 30} DAY")
            elif column == "score":
                exprs.append(f"{quoted} - {k * 30 * 86400}")
            elif column == "number":
                exprs.append(f"{quoted} + {k * 10**8}")  # unique for now; renumbered below
            else:
                exprs.append(quoted)
        names = ", ".join(connection.ops.quote_name(c) for c in columns)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} ({names}) SELECT {', '.join(exprs)} FROM {table} WHERE id >= %s",
                           [base_min])
    # Copies are older than the originals: number everything again in publishing order (two
    # passes, so that no row takes a number another still holds).
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET number = number + {copies * 10**8}")
        cursor.execute("SET @n := 0")
        cursor.execute(f"UPDATE {table} SET number = (@n := @n + 1) ORDER BY created_at, id")
        NoteSequence.objects.update_or_create(name="note", defaults={"last": Note.objects.count()})
    out(f"  replicated to {Note.objects.count()} notes ({time.monotonic() - started:.1f}s)")


def rebuild_redis(out=print) -> None:
    from django.core.management import call_command

    from treehole.redis import get_redis

    get_redis().flushdb()
    started = time.monotonic()
    call_command("rebuild_redis", verbosity=0)
    out(f"  rebuild_redis: {time.monotonic() - started:.1f}s")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--notes", type=int, default=10_000)
    parser.add_argument("--votes", type=int, default=50_000)
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--replicate", type=int, default=1,
                        help="then copy the notes inside MariaDB until there are this many times as many")
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the database first")
    parser.add_argument("--no-redis", action="store_true", help="skip flushing the Redis db and rebuild_redis")
    args = parser.parse_args(argv)
    if not os.environ.get("REDIS_URL") or not os.environ.get("DATABASE_URL", "").startswith("mysql"):
        raise SystemExit("set DATABASE_URL (mysql://.../treehole_bench) and REDIS_URL (redis://.../7)")
    try:
        setup(args.fresh)
    except Exception as exc:  # noqa: BLE001 - a schema from older migrations: start over
        if args.fresh:
            raise
        print(f"  migrate failed ({exc.__class__.__name__}: {exc}); recreating the database", file=sys.stderr)
        ensure_database(os.environ["DATABASE_URL"], fresh=True)
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
    have = counts()
    want = {"users": args.users, "notes": args.notes, "votes": args.votes, "comments": args.comments}
    final_notes = args.notes * max(1, args.replicate)
    # Bench runs add votes (the vote benchmark): at least the asked number of votes is fine.
    if (have["users"], have["notes"], have["comments"]) == (want["users"], final_notes, want["comments"]) and \
            have["votes"] >= want["votes"]:
        print(f"  database already seeded: {have}")
    else:
        if any(have.values()):
            ensure_database(os.environ["DATABASE_URL"], fresh=True)
            from django.core.management import call_command
            from django.db import connection

            connection.close()
            call_command("migrate", verbosity=0, interactive=False)
        seed(**want)
        if args.replicate > 1:
            replicate(args.replicate)
        print(f"  seeded: {counts()}")
    if not args.no_redis:
        rebuild_redis()
    return 0


if __name__ == "__main__":
    sys.exit(main())
