"""API authentication by personal token (django-rest-knox), recording when a token was last used."""

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication

from .models import ApiToken

# A token used many times a minute is written at most once a minute.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <token>``. Expired tokens are refused (and deleted by knox)."""

    def validate_user(self, auth_token):
        user, token = super().validate_user(auth_token)
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            # Conditional UPDATE: two requests racing at the minute boundary write once.
            cutoff = now - LAST_USED_RESOLUTION
            ApiToken.objects.filter(pk=token.pk).exclude(last_used_at__gt=cutoff).update(last_used_at=now)
            token.last_used_at = now
        return user, token


class ApiTokenScheme(KnoxTokenScheme):
    """The OpenAPI description of the scheme above (knox's own, for the subclass)."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"
