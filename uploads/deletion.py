"""uploads' part of an account deletion (the ``user_delete`` hook, accounts/deletion.py).

Goes: the avatar, images and files uploaded but never attached, unfinished upload sessions (and
their chunks on disk) — rows now, bytes once the deletion commits. Stays: the images and videos of
the notes that stay (they are part of what others read; they carry no metadata, and their stored
names are random)."""

from __future__ import annotations

from functools import partial

from django.db.models import Q

from treehole.effects import after_commit
from uploads import chunkstore
from uploads.models import Image, ImagePurpose, StoredFile, UploadSession
from uploads.services.common import storage_delete_on_commit


def user_delete_step(*, user) -> None:
    images = Image.objects.filter(owner_id=user.pk).filter(Q(purpose=ImagePurpose.AVATAR) | Q(attached=False))
    names = [name for pair in images.values_list("file", "thumb") for name in pair]
    images.delete()
    files = StoredFile.objects.filter(owner_id=user.pk, attached=False)
    names += list(files.values_list("file", flat=True))
    sessions = list(UploadSession.objects.filter(owner_id=user.pk).values_list("pk", flat=True))
    UploadSession.objects.filter(pk__in=sessions).delete()
    files.delete()
    storage_delete_on_commit(names)
    for session_id in sessions:
        after_commit(partial(chunkstore.discard_session, session_id))
