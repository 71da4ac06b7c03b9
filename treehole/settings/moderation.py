"""Moderation: folding, bans, word lists."""

from .base import env

# --- Moderation (issue: moderation) -------------------------------------------------------------
# N distinct reporters fold a note or comment automatically (moderators can still unfold it).
MODERATION_FOLD_THRESHOLD = env.int("MODERATION_FOLD_THRESHOLD", default=3)
# Ban lengths offered in the admin, in days (None = permanent); each new ban of a user defaults to
# the step after their previous one.
MODERATION_BAN_STEPS_DAYS = (1, 3, 7, 30, None)
# Each process checks the word lists' version in Redis at most this often (seconds), so an edit in
# the admin reaches every process within about this long.
MODERATION_RELOAD_SECONDS = env.float("MODERATION_RELOAD_SECONDS", default=1.0)
MODERATION_REPORT_TEXT_MAX = 500

