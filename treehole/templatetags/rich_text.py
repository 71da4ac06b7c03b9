"""``{{ note.content|rich_text }}``: escaped text, line breaks and safe links (treehole/richtext.py)."""

from django import template

from treehole.richtext import rich_text as render

register = template.Library()


@register.filter(is_safe=True)
def rich_text(value):
    return render(value)
