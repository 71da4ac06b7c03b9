"""The schema states the constraints the server enforces (issue 14): a client — and the contract
fuzzer in test_schemathesis.py — learns from /api/v1/openapi.json what the server accepts."""

import pytest
from django.conf import settings
from django.test import Client


@pytest.fixture(scope="module")
def openapi():
    return Client().get("/api/v1/openapi.json").json()


def parameters(openapi, path, method="get"):
    return {p["name"]: p["schema"] for p in openapi["paths"][path][method].get("parameters", [])}


def component(openapi, name):
    return openapi["components"]["schemas"][name]["properties"]


LISTS = ["/api/v1/notes", "/api/v1/notes/search", "/api/v1/me/notes", "/api/v1/me/bookmarks", "/api/v1/me/comments",
         "/api/v1/notes/{note_id}/comments", "/api/v1/reports/mine", "/api/v1/notifications", "/api/v1/me/following"]


@pytest.mark.parametrize("path", LISTS)
def test_every_list_states_its_page_and_size_bounds(openapi, path):
    params = parameters(openapi, path)
    limits = settings.TREEHOLE_LIMITS
    assert (params["page"]["minimum"], params["page"]["maximum"]) == (1, limits["page_max"])
    assert (params["size"]["minimum"], params["size"]["maximum"]) == (1, limits["page_size_max"])


def test_enums_and_lengths(openapi):
    report = component(openapi, "ReportIn")
    assert report["target_type"]["enum"] == ["note", "comment", "message"]
    assert set(report["reason"]["enum"]) == {"spam", "abuse", "self_harm", "privacy", "illegal", "other"}
    assert report["text"]["maxLength"] == 500
    assert component(openapi, "VoteIn")["value"]["enum"] == [1, 0, -1]
    note = component(openapi, "NoteIn")
    assert (note["title"]["minLength"], note["title"]["maxLength"]) == (1, settings.TREEHOLE_LIMITS["title"])
    assert note["image_ids"]["maxItems"] == settings.TREEHOLE_LIMITS["images_per_note"]
    search = parameters(openapi, "/api/v1/notes/search")
    assert (search["q"]["minLength"], search["q"]["maxLength"]) == (1, 100)
    assert search["mode"]["enum"] == ["words", "exact"]
    profile = component(openapi, "ProfilePatchIn")
    assert (profile["username"]["minLength"], profile["username"]["maxLength"]) == (2, 30)
    assert parameters(openapi, "/api/v1/chat/messages")["limit"]["minimum"] == 1
    assert parameters(openapi, "/api/v1/notes/by-number/{number}")["number"]["minimum"] == 1
