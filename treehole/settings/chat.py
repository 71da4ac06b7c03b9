"""Chat: presence, history."""

from .base import env

# --- Chat (issue: chat) -------------------------------------------------------------------------
# Heartbeat, frame size and the connection cap are every socket's: settings/websocket.py. Every
# process prunes everyone's stale Redis presence entries each WS_SWEEP_INTERVAL, so a killed
# process's users are gone within timeout + interval. CHAT_RECENT_SIZE messages stay in Redis.
# Presence changes within this many seconds leave each process as one frame (the latest count).
CHAT_PRESENCE_THROTTLE = env.float("CHAT_PRESENCE_THROTTLE_SECONDS", default=0.5)
CHAT_RECENT_SIZE = env.int("CHAT_RECENT_SIZE", default=500)
CHAT_HISTORY_LIMIT_DEFAULT = 50
CHAT_HISTORY_LIMIT_MAX = 100
# The room reaches each process through one channel-layer subscription and is fanned out to the
# process's sockets from there (accounts.websocket.GroupFanout). 0 gives every socket its own
# subscription again: only for `make bench`'s before/after row.
CHAT_LOCAL_FANOUT = env.bool("CHAT_LOCAL_FANOUT", default=True)
