"""The API's session authentication, refusing a session that still owes its second factor.

Token calls are not interrupted: a token is made by a user whose own session was verified.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import SessionScheme
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication

from .services import verification_needed


class SecondFactorRequired(exceptions.PermissionDenied):
    default_detail = _("Confirm your sign-in with your second factor (authenticator app or backup code) first.")
    default_code = "second_factor_required"


class VerifiedSessionAuthentication(SessionAuthentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and verification_needed(request._request):
            raise SecondFactorRequired
        return result


class VerifiedSessionScheme(SessionScheme):
    """The same cookie scheme as DRF's session authentication, in the OpenAPI schema."""

    target_class = "migration_portal.accounts.two_factor.api.VerifiedSessionAuthentication"
