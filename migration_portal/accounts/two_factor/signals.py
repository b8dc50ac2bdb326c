"""Framework-level hooks of two-factor sign-in (connected in AccountsConfig.ready).

- At sign-in, a user who has a device owes a code before the session reaches anything,
  whether or not they are obliged to use one.
- A device that changes or goes leaves the cache of verified devices at once.
"""

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .services import PENDING_SESSION_KEY, forget_device, has_device


def _owe_code_at_sign_in(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is not None and has_device(user):
        session[PENDING_SESSION_KEY] = True


def _device_changed(sender, instance, **kwargs):
    forget_device(instance)


def connect() -> None:
    user_logged_in.connect(_owe_code_at_sign_in, dispatch_uid="two_factor.owe_code_at_sign_in")
    for model in (TOTPDevice, StaticDevice):
        post_save.connect(_device_changed, sender=model, dispatch_uid=f"two_factor.changed.{model.__name__}")
        post_delete.connect(_device_changed, sender=model, dispatch_uid=f"two_factor.deleted.{model.__name__}")
