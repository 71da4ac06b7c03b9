"""``make bench``: measure the running system the way it is deployed, beside its baselines, in one
run, and write docs/benchmarks.md from the results (tmp/bench/results.json, and the committed copy
docs/benchmarks.json that ``--merge`` reads on a fresh clone).

    .venv/bin/python -m bench.run                      # everything (< 10 minutes once seeded)
    .venv/bin/python -m bench.run --only http,vote     # some sections
    .venv/bin/python -m bench.run --only lighthouse --merge   # Lighthouse only, keeping the other results
    BENCH_REPEATS=3 BENCH_SECONDS=5 BENCH_CONNECTIONS=16 .venv/bin/python -m bench.run

Servers (gunicorn with deploy/gunicorn.conf.py, daphne) run on core 0, the load generators (wrk,
the Python clients, this process) on core 1 (``taskset``). Every figure is the median of
BENCH_REPEATS runs, and each target is judged by its ratio to a baseline measured in the same run.
Data: MariaDB database ``treehole_bench`` (10,000 notes, 50,000 votes, 100,000 comments, seeded
once by bench/seed.py) and ``treehole_bench_mem`` (100,000 notes), Redis dbs 7 and 8 (flushed);
the search section seeds ``treehole_bench_search`` (100,000 then 1,000,000 notes) and uses Redis db 12.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import resource
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

from bench.proc import cpu_seconds

ROOT = Path(__file__).resolve().parents[1]
PY = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
BIN = Path(PY).parent
OUT = ROOT / "tmp" / "bench"
LOGS = OUT / "logs"
COMMITTED_RESULTS = ROOT / "docs" / "benchmarks.json"  # what docs/benchmarks.md is rendered from
SERVER_CPU, CLIENT_CPU = "0", "1"

MYSQL = os.environ.get("BENCH_MYSQL", "mysql://root@127.0.0.1:3306")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379")
DB_MAIN, DB_MEM = "treehole_bench", "treehole_bench_mem"
REDIS_MAIN, REDIS_MEM = 7, 8

REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
CHAT_CLIENTS = int(os.environ.get("BENCH_CHAT_CLIENTS", "1000"))
CHAT_SECONDS = int(os.environ.get("BENCH_CHAT_SECONDS", "60"))
CHAT_SCALE_CLIENTS = int(os.environ.get("BENCH_CHAT_SCALE_CLIENTS", "5000"))
CHAT_CLIENT_PROCS = int(os.environ.get("BENCH_CHAT_CLIENT_PROCS", "4"))

SECTIONS = ("memory", "http", "mix", "vote", "stampede", "daphne", "ratelimit", "chat", "memory100k", "search", "lighthouse",
            "filters", "fanout")
DB_SEARCH, REDIS_SEARCH = "treehole_bench_search", 12

# The environment of every server and helper: production settings (DEBUG off, real MariaDB and
# Redis), the bench URLconf for the baselines, buckets wide enough that one load generator on one
# IP measures the server rather than its own 429s (the limiter still runs on every request).
BASE_ENV = {
    "DJANGO_SETTINGS_MODULE": "bench.settings",
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-secret-key-" + "k" * 40,
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "TASKS_IMMEDIATE": "0",
    "LOG_LEVEL": "WARNING",
    "TREEHOLE_WORKER_ID": "800",
    "RATE_GLOBAL_PER_SECOND": "1000000", "RATE_GLOBAL_BURST": "1000000",
    "RATE_ANON_PER_SECOND": "1000000", "RATE_ANON_BURST": "1000000",
    "RATE_VOTE_PER_SECOND": "1000000", "RATE_VOTE_BURST": "1000000",
    "BENCH_DIR": str(OUT),
}


def env_for(db: str = DB_MAIN, redis_db: int = REDIS_MAIN, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    env.update(BASE_ENV)
    env.update(DATABASE_URL=f"{MYSQL}/{db}", REDIS_URL=f"{REDIS}/{redis_db}")
    env.update({k: str(v) for k, v in extra.items()})
    return env


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S', time.gmtime())}] {message}", flush=True)


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


# --- Processes -----------------------------------------------------------------------------------

_servers: list[subprocess.Popen] = []


class Server:
    """A server process group started here (and only here), pinned to SERVER_CPU."""

    def __init__(self, name: str, argv: list[str], port: int, env: dict):
        self.name, self.port = name, port
        LOGS.mkdir(parents=True, exist_ok=True)
        self.logfile = open(LOGS / f"{name}.log", "ab")
        self.proc = subprocess.Popen(
            ["taskset", "-c", SERVER_CPU, *argv], cwd=ROOT, env=env, stdout=self.logfile, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=_raise_nofile,
        )
        _servers.append(self.proc)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {self.proc.returncode}; see {LOGS / (name + '.log')}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"{name} did not answer /healthz within 60 s")

    @property
    def pids(self) -> list[int]:
        """The server's processes: the one started and its children (gunicorn workers)."""
        pids = [self.proc.pid]
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
            pids += [int(pid) for pid in children]
        except OSError:
            pass
        return pids

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)  # the group this runner created for it
                self.proc.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=5)
        if self.proc in _servers:
            _servers.remove(self.proc)
        self.logfile.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def stop_all() -> None:
    for proc in list(_servers):
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


def gunicorn(name: str, port: int, env: dict | None = None) -> Server:
    env = dict(env or env_for())
    env["GUNICORN_BIND"] = f"127.0.0.1:{port}"
    return Server(name, [str(BIN / "gunicorn"), "treehole.wsgi:application", "-c", "deploy/gunicorn.conf.py"],
                  port, env)


def daphne(name: str, port: int, env: dict | None = None) -> Server:
    return Server(name, [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "treehole.asgi:application"],
                  port, env or env_for())


