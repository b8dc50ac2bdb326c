"""A guard for the query parameters every list page shares.

``?page=abc``, ``?page=-1`` or a page number of twenty digits used to end in Django's 404
for a bad page (or, for a huge number, in the database). Here they are answered before any
view runs: a 400 page that names the parameter and says what it takes. The API has its own
check in its pagination (``core.api.pagination``), which answers in the API's error shape.
Parameters whose meaning belongs to one page (a year, a month) are checked by that page's
form or FilterSet.
"""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _

MAX_PAGE = 1_000_000
# parameter: (lowest, highest) whole number accepted
INTEGER_PARAMS = {"page": (1, MAX_PAGE), "page_size": (1, 200)}
LAST_PAGE = "last"


def bad_integer(name: str, raw: str, low: int, high: int) -> str | None:
    """The message for a value that is not a whole number in range, or None when it is fine."""
    value = raw.strip()
    if name == "page" and value == LAST_PAGE:
        return None
    if value.isdigit() and len(value) <= len(str(high)) and low <= int(value) <= high:
        return None
    return _("The parameter '%(name)s' must be a whole number from %(low)s to %(high)s, not '%(value)s'.") % {
        "name": name, "low": low, "high": f"{high:,}", "value": raw[:40]}


class QueryParameterGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD") and not request.path.startswith("/api/"):
            for name, (low, high) in INTEGER_PARAMS.items():
                for raw in request.GET.getlist(name):
                    message = bad_integer(name, raw, low, high)
                    if message:
                        return render(request, "core/bad_request.html", {"message": message}, status=400)
        return self.get_response(request)
