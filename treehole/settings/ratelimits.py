"""Token buckets (treehole/ratelimit.py) and which actions fail closed when Redis is away."""

from .base import MEDIA_URL, STATIC_URL, env

# --- Rate limits: {action: (tokens per second, burst)} -----------------------------------------
# Token buckets in Redis (treehole/ratelimit.py). Writes are limited per user (per IP when
# signed out); the global bucket is checked in middleware.
RATE_LIMITS = {
    "global": (env.float("RATE_GLOBAL_PER_SECOND", default=1000), env.float("RATE_GLOBAL_BURST", default=5000)),
    "login": (env.float("RATE_LOGIN_PER_SECOND", default=10 / 60), env.float("RATE_LOGIN_BURST", default=10)),
    "email_code": (env.float("RATE_EMAIL_CODE_PER_SECOND", default=5 / 3600), env.float("RATE_EMAIL_CODE_BURST", default=5)),
    "register": (env.float("RATE_REGISTER_PER_SECOND", default=20 / 3600), env.float("RATE_REGISTER_BURST", default=20)),
    # Setting a new password with an e-mail code (a guess at the code costs a token).
    "password_reset": (env.float("RATE_PASSWORD_RESET_PER_SECOND", default=10 / 3600), env.float("RATE_PASSWORD_RESET_BURST", default=10)),
    # Signed-in password doors, per user: changing the password (it checks the old one).
    "password_change": (env.float("RATE_PASSWORD_CHANGE_PER_SECOND", default=10 / 3600), env.float("RATE_PASSWORD_CHANGE_BURST", default=10)),
    # A new image captcha (each one is a database row until the sweep), per IP.
    "captcha": (env.float("RATE_CAPTCHA_PER_SECOND", default=1), env.float("RATE_CAPTCHA_BURST", default=30)),
    # Rotating a refresh token, per IP (a client refreshes every ~2 h; a burst covers many tabs).
    "refresh": (env.float("RATE_REFRESH_PER_SECOND", default=1), env.float("RATE_REFRESH_BURST", default=30)),
    "post": (env.float("RATE_POST_PER_SECOND", default=10 / 3600), env.float("RATE_POST_BURST", default=5)),
    "comment": (env.float("RATE_COMMENT_PER_SECOND", default=1 / 10), env.float("RATE_COMMENT_BURST", default=10)),
    "vote": (env.float("RATE_VOTE_PER_SECOND", default=2), env.float("RATE_VOTE_BURST", default=30)),
    "follow": (env.float("RATE_FOLLOW_PER_SECOND", default=2), env.float("RATE_FOLLOW_BURST", default=30)),
    "chat": (env.float("RATE_CHAT_PER_SECOND", default=1), env.float("RATE_CHAT_BURST", default=5)),
    "upload": (env.float("RATE_UPLOAD_PER_SECOND", default=1 / 6), env.float("RATE_UPLOAD_BURST", default=20)),
    "report": (env.float("RATE_REPORT_PER_SECOND", default=1 / 60), env.float("RATE_REPORT_BURST", default=10)),
    # Search, per user (per IP signed out): the most expensive read (notes/search/load.py).
    "search": (env.float("RATE_SEARCH_PER_SECOND", default=1), env.float("RATE_SEARCH_BURST", default=20)),
    # A member's data export (a download of everything they wrote), per user: the heaviest read
    # of an account, so a few in a row, then one every 10 minutes.
    "export": (env.float("RATE_EXPORT_PER_SECOND", default=1 / 600), env.float("RATE_EXPORT_BURST", default=3)),
    # Saving one's settings (personal filters, per user): generous, it only bounds a script.
    "settings": (env.float("RATE_SETTINGS_PER_SECOND", default=1), env.float("RATE_SETTINGS_BURST", default=20)),
    # Deleting one's account: the password prompt must not become a password oracle (per user).
    "account_delete": (env.float("RATE_ACCOUNT_DELETE_PER_SECOND", default=1 / 60), env.float("RATE_ACCOUNT_DELETE_BURST", default=5)),
    # Every signed-out request, per client IP (an IPv6 client per /64), in the middleware.
    "anon": (env.float("RATE_ANON_PER_SECOND", default=20), env.float("RATE_ANON_BURST", default=200)),
}
# Pre-login actions: counted against the client IP whoever is signed in (a session or a token
# gets no bucket of its own), and once more against the account or address they target (the
# services take that second bucket: treehole.ratelimit.enforce_target).
RATE_LIMITS_PRE_LOGIN = ("login", "email_code", "register", "password_reset", "captcha")
# When Redis is down the limiter fails open (logged), except for these actions: they answer 503.
RATE_LIMITS_FAIL_CLOSED = ("email_code",)
# (After a Redis failure the limiter, like every Redis caller, fails fast: REDIS_BREAKER_SECONDS.)
# Not counted by the global and per-IP buckets (health checks, files).
RATE_LIMIT_EXEMPT_PATHS = ("/healthz", STATIC_URL, MEDIA_URL)

