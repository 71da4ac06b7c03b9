"""The admin's set-password form refuses a lone surrogate as a form error, never a 500, and still
sets an ordinary password (ending the member's tokens)."""

from __future__ import annotations

import pytest

from accounts.forms import RevokingAdminPasswordChangeForm
from treehole.testing import make_user

pytestmark = pytest.mark.django_db


def test_a_lone_surrogate_is_a_form_error_and_a_good_password_is_set(fast_hasher):
    member = make_user()
    form = RevokingAdminPasswordChangeForm(member, {"password1": "ab\ud800cd-long-9", "password2": "ab\ud800cd-long-9"})
    assert not form.is_valid() and "password1" in form.errors
    version = member.token_version
    form = RevokingAdminPasswordChangeForm(member, {"password1": "  spaced Pass-word 9 ", "password2": "  spaced Pass-word 9 "})
    assert form.is_valid(), form.errors
    form.save()
    member.refresh_from_db()
    assert member.check_password("  spaced Pass-word 9 ") and member.token_version == version + 1
