from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from treehole.text import TextField, TextKind


class CommentForm(forms.Form):
    content = TextField(
        kind=TextKind.PROSE,
        label=_("写下你的回应"),
        max_length=settings.TREEHOLE_LIMITS["comment_content"],
        error_messages={"required": _("评论不能为空。")},
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("温柔一点，这里的人可能正难过着。"), "data-counter": ""}),
    )
    reply_to = TextField(kind=TextKind.LINE, required=False, widget=forms.HiddenInput)
