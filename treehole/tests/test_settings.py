"""Settings come from the environment; unsafe production settings are refused."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_settings(**env):
    environment = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    environment.update(env)
    code = "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE','treehole.settings'); django.setup(); from django.conf import settings; print(settings.EMAIL_BACKEND, settings.DEBUG)"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60)


def test_refuses_to_start_with_debug_off_and_no_secret_key():
    result = _load_settings(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_refuses_a_weak_secret_key():
    assert _load_settings(DEBUG="0", SECRET_KEY="short").returncode != 0


def test_starts_with_debug_off_and_a_real_key_and_parses_email_url():
    result = _load_settings(DEBUG="0", SECRET_KEY="k" * 60, EMAIL_URL="smtp+tls://user:pass@mail.example.com:587")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.core.mail.backends.smtp.EmailBackend", "False"]
    filemail = _load_settings(EMAIL_URL="filemail:///tmp/treehole-mail")
    assert filemail.stdout.split()[0] == "django.core.mail.backends.filebased.EmailBackend"


@pytest.mark.django_db
def test_static_files_are_served_with_debug_off(client, settings):
    assert settings.DEBUG is False  # pytest-django runs with DEBUG off, like production
    response = client.get("/static/css/site.css")
    assert response.status_code == 200
    assert b"--accent" in b"".join(response.streaming_content)


@pytest.mark.django_db
def test_mariadb_connection_is_utf8mb4():
    from django.db import connection

    from accounts.models import User

    with connection.cursor() as cursor:
        cursor.execute("SELECT @@character_set_connection")
        assert cursor.fetchone()[0] == "utf8mb4"
    user = User.objects.create(username="表情🌳", email="emoji@example.com", bio="心情 😢➡️🙂 树洞")
    assert User.objects.get(pk=user.pk).bio == "心情 😢➡️🙂 树洞"
