"""Benchmarks (issue 9): ``make bench`` runs ``python -m bench.run``. Nothing here is imported by
the site itself; the baseline views live in a bench-only URLconf (bench/settings.py, bench/urls.py)."""
