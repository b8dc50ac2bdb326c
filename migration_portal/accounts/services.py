"""Writes on accounts: provisioning (bulk creation from a CSV, invitations, deactivation,
disuse), ending sessions, API tokens, password-reset requests.

Ministry administrators create province and agency accounts in bulk (all rows or none),
send each person a one-time link to choose a password (Django's password-reset token:
it stops working once the password is set or after PASSWORD_RESET_TIMEOUT), deactivate
the accounts of people who leave, and review accounts nobody has used for 90 days.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from migration_portal.core.events import event_record
from migration_portal.core.scoping import AGENCY_USERS, PROVINCIAL_OFFICERS
from migration_portal.core.tasks_util import enqueue

from .models import ApiToken, User

IMPORT_COLUMNS = ("username", "email", "first_name", "last_name", "role", "province_code", "agency_licence", "language")
ROLES = {"province": PROVINCIAL_OFFICERS, "agency": AGENCY_USERS}
MAX_IMPORT_ROWS = 2000
INACTIVE_DAYS = 90


@dataclass
class ImportResult:
    created: list = field(default_factory=list)
    errors: list = field(default_factory=list)


def _read_rows(data: bytes) -> list[dict]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(_("The file is not UTF-8 text. Save it as CSV (UTF-8)."))
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in IMPORT_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationError(_("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})
    rows = list(reader)
    if not rows:
        raise ValidationError(_("The file has no rows."))
    if len(rows) > MAX_IMPORT_ROWS:
        raise ValidationError(_("At most %(max)d rows at a time.") % {"max": MAX_IMPORT_ROWS})
    return rows


@transaction.atomic
def accounts_import(*, actor, data: bytes) -> ImportResult:
    """Create province and agency accounts from a CSV: every row or none.

    Each row is checked (unique username and e-mail, in the file and in the database;
    a known province code or agency licence number; a role) and all errors are
    reported at once, by row number and column. Accounts are created without a usable
    password: the person sets one through the invitation.
    """
    from agencies.models import Agency
    from migration_portal.reference.models import Province

    rows = _read_rows(data)
    result = ImportResult()
    usernames = {r.get("username", "").strip().lower() for r in rows}
    emails = {r.get("email", "").strip().lower() for r in rows}
    taken_usernames = set(
        User.objects.filter(username__in=[u for u in usernames if u]).values_list("username", flat=True)
    )
    taken_usernames = {u.lower() for u in taken_usernames}
    taken_emails = {e.lower() for e in User.objects.filter(email__in=[e for e in emails if e]).values_list("email", flat=True)}
    provinces = {p.code: p for p in Province.objects.filter(code__in={r.get("province_code", "").strip() for r in rows})}
    agencies = {
        a.licence_number: a
        for a in Agency.objects.filter(licence_number__in={r.get("agency_licence", "").strip() for r in rows} - {""})
    }
    groups = {g.name: g for g in Group.objects.filter(name__in=ROLES.values())}
    seen_usernames, seen_emails, to_create = set(), set(), []

    for number, row in enumerate(rows, start=2):  # row 1 is the header
        row = {k: (v or "").strip() for k, v in row.items() if k}
        errors = []
        username, email, role = row["username"], row["email"].lower(), row["role"].lower()
        if not username:
            errors.append(("username", _("required")))
        elif username.lower() in taken_usernames or username.lower() in seen_usernames:
            errors.append(("username", _("already in use")))
        try:
            validate_email(email)
        except ValidationError:
            errors.append(("email", _("not a valid e-mail address")))
        else:
            if email in taken_emails or email in seen_emails:
                errors.append(("email", _("already in use")))
        province = agency = None
        if role == "province":
            province = provinces.get(row["province_code"])
            if province is None:
                errors.append(("province_code", _("no province with this code")))
        elif role == "agency":
            agency = agencies.get(row["agency_licence"])
            if agency is None:
                errors.append(("agency_licence", _("no agency with this licence number")))
        else:
            errors.append(("role", _("must be 'province' or 'agency'")))
        language = row["language"] or "en"
        if language not in ("en", "km"):
            errors.append(("language", _("must be 'en' or 'km'")))
        for column, message in errors:
            result.errors.append(
                _("Row %(row)d, %(column)s: %(message)s") % {"row": number, "column": column, "message": message}
            )
        seen_usernames.add(username.lower())
        seen_emails.add(email)
        if not errors:
            user = User(
                username=username, email=email, first_name=row["first_name"], last_name=row["last_name"],
                province=province, agency=agency, language=language,
            )
            user.set_unusable_password()
            to_create.append((user, groups.get(ROLES[role])))

    if result.errors:
        return result
    for user, group in to_create:
        user.full_clean(exclude=["password"])
        user.save()
        if group is not None:
            user.groups.add(group)
        result.created.append(user)
    return result


def one_time_link(user: User, url_name: str, language: str | None = None) -> str:
    """A link with Django's password-reset token: it stops working once the password is set
    or after PASSWORD_RESET_TIMEOUT. Built from SITE_URL, never from a request's Host."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    with translation.override(language):
        path = reverse(url_name, kwargs={"uidb64": uid, "token": token})
    return settings.PORTAL["SITE_URL"].rstrip("/") + path


def invitation_link(user: User) -> str:
    return one_time_link(user, "invitation-accept", user.language or "en")


def account_invite(*, actor, user: User) -> None:
    """E-mail a one-time link to choose a password, in the person's language, after commit."""
    if not user.is_active or not user.email:
        raise ValidationError(_("%(user)s is inactive or has no e-mail address.") % {"user": user.username})
    link = invitation_link(user)
    days = settings.PASSWORD_RESET_TIMEOUT // (24 * 3600)
    with translation.override(user.language or "en"):
        subject = _("Your account on the Labour Migration Portal")
        body = render_to_string("registration/invitation_email.txt", {"user": user, "link": link, "days": days})
    transaction.on_commit(lambda: send_mail(subject, body, None, [user.email]))


def accounts_deactivate(*, actor, users) -> int:
    """Close the accounts of people who left: no sign-in, no API token, sessions end.

    Sessions end because Django checks ``is_active`` on every request (and the session
    generation is raised, so they stay ended if the account is reactivated); API tokens
    are deleted so a script someone left behind stops too.
    """
    ids = [u.pk for u in users if u.pk != actor.pk]
    with transaction.atomic():
        count = User.objects.filter(pk__in=ids, is_active=True).update(is_active=False, session_epoch=F("session_epoch") + 1)
        ApiToken.objects.filter(user_id__in=ids).delete()
    return count


def inactive_q(days: int = INACTIVE_DAYS, now=None) -> Q:
    """Active accounts not used for ``days``: last sign-in before the cut-off, or never
    signed in and created before it."""
    cutoff = (now or timezone.now()) - timedelta(days=days)
    return Q(is_active=True) & (Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff))


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
    return one_time_link(user, "password_reset_confirm", translation.get_language())
