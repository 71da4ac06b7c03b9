"""Page pieces other apps use:

    {% load moderation %}
    {% moderation_assets %}                                   in {% block head %}: CSS + report.js
    {% include "moderation/report_button.html" with target_type="note" target_id=note.id %}
    {% include "moderation/care_card.html" with text=note.content %}
    {% include "moderation/care_card.html" with card=care %}   a card from care.care_for_text(q)
"""

from __future__ import annotations

from django import template

from moderation import care
from moderation.forms import ReportForm

register = template.Library()


@register.simple_tag
def needs_care(text) -> bool:
    return care.needs_care(str(text or ""))


@register.simple_tag
def care_card():
    return care.care_card()


@register.simple_tag
def care_for(text):
    """The care card for ``text``, or None (``{% care_for text as card %}``)."""
    return care.care_for_text(str(text or ""))


@register.simple_tag
def report_reasons():
    return ReportForm.base_fields["reason"].choices


@register.inclusion_tag("moderation/assets.html")
def moderation_assets():
    return {}
