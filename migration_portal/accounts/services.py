"""Writes on accounts: ending sessions, API tokens, password-reset requests."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from migration_portal.core.events import event_record
from migration_portal.core.tasks_util import enqueue

from .models import ApiToken, User


def _subject(user) -> User:
    # request.user is a lazy proxy; the timeline needs the model class itself.
    return User(pk=user.pk)


@transaction.atomic
def user_sign_out_everywhere(*, user: User, actor: User) -> int:
    """End every session of ``user`` and revoke their API tokens; returns the tokens revoked.

    Raising the session generation changes the hash each session carries, so Django
    refuses every existing session on its next request (no scan of the session table).
    Only the user themselves or an administrator who may change users can do it.
    """
    if actor.pk != user.pk and not actor.has_perm("accounts.change_user"):
        raise PermissionDenied
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])
    revoked, _by_model = ApiToken.objects.filter(user=user).delete()
    event_record(
        subject=_subject(user),
        code="signed_out_everywhere",
        actor=actor,
        message=_("All sessions ended and %(count)d API tokens revoked.") % {"count": revoked},
        data={"tokens_revoked": revoked, "by_administrator": actor.pk != user.pk},
    )
    return revoked


def api_token_validate_days(days) -> int:
    maximum = settings.API_TOKEN_MAX_DAYS
    if not isinstance(days, int) or not 1 <= days <= maximum:
        raise ValidationError(
            {"days": _("Choose a lifetime between 1 and %(max)d days.") % {"max": maximum}}, code="invalid_days"
        )
    return days


@transaction.atomic
def api_token_create(*, user: User, name: str, days: int) -> tuple[ApiToken, str]:
    """Make a token for ``user``; returns the row and the token, which is never readable again."""
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied
    days = api_token_validate_days(days)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name.")}, code="required")
    token, clear = ApiToken.objects.create(user=user, expiry=timedelta(days=days), name=name[:100])
    event_record(subject=_subject(user), code="api_token_created", actor=user, message=token.name,
                 data={"token": token.pk, "expiry": token.expiry.isoformat()})
    return token, clear


def can_revoke_any_token(actor) -> bool:
    return actor.is_active and actor.is_superuser


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User) -> None:
    """Revoke (delete) a token: its owner may, and an administrator may revoke anyone's."""
    if token.user_id != actor.pk and not can_revoke_any_token(actor):
        raise PermissionDenied
    owner = token.user
    event_record(subject=_subject(owner), code="api_token_revoked", actor=actor, message=token.name,
                 data={"token": token.pk, "by_administrator": token.user_id != actor.pk})
    token.delete()


def password_reset_request(*, email: str, language: str) -> None:
    """Queue a reset e-mail to each active account with this address, if any.

    The caller answers the same whatever happens here; the mail is sent by a task
    after commit, so neither the answer nor its timing says whether an account exists.
    """
    from .tasks import send_password_reset

    for user_id in password_reset_recipients(email):
        enqueue(send_password_reset, user_id, language)


def password_reset_recipients(email: str) -> list[int]:
    """Active users with a usable password and exactly this address (case-insensitive)."""
    users = User.objects.filter(email__iexact=email.strip(), is_active=True)
    return [u.pk for u in users.only("pk", "password", "email") if u.has_usable_password() and u.email]


def password_reset_link(user: User) -> str:
    from django.contrib.auth.tokens import default_token_generator
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return f"{settings.PORTAL['SITE_URL'].rstrip('/')}{path}"
