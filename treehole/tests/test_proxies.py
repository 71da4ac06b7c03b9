"""Issue 14 item 6: only the proxy in front (compose's nginx, at a fixed address) is trusted.
X-Forwarded-For is walked from the right past trusted hops, so a client on a campus LAN or VPN
(a private address like the proxies') cannot pick the IP its rate limits and login lock count
against; X-Forwarded-Proto counts only from that proxy, so a direct caller cannot claim https."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.test import RequestFactory

from treehole.net import client_ip
from treehole.testing import ApiClient, assert_error

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
NGINX = "172.28.0.10"


def compose_trusted_proxies() -> list[str]:
    return [p.strip() for p in str(COMPOSE["x-app"]["environment"]["TRUSTED_PROXIES"]).split(",")]


def test_compose_trusts_exactly_the_nginx_service():
    nginx_address = COMPOSE["services"]["nginx"]["networks"]["default"]["ipv4_address"]
    assert compose_trusted_proxies() == [nginx_address]
    subnet = COMPOSE["networks"]["default"]["ipam"]["config"][0]["subnet"]
    import ipaddress

    assert ipaddress.ip_address(nginx_address) in ipaddress.ip_network(subnet)
    # daphne's --proxy-headers would believe the leftmost X-Forwarded-For of any caller.
    assert "--proxy-headers" not in COMPOSE["services"]["ws"]["command"]


@pytest.fixture
def compose_proxies(settings):
    settings.TRUSTED_PROXIES = compose_trusted_proxies()


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        (NGINX, "6.6.6.6, 10.1.2.3", "10.1.2.3"),  # a LAN neighbour's own claim is ignored
        (NGINX, "10.1.2.3", "10.1.2.3"),
        (NGINX, "203.0.113.7", "203.0.113.7"),
        (NGINX, "6.6.6.6, 192.168.1.20, 172.28.0.99", "172.28.0.99"),  # only nginx is skipped
        (NGINX, "", NGINX),
        (NGINX, "not-an-address", NGINX),
        ("10.1.2.3", "6.6.6.6", "10.1.2.3"),  # a direct caller's header is not believed
        ("172.28.0.99", "6.6.6.6", "172.28.0.99"),
    ],
)
def test_client_ip_walks_forwarded_for_from_the_right(compose_proxies, peer, forwarded, client):
    request = RequestFactory().get("/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == client


@pytest.mark.django_db
def test_a_lan_client_rotating_spoofed_addresses_still_spends_one_bucket(compose_proxies, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "anon": (0.001, 3), "global": (1e6, 1e6)}
    client = ApiClient()
    answers = [
        client.get("/api/v1/categories", REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_FOR=f"6.6.6.{n}, 10.1.2.3")
        for n in range(4)
    ]
    assert [r.status_code for r in answers[:3]] == [200, 200, 200]
    assert_error(answers[3], 429, "rate_limited")
    # Another LAN machine has its own bucket.
    other = client.get("/api/v1/categories", REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_FOR="6.6.6.1, 10.1.2.4")
    assert other.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(("peer", "scheme"), [(NGINX, "https"), ("10.1.2.3", "http"), ("127.0.0.1", "http")])
def test_forwarded_proto_counts_only_from_the_trusted_proxy(compose_proxies, peer, scheme):
    response = ApiClient().get("/api/v1/auth/captcha", REMOTE_ADDR=peer, HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response.json()["image_url"].startswith(f"{scheme}://")


@pytest.mark.django_db
def test_the_proxy_can_also_say_plain_http(compose_proxies):
    response = ApiClient().get("/api/v1/auth/captcha", REMOTE_ADDR=NGINX, HTTP_X_FORWARDED_PROTO="http")
    assert response.json()["image_url"].startswith("http://")


def test_production_settings_never_read_the_scheme_from_a_client_header():
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "k" * 60}
    code = ("import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE','treehole.settings'); django.setup(); "
            "from django.conf import settings; print(settings.SECURE_PROXY_SSL_HEADER[0])")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    header = result.stdout.strip().splitlines()[-1]
    assert not header.startswith("HTTP_"), header  # META keys from client headers all start with HTTP_
