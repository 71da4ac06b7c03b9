"""Security headers: the Content Security Policy of the pages (which must still let their own
static scripts and the chat WebSocket work), nosniff, frame denial, and HSTS / secure cookies when
DEBUG is off."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, list[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/chat/", "/admin/login/", "/api/v1/docs"])
def test_pages_have_a_strict_content_security_policy(client, path):
    response = client.get(path, follow=True)
    assert response.status_code == 200
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]  # own static files only: no inline script, no eval
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"] and csp["form-action"] == ["'self'"]
    # The chat's WebSocket goes to this host: 'self' (CSP 3) and the ws origin spelled out.
    assert csp["connect-src"] == ["'self'", "ws://testserver"]


def test_over_https_the_websocket_origin_is_wss(client):
    csp = policy(client.get("/chat/", secure=True))
    assert csp["connect-src"] == ["'self'", "wss://testserver"]


def test_the_pages_own_scripts_are_allowed_by_the_policy(client):
    html = client.get("/").content.decode()
    scripts = re.findall(r'<script[^>]*\bsrc="([^"]+)"', html)
    # Static files, and Django's JavaScript catalog (/jsi18n/): same origin, so 'self' allows them.
    assert scripts and all(src.startswith(django_settings.STATIC_URL) or src.startswith("/jsi18n/") for src in scripts)


def test_templates_use_no_inline_script_or_style():
    """Inline code is what the policy blocks: a page that needs it would silently break."""
    offenders = []
    for template in Path(django_settings.BASE_DIR, "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for match in re.finditer(r"<script\b[^>]*>", text):
            if "src=" not in match.group(0) and 'type="application/json"' not in match.group(0):
                offenders.append(f"{template}: inline <script>")
        if re.search(r"<style\b", text):
            offenders.append(f"{template}: <style> element")
        if re.search(r"\sstyle\s*=", text):
            offenders.append(f"{template}: style= attribute")
        if re.search(r"\son[a-z]+\s*=\s*[\"']", text):
            offenders.append(f"{template}: inline event handler")
        if "javascript:" in text:
            offenders.append(f"{template}: javascript: URL")
    assert offenders == []


def test_nosniff_frame_denial_and_referrer_policy(client):
    for response in (client.get("/accounts/login/"), client.get("/api/v1/openapi.json")):
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_refusals_carry_the_security_headers_too(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "global": (0.001, 0.5)}  # refuses everything
    response = client.get("/accounts/login/")
    assert response.status_code == 429
    assert response["X-Frame-Options"] == "DENY" and response["X-Content-Type-Options"] == "nosniff"
    assert policy(response)["script-src"] == ["'self'"]


def test_hsts_is_sent_on_https_when_configured(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    assert client.get("/accounts/login/", secure=True)["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/accounts/login/")  # never over plain HTTP


def _settings_with(env: dict) -> dict:
    code = (
        "import json, treehole.settings as s; print(json.dumps({k: getattr(s, k, None) for k in ("
        "'DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS', "
        "'SECURE_PROXY_SSL_HEADER', 'SESSION_COOKIE_HTTPONLY', 'SECURE_CONTENT_TYPE_NOSNIFF', 'X_FRAME_OPTIONS')}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env={**os.environ, **env}, capture_output=True, text=True, check=True,
        cwd=django_settings.BASE_DIR,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_production_settings_turn_on_hsts_and_secure_cookies():
    prod = _settings_with({"DEBUG": "0", "SECRET_KEY": "x" * 50})
    assert prod["DEBUG"] is False
    assert prod["SESSION_COOKIE_SECURE"] is True and prod["CSRF_COOKIE_SECURE"] is True
    assert prod["SECURE_HSTS_SECONDS"] == 31536000
    # Set from X-Forwarded-Proto by treehole.net.TrustedProxyMiddleware, for a trusted proxy only.
    assert prod["SECURE_PROXY_SSL_HEADER"] == ["TREEHOLE_FORWARDED_PROTO", "https"]
    assert prod["SESSION_COOKIE_HTTPONLY"] is True
    assert prod["SECURE_CONTENT_TYPE_NOSNIFF"] is True and prod["X_FRAME_OPTIONS"] == "DENY"
    dev = _settings_with({"DEBUG": "1"})
    assert not dev["SESSION_COOKIE_SECURE"] and not dev["SECURE_HSTS_SECONDS"]  # plain-HTTP dev works


def test_uploads_on_s3_are_allowed_as_images_and_video():
    code = (
        "import json, treehole.settings as s; d = s.CONTENT_SECURITY_POLICY['DIRECTIVES'];"
        "print(json.dumps([d['img-src'], d['media-src'], d['script-src']]))"
    )

    def directives(env):
        out = subprocess.run([sys.executable, "-c", code], env={**os.environ, **env}, capture_output=True, text=True,
                             check=True, cwd=django_settings.BASE_DIR)
        return json.loads(out.stdout.strip().splitlines()[-1])

    s3 = {"STORAGE_BACKEND": "s3", "AWS_STORAGE_BUCKET_NAME": "treehole"}
    img, media, script = directives({**s3, "AWS_S3_CUSTOM_DOMAIN": "cdn.treehole.example"})
    assert "https://cdn.treehole.example" in img and "https://cdn.treehole.example" in media
    assert script == ["'self'"]  # files are never scripts
    img, media, _ = directives({**s3, "AWS_S3_ENDPOINT_URL": "https://oss.example.com"})
    assert {"https://oss.example.com", "https://*.oss.example.com"} <= set(img) & set(media)
    img, _, _ = directives({"CSP_MEDIA_SRC": "https://img.example"})
    assert "https://img.example" in img
