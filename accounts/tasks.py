from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation
from huey.contrib.djhuey import task


@task(retries=3, retry_delay=10)
def send_email_code(email: str, code: str, purpose: str, language: str = "zh-hans") -> None:
    with translation.override(language):
        context = {"code": code, "purpose": purpose, "minutes": settings.EMAIL_CODE_TTL_SECONDS // 60}
        subject = render_to_string("accounts/email/code_subject.txt", context).strip()
        body = render_to_string("accounts/email/code_body.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email])
