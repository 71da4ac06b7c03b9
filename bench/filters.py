"""``make bench`` section ``filters``: what personal filters (屏蔽) cost on the hottest read.

Three readers of ``GET /api/v1/notes?order=hot&page=1`` on the same server, interleaved: signed
out (the zero-SQL warm list), signed in without filters, and signed in with one muted category and
three muted keywords (the rarest in the corpus of a dozen words a reader might mute: a word
that hurts is specific), so the list reads a longer stretch than the page. The signed-in cost is the user and their relations (two
queries, as before) plus one cached read of the filter set; with filters, a somewhat longer walk of
the ranking (still one round trip for page 1 unless many notes are hidden).
"""

from __future__ import annotations

import json


CANDIDATES = ["剧透", "自伤", "分手", "挂科", "失眠", "考研", "论文", "食堂", "室友", "实习", "焦虑", "家里"]


def rare_words(count: int = 3) -> list[str]:
    """Words a reader might really mute, the ``count`` that the fewest notes contain (the seed's
    text comes from a small pool of sentences, where a common word is in a third of the notes;
    a word that hurts is specific)."""
    from django.db.models import Q

    from notes.models import Note

    hits = {word: Note.objects.filter(Q(title__contains=word) | Q(content__contains=word)).count() for word in CANDIDATES}
    return sorted(CANDIDATES, key=lambda word: (hits[word], CANDIDATES.index(word)))[:count]


def prepare(fetch, base: str) -> dict:
    """Make the two signed-in readers (bench users) and their tokens; the filtered reader's filters
    come from the hot page as a signed-out reader sees it."""
    from accounts.models import User
    from accounts.tokens import issue_pair
    from notes.filtering import filter_forget
    from notes.services import note_filter_save

    plain, filtered = list(User.objects.filter(username__startswith="bench_u").order_by("username")[10:12])
    status, body = fetch(f"{base}/api/v1/notes?order=hot&page=1")
    assert status == 200, status
    hot = json.loads(body)["results"]
    keywords = rare_words()
    category = hot[0]["category"]["slug"]
    note_filter_save(user=plain, muted_categories=[], muted_keywords=[], fold_warnings=True)
    note_filter_save(user=filtered, muted_categories=[category], muted_keywords=keywords, fold_warnings=True)
    for user in (plain, filtered):
        filter_forget(user.pk)  # the server process reads them afresh
    tokens = {"plain": issue_pair(plain)["access"], "filtered": issue_pair(filtered)["access"]}
    status, body = fetch(f"{base}/api/v1/notes?order=hot&page=1",
                         headers={"Authorization": f"Bearer {tokens['filtered']}"})
    assert status == 200, status
    page = json.loads(body)
    shown = {note["id"] for note in page["results"]}
    hidden_on_page_one = sum(1 for note in hot if note["id"] not in shown)
    return {"tokens": tokens, "muted_category": category, "muted_keywords": keywords,
            "hidden_of_page_one": hidden_on_page_one, "filtered_page_size": len(page["results"])}


def run(compare, fetch, gunicorn, port: int) -> dict:
    base = f"http://127.0.0.1:{port}"
    url = f"{base}/api/v1/notes?order=hot&page=1"
    with gunicorn("gunicorn-filters", port) as server:
        setup = prepare(fetch, base)
        tokens = setup.pop("tokens")
        results = compare({
            "hot_signed_out": url,
            "hot_signed_in": (url, {"Authorization": f"Bearer {tokens['plain']}"}),
            "hot_signed_in_filtered": (url, {"Authorization": f"Bearer {tokens['filtered']}"}),
        }, pids=lambda: server.pids)
    results.update(setup)
    return results


def report_lines(results: dict | None, error: str | None) -> tuple[list[str], list]:
    if error:
        return ["## Personal filters (issue 17)", "", f"Failed: `{error}`", ""], []
    if not results:
        return [], []

    def row(key: str, label: str) -> str:
        r = results[key]
        cpu = r.get("cpu_ms_per_request")
        return (f"| {label} | {r['rps']:,.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
                f"{f'{cpu:.2f}' if cpu is not None else '—'} | {r['errors']} | "
                f"{', '.join(f'{x:,.0f}' for x in r['runs'])} |")

    plain, filtered = results["hot_signed_in"]["rps"], results["hot_signed_in_filtered"]["rps"]
    ratio = filtered / plain if plain else None
    cpu_plain = results["hot_signed_in"].get("cpu_ms_per_request")
    cpu_filtered = results["hot_signed_in_filtered"].get("cpu_ms_per_request")
    cpu_note = (f" Server CPU per request: {cpu_filtered:.2f} ms filtered vs {cpu_plain:.2f} ms unfiltered "
                f"(**{cpu_filtered / cpu_plain:.2f} ×**; less disturbed by a busy machine than req/s)."
                if cpu_plain and cpu_filtered else "")
    lines = [
        "## Personal filters (issue 17): signed-in hot list with and without filters", "",
        f"`GET /api/v1/notes?order=hot&page=1`. The filtered reader muted the category "
        f"`{results['muted_category']}` and the keywords {', '.join(f'`{k}`' for k in results['muted_keywords'])}: "
        f"{results['hidden_of_page_one']} of the signed-out page's 20 notes leave their page, which is still "
        f"{results['filtered_page_size']} notes long.", "",
        "| reader | req/s (median) | p50 ms | p99 ms | server CPU ms/request | errors | req/s of each run |",
        "|---|---:|---:|---:|---:|---:|---|",
        row("hot_signed_out", "signed out (unchanged: zero SQL)"),
        row("hot_signed_in", "signed in, no filters (user + relations + one cached filter read)"),
        row("hot_signed_in_filtered", "signed in, 1 category + 3 keywords muted"),
        "",
        (f"Filtered ÷ unfiltered signed-in throughput: **{ratio:.2f}**." + cpu_note) if ratio else "",
        "",
    ]
    return lines, [("signed-in hot list with filters ≥ 0.8 × without", f"{ratio:.2f}" if ratio else "—",
                    "**met**" if ratio and ratio >= 0.8 else "**missed**")]
