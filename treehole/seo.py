"""What search engines are told: ``/robots.txt``. The API and the admin are not pages to index;
everything else may be crawled (private pages answer a sign-in redirect to a robot anyway)."""

from django.http import HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

ROBOTS_TXT = "User-agent: *\nDisallow: /admin/\nDisallow: /api/\n"


@require_GET
@cache_control(max_age=86400, public=True)
def robots_txt(request):
    return HttpResponse(ROBOTS_TXT, content_type="text/plain; charset=utf-8")
