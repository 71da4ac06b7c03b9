"""WebSocket routes. The chat consumer lands with the chat issue."""

websocket_urlpatterns: list = []
