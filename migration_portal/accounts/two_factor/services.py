"""Two-factor sign-in: who must use it, and every write to a user's devices.

The codes themselves are django-otp's: a TOTP device (an authenticator app) and a
static device holding the backup codes, each verified by django-otp, which also
throttles wrong codes (each failure doubles the wait before the next attempt).
"""

from __future__ import annotations

from base64 import b32encode
from dataclasses import dataclass
from datetime import datetime

import django_otp
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from migration_portal.core.events import event_record
from migration_portal.core.scoping import MINISTRY_GROUPS, Role, scope_for

# Set at sign-in for a user who has a device though not obliged to: the session must
# still be verified before it reaches anything.
PENDING_SESSION_KEY = "two_factor_pending"
APP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"


# --- Who must ---------------------------------------------------------------------


def must_use_second_factor(user) -> bool:
    """Superusers, ministry staff (a ministry group, or staff bound to no agency or province)
    and members of a group flagged in the admin.

    No query for staff and superusers; for others the flags come with the groups that
    ``scope_for`` reads once per request anyway.
    """
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or (user.is_staff and not user.agency_id and not user.province_id):
        return True
    scope = scope_for(user)
    if scope.role is Role.NONE:
        # scope_for reads no groups for a user without a role; ask directly.
        rows = list(user.groups.values_list("name", "two_factor_policy__required"))
        groups = {name for name, _required in rows}
        flagged = any(required for _name, required in rows)
    else:
        groups, flagged = scope.groups, bool(scope.second_factor_groups)
    return flagged or bool(groups.intersection(MINISTRY_GROUPS))


def verification_needed(request) -> bool:
    """The signed-in user must enter a code before this session reaches anything."""
    user = request.user
    if not user.is_authenticated or user.is_verified():
        return False
    return bool(request.session.get(PENDING_SESSION_KEY)) or must_use_second_factor(user)


def has_device(user) -> bool:
    return django_otp.user_has_device(user, confirmed=True)


def app_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def backup_device(user) -> StaticDevice | None:
    return StaticDevice.objects.devices_for_user(user, confirmed=True).first()


# --- The verified session ----------------------------------------------------------


def device_cache_key(persistent_id: str) -> str:
    return f"two-factor:device:{persistent_id}"


def remember_device(device: Device) -> None:
    """Keep the device a session was verified with in the cache (see VerifiedDeviceMiddleware)."""
    cache.set(device_cache_key(device.persistent_id), device, settings.TWO_FACTOR_DEVICE_CACHE_SECONDS)


def forget_device(device: Device) -> None:
    cache.delete(device_cache_key(device.persistent_id))


def session_verify(request, device: Device) -> None:
    """Mark the session verified with ``device``, as django-otp's own login does."""
    request.session.cycle_key()  # a new session id for the higher privilege
    django_otp.login(request, device)
    request.session.pop(PENDING_SESSION_KEY, None)
    remember_device(device)


# --- Checking a code ---------------------------------------------------------------


@dataclass(frozen=True)
class CodeCheck:
    device: Device | None
    locked_until: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.device is not None


def normalise_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def code_check(*, user, code: str) -> CodeCheck:
    """Check a code from the authenticator app (six digits) or a backup code.

    django-otp verifies the code under a row lock and throttles: after a wrong code the
    device refuses every code, right or wrong, until the wait has passed.
    """
    code = normalise_code(code)
    app = app_device(user)
    device = app if app is not None and code.isdigit() and len(code) == app.digits else backup_device(user)
    if device is None or not code:
        return CodeCheck(None)
    allowed, info = device.verify_is_allowed()
    if not allowed:
        return CodeCheck(None, (info or {}).get("locked_until"))
    verified = django_otp.verify_token(user, device.persistent_id, code)
    if verified is not None:
        return CodeCheck(verified)
    device.refresh_from_db()
    _allowed, info = device.verify_is_allowed()
    return CodeCheck(None, (info or {}).get("locked_until"))


# --- Enrolment and management --------------------------------------------------------


def _log(user, code: str, message, actor=None) -> None:
    # request.user is a lazy proxy; the timeline needs the model instance itself.
    subject = user._meta.model.objects.get(pk=user.pk)
    event_record(subject=subject, code=code, actor=actor or subject, message=message)


def app_device_pending(*, user) -> TOTPDevice:
    """The unconfirmed authenticator device being set up (one per user, reused until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def secret_base32(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it when typed in."""
    return b32encode(device.bin_key).decode()


def _new_backup_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.TWO_FACTOR_BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def two_factor_enrol_confirm(*, user, device_id: int, code: str) -> list[str] | None:
    """Confirm the app being set up with a code from it; returns the new backup codes.

    ``None`` when the code is wrong (django-otp counts the failure and throttles).
    Any earlier app and backup codes are replaced.
    """
    device = TOTPDevice.objects.select_for_update().filter(pk=device_id, user=user, confirmed=False).first()
    if device is None or not device.verify_token(normalise_code(code)):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_backup_codes(user)
    _log(user, "two_factor.enrolled", _("Two-factor sign-in set up."))
    return codes


@transaction.atomic
def two_factor_backup_codes_renew(*, user) -> list[str]:
    """Ten new backup codes; the old ones stop working."""
    codes = _new_backup_codes(user)
    _log(user, "two_factor.backup_codes_renewed", _("New backup codes made."))
    return codes


def _remove_devices(user) -> int:
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        removed += model.objects.filter(user=user).delete()[1].get(model._meta.label, 0)
    return removed


@transaction.atomic
def two_factor_remove(*, user) -> None:
    """The user removes their own second factor (the page checks their password first)."""
    _remove_devices(user)
    _log(user, "two_factor.removed", _("Two-factor sign-in removed by the user."))


@transaction.atomic
def two_factor_reset(*, user, actor) -> bool:
    """An administrator clears a user's second factor (a lost phone); the user sets it up again.

    Returns whether there was anything to clear. Sessions verified with the old device
    lose their verification at their next request.
    """
    removed = _remove_devices(user)
    if removed:
        _log(user, "two_factor.reset", _("Two-factor sign-in reset by an administrator."), actor=actor)
    return bool(removed)


# --- Demo ------------------------------------------------------------------------------


def demo_enrol(*, user) -> TOTPDevice:
    """A confirmed authenticator device for a demo login (seed_demo prints its secret)."""
    return app_device(user) or TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=True)


def secret_base32_for(usernames: list[str]) -> dict[str, str]:
    """username -> base32 secret of their authenticator device, for those who have one."""
    devices = TOTPDevice.objects.filter(user__username__in=usernames, confirmed=True).select_related("user")
    return {device.user.username: secret_base32(device) for device in devices}


def client_session_verify(client, user) -> None:
    """Verify the session of a Django ``Client`` signed in with ``force_login`` (the benchmark
    command), as the code page would, for a user who must use a second factor."""
    if not must_use_second_factor(user):
        return
    device = demo_enrol(user=user)
    session = client.session
    session[django_otp.DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    remember_device(device)
