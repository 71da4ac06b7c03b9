"""Background jobs of the shared infrastructure (Huey; eager in the embedded mode and in tests)."""

from __future__ import annotations

import logging

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task

from treehole import effects

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute=settings.REDIS_REPAIR_CRON_MINUTES))
def redis_repairs() -> None:
    """Redo, from the database, the Redis side effects that failed after their commit (an
    outage, a timeout): ``treehole.effects``. One runner at a time."""
    with HUEY.lock_task("redis-repairs"):
        done = effects.repairs_run()
    if done:
        logger.info("Repaired %d Redis side effects", done)
