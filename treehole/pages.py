"""Small helpers shared by the server-rendered views."""

from __future__ import annotations

from django import forms

from treehole.errors import DomainError


def add_domain_error(form: forms.Form, exc: DomainError) -> None:
    """Show a service's error on the form: field errors next to their fields (when the form has
    them), everything else at the top."""
    placed = False
    for field, messages in (exc.fields or {}).items():
        for message in messages:
            if field in form.fields:
                form.add_error(field, message)
                placed = True
    if not placed:
        form.add_error(None, exc.message)