# --- wrk -----------------------------------------------------------------------------------------

def wrk(url: str, *, seconds: int = SECONDS, connections: int = CONNECTIONS, env: dict | None = None,
        headers: dict | None = None, script: str = "wrk_report.lua") -> dict:
    argv = ["taskset", "-c", CLIENT_CPU, "wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
            *[part for name, value in (headers or {}).items() for part in ("-H", f"{name}: {value}")],
            "-s", str(ROOT / "bench" / script), url]
    done = subprocess.run(argv, capture_output=True, text=True, env={**os.environ, **(env or {})},
                          timeout=seconds + 60)
    for line in done.stdout.splitlines():
        if line.startswith("BENCHJSON "):
            result = json.loads(line[len("BENCHJSON "):])
            result["errors"] = sum(result[k] for k in result if k.startswith("err_"))
            return result
    raise RuntimeError(f"wrk printed no result: {done.stdout[-500:]} {done.stderr[-500:]}")


def fetch(url: str, *, method: str = "GET", headers: dict | None = None, body: bytes | None = None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return answer.status, answer.read()


def compare(targets: dict[str, str | tuple[str, dict]], *, repeats: int = REPEATS, env: dict | None = None,
            pids=None) -> dict:
    """wrk each URL ``repeats`` times, interleaved (so drift hits every target alike); medians.
    A target is a URL or ``(URL, request headers)``. ``pids`` (a callable giving the server
    processes): also the servers' CPU time per request, which a busy machine disturbs far less
    than req/s."""
    targets = {name: (t, None) if isinstance(t, str) else t for name, t in targets.items()}
    for url, headers in targets.values():  # warm-up, not counted
        wrk(url, seconds=1, env=env, headers=headers)
    runs: dict[str, list[dict]] = {name: [] for name in targets}
    for rep in range(repeats):
        for name, (url, headers) in targets.items():
            server_pids = pids() if pids else []
            cpu0 = cpu_seconds(server_pids)
            result = wrk(url, env=env, headers=headers)
            used = cpu_seconds(server_pids) - cpu0
            if server_pids and result["requests"] and used >= 0:  # < 0: a worker left unwaited-for mid-run
                result["cpu_ms_per_request"] = 1000 * used / result["requests"]
            runs[name].append(result)
            log(f"  {name} #{rep + 1}: {result['rps']:.0f} req/s, p50 {result['p50_ms']:.1f} ms, "
                f"p99 {result['p99_ms']:.1f} ms, errors {result['errors']}"
                + (f", server CPU {result['cpu_ms_per_request']:.2f} ms/request" if "cpu_ms_per_request" in result else ""))
    return {name: summarize(results) for name, results in runs.items()}


def summarize(results: list[dict]) -> dict:
    return {
        "rps": median(r["rps"] for r in results),
        "p50_ms": median(r["p50_ms"] for r in results),
        "p99_ms": median(r["p99_ms"] for r in results),
        "errors": sum(r["errors"] for r in results),
        "requests": sum(r["requests"] for r in results),
        "runs": [round(r["rps"], 1) for r in results],
        "cpu_ms_per_request": median(r.get("cpu_ms_per_request") for r in results),
    }


# --- Django in this process (bench env), for data preparation and checks ---------------------------

def django_setup(db: str = DB_MAIN, redis_db: int = REDIS_MAIN) -> None:
    os.environ.update(env_for(db, redis_db))
    import django

    django.setup()


def seed(db: str, redis_db: int, *args: str) -> None:
    started = time.monotonic()
    subprocess.run(["taskset", "-c", CLIENT_CPU, PY, "-m", "bench.seed", *args], cwd=ROOT, env=env_for(db, redis_db),
                   check=True)
    log(f"seed {db}: {time.monotonic() - started:.0f}s")


def redis_client(db: int):
    import redis

    return redis.Redis.from_url(f"{REDIS}/{db}", decode_responses=True)


# --- Sections ------------------------------------------------------------------------------------

def section_memory(db_index: int, label: str) -> dict:
    """Memory held in Redis by the notes' keys, by kind (MEMORY USAGE of every key)."""
    client = redis_client(db_index)
    prefix = BASE_ENV.get("REDIS_KEY_PREFIX", "treehole:")
    kinds: dict[str, dict] = {}
    names = list(client.scan_iter(match=f"{prefix}note:*", count=5000))
    sizes = []
    for start in range(0, len(names), 1000):
        pipe = client.pipeline(transaction=False)
        for name in names[start:start + 1000]:
            pipe.memory_usage(name, samples=0)
        sizes += pipe.execute()
    for name, size in zip(names, sizes):
        rest = name[len(prefix):]
        if rest.startswith(("note:time", "note:score")):
            kind = "ranking sets"
        elif rest.startswith("note:info:"):
            kind = "cards (note:info)"
        elif rest.startswith(("note:voted:", "note:votedv:")):
            kind = "voted sets"
        else:
            kind = "other note keys"
        entry = kinds.setdefault(kind, {"keys": 0, "bytes": 0})
        entry["keys"] += 1
        entry["bytes"] += size or 0
    ranked = set()
    for name in client.scan_iter(match=f"{prefix}note:score*", count=1000):
        ranked.update(client.zrange(name, 0, -1))
    for name in client.scan_iter(match=f"{prefix}note:time*", count=1000):
        ranked.update(client.zrange(name, 0, -1))
    total = sum(entry["bytes"] for entry in kinds.values())
    sets_and_cards = sum(kinds.get(k, {}).get("bytes", 0) for k in ("ranking sets", "cards (note:info)"))
    return {
        "label": label, "kinds": kinds, "total_bytes": total, "ranked_notes": len(ranked),
        "bytes_per_ranked_note": round(sets_and_cards / len(ranked)) if ranked else None,
        "dbsize": client.dbsize(),
    }


def _bench_member(hot_ids: list[str]) -> tuple[str, str]:
    """A signed-in reader with votes and follows on page 1 of the hot list, and their session
    cookie (sessions live in MariaDB, so the servers see it)."""
    from django.conf import settings
    from django.test import Client

    from accounts.models import User
    from notes.services import note_follow, note_vote

    member = User.objects.filter(username__startswith="bench_u").order_by("username").last()
    for i, note_id in enumerate(hot_ids[:12]):
        note_vote(note_id=int(note_id), user=member, value=1 if i % 3 else -1)
        if i % 4 == 0:
            note_follow(user=member, note_id=int(note_id))
    client = Client()
    client.force_login(member)
    return member.username, f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def _note_with_comments(count: int = 50) -> tuple[int, int]:
    """A visible note with ``count`` comments: the one with the most comments up to that number,
    topped up by the bench users. Returns (note id, comments)."""
    from accounts.models import User
    from comments.models import Comment
    from comments.services import comment_create
    from notes.models import Note

    note_id = (Note.objects.filter(hidden=False, held=False, comment_count__lte=count)
               .order_by("-comment_count", "-id").values_list("pk", flat=True).first())
    have = Comment.objects.filter(note_id=note_id).count()
    writers = list(User.objects.filter(username__startswith="bench_u").order_by("username")[:count])
    for i in range(max(0, count - have)):
        comment_create(user=writers[i % len(writers)], note_id=note_id, content=f"第 {have + i + 1} 条评论：抱抱你，会好起来的")
    return note_id, Comment.objects.filter(note_id=note_id).count()


def section_http(port: int) -> dict:
    base = f"http://127.0.0.1:{port}"
    before = f"http://127.0.0.1:{port + 20}"  # the same site without the signed-out page cache
    with gunicorn("gunicorn-http", port) as server, \
            gunicorn("gunicorn-http-nocache", port + 20, env_for(PAGE_CACHE_SECONDS="0")) as server_before:
        status, hot = fetch(f"{base}/api/v1/notes?order=hot&page=1")
        assert status == 200, status
        (OUT / "hot.json").write_bytes(hot)
        status, home = fetch(f"{base}/")
        assert status == 200, status
        (OUT / "home.html").write_bytes(home)
        sizes = {"hot_api": len(hot), "home": len(home)}
        for name, path in (("ceiling_json", "/bench/ceiling.json"), ("naive_hot", "/bench/naive/hot"),
                           ("hot_direct", "/bench/hot-direct"),
                           ("ceiling_html", "/bench/ceiling.html"), ("naive_home", "/bench/naive/home")):
            status, body = fetch(base + path)
            assert status == 200, (name, status)
            sizes[name] = len(body)
        naive_ids = [n["id"] for n in json.loads(fetch(base + "/bench/naive/hot")[1])["results"]]
        real_ids = [n["id"] for n in json.loads(hot)["results"]]
        log(f"  body sizes {sizes}; naive list == real list: {naive_ids == real_ids}")
        # Signed in: a member with votes and follows on page 1; a note page with 50 comments.
        username, cookie = _bench_member(real_ids)
        member = {"Cookie": cookie}
        note_id, comments = _note_with_comments()
        for name, path in (("home_member.html", "/"), ("note_member.html", f"/notes/{note_id}/")):
            status, body = fetch(base + path, headers=member)
            assert status == 200 and username.encode() in body, (name, status)
            (OUT / name).write_bytes(body)
            sizes[name.split(".")[0]] = len(body)
        status, body = fetch(before + "/")
        assert status == 200, status
        log(f"  member {username}, note {note_id} with {comments} comments")
        results = compare({
            "hot_api": f"{base}/api/v1/notes?order=hot&page=1",
            "ceiling_json": f"{base}/bench/ceiling.json",
            "naive_hot": f"{base}/bench/naive/hot",
            "hot_direct": f"{base}/bench/hot-direct",
            "home": f"{base}/",
            "ceiling_html": f"{base}/bench/ceiling.html",
            "naive_home": f"{base}/bench/naive/home",
            "home_nocache": f"{before}/",
            "home_member": (f"{base}/", member),
            "ceiling_home_member": (f"{base}/bench/ceiling/home_member.html", member),
            "note_member": (f"{base}/notes/{note_id}/", member),
            "ceiling_note_member": (f"{base}/bench/ceiling/note_member.html", member),
        }, pids=lambda: server.pids + server_before.pids)
    results["sizes"] = sizes
    results["note_comments"] = comments
    results["same_order_as_naive"] = naive_ids == real_ids
    return results


def _vote_file(name: str, tokens: list[str], note_ids: list[int], rng: random.Random) -> Path:
    lines = [f"{token} {rng.choice(note_ids)}" for token in tokens for _ in range(10)]
    rng.shuffle(lines)
    path = OUT / name
    path.write_text("\n".join(lines) + "\n")
    return path


def vote_invariant(note_ids: list[int]) -> dict:
    """Redis == database for these notes: counters and score in the card and the ranking sets,
    and every voter's vote in the voted set (where the note has one)."""
    from notes import ranking
    from notes.models import Note, Vote
    from treehole.redis import get_redis

    client = get_redis()
    mismatches, checked_cards, checked_voted, checked_rank = [], 0, 0, 0
    for note in Note.objects.filter(pk__in=note_ids).select_related("category"):
        card = client.hgetall(ranking.info_key(note.pk))
        if card:
            checked_cards += 1
            got = (int(card["approve"]), int(card["against"]), int(card["score"]))
            if got != (note.approve, note.against, note.score):
                mismatches.append(f"card {note.pk}: redis {got} db {(note.approve, note.against, note.score)}")
        for name in (ranking.set_name("score"), ranking.set_name("score", note.category.slug)):
            score = client.zscore(ranking.set_key(name), ranking.member(note.pk))
            if score is not None:
                checked_rank += 1
                if int(score) != note.score:
                    mismatches.append(f"rank {name} {note.pk}: redis {score} db {note.score}")
        voted = client.zrange(ranking.voted_key(note.pk), 0, -1, withscores=True)
        if voted:
            checked_voted += 1
            redis_votes = {int(m): int(s) for m, s in voted if m != ranking.SENTINEL and int(s) != 0}
            db_votes = dict(Vote.objects.filter(note=note).exclude(value=0).values_list("user_id", "value"))
            if redis_votes != db_votes:
                mismatches.append(f"voted {note.pk}: {len(redis_votes)} in redis, {len(db_votes)} in db")
        db_approve = Vote.objects.filter(note=note, value=1).count()
        db_against = Vote.objects.filter(note=note, value=-1).count()
        if (db_approve, db_against) != (note.approve, note.against):
            mismatches.append(f"rows {note.pk}: counters {(note.approve, note.against)} rows {(db_approve, db_against)}")
    return {"notes": len(note_ids), "cards": checked_cards, "rank_entries": checked_rank,
            "voted_sets": checked_voted, "mismatches": len(mismatches), "examples": mismatches[:5]}


def section_vote(port: int) -> dict:
    from accounts.models import User
    from accounts.tokens import issue_pair
    from notes.models import Note

    rng = random.Random(7)
    users = list(User.objects.filter(username__startswith="bench_u").order_by("username")[:200])
    tokens = [issue_pair(user)["access"] for user in users]
    # Two disjoint pools of the hot list's notes (in their vote window, ranked, cards in Redis): the
    # naive vote never touches the real vote's notes, so the invariant check is about the real one.
    recent = list(Note.objects.filter(hidden=False).order_by("-score", "-id").values_list("pk", flat=True)[:1000])
    rng.shuffle(recent)
    real_pool, naive_pool = recent[:500], recent[500:1000]
    real_file = _vote_file("votes-real.txt", tokens, real_pool, rng)
    naive_file = _vote_file("votes-naive.txt", tokens, naive_pool, rng)
    base = f"http://127.0.0.1:{port}"
    with gunicorn("gunicorn-vote", port):
        status, _body = fetch(f"{base}/api/v1/notes/{real_pool[0]}/vote", method="PUT",
                              headers={"Authorization": f"Bearer {tokens[0]}", "Content-Type": "application/json"},
                              body=b'{"value":1}')
        assert status == 200, status
        runs: dict[str, list[dict]] = {"vote": [], "naive_vote": []}
        for rep in range(REPEATS):
            for name, path, file in (("vote", "/api/v1/notes/%s/vote", real_file),
                                     ("naive_vote", "/bench/naive/notes/%s/vote", naive_file)):
                result = wrk(base + "/", env={"BENCH_VOTES": str(file), "BENCH_VOTE_PATH": path})
                runs[name].append(result)
                log(f"  {name} #{rep + 1}: {result['rps']:.0f} req/s, p50 {result['p50_ms']:.1f} ms, "
                    f"p99 {result['p99_ms']:.1f} ms, errors {result['errors']}")
    results = {name: summarize(rs) for name, rs in runs.items()}
    results["invariant"] = vote_invariant(real_pool)
    log(f"  invariant: {results['invariant']}")
    return results


def _general_log(enable: bool, saved: dict | None = None) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        if enable:
            cursor.execute("SELECT @@GLOBAL.general_log, @@GLOBAL.log_output")
            general, output = cursor.fetchone()
            cursor.execute("SET GLOBAL log_output = 'TABLE'")
            cursor.execute("TRUNCATE mysql.general_log")
            cursor.execute("SET GLOBAL general_log = 1")
            return {"general_log": general, "log_output": output}
        cursor.execute("SET GLOBAL general_log = 0")
        cursor.execute("SET GLOBAL log_output = %s", [saved["log_output"]])
        if saved["general_log"]:
            cursor.execute("SET GLOBAL general_log = 1")
        return {}


def section_stampede(ports: tuple[int, int], concurrency: int = 200) -> dict:
    """200 concurrent requests for one cold note, spread over two gunicorn servers (each its own
    processes); the database statements they caused, from MariaDB's general query log."""
    import http.client

    from django.db import connection

    from notes import ranking
    from notes.models import Note
    from treehole.redis import get_redis

    client = get_redis()
    ranked = set()
    for order in ranking.ORDERS:
        for name in client.scan_iter(match=ranking.set_key(order) + "*"):
            ranked.update(int(m) for m in client.zrange(name, 0, -1))
    candidates = [pk for pk in Note.objects.filter(hidden=False).order_by("score").values_list("pk", flat=True)[:3000]
                  if pk not in ranked and not client.exists(ranking.info_key(pk))]
    note_id = random.Random().choice(candidates)
    # Cold: no card, lease, lock or version for it in Redis (whatever helper the notes module has).
    cold_keys = [ranking.info_key(note_id), ranking.lease_key(note_id), ranking.ver_key(note_id)]
    cold_keys += [k + ":lock" for k in cold_keys[:1]] + [ranking.voted_key(note_id), ranking.votedv_key(note_id)]
    client.delete(*cold_keys)
    servers = [gunicorn(f"gunicorn-stampede-{i}", port) for i, port in enumerate(ports)]
    try:
        time.sleep(1)
        connections = []
        for i in range(concurrency):
            conn = http.client.HTTPConnection("127.0.0.1", ports[i % 2], timeout=30)
            conn.connect()
            connections.append(conn)
        barrier = threading.Barrier(concurrency + 1)
        statuses: list[int] = []
        lock = threading.Lock()

        def one(conn):
            barrier.wait()
            conn.request("GET", f"/api/v1/notes/{note_id}")
            answer = conn.getresponse()
            answer.read()
            with lock:
                statuses.append(answer.status)

        saved = _general_log(True)
        try:
            threads = [threading.Thread(target=one, args=(conn,)) for conn in connections]
            for thread in threads:
                thread.start()
            started = time.monotonic()
            barrier.wait()
            for thread in threads:
                thread.join(timeout=60)
            elapsed = time.monotonic() - started
        finally:
            _general_log(False, saved)
        for conn in connections:
            conn.close()
        with connection.cursor() as cursor:
            cursor.execute("SELECT thread_id, command_type, CONVERT(argument USING utf8mb4) FROM mysql.general_log")
            rows = cursor.fetchall()
            cursor.execute("TRUNCATE mysql.general_log")
        pids = [pid for server in servers for pid in server.pids]
    finally:
        for server in servers:
            server.stop()
    # The servers' connections: those opened on the bench database during the burst, and those
    # (opened earlier, e.g. by /healthz) that ran a statement naming the note.
    bench_threads = {tid for tid, kind, arg in rows if kind == "Connect" and f" on {DB_MAIN} " in f"{arg} "}
    bench_threads |= {tid for tid, kind, arg in rows if kind in ("Query", "Execute") and str(note_id) in arg}
    statements = [(tid, arg) for tid, kind, arg in rows if kind in ("Query", "Execute") and tid in bench_threads]
    selects = [arg for _tid, arg in statements if arg.lstrip().upper().startswith("SELECT")]
    note_selects = [arg for arg in selects if str(note_id) in arg and "FROM `notes_note`" in arg]
    mentioning = [arg for arg in selects if str(note_id) in arg]
    return {
        "note_id": str(note_id), "requests": concurrency, "ok": statuses.count(200), "statuses": sorted(set(statuses)),
        "seconds": round(elapsed, 3), "servers": len(ports), "server_processes": len(pids),
        "db_connections_opened": len(bench_threads), "statements": len(statements), "selects": len(selects),
        "selects_of_the_note": len(mentioning), "note_row_loads": len(note_selects),
        "select_texts": [arg[:160] for arg in selects][:10],
        "log_rows": len(rows), "log_kinds": sorted({kind for _t, kind, _a in rows}),
    }


def section_lighthouse(port: int) -> dict:
    """Lighthouse on the pages people use (bench/lighthouse.py): daphne (pages and the chat's
    WebSocket) with DEBUG off and static files collected, as deployed."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from bench import lighthouse
    from notes.models import Note

    if not lighthouse.LIGHTHOUSE.exists():
        raise RuntimeError("node_modules/lighthouse is missing: run `npm ci` (make bench does)")
    static = subprocess.run([PY, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env_for(),
                            capture_output=True, text=True)
    if static.returncode:
        raise RuntimeError(f"collectstatic failed: {static.stderr[-500:]}")
    user, _ = get_user_model().objects.get_or_create(username="lighthouse", defaults={"email": "lighthouse@example.com"})
    client = Client()
    client.force_login(user)
    from django.conf import settings

    cookie = (settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value)
    note = Note.objects.filter(hidden=False, held=False, folded=False).order_by("-id").first()
    runs = int(os.environ.get("BENCH_LIGHTHOUSE_RUNS", "3"))
    with daphne("lighthouse", port, env_for(SECURE_COOKIES="0")):
        return lighthouse.run_pages(f"http://127.0.0.1:{port}", lighthouse.selected_pages(), out_dir=OUT / "lighthouse",
                                    cookie=cookie, note_path=f"/notes/{note.pk}/", runs=runs, cpu=CLIENT_CPU, log=log)


def section_daphne(port: int) -> dict:
    """The DESIGN.md claim: the same ceiling view under gunicorn (2x4) and under one daphne."""
    base = f"http://127.0.0.1:{port}"
    out = {}
    with gunicorn("gunicorn-ceiling", port):
        out["gunicorn"] = compare({"ceiling_json": f"{base}/bench/ceiling.json"})["ceiling_json"]
    with daphne("daphne-ceiling", port):
        out["daphne"] = compare({"ceiling_json": f"{base}/bench/ceiling.json"})["ceiling_json"]
    return out


def section_ratelimit() -> dict:
    """Rate limiter: the protection area's own benchmark (bench/ratelimit_bench.py: the middleware's
    added latency and multi-process admission accuracy) when it is there, else a minimal one here."""
    script = ROOT / "bench" / "ratelimit_bench.py"
    if script.exists():
        done = subprocess.run(["taskset", "-c", CLIENT_CPU, PY, str(script), "--requests", "5000",
                               "--accuracy-seconds", "3"], cwd=ROOT, env=env_for(), capture_output=True, text=True,
                              timeout=240)
        found = re.search(r"Added by the limiter, signed out: p50 (-?\d+) µs, p99 (-?\d+) µs", done.stdout)
        if done.returncode == 0 and found:
            return {"source": "bench/ratelimit_bench.py", "markdown": done.stdout.strip(),
                    "added_p50_ms": int(found.group(1)) / 1000, "added_p99_ms": int(found.group(2)) / 1000}
        log(f"  bench/ratelimit_bench.py failed ({done.returncode}): {done.stderr[-300:]}; measuring here")
    return _ratelimit_here()


def _ratelimit_here() -> dict:
    """The limiter's added latency per request (the middleware's exact call: the global and the
    per-IP bucket in one script) next to a bare Redis round trip, and its admission accuracy."""
    from treehole import ratelimit
    from treehole.protection import GLOBAL_BUCKET
    from treehole.redis import get_redis

    client = get_redis()

    def timed(call, n):
        samples = []
        for _ in range(n):
            t0 = time.perf_counter_ns()
            call()
            samples.append((time.perf_counter_ns() - t0) / 1e6)
        samples.sort()
        return samples

    anon = ratelimit.Bucket("anon", "ip198.51.100.7")
    for _ in range(200):
        ratelimit.take_many([GLOBAL_BUCKET, anon])
    n = 5000
    ping = timed(client.ping, n)
    take = timed(lambda: ratelimit.take_many([GLOBAL_BUCKET, anon]), n)

    def pct(samples, q):
        return round(samples[min(len(samples) - 1, int(q * len(samples)))], 3)

    latency = {"calls": n, "take_p50_ms": pct(take, 0.5), "take_p99_ms": pct(take, 0.99),
               "ping_p50_ms": pct(ping, 0.5), "ping_p99_ms": pct(ping, 0.99),
               "added_p50_ms": round(pct(take, 0.5) - pct(ping, 0.5), 3),
               "added_p99_ms": round(pct(take, 0.99) - pct(ping, 0.99), 3)}

    accuracy = []
    for rate, burst, seconds, workers in ((50.0, 20.0, 4.0, 8), (5.0, 5.0, 4.0, 8)):
        bucket = ratelimit.Bucket("bench", f"acc{time.time_ns()}", rate=rate, burst=burst)
        admitted = []
        stop_at = time.monotonic() + seconds
        lock = threading.Lock()
        first_last = []

        def hammer():
            mine, times = 0, []
            while time.monotonic() < stop_at:
                t = time.monotonic()
                if ratelimit.take_many([bucket])[0]:
                    mine += 1
                times.append(t)
            with lock:
                admitted.append(mine)
                first_last.extend([times[0], times[-1]])

        threads = [threading.Thread(target=hammer) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = max(first_last) - min(first_last)
        expected = burst + rate * elapsed
        got = sum(admitted)
        accuracy.append({"rate": rate, "burst": burst, "seconds": round(elapsed, 2), "threads": workers,
                         "admitted": got, "expected": round(expected, 1),
                         "error_pct": round(100 * (got - expected) / expected, 2)})
    return {"source": "bench/run.py", "latency": latency, "accuracy": accuracy,
            "added_p50_ms": latency["added_p50_ms"], "added_p99_ms": latency["added_p99_ms"]}


ASGI_SERVERS = ("daphne", "uvicorn")


def asgi_server(kind: str, name: str, port: int, env: dict) -> Server:
    """The WebSocket server under test: daphne (make run, the design card's server) or uvicorn
    with wsproto (no per-frame drain: like daphne, a slow reader never stalls the fan-out), with
    docker-compose.yml's flags (no protocol keepalive pings: the app has its own heartbeat)."""
    if kind == "uvicorn":
        return Server(name, [str(BIN / "uvicorn"), "treehole.asgi:application", "--host", "127.0.0.1", "--port",
                             str(port), "--ws", "wsproto", "--ws-ping-interval", "0", "--lifespan", "off", "--no-access-log",
                             "--log-level", "warning"], port, env)
    return daphne(name, port, env)


def section_chat(port: int, layer: str, extra_env: dict | None = None, *, server: str = "daphne",
                 processes: int = 1, clients: int = CHAT_CLIENTS) -> dict:
    from accounts.models import User
    from accounts.tokens import issue_pair

    users = list(User.objects.filter(username__startswith="bench_u").order_by("username")[:clients])
    tokens_file = OUT / "chat-tokens.txt"
    tokens_file.write_text("\n".join(issue_pair(user)["access"] for user in users) + "\n")
    backend = {"core": "channels_redis.core.RedisChannelLayer",
               "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer"}[layer]
    env = env_for(CHANNEL_LAYER_BACKEND=backend, **(extra_env or {}))
    ports = [port + i * 10 for i in range(processes)]
    servers = []
    try:
        for i, server_port in enumerate(ports):
            servers.append(asgi_server(server, f"{server}-chat-{layer}-{i}", server_port,
                                       {**env, "TREEHOLE_WORKER_ID": str(810 + i)}))
        pids = [pid for s in servers for pid in s.pids]
        argv = ["taskset", "-c", CLIENT_CPU, PY, "-m", "bench.chat", "--ports", ",".join(map(str, ports)),
                "--tokens", str(tokens_file), "--clients", str(clients), "--seconds", str(CHAT_SECONDS),
                "--procs", str(CHAT_CLIENT_PROCS), "--pids", ",".join(map(str, pids))]
        log(f"  {server} x{processes}, {layer}, {clients} clients; load average {os.getloadavg()}")
        load_before = os.getloadavg()
        done = subprocess.run(argv, cwd=ROOT, env=env_for(), capture_output=True, text=True, preexec_fn=_raise_nofile,
                              timeout=CHAT_SECONDS + 400)
    finally:
        for s in servers:
            s.stop()
    (LOGS / f"chat-client-{server}-{layer}-{clients}.log").write_text(done.stdout + done.stderr)
    for line in done.stdout.splitlines():
        if line.startswith("BENCHJSON "):
            result = json.loads(line[len("BENCHJSON "):])
            result["layer"] = backend
            result["extra_env"] = extra_env or {}
            result["server"] = server
            result["load_before"] = load_before
            result["date"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
            log(f"  lost {result['lost']}, p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, "
                f"idle CPU {result['idle_cpu_pct']} %, server {result['server_cpu_us_per_frame']} µs/frame, "
                f"clients {result['client_cpu_pct']} %")
            return result
    raise RuntimeError(f"chat client printed no result: {done.stderr[-800:]}")


MIX_LEVELS = [int(x) for x in os.environ.get("BENCH_MIX_CONNECTIONS", "8,16,32,64").split(",")]
MIX_SECONDS = int(os.environ.get("BENCH_MIX_SECONDS", "10"))


def _service_pids() -> dict[str, list[int]]:
    """MariaDB's and Redis's server processes (shared with whatever else runs on the machine)."""
    import redis

    pids = {"mariadb": [], "redis": []}
    try:
        pids["redis"] = [int(redis.Redis.from_url(f"{REDIS}/0").info("server")["process_id"])]
    except Exception:  # noqa: BLE001 - not measurable: reported as such
        pass
    for name in ("mariadbd", "mysqld"):
        found = subprocess.run(["pgrep", "-x", name], capture_output=True, text=True).stdout.split()
        if found:
            pids["mariadb"] = [int(p) for p in found]
            break
    return pids


def section_mix(port: int) -> dict:
    """200 signed-in users through the compose topology's processes — gunicorn (pages + API), the
    ASGI server for /ws/ (uvicorn, as docker-compose.yml), the huey worker — on MariaDB and Redis:
    70 % reads, 20 % votes, 10 % comments and posts (bench/wrk_mix.lua). wrk runs at rising
    connection counts; the sustained rate is the highest whose p99 stays ≤ 200 ms. CPU of each
    part over each step, in % of one core."""
    from accounts.models import User
    from accounts.tokens import issue_pair
    from notes.models import Note

    rng = random.Random(19)
    users = list(User.objects.filter(username__startswith="bench_u").order_by("username")[:200])
    notes = list(Note.objects.filter(hidden=False).order_by("-score", "-id").values_list("pk", flat=True)[:2000])
    lines = [f"{issue_pair(user)['access']} {rng.choice(notes)}" for user in users for _ in range(20)]
    rng.shuffle(lines)
    mix_file = OUT / "mix.txt"
    mix_file.write_text("\n".join(lines) + "\n")
    wide = {"RATE_POST_PER_SECOND": "1000000", "RATE_POST_BURST": "1000000", "RATE_COMMENT_PER_SECOND": "1000000",
            "RATE_COMMENT_BURST": "1000000"}
    env = env_for(**wide)
    base = f"http://127.0.0.1:{port}"
    steps = []
    with gunicorn("gunicorn-mix", port, env) as app, \
            asgi_server("uvicorn", "uvicorn-mix", port + 1, {**env, "TREEHOLE_WORKER_ID": "820"}) as ws:
        LOGS.mkdir(parents=True, exist_ok=True)
        worker_log = open(LOGS / "huey-mix.log", "ab")
        worker = subprocess.Popen(["taskset", "-c", SERVER_CPU, PY, "manage.py", "run_huey"], cwd=ROOT,
                                  env={**env, "TREEHOLE_WORKER_ID": "821"}, stdout=worker_log,
                                  stderr=subprocess.STDOUT, start_new_session=True)
        _servers.append(worker)
        try:
            services = _service_pids()
            wrk(base + "/", seconds=2, env={"BENCH_MIX": str(mix_file)}, script="wrk_mix.lua")  # warm-up
            for connections in MIX_LEVELS:
                groups = {"app (gunicorn)": app.pids, "ws (uvicorn)": ws.pids, "worker (huey)": [worker.pid],
                          **services}
                cpu0 = {name: cpu_seconds(pids) for name, pids in groups.items()}
                t0 = time.monotonic()
                load = os.getloadavg()
                result = wrk(base + "/", seconds=MIX_SECONDS, connections=connections,
                             env={"BENCH_MIX": str(mix_file)}, script="wrk_mix.lua")
                elapsed = time.monotonic() - t0
                result["connections"] = connections
                result["load_before"] = load
                result["cpu_pct"] = {name: round(100 * (cpu_seconds(pids) - cpu0[name]) / elapsed, 1)
                                     for name, pids in groups.items() if pids}
                steps.append(result)
                log(f"  mix c{connections}: {result['rps']:.0f} req/s, p99 {result['p99_ms']:.1f} ms, "
                    f"errors {result['errors']}, CPU {result['cpu_pct']}")
        finally:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(timeout=20)
            _servers.remove(worker)
            worker_log.close()
    ok = [s for s in steps if s["p99_ms"] <= 200 and not s["errors"]]
    best = max(ok, key=lambda s: s["rps"]) if ok else None
    return {"steps": steps, "sustained": best, "users": len(users)}


# --- Report --------------------------------------------------------------------------------------

def section_search() -> dict:
    """Search at 100,000 and 1,000,000 notes beside LIKE (bench/search.py, its own process and
    database; its output streams to tmp/bench/logs/search.log). BENCH_SEARCH_SIZES overrides the
    sizes (comma-separated), BENCH_SEARCH_TIMEOUT the time allowed (seconds; sizes finished by then
    are kept)."""
    sizes = os.environ.get("BENCH_SEARCH_SIZES", "100000,1000000")
    timeout = int(os.environ.get("BENCH_SEARCH_TIMEOUT", str(40 * 60)))
    path = LOGS / "search.log"
    with open(path, "w") as output:
        try:
            subprocess.run(["taskset", "-c", CLIENT_CPU, PY, "-m", "bench.search", "--sizes", sizes], cwd=ROOT,
                           env=env_for(DB_SEARCH, REDIS_SEARCH), stdout=output, stderr=subprocess.STDOUT,
                           timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            log(f"  bench.search ran out of its {timeout} s; keeping the sizes it finished")
    parts = []
    for line in path.read_text().splitlines():
        if line.startswith("BENCHJSON "):
            return json.loads(line[len("BENCHJSON "):])
        if line.startswith("BENCHPART "):
            parts.append(json.loads(line[len("BENCHPART "):]))
    if parts:
        return {"sizes": parts, "incomplete": True, "corpus": "bench/search_corpus.py (seed 18)"}
    raise RuntimeError(f"bench.search printed no result; see {path}")


def machine() -> dict:
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True,
                           text=True).stdout.strip()
    return {"nproc": os.cpu_count(), "cpu": model, "commit": commit + ("+uncommitted" if dirty else ""),
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "python": platform.python_version(),
            "load_before": os.getloadavg()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated: {', '.join(SECTIONS)}")
    parser.add_argument("--port", type=int, default=18080)
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite docs/benchmarks.md")
    parser.add_argument("--merge", action="store_true",
                        help="keep the other sections of the last results.json (re-run one section)")
    args = parser.parse_args(argv)
    only = [s for s in args.only.split(",") if s]
    unknown = set(only) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {unknown}")
    os.sched_setaffinity(0, {int(CLIENT_CPU)})
    _raise_nofile()
    OUT.mkdir(parents=True, exist_ok=True)
    LOGS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    info = machine()
    log(f"machine: {info}")
    results: dict = {"argv": ["python", "-m", "bench.run", *(argv if argv is not None else sys.argv[1:])],
                     "machine": info, "settings": {"repeats": REPEATS, "seconds": SECONDS,
                                                   "connections": CONNECTIONS, "chat_clients": CHAT_CLIENTS,
                                                   "chat_seconds": CHAT_SECONDS}, "errors": {}}

    def run(name, func, *a, **kw):
        if name not in only:
            return
        log(f"== {name}")
        t0 = time.monotonic()
        try:
            results[name] = func(*a, **kw)
        except Exception as exc:  # noqa: BLE001 - one failed section must not lose the others
            import traceback

            traceback.print_exc()
            results["errors"][name] = f"{exc.__class__.__name__}: {exc}"
        log(f"   {name} took {time.monotonic() - t0:.0f}s")

    try:
        if set(only) - {"search", "fanout"}:  # the search and fanout sections seed databases of their own
            seed(DB_MAIN, REDIS_MAIN)  # also flushes Redis db 7 and runs rebuild_redis
            django_setup()
        run("memory", section_memory, REDIS_MAIN, "10,000 notes")
        run("http", section_http, args.port)
        run("vote", section_vote, args.port + 1)
        run("stampede", section_stampede, (args.port + 2, args.port + 3))
        run("daphne", section_daphne, args.port + 4)
        run("ratelimit", section_ratelimit)
        run("mix", section_mix, args.port + 30)
        if "chat" in only:
            # BENCH_CHAT_ROWS picks rows (e.g. "pubsub,uvicorn"); the default runs them all.
            rows_wanted = os.environ.get("BENCH_CHAT_ROWS", "baseline,core,pubsub,uvicorn,scale").split(",")
            only += [f"chat_{row}" for row in rows_wanted]
            run("chat_baseline", section_chat, args.port + 5, "pubsub", {"CHAT_LOCAL_FANOUT": "0"})
            run("chat_core", section_chat, args.port + 5, "core")
            run("chat_pubsub", section_chat, args.port + 5, "pubsub")
            run("chat_uvicorn", section_chat, args.port + 5, "pubsub", None, server="uvicorn")
            # The scale row on whichever server won the 1,000-client rows: less server CPU per
            # delivered frame (on a shared machine the latency columns measure the scheduler).
            rows = [results[k] for k in ("chat_pubsub", "chat_uvicorn") if k in results and not results[k]["lost"]]
            winner = min(rows, key=lambda r: r["server_cpu_us_per_frame"])["server"] if rows else "daphne"
            winner = os.environ.get("BENCH_CHAT_SCALE_SERVER", winner)  # e.g. re-running the scale row alone
            run("chat_scale", section_chat, args.port + 5, "pubsub", None, server=winner, processes=2,
                clients=CHAT_SCALE_CLIENTS)
        run("lighthouse", section_lighthouse, args.port + 6)
        if "memory100k" in only:
            def memory100k():
                seed(DB_MEM, REDIS_MEM, "--users", "200", "--notes", "10000", "--replicate", "10", "--votes", "0",
                     "--comments", "0")
                try:
                    return section_memory(REDIS_MEM, "100,000 notes")
                finally:
                    redis_client(REDIS_MEM).flushdb()
            run("memory100k", memory100k)
        run("search", section_search)
        if "filters" in only:
            from bench import filters as filters_bench

            run("filters", filters_bench.run, compare, fetch, gunicorn, args.port + 7)
        if "fanout" in only:
            from bench import fanout as fanout_bench

            run("fanout", fanout_bench.run, sys.modules[__name__], args.port + 8)
    finally:
        stop_all()
    results["seconds"] = round(time.monotonic() - started)
    # The last results: this checkout's own run, else the committed copy the page was rendered from
    # (a fresh clone has no tmp/, and a re-run of one section must not drop the others).
    kept = next((p for p in (OUT / "results.json", COMMITTED_RESULTS) if p.exists()), None)
    if args.merge and kept is not None:
        previous = json.loads(kept.read_text())
        errors = {k: v for k, v in previous.get("errors", {}).items() if k not in results and k not in only}
        errors.update(results["errors"])
        previous.update({k: v for k, v in results.items() if k not in ("machine", "settings", "seconds", "errors", "argv")})
        previous["errors"] = errors
        previous.setdefault("merged", []).append({"sections": only, "date": info["date"], "commit": info["commit"],
                                                  "load_before": info["load_before"], "argv": results["argv"]})
        results = previous
    (OUT / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    if not args.no_docs:
        COMMITTED_RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n")
        from bench.report import write_report

        write_report(results, ROOT / "docs" / "benchmarks.md")
        log("wrote docs/benchmarks.md")
    log(f"done in {results['seconds']}s; results in {OUT / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
