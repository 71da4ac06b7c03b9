"""WebSocket routes, included by ``treehole/asgi.py`` behind the origin check and Channels'
session auth. ``?token=`` JWT auth wraps the chat consumer itself."""

from django.urls import path

from chat.consumers import ChatConsumer
from chat.middleware import TokenAuthMiddleware

websocket_urlpatterns: list = [
    path("ws/chat/", TokenAuthMiddleware(ChatConsumer.as_asgi()), name="chat-ws"),
]
