"""treehole/text.py: the one normalisation step, and proof that every door uses it."""

from __future__ import annotations

import types
import typing

import pytest
from django import forms
from pydantic import BaseModel

from treehole.errors import InvalidInput
from treehole.text import (
    InvalidText,
    TextField,
    TextKind,
    clean_text,
    is_text_annotation,
    lone_surrogate_path,
    normalize_text,
)

RLO, PDF, ZWSP, ZWJ, BOM, LRI, PDI = "\u202e", "\u202c", "\u200b", "\u200d", "\ufeff", "\u2066", "\u2069"


def test_nfc_composes_decomposed_text():
    assert normalize_text("cafe\u0301") == "caf\u00e9"
    assert len(normalize_text("cafe\u0301")) == 4


@pytest.mark.parametrize("value", ["\ud800", "ok\udfffok", "\udc00\ud800"])
@pytest.mark.parametrize("kind", list(TextKind))
def test_lone_surrogates_are_refused_in_every_kind(value, kind):
    with pytest.raises(InvalidText):
        normalize_text(value, kind=kind)


def test_a_surrogate_pair_decoded_from_json_is_one_real_character():
    import json

    assert normalize_text(json.loads('"\\ud83d\\ude00"')) == "😀"


def test_bidi_overrides_and_isolates_are_removed():
    assert normalize_text(f"gnp.{RLO}exe{PDF}") == "gnp.exe"
    assert normalize_text(f"a{LRI}b{PDI}c") == "abc"


def test_controls_are_removed_but_line_breaks_kept_in_prose():
    assert normalize_text("a\x00b\x07c\x1bd\x7fe\x85f") == "abcde\nf"
    assert normalize_text("one\r\ntwo\rthree\u2028four") == "one\ntwo\nthree\nfour"
    assert normalize_text("col\tumn") == "col\tumn"


def test_a_line_turns_breaks_and_tabs_into_spaces():
    assert normalize_text("title\non\ttwo\r\nlines", kind=TextKind.LINE) == "title on two lines"


@pytest.mark.parametrize(
    "value",
    [ZWSP * 3, f" {BOM}\t{ZWJ} ", "\u200e\u200f", "\u3164\u3164", "\u2800", "\x00\x00", f"{RLO}{PDF}", "\u0301", "\n\n"],
)
def test_invisible_only_text_becomes_empty(value):
    assert normalize_text(value) == ""


def test_zero_width_joiners_and_marks_inside_real_text_are_kept():
    family = "👩\u200d💻"
    assert normalize_text(family) == family
    assert normalize_text("שלום\u200f!") == "שלום\u200f!"
    assert normalize_text(f"zero{ZWSP}width") == "zerowidth"


def test_secrets_are_kept_exactly():
    assert normalize_text(f"  pa{ZWSP}ss\u0301 ", kind=TextKind.SECRET) == f"  pa{ZWSP}ss\u0301 "
    with pytest.raises(InvalidText):
        normalize_text("pass\x00word", kind=TextKind.SECRET)


def test_clean_text_names_the_field():
    with pytest.raises(InvalidInput) as caught:
        clean_text("\ud800", field="content")
    assert list(caught.value.fields) == ["content"]
    with pytest.raises(InvalidInput) as caught:
        clean_text(ZWSP, field="content", required=True)
    assert list(caught.value.fields) == ["content"]
    assert clean_text(f"hi{RLO}", field="content", required=True) == "hi"


def test_lone_surrogate_path_finds_nested_strings_and_keys():
    assert lone_surrogate_path({"a": ["ok", {"b": "\ud800"}]}) == ("a", 1, "b")
    assert lone_surrogate_path({"\udfff": 1}) == ("\udfff",)
    assert lone_surrogate_path({"a": ["ok", 1, None, True]}) is None


def test_text_form_field_checks_required_after_normalising():
    class Form(forms.Form):
        content = TextField(kind=TextKind.PROSE, max_length=5)

    form = Form({"content": ZWSP * 9})
    assert not form.is_valid()
    assert "content" in form.errors
    form = Form({"content": f"{RLO}hello{PDF}"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["content"] == "hello"


# --- wiring: every input string of the API goes through Text ------------------------------------

def _str_leaves(annotation, metadata=()):
    """(ok, description) for every ``str`` inside ``annotation``: ok when it carries Text's
    validator, or is a pattern-constrained token (ids, hashes), or is a Literal."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        inner, *extra = typing.get_args(annotation)
        flat = [part for item in extra for part in (item, *getattr(item, "metadata", ()))]
        yield from _str_leaves(inner, (*metadata, *flat))
        return
    if origin is typing.Literal:
        return
    if origin in (typing.Union, types.UnionType, list, tuple, set, dict):
        for arg in typing.get_args(annotation):
            yield from _str_leaves(arg)
        return
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        for name, field in annotation.model_fields.items():
            for ok, where in _str_leaves(field.annotation, tuple(field.metadata)):
                yield ok, f"{annotation.__name__}.{name}{where}"
        return
    if annotation is str:
        patterned = any(getattr(item, "pattern", None) for item in metadata)
        yield is_text_annotation(metadata) or patterned, ""


def _input_fields():
    import treehole.urls  # noqa: F401 - mounts every router
    from ninja.params.models import PathModel

    from treehole.api import api

    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                for model in operation.models:
                    if issubclass(model, PathModel):  # decoded by Django, checked by parse_id
                        continue
                    for ok, where in _str_leaves(model):
                        yield f"{operation.methods} {prefix}{path} {where}", ok


def test_every_input_string_of_the_api_is_normalised():
    fields = list(_input_fields())
    assert len(fields) > 30  # the walk really found the schemas
    bare = [where for where, ok in fields if not ok]
    assert bare == [], "use treehole.text.Text (or a pattern-constrained id) for: " + ", ".join(bare)


def _forms():
    import importlib

    from django.apps import apps

    for config in apps.get_app_configs():
        if not config.name.split(".")[0] in ("accounts", "notes", "comments", "chat", "uploads", "moderation", "treehole"):
            continue
        try:
            module = importlib.import_module(f"{config.name}.forms")
        except ModuleNotFoundError:
            continue
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, forms.BaseForm) and value.__module__ == module.__name__:
                yield value


def test_every_text_field_of_every_page_form_is_normalised():
    found = list(_forms())
    assert len(found) >= 8
    bare = [
        f"{form.__module__}.{form.__name__}.{name}"
        for form in found
        for name, field in form.base_fields.items()
        if isinstance(field, forms.CharField) and not isinstance(field, TextField)
    ]
    assert bare == [], "use treehole.text.TextField for: " + ", ".join(bare)
