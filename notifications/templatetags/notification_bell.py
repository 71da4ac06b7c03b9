"""``{% notification_bell %}``: the nav's bell with the signed-in reader's unread count (from
Redis when warm: no SQL on a page view). ``static/js/events.js`` keeps it live."""

from django import template
from django.template.loader import get_template

register = template.Library()


@register.simple_tag(takes_context=True)
def notification_bell(context) -> str:
    from notifications.selectors import notification_unread_count

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    count = notification_unread_count(user_id=user.pk)
    return get_template("notifications/_bell.html").render({"count": count, "request": request})
