"""Page forms. They only shape input for the services, which hold every rule (limits, categories,
images): a service's error lands on its field through treehole.pages.add_domain_error."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from notes.models import Category
from treehole.ids import parse_id
from treehole.text import TextField, TextKind


class NoteForm(forms.Form):
    title = TextField(kind=TextKind.LINE, label=_("标题"), required=False, strip=False)
    content = TextField(kind=TextKind.PROSE, label=_("内容"), required=False, strip=False, widget=forms.Textarea(attrs={"rows": 8}))
    # A plain field with a select: the service, not the form, says whether the category exists.
    category = TextField(kind=TextKind.LINE, label=_("分类"), required=False, widget=forms.Select)
    content_warning = TextField(
        kind=TextKind.LINE, label=_("给读者的提醒（可选）"), required=False, strip=False,
        help_text=_("如「自伤」「剧透」，最多 30 个字。填写后，正文、图片和投票会折叠在提醒后面，读者点开才看到（标题照常显示）。"),
    )
    anonymous = forms.BooleanField(label=_("匿名发布（显示为「洞主」）"), required=False, initial=True)
    image_ids = TextField(kind=TextKind.LINE, required=False, widget=forms.HiddenInput(attrs={"data-image-ids": ""}))

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        limits = settings.TREEHOLE_LIMITS
        # data-counter: a live character count; data-draft: kept in the browser until posted
        # (static/js/site.js, notes.js).
        self.fields["title"].widget.attrs.update({"maxlength": limits["title"], "autofocus": True, "data-counter": "", "data-draft": ""})
        self.fields["content"].widget.attrs.update({"maxlength": limits["note_content"], "data-counter": "", "data-draft": ""})
        self.fields["category"].widget.attrs.update({"data-draft": ""})
        self.fields["content_warning"].widget.attrs.update({"maxlength": 30, "data-draft": "", "placeholder": _("例如：剧透")})
        self.fields["anonymous"].widget.attrs.update({"data-draft": ""})
        self.fields["category"].widget.choices = [("", _("请选择分类"))] + [
            (slug, name) for slug, name in Category.objects.values_list("slug", "name")
        ]
        if editing:
            del self.fields["anonymous"]  # who posted it cannot change afterwards

    def clean_image_ids(self) -> list[int]:
        raw = [part for part in (self.cleaned_data.get("image_ids") or "").split(",") if part.strip()]
        ids = [parse_id(part.strip()) for part in raw]
        if any(value is None for value in ids):
            raise forms.ValidationError(_("图片有误，请重新上传。"))
        return ids


def video_change(data) -> tuple[bool, int | None, bool]:
    """(changed, new id, valid) from the chunked upload widget's hidden ``video_id`` input and the
    edit form's ``remove_video`` box. An empty input changes nothing."""
    raw = (data.get("video_id") or "").strip()
    if raw:
        video_id = parse_id(raw)
        return True, video_id, video_id is not None
    if data.get("remove_video"):
        return True, None, True
    return False, None, True


class FiltersForm(forms.Form):
    """The settings page's 屏蔽 form: the service checks every rule (categories, limits)."""

    muted_categories = forms.MultipleChoiceField(label=_("屏蔽的分类"), required=False, widget=forms.CheckboxSelectMultiple)
    # One word or phrase a line (a comma also separates): what a person types when they list words.
    muted_keywords = TextField(
        kind=TextKind.PROSE, label=_("屏蔽的关键词"), required=False, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("每行一个词或短语。标题、内容或内容提醒里含有它的帖子不会出现在你的列表和搜索里（不分大小写和全角半角）。"),
    )
    fold_warnings = forms.BooleanField(label=_("折叠有内容提醒的帖子"), required=False,
                                       help_text=_("开着时，作者加了内容提醒（如「剧透」）的帖子先折叠，点一下再展开。"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["muted_categories"].choices = list(Category.objects.values_list("slug", "name"))

    def keywords(self) -> list[str]:
        raw = self.cleaned_data.get("muted_keywords") or ""
        return [part.strip() for line in raw.split("\n") for part in line.replace("，", ",").split(",") if part.strip()]


POLL_DURATIONS = [("", _("不截止")), ("1", _("1 天后")), ("3", _("3 天后")), ("7", _("7 天后")), ("30", _("30 天后"))]


class PollForm(forms.Form):
    """The compose page's optional poll (prefix ``poll``): the question, one option per line, single
    or multiple choice and when it closes. Left empty, the note has no poll."""

    question = TextField(kind=TextKind.LINE, label=_("投票问题"), required=False, strip=False)
    options = TextField(kind=TextKind.PROSE, label=_("选项（每行一个，2–10 个）"), required=False, strip=False,
                        widget=forms.Textarea(attrs={"rows": 4}))
    multiple = forms.BooleanField(label=_("允许多选"), required=False)
    duration = forms.ChoiceField(label=_("截止时间"), choices=POLL_DURATIONS, required=False)

    # The service's field names (notes.services.poll) -> this form's.
    SERVICE_FIELDS = {"poll.question": "question", "poll.options": "options", "poll.closes_at": "duration"}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "poll")
        super().__init__(*args, **kwargs)
        from notes.models import Poll, PollOption

        self.fields["question"].widget.attrs.update({"maxlength": Poll._meta.get_field("question").max_length})
        self.fields["options"].widget.attrs.update({"data-option-max": PollOption._meta.get_field("text").max_length})

    def poll(self) -> dict | None:
        """The poll for ``note_create`` (None when the author left it empty)."""
        from datetime import timedelta

        from treehole import clock

        data = self.cleaned_data
        options = [line.strip() for line in (data.get("options") or "").split("\n") if line.strip()]
        question = (data.get("question") or "").strip()
        if not question and not options:
            return None
        days = data.get("duration")
        return {"question": question, "options": options, "multiple": bool(data.get("multiple")),
                "closes_at": clock.now() + timedelta(days=int(days)) if days else None}

    def add_service_error(self, exc) -> bool:
        """Put a poll error of the service on its field; False when it was not about the poll."""
        placed = False
        for field, messages in (exc.fields or {}).items():
            if field in self.SERVICE_FIELDS:
                for message in messages:
                    self.add_error(self.SERVICE_FIELDS[field], message)
                placed = True
        return placed
