"""Moderation endpoints of the contract (POST /api/v1/reports)."""

from ninja import Router

router = Router(tags=["moderation"])
