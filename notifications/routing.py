"""WebSocket routes of notifications, included by ``treehole/asgi.py`` behind the shared stack."""

from django.urls import path

from notifications.consumers import EventsConsumer

websocket_urlpatterns: list = [
    path("ws/events/", EventsConsumer.as_asgi(), name="events-ws"),
]
