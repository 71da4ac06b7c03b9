"""WebSocket routes, included by ``treehole/asgi.py`` behind the exact origin check, session and
``?token=`` auth (``accounts/websocket.py``)."""

from django.urls import path

from chat.consumers import ChatConsumer

websocket_urlpatterns: list = [
    path("ws/chat/", ChatConsumer.as_asgi(), name="chat-ws"),
]
