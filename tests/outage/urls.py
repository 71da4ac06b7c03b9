"""The site's URLs plus two views with no Redis fallback of their own (tests/outage/test_journeys.py)."""

from django.urls import path

from treehole.redis import get_redis
from treehole.urls import urlpatterns as site_urlpatterns


def needs_redis(request):
    get_redis().get("anything")


urlpatterns = [path("needs-redis/", needs_redis), path("api/v1/needs-redis/", needs_redis), *site_urlpatterns]
