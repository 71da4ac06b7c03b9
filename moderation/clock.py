"""The project's controllable clock (treehole/clock.py) when present; Django's otherwise.

Ban lengths and report times are computed with ``now()`` so tests can move time by hand. The
fallback only exists while treehole/clock.py is being committed by its owner (so this app never
breaks a checkout that lacks it)."""

try:
    from treehole.clock import now
except ImportError:  # pragma: no cover
    from django.utils.timezone import now

__all__ = ["now"]
