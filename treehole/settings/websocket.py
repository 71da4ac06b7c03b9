"""WebSockets: what every socket shares (``accounts/websocket.py``): heartbeat, frame size, the
per-user connection cap, the error-frame throttle and the exact origin check."""

from .base import env

# --- WebSockets (the shared base of /ws/chat/ and /ws/events/) -----------------------------------
# A connection that sends nothing for WS_HEARTBEAT_TIMEOUT seconds is closed (4008); clients ping
# every WS_PING_INTERVAL. Each process checks its own sockets every WS_SWEEP_INTERVAL seconds.
WS_HEARTBEAT_TIMEOUT = env.float("WS_HEARTBEAT_TIMEOUT_SECONDS", default=60)
WS_PING_INTERVAL = env.float("WS_PING_INTERVAL_SECONDS", default=25)
# The pings of one process that arrive within this many seconds share one worker-thread trip
# (accounts.websocket.SocketHub.ping): the pong is that much later, an idle room far cheaper.
WS_PING_BATCH_SECONDS = env.float("WS_PING_BATCH_SECONDS", default=0.2)
WS_SWEEP_INTERVAL = env.float("WS_SWEEP_INTERVAL_SECONDS", default=min(5.0, WS_HEARTBEAT_TIMEOUT / 4))
WS_MAX_FRAME_BYTES = env.int("WS_MAX_FRAME_BYTES", default=16 * 1024)
# Open sockets of one user on one endpoint (/ws/chat/, /ws/events/), across every process; the
# next one is refused (an `error` frame, then close 4029).
WS_MAX_CONNECTIONS_PER_USER = env.int("WS_MAX_CONNECTIONS_PER_USER", default=8)
# Error frames one connection may receive: a burst, then this many per second. A client sending a
# stream of bad frames gets the first few answered and the rest dropped (the socket stays open).
WS_ERROR_FRAMES_PER_SECOND = env.float("WS_ERROR_FRAMES_PER_SECOND", default=1.0)
WS_ERROR_FRAME_BURST = env.int("WS_ERROR_FRAME_BURST", default=10)
# Origins allowed besides the socket's own (scheme://host:port, compared exactly); by default the
# pages' CSRF_TRUSTED_ORIGINS (settings/base.py) are trusted too.
WS_ALLOWED_ORIGINS = env.list("WS_ALLOWED_ORIGINS", default=[])
