"""ASGI entry: HTTP goes to Django, /ws/ to the Channels consumers behind the shared WebSocket
stack (``accounts/websocket.py``): the exact origin check, the session, then ``?token=``."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "treehole.settings")
os.environ["TREEHOLE_SERVER_INTERFACE"] = "asgi"  # no persistent DB connections (settings/database.py)
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402 - needs Django set up first
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from accounts.websocket import ExactOriginValidator, TokenAuthMiddleware  # noqa: E402
from chat.routing import websocket_urlpatterns as chat_routes  # noqa: E402
from notifications.routing import websocket_urlpatterns as events_routes  # noqa: E402
from treehole.concurrency import HttpConcurrencyLimit  # noqa: E402

application = ProtocolTypeRouter(
    {
        # At most ASGI_HTTP_CONCURRENCY requests at once: the process's bound on DB connections.
        "http": HttpConcurrencyLimit(django_asgi_app),
        "websocket": ExactOriginValidator(AuthMiddlewareStack(TokenAuthMiddleware(URLRouter([*chat_routes, *events_routes])))),
    }
)
