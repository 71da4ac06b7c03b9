"""Periodic clean-up of uploads (run by the huey worker; see docs/uploads.md)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from uploads import services


@db_periodic_task(crontab(minute="17"))
def sweep_unattached_uploads() -> dict:
    """Images and published files that nothing attached within a day of their upload."""
    return {
        "images": services.images_sweep_unattached(),
        "files": services.stored_files_sweep_unattached(),
    }


@db_periodic_task(crontab(minute="*/10"))
def sweep_expired_upload_sessions() -> int:
    """Chunked upload sessions past their 24 h, with every chunk they left on disk."""
    return services.upload_sessions_sweep_expired()
