"""Apps register demo content here so `seed_demo` stays one command as apps are added."""

from __future__ import annotations

from collections.abc import Callable

_seeders: list[Callable[[dict], None]] = []


def demo_seeder(func: Callable[[dict], None]) -> Callable[[dict], None]:
    _seeders.append(func)
    return func


def run_demo_seeders(users: dict) -> None:
    from django.apps import apps

    # Importing each app's `demo` module registers its seeder.
    import importlib

    for config in apps.get_app_configs():
        try:
            importlib.import_module(f"{config.name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo":
                raise
    for seeder in _seeders:
        seeder(users)
