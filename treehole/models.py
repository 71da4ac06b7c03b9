"""Rows the shared infrastructure keeps in the database."""

from __future__ import annotations

from django.db import models


class RedisRepair(models.Model):
    """A Redis side effect that failed after its transaction committed, to be redone from the
    database (``treehole.effects``). One row per distinct repair (``key``); asking again for a
    pending repair only renews its ``token``, so a runner that started before the new request
    never deletes it (it deletes only the token it ran)."""

    key = models.CharField(max_length=255, unique=True)
    task = models.CharField(max_length=200)  # dotted path of a module-level function
    args = models.JSONField(default=list)
    token = models.CharField(max_length=32)
    requested_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.key
