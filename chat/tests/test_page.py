"""The chat page: a sign-in prompt for visitors, the room (with its script's settings) for members,
and a script that never turns message text into HTML."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.test import Client

from treehole.testing import make_user

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def test_visitors_are_asked_to_sign_in(client):
    response = client.get("/chat/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/accounts/login/?next=/chat/" in html
    assert 'id="chat-config"' not in html and "chat.js" not in html


def test_members_get_the_room_and_its_settings():
    user = make_user("wren")
    client = Client()
    client.force_login(user)
    response = client.get("/chat/")
    assert response.status_code == 200
    html = response.content.decode()
    for element in ("chat-list", "chat-input", "chat-online-count", "chat-conn", "chat-older", "chat-send"):
        assert f'id="{element}"' in html
    assert "js/chat.js" in html and "css/chat.css" in html
    config = json.loads(re.search(r'<script id="chat-config" type="application/json">(.*?)</script>', html, re.S).group(1))
    assert config["ws_path"] == "/ws/chat/"
    assert config["messages_url"] == "/api/v1/chat/messages" and config["online_url"] == "/api/v1/chat/online"
    assert config["me"] == {"id": str(user.pk), "username": "wren", "avatar_url": None}
    assert config["max_length"] == 500 and config["ping_interval_ms"] == 25000
    assert config["text"]["online"]
    # No inline executable script (the CSP allows only the site's own files).
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag


def test_a_username_with_markup_is_escaped_in_the_page_config():
    user = make_user("x</script>")  # not a valid username for the forms, but never trusted here
    client = Client()
    client.force_login(user)
    html = client.get("/chat/").content.decode()
    assert "x</script>" not in html


def test_the_script_builds_messages_with_text_only():
    source = (ROOT / "static" / "js" / "chat.js").read_text()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in source, sink
    assert "text.textContent = message.content" in source
    assert "name.textContent = (message.user && message.user.username)" in source
