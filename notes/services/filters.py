"""Personal filters (屏蔽): a reader saves the categories and keywords they mute and whether
content warnings fold for them (notes/filtering.py says what a filter hides, and where)."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from notes import filtering
from notes.models import Category, NoteFilter
from treehole import clock
from treehole.effects import Repair, after_commit
from treehole.errors import InvalidInput
from treehole.text import TextKind, clean_text, fold


def _clean_categories(slugs: Sequence[str], errors: dict) -> list[str]:
    slugs = list(dict.fromkeys((slug or "").strip() for slug in slugs))
    known = set(Category.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    unknown = [slug for slug in slugs if slug not in known]
    if unknown:
        errors["muted_categories"] = [_("没有这个分类：%(slugs)s") % {"slugs": "、".join(unknown)[:100]}]
    return [slug for slug in slugs if slug in known]


def _clean_keywords(words: Sequence[str], errors: dict) -> list[str]:
    limits = settings.TREEHOLE_LIMITS
    kept, seen, problems = [], set(), []
    for word in words:
        try:
            word = clean_text(word, field="muted_keywords", kind=TextKind.LINE).strip()
        except InvalidInput as exc:
            problems.extend(exc.fields["muted_keywords"])
            continue
        if not word:
            continue  # an empty line of the settings form: nothing to mute
        if len(word) > limits["filter_keyword_chars"]:
            problems.append(_("关键词“%(word)s…”太长，最多 %(n)d 个字。") % {"word": word[:10], "n": limits["filter_keyword_chars"]})
            continue
        if fold(word) not in seen:  # 考研 and ＫＡＯ… typed twice count once
            seen.add(fold(word))
            kept.append(word)
    if len(kept) > limits["filter_keywords"]:
        problems.append(_("最多屏蔽 %(n)d 个关键词。") % {"n": limits["filter_keywords"]})
    if problems:
        errors["muted_keywords"] = list(dict.fromkeys(problems))
    return kept


def note_filter_save(*, user, muted_categories: Sequence[str], muted_keywords: Sequence[str],
                     fold_warnings: bool) -> NoteFilter:
    """Replace the reader's filters (every problem reported at once, nothing saved then); the
    cached copy is dropped when the change commits, so the next list uses the new filters."""
    errors: dict[str, list[str]] = {}
    categories = _clean_categories(muted_categories, errors)
    keywords = _clean_keywords(muted_keywords, errors)
    if errors:
        raise InvalidInput(_("提交的数据有误。"), fields=errors)
    with transaction.atomic():
        row, _created = NoteFilter.objects.update_or_create(
            user_id=user.pk,
            defaults={"muted_categories": categories, "muted_keywords": keywords, "fold_warnings": bool(fold_warnings),
                      "updated_at": clock.now()},
        )
        user_id = user.pk
        after_commit(lambda: filtering.filter_forget(user_id), repair=Repair(filtering.filter_forget, user_id))
    return row
