"""``make bench`` section ``fanout``: what a comment on a much-followed note costs (issue 15).

Its own database (``treehole_bench_fanout``, a small seed) and Redis db 9, so it can run beside
the other sections' data. Note A has ``BENCH_FANOUT_FOLLOWERS`` followers (default 10,000), note
B none but its author. Served by gunicorn (deploy/gunicorn.conf.py) with a real huey worker
(``manage.py run_huey``, tasks not immediate), both on the server core.

- **Worker delivery**: one comment on A, from the comment's transaction (``Delivery.created_at``)
  to the last batch committed (``done_at``): queue pickup plus every follower's row, written in
  batches of NOTIFICATIONS_FANOUT_BATCH by one multi-row upsert each. Measured twice per repeat:
  *insert* (every follower had read everything: 10,000 new rows) and *fold* (their unread row of A
  takes ``count + 1``).
- **Comment request**: ``POST /api/v1/notes/{id}/comments`` on A and on B, interleaved, each by
  another member, timed one by one (p50 / p99). The request only records the delivery and
  enqueues it; the worker's fan-outs run meanwhile on the same core, as in production.
- **Unread count**: ``GET /api/v1/notifications/unread-count`` (a follower's token: warm, no SQL)
  beside its ceiling (``/bench/ceiling-count.json``: a plain Django view answering the same bytes),
  wrk as everywhere else.
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import subprocess
import time

DB_FANOUT, REDIS_FANOUT = "treehole_bench_fanout", 9
FOLLOWERS = int(os.environ.get("BENCH_FANOUT_FOLLOWERS", "10000"))
COMMENTS = int(os.environ.get("BENCH_FANOUT_COMMENTS", "30"))  # comment requests per note


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def prepare(followers: int) -> dict:
    """Notes A and B, the followers of A, commenters and their tokens (idempotent)."""
    from accounts.models import User
    from accounts.tokens import issue_pair
    from notes.models import Follow, Note
    from notes.services import note_create
    from treehole import clock

    author = User.objects.filter(username__startswith="bench_u").order_by("username").first()
    notes = {}
    for key, title in (("a", "bench fanout: followed"), ("b", "bench fanout: unfollowed")):
        note = Note.objects.filter(title=title).first() or note_create(
            author=author, title=title, content="bench", category="emotion", anonymous=True)
        notes[key] = note
    have = User.objects.filter(username__startswith="bench_f").count()
    if have < followers:
        User.objects.bulk_create([
            User(username=f"bench_f{i}", email=f"bench_f{i}@bench.invalid", password="!")
            for i in range(have, followers)
        ], batch_size=2000)
    follower_ids = list(User.objects.filter(username__startswith="bench_f").order_by("pk").values_list("pk", flat=True)[:followers])
    now = clock.now()
    Follow.objects.bulk_create([Follow(user_id=pk, note_id=notes["a"].pk, created_at=now, seen_at=now) for pk in follower_ids],
                               ignore_conflicts=True, batch_size=2000)
    Follow.objects.filter(note=notes["a"]).exclude(user_id__in=[*follower_ids, author.pk]).delete()
    Follow.objects.filter(note=notes["b"]).exclude(user_id=author.pk).delete()
    commenters = list(User.objects.filter(username__startswith="bench_u").order_by("username")[1:1 + 2 * COMMENTS + 4])
    return {
        "note_a": notes["a"].pk, "note_b": notes["b"].pk, "followers": len(follower_ids),
        "commenter_tokens": [issue_pair(user)["access"] for user in commenters],
        "reader_token": issue_pair(User.objects.get(pk=follower_ids[0]))["access"],
    }


def _post(conn: http.client.HTTPConnection, note_id: int, token: str, text: str) -> float:
    body = json.dumps({"content": text})
    started = time.perf_counter()
    conn.request("POST", f"/api/v1/notes/{note_id}/comments", body=body,
                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    answer = conn.getresponse()
    answer.read()
    elapsed = (time.perf_counter() - started) * 1000
    if answer.status != 201:
        raise RuntimeError(f"comment answered {answer.status}")
    return elapsed


def _wait_deliveries(timeout: float = 600) -> None:
    from notifications.models import Delivery

    deadline = time.monotonic() + timeout
    while Delivery.objects.filter(done_at__isnull=True).exists():
        if time.monotonic() > deadline:
            raise RuntimeError("the worker did not finish its deliveries")
        time.sleep(0.05)


def _delivery_seconds(conn, note_id: int, token: str) -> float:
    from comments.models import Comment
    from notifications.models import Delivery

    _post(conn, note_id, token, "bench: one comment, timed to its last follower")
    comment = Comment.objects.filter(note_id=note_id).order_by("-created_at", "-id").first()
    key = f"c{comment.pk}"
    deadline = time.monotonic() + 600
    while True:
        row = Delivery.objects.filter(event_key=key).values("created_at", "done_at").first()
        if row and row["done_at"] is not None:
            return (row["done_at"] - row["created_at"]).total_seconds()
        if time.monotonic() > deadline:
            raise RuntimeError("delivery did not finish")
        time.sleep(0.02)


def run(bench, port: int) -> dict:
    """``bench`` is bench.run (its servers, seed, wrk and helpers)."""
    bench.seed(DB_FANOUT, REDIS_FANOUT, "--users", str(2 * COMMENTS + 20), "--notes", "200", "--votes", "0", "--comments", "0")
    bench.django_setup(DB_FANOUT, REDIS_FANOUT)
    from notifications.models import Delivery, Notification
    from treehole import clock

    setup = prepare(FOLLOWERS)
    Delivery.objects.all().delete()
    env = bench.env_for(DB_FANOUT, REDIS_FANOUT, RATE_COMMENT_PER_SECOND="1000000", RATE_COMMENT_BURST="1000000",
                        TREEHOLE_WORKER_ID="820")
    base = f"http://127.0.0.1:{port}"
    worker_log = open(bench.LOGS / "huey-fanout.log", "ab")
    worker = subprocess.Popen(["taskset", "-c", bench.SERVER_CPU, bench.PY, "manage.py", "run_huey", "-w", "2", "-k", "thread"],
                              cwd=bench.ROOT, env={**env, "TREEHOLE_WORKER_ID": "821"}, stdout=worker_log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    bench._servers.append(worker)
    try:
        with bench.gunicorn("gunicorn-fanout", port, env):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            tokens = list(setup["commenter_tokens"])
            # Worker delivery: insert (everyone had read A) and fold (their unread row grows).
            inserts, folds = [], []
            for _rep in range(bench.REPEATS):
                # Everyone read A: the next comment inserts a new row per follower.
                Notification.objects.filter(note_id=setup["note_a"], read_at__isnull=True).update(
                    read_at=clock.now(), fold_key=None)
                inserts.append(_delivery_seconds(conn, setup["note_a"], tokens[0]))
                folds.append(_delivery_seconds(conn, setup["note_a"], tokens[1]))
                bench.log(f"  delivery to {setup['followers']:,}: insert {inserts[-1]:.2f}s, fold {folds[-1]:.2f}s")
            rows = Notification.objects.filter(note_id=setup["note_a"]).count()
            # Comment requests, interleaved A / B, each by another member.
            times = {"a": [], "b": []}
            for i in range(COMMENTS):
                for key in ("a", "b"):
                    token = tokens[(2 * i + (key == "b")) % len(tokens)]
                    times[key].append(_post(conn, setup[f"note_{key}"], token, f"bench {key} {i}"))
            conn.close()
            _wait_deliveries()
            # The unread count beside the ceiling view (a plain view answering the same bytes).
            auth = {"Authorization": f"Bearer {setup['reader_token']}"}
            status, body = bench.fetch(f"{base}/api/v1/notifications/unread-count", headers=auth)
            assert status == 200, status
            (bench.OUT / "unread.json").write_bytes(body)
            status, same = bench.fetch(f"{base}/bench/ceiling-count.json")
            assert status == 200 and same == body, (status, same, body)
            rates = bench.compare({
                "unread_count": (f"{base}/api/v1/notifications/unread-count", auth),
                "ceiling_count": f"{base}/bench/ceiling-count.json",
            }, env=env)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, 15)
            worker.wait(timeout=20)
        if worker in bench._servers:
            bench._servers.remove(worker)
        worker_log.close()
    comment = {key: {"p50_ms": statistics.median(v), "p99_ms": _pct(v, 0.99), "n": len(v)} for key, v in times.items()}
    return {
        "followers": setup["followers"], "batch": int(os.environ.get("NOTIFICATIONS_FANOUT_BATCH", "1000")),
        "delivery_insert_s": statistics.median(inserts), "delivery_fold_s": statistics.median(folds),
        "delivery_insert_runs": inserts, "delivery_fold_runs": folds, "rows_for_note": rows,
        "comment_followed": comment["a"], "comment_unfollowed": comment["b"], **rates,
    }


def report_lines(results: dict | None, error: str | None) -> tuple[list[str], list]:
    if error:
        return ["## Notification fan-out (issue 15)", "", f"Failed: `{error}`", ""], []
    if not results:
        return [], []
    a, b = results["comment_followed"], results["comment_unfollowed"]
    p50_ratio = a["p50_ms"] / b["p50_ms"] if b["p50_ms"] else None
    p99_ratio = a["p99_ms"] / b["p99_ms"] if b["p99_ms"] else None
    u, c = results["unread_count"], results["ceiling_count"]
    count_ratio = u["rps"] / c["rps"] if c["rps"] else None
    followers = results["followers"]
    lines = [
        "## Notification fan-out (issue 15)", "",
        f"A comment on a note with **{followers:,} followers** beside one on a note with none (bench/fanout.py; "
        "gunicorn + a real huey worker on the server core). The request records the delivery and enqueues it; "
        f"the worker writes the followers' rows in batches of {results['batch']:,} (one multi-row upsert each).", "",
        "| | p50 ms | p99 ms | requests |", "|---|---:|---:|---:|",
        f"| comment on the followed note | {a['p50_ms']:.1f} | {a['p99_ms']:.1f} | {a['n']} |",
        f"| comment on a note without followers | {b['p50_ms']:.1f} | {b['p99_ms']:.1f} | {b['n']} |", "",
        f"Followed ÷ unfollowed: p50 **{p50_ratio:.2f}×**, p99 **{p99_ratio:.2f}×** (target ≤ 1.2×).", "",
        f"Worker delivery to all {followers:,} (comment transaction → last batch committed, median of "
        f"{len(results['delivery_insert_runs'])}): **{results['delivery_insert_s']:.2f} s** inserting new rows "
        f"({', '.join(f'{x:.2f}' for x in results['delivery_insert_runs'])}), "
        f"**{results['delivery_fold_s']:.2f} s** folding into unread ones "
        f"({', '.join(f'{x:.2f}' for x in results['delivery_fold_runs'])}) (target ≤ 2 s).", "",
        "| endpoint | req/s (median) | p50 ms | p99 ms | errors | req/s of each run |", "|---|---:|---:|---:|---:|---|",
        f"| `GET /api/v1/notifications/unread-count` (warm: 0 SQL) | {u['rps']:,.0f} | {u['p50_ms']:.1f} | {u['p99_ms']:.1f} | {u['errors']} | {', '.join(f'{x:,.0f}' for x in u['runs'])} |",
        f"| ceiling (plain Django view, same bytes) | {c['rps']:,.0f} | {c['p50_ms']:.1f} | {c['p99_ms']:.1f} | {c['errors']} | {', '.join(f'{x:,.0f}' for x in c['runs'])} |",
        "", f"Unread count ÷ ceiling: **{count_ratio:.2f}**." if count_ratio else "", "",
    ]
    worst = max(results["delivery_insert_s"], results["delivery_fold_s"])
    targets = [
        (f"comment on a {followers:,}-follower note ≤ 1.2 × p50 of none", f"{p50_ratio:.2f}" if p50_ratio else "—",
         "**met**" if p50_ratio and p50_ratio <= 1.2 else "**missed**"),
        (f"worker delivers {followers:,} notifications ≤ 2 s", f"{worst:.2f} s", "**met**" if worst <= 2 else "**missed**"),
    ]
    return lines, targets
