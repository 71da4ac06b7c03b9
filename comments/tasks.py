from huey.contrib.djhuey import task

from comments import cache


@task(retries=3, retry_delay=5)
def comment_cache_second_delete(note_id: int, comment_id: int) -> None:
    """The seed's delayed second delete: catches a fill that raced the first one. Persisted in
    Redis by huey, so a web process restart does not lose it."""
    cache.invalidate(note_id, [comment_id])
