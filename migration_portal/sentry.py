"""Error reports through Sentry's SDK, without personal data.

Nothing is sent unless SENTRY_DSN is set. ``send_default_pii`` is off (no user, no
cookies, no client address); ``scrub_event`` also drops request bodies, query strings,
cookies and headers that could carry a session, and replaces anything shaped like an
identity number, passport number or phone number in messages, exception values,
breadcrumbs and local variables. The portal holds trafficking victims' accounts:
an error report must never become a copy of one.
"""

import re

# National ID (9 digits and more), passport (a letter and 7-8 digits), phone (8-12 digits,
# spaced or not, with or without +855): generous on purpose, a false positive costs nothing.
_IDENTITY = re.compile(r"(?<![\w])(?:\+?855[\s-]?)?(?:[A-Z]{1,2}\d{6,9}|\d[\d\s-]{6,14}\d)(?![\w])", re.IGNORECASE)
_SENSITIVE_KEYS = re.compile(
    r"national_id|passport|phone|password|secret|token|csrf|session|narrative|description|statement|address|name",
    re.IGNORECASE,
)
FILTERED = "[Filtered]"


def scrub_text(value: str) -> str:
    return _IDENTITY.sub(FILTERED, value)


def _scrub(value, depth=0):
    if depth > 8:
        return FILTERED
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {
            k: FILTERED if isinstance(k, str) and _SENSITIVE_KEYS.search(k) else _scrub(v, depth + 1) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_scrub(v, depth + 1) for v in value]
    return value


def scrub_event(event: dict, hint: dict | None = None) -> dict:
    """Sentry's ``before_send``: drop what can carry personal data, mask what is left."""
    request = event.get("request")
    if isinstance(request, dict):
        for key in ("data", "cookies", "query_string", "env"):
            request.pop(key, None)
        headers = request.get("headers") or {}
        request["headers"] = {k: v for k, v in headers.items() if k.lower() in ("user-agent", "content-type", "x-request-id")}
    event.pop("user", None)
    for key in ("message", "logentry", "exception", "breadcrumbs", "extra", "contexts", "tags"):
        if key in event:
            event[key] = _scrub(event[key])
    return event


def init_sentry(dsn: str, *, environment: str = "production") -> bool:
    """Start the SDK when a DSN is given; returns whether it did."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        before_send=scrub_event,
        before_breadcrumb=lambda crumb, hint: _scrub(crumb),
        integrations=[DjangoIntegration(), CeleryIntegration(), LoggingIntegration(event_level=None)],
        traces_sample_rate=0.0,
    )
    return True
