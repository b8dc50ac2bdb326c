"""Signing a test client in the way the portal's own sign-in does, second factor included.

``force_login`` is step one (the password). For a user who must use a second factor,
``verify_second_factor`` is step two: it gives the user a confirmed authenticator device
(if they have none) and marks the session verified with it exactly as the code page does
(django-otp's session key, and the verified-device cache). Enforcement stays on.
"""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from migration_portal.accounts.two_factor.services import PENDING_SESSION_KEY, must_use_second_factor, remember_device


def verify_second_factor(client, user, device=None):
    device = device or TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.pop(PENDING_SESSION_KEY, None)
    session.save()
    remember_device(device)
    return device


def sign_in(client, user):
    """Password and, where the user must have one, the second factor."""
    client.force_login(user)
    had_scope = "_portal_scope" in vars(user)
    required = must_use_second_factor(user)
    if not had_scope:
        # must_use_second_factor may have cached the scope on the fixture's user object;
        # leave it as the test had it, so a later change to the user's groups is seen.
        vars(user).pop("_portal_scope", None)
    if required:
        verify_second_factor(client, user)
    return client
