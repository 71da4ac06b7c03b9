"""Load demo data for `make run`: a demo member, a staff member, and what each app adds under the
``demo_data`` hook (categories, a handful of notes, …). Safe to run again: it only adds what is missing."""

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User
from treehole import hooks

DEMO_USERS = (
    {"username": "demo", "email": "demo@treehole.local", "password": "demo-pass-123", "is_staff": False},
    {"username": "admin", "email": "admin@treehole.local", "password": "admin-pass-123", "is_staff": True},
)


def _ensure_user(spec: dict) -> User:
    user = User.objects.filter(username=spec["username"]).first()
    if user is None:
        user = User(username=spec["username"], email=spec["email"], is_staff=spec["is_staff"], is_superuser=spec["is_staff"])
        user.set_password(spec["password"])
        user.save()
    return user


class Command(BaseCommand):
    help = "Create the demo users and demo content (idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            users = {spec["username"]: _ensure_user(spec) for spec in DEMO_USERS}
            for seeder in hooks.get_hooks("demo_data"):
                seeder(users)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        for spec in DEMO_USERS:
            role = "staff (admin at /admin/)" if spec["is_staff"] else "member"
            self.stdout.write(f"  {role:26} login: {spec['username']:6} password: {spec['password']}")
