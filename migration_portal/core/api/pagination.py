"""Pagination of every API list: always on, at most 200 rows a page, and the two parameters
checked: ``page`` and ``page_size`` must be whole numbers in range, or the answer is a 400
naming the parameter (never a 500, never a silently different page)."""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

from ..middleware import MAX_PAGE  # far beyond any list's last page; a bigger number is a mistake or a probe


def _whole_number(request, name: str, low: int, high: int) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(high)) or not low <= int(raw) <= high:
        raise ValidationError({name: [_("Give a whole number from %(low)s to %(high)s.") % {"low": low, "high": f"{high:,}"}]})
    return int(raw)


class PortalPagination(PageNumberPagination):
    """Always paginated; clients may ask for up to 200 rows a page.

    A ``page`` or ``page_size`` that is not a whole number in range (``page_size=null``,
    ``0``, ``ten``, ``201``) is a 400 naming it, not a silent fall back to the default:
    the client asked for something it will not get. The schema states both ranges.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param)
        if raw in self.last_page_strings:
            return paginator.num_pages
        number = _whole_number(request, self.page_query_param, 1, MAX_PAGE)
        return number if number is not None else 1

    def get_page_size(self, request):
        size = _whole_number(request, self.page_size_query_param, 1, self.max_page_size)
        return size if size is not None else self.page_size

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
                parameter["description"] = str(_("Rows per page: 50 unless given, from 1 to 200."))
            elif parameter["name"] == self.page_query_param:
                parameter["schema"].update(minimum=1, maximum=MAX_PAGE)
        return parameters
