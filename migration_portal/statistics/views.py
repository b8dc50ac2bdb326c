"""The statistics pages: an index, one page per subject (filters, chart, table, downloads),
each table's CSV and XLSX download, and the ILO workbook.

Ministry staff (any ministry group) see national figures and may filter by province;
a provincial officer sees the same pages with the province forced to theirs; agency
users get 403, visitors who are not signed in are sent to sign in. Every table reads
its records through ``visible`` (see ``pages``).
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from complaints.charts import Item, Series, bar_chart, column_chart
from migration_portal.core.scoping import Role, scope_for, visible
from migration_portal.core.views_base import RoleRequiredMixin
from migration_portal.reference.models import Province

from . import exports
from .forms import ChannelChoice
from .pages import ILO_SHEETS, PAGES, Context, Page, may_open
from .tables import Chart, Names, Table


def render_chart(chart: Chart | None):
    if chart is None:
        return ""
    series = [Series(name, colour) for name, colour in chart.series]
    items = [Item(label, values) for label, values in chart.items]
    draw = column_chart if chart.kind == "column" else bar_chart
    return draw(title=chart.title, items=items, series=series, note=chart.note, empty=_("Nothing to show for these filters."))


def cell_text(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def display_rows(table: Table) -> list[dict]:
    return [
        {"kind": r.kind, "labels": r.labels, "sub": r.indent,
         "cells": [{"text": cell_text(v), "mark": r.marked(i)} for i, v in enumerate(r.values)]}
        for r in table.rows
    ]


PERIOD_FIELDS = {"year", "date_from", "date_to", "month"}


class StatisticsView(RoleRequiredMixin, View):
    """Sign-in, the role check and the filters every statistics view shares."""

    allowed_roles = (Role.MINISTRY, Role.PROVINCE)
    page: Page | None = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if "page" in kwargs:
            self.page = PAGES.get(kwargs["page"])
            if self.page is None:
                raise Http404
        if not may_open(scope_for(request.user), self.page):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def context(self) -> Context:
        user = self.request.user
        return Context(user=user, scope=self.scope, today=timezone.localdate(), names=Names(lambda model: visible(model, user)))

    def resolve(self, ctx: Context):
        """The page's form, bound to the query string (or to the page's defaults when it has no
        filter), and the context filled from it when valid."""
        page = self.page
        form_class = page.form
        given = {k: v for k, v in self.request.GET.items() if k in form_class.base_fields or k == "province"}
        defaults = page.defaults(ctx.today)
        if PERIOD_FIELDS & given.keys():  # a period asked for: the default period does not apply, the other defaults do
            defaults = {k: v for k, v in defaults.items() if k not in PERIOD_FIELDS}
        data = {**defaults, **given}
        forced = None
        if self.scope.role is Role.PROVINCE:
            forced = ctx.names.obj(Province, self.scope.province_id)
        form = form_class(data, provinces=ctx.names.all(Province), forced_province=forced)
        if form.is_valid():
            cd = form.cleaned_data
            ctx.period = cd.get("period")
            ctx.province = cd.get("province")
            ctx.formal_only = cd.get("channels") == ChannelChoice.FORMAL
            ctx.years_down = cd.get("layout") == "years_down"
            ctx.month = cd.get("month")
        return form


class IndexView(StatisticsView):
    def get(self, request):
        pages = [p for p in PAGES.values() if may_open(self.scope, p)]
        province = None
        if self.scope.role is Role.PROVINCE:
            province = Province.objects.visible_to(request.user).filter(pk=self.scope.province_id).first()
        return render(request, "statistics/index.html", {"pages": pages, "province": province})


class PageView(StatisticsView):
    def _download(self, table: str, fmt: str, query: str) -> str:
        return reverse("statistics:download", kwargs={"page": self.page.slug, "table": table, "fmt": fmt}) + f"?{query}"

    def get(self, request, page):
        ctx = self.context()
        form = self.resolve(ctx)
        context = {"page": self.page, "form": form, "province": ctx.province or form.forced_province}
        if not form.is_valid():
            return render(request, "statistics/page.html", context, status=400)
        query = urlencode(form.query())
        shown = []
        for spec in self.page.tables_for(self.scope):
            table = spec.build(ctx)
            shown.append({
                "table": table, "chart": render_chart(table.chart),
                "csv": self._download(spec.key, "csv", query),
                "xlsx": self._download(spec.key, "xlsx", query),
                "rows": display_rows(table), "width": len(table.value_headers) + len(table.label_headers),
            })
        context.update({"tables": shown, "ctx": ctx, "describe": ctx.describe(), "query": query})
        if self.page.slug == "ilo":
            context["workbook"] = reverse("statistics:ilo-workbook") + f"?{query}"
        return render(request, "statistics/page.html", context)


def _bad_request(form) -> HttpResponse:
    lines = [_("The filters could not be read:")]
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        lines += [f"- {label + ': ' if label else ''}{e}" for e in errors]
    return HttpResponse("\n".join(lines) + "\n", status=400, content_type="text/plain; charset=utf-8")


class DownloadView(StatisticsView):
    """One table as CSV or XLSX: the same table, built from the same filters, as the page shows."""

    def get(self, request, page, table, fmt):
        spec = self.page.table(table)
        if spec is None or spec not in self.page.tables_for(self.scope):
            raise Http404
        ctx = self.context()
        form = self.resolve(ctx)
        if not form.is_valid():
            return _bad_request(form)
        built = spec.build(ctx)
        name = exports.filename("statistics", self.page.slug, spec.key, *form.query().values())
        return exports.download(built, ctx.describe(), fmt, name)


class IloWorkbookView(StatisticsView):
    """The year's four ILO tables in one workbook, a sheet each."""

    def dispatch(self, request, *args, **kwargs):
        self.page = PAGES["ilo"]
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        ctx = self.context()
        form = self.resolve(ctx)
        if not form.is_valid():
            return _bad_request(form)
        sheets = [(str(ILO_SHEETS[spec.key]), spec.build(ctx), ctx.describe()) for spec in self.page.tables]
        return exports.workbook_response(sheets, exports.filename("ilo-labour-migration", *form.query().values()))
