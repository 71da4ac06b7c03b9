"""A registry of "rebuild my Redis keys from the database" steps, run in order by
``manage.py rebuild_redis`` (notes first, then whatever later apps register).

    from treehole import rebuild

    @rebuild.register
    def rebuild_comment_keys(stdout) -> None:
        ...

Each step must be idempotent and must not assume any of its keys survived (the command is the
answer to a Redis flush or a failed write between the database and Redis).
"""

from __future__ import annotations

from collections.abc import Callable

Step = Callable[..., None]
_steps: list[Step] = []


def register(step: Step) -> Step:
    """Add ``step(stdout=...)`` to the rebuild (registering the same function twice is a no-op)."""
    if step not in _steps:
        _steps.append(step)
    return step


def steps() -> list[Step]:
    """The registered steps, importing each app's ``rebuild`` or ``ranking`` modules first."""
    import importlib

    from django.apps import apps

    for config in apps.get_app_configs():
        for module in ("rebuild", "ranking", "cache"):
            try:
                importlib.import_module(f"{config.name}.{module}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.{module}":
                    raise
    return list(_steps)
