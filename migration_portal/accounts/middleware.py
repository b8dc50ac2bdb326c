"""Idle sessions end: a sliding limit on the time between two requests of a signed-in user."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.utils.translation import gettext as _

LAST_ACTIVITY_KEY = "_portal_last_activity"
# The last activity is written at most this often, so a busy user's session is not
# saved on every request; the limit is therefore exact to within this many seconds.
ACTIVITY_RESOLUTION = 60


def record_sign_in(sender, request, user, **kwargs) -> None:
    """A sign-in is activity: recorded in the session that ``login`` is about to save, so the
    first requests after it need no write of their own."""
    session = getattr(request, "session", None)
    if session is not None:
        session[LAST_ACTIVITY_KEY] = int(time.time())


def idle_timeout_for(user) -> int:
    """Seconds of inactivity after which this user's session ends."""
    if user.agency_id and not (user.is_staff or user.is_superuser):
        return settings.SESSION_IDLE_TIMEOUT_AGENCY
    # Ministry staff, provincial officers and anyone with admin access: a working day.
    return settings.SESSION_IDLE_TIMEOUT


class IdleSessionMiddleware:
    """Signs out a session that has been idle longer than its user's limit.

    Goes after AuthenticationMiddleware. A request that arrives too late is served as
    anonymous (pages send it to the sign-in page, the API answers 401/403); the session
    is flushed, so going back does not revive it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            last = request.session.get(LAST_ACTIVITY_KEY)
            if last is not None and now - int(last) > idle_timeout_for(user):
                logout(request)
                messages.info(request, _("You were signed out after a period of inactivity. Please sign in again."))
            elif last is None or now - int(last) >= ACTIVITY_RESOLUTION:
                request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)
