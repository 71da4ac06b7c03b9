"""Chat endpoints of the contract (see ../shared/API.md)."""

from ninja import Router

router = Router(tags=["chat"])
