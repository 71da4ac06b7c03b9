"""Comments."""

from .base import env

# The seed's delayed second delete of a comment's cache, after the database write.
COMMENT_CACHE_SECOND_DELETE_SECONDS = env.float("COMMENT_CACHE_SECOND_DELETE_SECONDS", default=3)

# Floors per page of the thread under a note (the API's lists use PAGE_SIZE_DEFAULT).
COMMENTS_THREAD_PAGE_SIZE = env.int("COMMENTS_THREAD_PAGE_SIZE", default=30)
