"""Background jobs of notifications (Huey; eager in the embedded mode and in tests)."""

from __future__ import annotations

import logging

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from notifications import services

logger = logging.getLogger(__name__)


@db_task(retries=3, retry_delay=5)
def deliver(delivery_id: int) -> None:
    """A comment's fan-out (resumes from its committed cursor if it ran before)."""
    services.delivery_run(delivery_id=delivery_id)


@db_task(retries=3, retry_delay=5)
def withdraw(comment_id: int) -> None:
    services.withdraw_run(comment_id=comment_id)


@db_periodic_task(crontab(minute="*/5"))
def notifications_redeliver() -> None:
    """Deliveries whose task was lost (enqueued while Redis was away, a killed worker)."""
    with HUEY.lock_task("notifications-redeliver"):
        sent = services.deliveries_resend()
    if sent:
        logger.info("Enqueued %d unfinished notification deliveries again", sent)


@db_periodic_task(crontab(minute="17", hour=settings.NOTIFICATIONS_PURGE_CRON_HOUR))
def notifications_purge() -> None:
    """Notifications older than NOTIFICATIONS_RETENTION_DAYS (default 90) go."""
    with HUEY.lock_task("notifications-purge"):
        purged = services.notifications_purge()
    if purged:
        logger.info("Purged %d old notifications", purged)
