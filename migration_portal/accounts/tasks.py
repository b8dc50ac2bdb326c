"""Background mail for accounts."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import User
from .services import password_reset_link


@shared_task(acks_late=True)
def send_password_reset(user_id: int, language: str = "en") -> bool:
    """E-mail a password-reset link to one user.

    The link is made here, from the row, so it never travels through the broker.
    Guard: a second run sends a second link for the same password; both stop working
    together the moment either is used, so a repeat is harmless.
    """
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email or not user.has_usable_password():
        return False
    language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "user": user,
            "link": password_reset_link(user),
            "valid_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
            "now": timezone.now(),
        }
        subject = "".join(render_to_string("registration/password_reset_subject.txt", context).splitlines())
        body = render_to_string("registration/password_reset_email.html", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    return True
