"""Benchmark of the sensitive-word filter: 10,000 entries, a 5,000-character text.

Compares, for plain words, pyahocorasick (what moderation.filters uses) with one compiled
alternation of all words (``re``), and measures the regex side (one alternation of N
expressions) and the whole ``Matcher.find`` as the app runs it. No database or Redis: it builds
``moderation.filters.Matcher`` directly.

    .venv/bin/python bench/moderation_wordfilter.py [--entries 10000] [--chars 5000] [--regexes 200]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "treehole.settings")

import django  # noqa: E402

django.setup()

import ahocorasick  # noqa: E402

from moderation.filters import Matcher, normalize  # noqa: E402

COMMON = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严"


def make_words(n: int, rng: random.Random) -> list[str]:
    words: set[str] = set()
    while len(words) < n:
        words.add("".join(rng.choice(COMMON) for _ in range(rng.randint(2, 5))))
    return sorted(words)


def make_text(chars: int, words: list[str], rng: random.Random, hits: int) -> str:
    body = [rng.choice(COMMON + "，。！？ abcdefg") for _ in range(chars)]
    for _ in range(hits):
        word = rng.choice(words)
        at = rng.randrange(0, chars - len(word))
        body[at : at + len(word)] = list(word)
    return "".join(body)[:chars]


def timeit(function, repeat: int) -> tuple[float, float]:
    """(median, p95) milliseconds."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--chars", type=int, default=5_000)
    parser.add_argument("--regexes", type=int, default=200, help="of the entries, how many are regular expressions")
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(42)
    words = make_words(args.entries, rng)
    text = make_text(args.chars, words, rng, hits=20)
    normalized = normalize(text)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"list: {args.entries} words, text: {len(text)} characters\n")

    started = time.perf_counter()
    automaton = ahocorasick.Automaton()
    for word in words:
        automaton.add_word(word, word)
    automaton.make_automaton()
    build_ac = (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    alternation = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))
    build_re = (time.perf_counter() - started) * 1000

    ac_hits = {e for e, _w in automaton.iter(normalized)}
    re_hits = len(alternation.findall(normalized))
    ac_med, ac_p95 = timeit(lambda: list(automaton.iter(normalized)), args.repeat)
    re_med, re_p95 = timeit(lambda: alternation.findall(normalized), max(5, args.repeat // 20))
    print("plain words (all 10,000 entries as words):")
    print(f"  pyahocorasick     build {build_ac:8.1f} ms   scan median {ac_med:7.3f} ms  p95 {ac_p95:7.3f} ms  ({len(ac_hits)} hits, overlapping)")
    print(f"  one re alternation build {build_re:7.1f} ms   scan median {re_med:7.3f} ms  p95 {re_p95:7.3f} ms  ({re_hits} hits, leftmost)")

    # The app's mix: most entries plain words, some regular expressions, three actions.
    n_regex = args.regexes
    entries = [(w, False, rng.choice(["block", "mask", "hold"])) for w in words[: args.entries - n_regex]]
    for w in words[args.entries - n_regex :]:
        entries.append((r"\W*".join(re.escape(c) for c in w), True, rng.choice(["mask", "hold"])))
    started = time.perf_counter()
    matcher = Matcher(entries)
    build_m = (time.perf_counter() - started) * 1000
    m_med, m_p95 = timeit(lambda: matcher.find(text), max(5, args.repeat // 4))
    print(f"\nmoderation.filters.Matcher ({args.entries - n_regex} words in pyahocorasick + {n_regex} regexes in one alternation per action, normalization included):")
    print(f"  build {build_m:8.1f} ms   find median {m_med:7.3f} ms  p95 {m_p95:7.3f} ms  ({len(matcher.find(text))} hits)")

    only_regex = Matcher([(r"\W*".join(re.escape(c) for c in w), True, "mask") for w in words[:1000]])
    r_med, r_p95 = timeit(lambda: only_regex.find(text), 5)
    print(f"  for scale: 1,000 entries all as regexes, one alternation: find median {r_med:7.1f} ms  p95 {r_p95:7.1f} ms")


if __name__ == "__main__":
    main()
