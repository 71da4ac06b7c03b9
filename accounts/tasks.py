from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, task


@task(retries=3, retry_delay=10)
def send_email_code(email: str, code: str, purpose: str, language: str = "zh-hans") -> None:
    with translation.override(language):
        context = {"code": code, "purpose": purpose, "minutes": settings.EMAIL_CODE_TTL_SECONDS // 60}
        subject = render_to_string("accounts/email/code_subject.txt", context).strip()
        body = render_to_string("accounts/email/code_body.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email])


@db_periodic_task(crontab(minute="*/5"))
def sweep_auth_tables() -> dict:
    """Expired captchas, refresh-token records and login locks (accounts.services.auth_tables_sweep):
    without it the captcha table grows by one row per captcha anyone ever asked for."""
    from accounts.services import auth_tables_sweep

    return auth_tables_sweep()


@task(retries=3, retry_delay=30)
def sessions_delete_for_user(user_id: int) -> int:
    """After an account deletion: its session rows (already refused) are deleted, off the request."""
    from accounts.deletion import sessions_delete

    return sessions_delete(user_id)
