"""Input limits (the contract's defaults): one source for models, forms, messages and the schema."""

from .base import env

# --- Limits (the contract's defaults) ----------------------------------------------------------
TREEHOLE_LIMITS = {
    "title": env.int("LIMIT_TITLE", default=100),
    "note_content": env.int("LIMIT_NOTE_CONTENT", default=5000),
    "comment_content": env.int("LIMIT_COMMENT_CONTENT", default=1000),
    "chat_message": env.int("LIMIT_CHAT_MESSAGE", default=500),
    "username_min": 2,
    "username_max": env.int("LIMIT_USERNAME", default=30),
    "bio": env.int("LIMIT_BIO", default=200),
    "image_bytes": env.int("LIMIT_IMAGE_BYTES", default=10 * 1024 * 1024),
    # Decoded pixels at most (memory: ~4 bytes each, two copies): a larger JPEG is decoded at 1/2,
    # 1/4 or 1/8 scale, any other image over it is refused (uploads/imaging.py).
    "image_pixels": env.int("LIMIT_IMAGE_PIXELS", default=16_000_000),
    "video_pixels": env.int("LIMIT_VIDEO_PIXELS", default=8192 * 4320),  # a video's frame (8K)
    "images_per_note": env.int("LIMIT_IMAGES_PER_NOTE", default=9),
    "chunked_upload_bytes": env.int("LIMIT_CHUNKED_UPLOAD_BYTES", default=500 * 1024 * 1024),
    # Every list (API, pages, staff): the size when none is asked, the largest size, and the
    # largest page number (so no offset overflows the database or Redis).
    "page_size_default": env.int("PAGE_SIZE_DEFAULT", default=20),
    "page_size_max": env.int("PAGE_SIZE_MAX", default=50),
    "page_max": env.int("PAGE_MAX", default=100_000),
    # Personal filters (屏蔽): how many keywords a reader may mute, and how long each may be.
    "filter_keywords": env.int("LIMIT_FILTER_KEYWORDS", default=50),
    "filter_keyword_chars": env.int("LIMIT_FILTER_KEYWORD_CHARS", default=20),
    # How many notes a filtered list may pass over to fill one page (a reader who muted a word
    # that most notes contain gets a shorter list, never an unbounded scan).
    "filter_scan": env.int("LIMIT_FILTER_SCAN", default=2000),
}
AVATAR_SIZE = 256
DATA_UPLOAD_MAX_MEMORY_SIZE = 3 * 1024 * 1024  # JSON bodies; files have their own limits
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

