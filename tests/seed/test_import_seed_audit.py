"""Imported (Go seed) content seen from outside through the session's new surfaces: no answer
about an imported anonymous note — the note, its thread, 只看洞主, its history, search by the
author's name, the lists, another member's export — carries the author's seed identity (the Go
ids were also in its upload paths), username or e-mail."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from notes.models import Note
from tests.seed.test_import_seed import _categories, run_import, seed  # noqa: F401  (fixtures)
from treehole.testing import ApiClient, token_client

pytestmark = pytest.mark.django_db(transaction=True)


def test_imported_anonymous_notes_name_nobody_anywhere(seed):
    run_import(seed)
    carol = User.objects.get(username="keluo")
    imported = list(Note.objects.filter(anonymous=True, hidden=False, held=False).values_list("pk", flat=True))
    assert seed.note_with_images in imported and seed.plain_note in imported
    secrets = [b"lin_xiao", b"lin.xiao@example.com", b"Lin.Xiao@Example.com", b"bowen", b"bob@example.com",
               str(seed.alice).encode(), str(seed.bob).encode(),
               *(str(User.objects.get(username=name).pk).encode() for name in ("lin_xiao", "bowen"))]
    page_client = Client()
    page_client.force_login(carol)
    blobs = []
    for client in (ApiClient(), token_client(carol)):
        for note in imported:
            for path in (f"/api/v1/notes/{note}", f"/api/v1/notes/{note}/comments",
                         f"/api/v1/notes/{note}/comments?only_author=true", f"/api/v1/notes/{note}/revisions"):
                response = client.get_json(path)
                assert response.status_code == 200, (path, response.content)
                blobs.append(response.content + str(response.items()).encode())
        blobs += [client.get_json(path).content for path in ("/api/v1/notes", "/api/v1/notes?order=new")]
        for q in ("lin_xiao", "bowen", "bob@example.com"):
            found = client.get_json("/api/v1/notes/search", {"q": q, "comments": "true"}).json()
            assert found["total"] == 0, q
    blobs.append(token_client(carol).get_json("/api/v1/me/export").getvalue())
    for note in imported:
        for client in (Client(), page_client):
            response = client.get(f"/notes/{note}/")
            assert response.status_code == 200
            blobs.append(response.content)
    everything = b"\n".join(blobs)
    leaks = [secret for secret in secrets if secret in everything]
    assert not leaks, leaks
