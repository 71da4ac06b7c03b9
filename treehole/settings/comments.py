"""Comments."""

from .base import env

# --- Comments (issue: comments) -----------------------------------------------------------------
# The seed's delayed second delete of a comment's cache, after the database write.
COMMENT_CACHE_SECOND_DELETE_SECONDS = env.float("COMMENT_CACHE_SECOND_DELETE_SECONDS", default=3)

