"""Chat: heartbeat, presence, history."""

from .base import env

# --- Chat (issue: chat) -------------------------------------------------------------------------
# A WebSocket connection that sends nothing for CHAT_HEARTBEAT_TIMEOUT seconds is closed (4008) and
# leaves the online list; clients ping every CHAT_PING_INTERVAL. Every process checks its own
# connections and prunes everyone's stale Redis presence entries each CHAT_SWEEP_INTERVAL, so a
# killed process's users are gone within timeout + interval. CHAT_RECENT_SIZE messages stay in Redis.
CHAT_HEARTBEAT_TIMEOUT = env.float("CHAT_HEARTBEAT_TIMEOUT_SECONDS", default=60)
CHAT_PING_INTERVAL = env.float("CHAT_PING_INTERVAL_SECONDS", default=25)
CHAT_SWEEP_INTERVAL = env.float("CHAT_SWEEP_INTERVAL_SECONDS", default=min(5.0, CHAT_HEARTBEAT_TIMEOUT / 4))
# Presence changes within this many seconds leave each process as one frame (the latest count).
CHAT_PRESENCE_THROTTLE = env.float("CHAT_PRESENCE_THROTTLE_SECONDS", default=0.5)
CHAT_RECENT_SIZE = env.int("CHAT_RECENT_SIZE", default=500)
CHAT_HISTORY_LIMIT_DEFAULT = 50
CHAT_HISTORY_LIMIT_MAX = 100
CHAT_MAX_FRAME_BYTES = env.int("CHAT_MAX_FRAME_BYTES", default=16 * 1024)

