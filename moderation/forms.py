from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from moderation.models import Reason
from treehole.text import TextField, TextKind


class ReportForm(forms.Form):
    target_type = TextField(kind=TextKind.LINE, widget=forms.HiddenInput, max_length=20)
    target_id = TextField(kind=TextKind.LINE, widget=forms.HiddenInput, max_length=20)
    reason = forms.ChoiceField(label=_("原因"), choices=Reason.choices)
    text = TextField(kind=TextKind.PROSE, label=_("补充说明"), required=False, max_length=settings.MODERATION_REPORT_TEXT_MAX)
    next = TextField(kind=TextKind.LINE, widget=forms.HiddenInput, required=False)


class ActionForm(forms.Form):
    """The admin's confirmation step of a queue action: a reason, and for a ban its length."""

    reason = TextField(kind=TextKind.PROSE, label=_("原因（记入审核日志）"), required=False, max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}))


class BanForm(ActionForm):
    days = forms.ChoiceField(label=_("封禁时长"))

    def __init__(self, *args, steps=(), default=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].choices = [(str(d) if d else "forever", _("永久") if d is None else _("%(n)d 天") % {"n": d}) for d in steps]
        self.fields["days"].initial = str(default) if default else "forever"

    def cleaned_days(self):
        value = self.cleaned_data["days"]
        return None if value == "forever" else int(value)
