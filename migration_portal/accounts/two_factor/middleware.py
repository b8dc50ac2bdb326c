"""The one place two-factor sign-in is enforced for the pages and the admin.

``VerifiedDeviceMiddleware`` is django-otp's ``OTPMiddleware`` (``request.user.is_verified()``)
reading the session's device through the cache; ``TwoFactorMiddleware`` sends a session
that still owes a code to the code page, or to enrolment when the user must use a second
factor and has none, before any other page or admin view runs.
"""

from urllib.parse import urlencode

from django.core.cache import cache
from django.shortcuts import redirect
from django.urls import reverse
from django_otp.middleware import OTPMiddleware
from django_otp.models import Device
from rest_framework.views import APIView

from .services import device_cache_key, has_device, remember_device, verification_needed

# Views a session that owes a code may still open: the two-factor pages themselves,
# signing out, switching language, and the load balancer's health check.
OPEN_VIEWS = frozenset(
    {
        "two-factor-verify",
        "two-factor-enrol",
        "logout",
        "admin:logout",
        "set_language",
        "healthz",
    }
)


class VerifiedDeviceMiddleware(OTPMiddleware):
    """django-otp's middleware, with the verified device read through the cache.

    The device is looked up on every request of a verified session; the cache spares
    the database that query. A device that is changed or deleted leaves the cache at
    once (signals in ``apps.py``), so a reset or removal ends verification at the next request.
    """

    def _device_from_persistent_id(self, persistent_id: str):
        persistent_id = self._normalize_persistent_id(persistent_id)
        device = cache.get(device_cache_key(persistent_id))
        if device is None:
            device = Device.from_persistent_id(persistent_id)
            if device is not None:
                remember_device(device)
        return device


def is_api_view(view_func) -> bool:
    cls = getattr(view_func, "cls", None)
    return isinstance(cls, type) and issubclass(cls, APIView)


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is not None and match.view_name in OPEN_VIEWS:
            return None
        # The API checks sessions in its own authentication (api.VerifiedSessionAuthentication),
        # so that a token call, authenticated only inside the view, is not interrupted.
        if is_api_view(view_func):
            return None
        if not verification_needed(request):
            return None
        target = "two-factor-verify" if has_device(request.user) else "two-factor-enrol"
        url = reverse(target)
        if request.method == "GET":
            url += "?" + urlencode({"next": request.get_full_path()})
        return redirect(url)
