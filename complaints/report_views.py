"""Complaint figures in the portal: the dashboards, the public quarterly statistics, and
the annual report (policy 10.3) from draft to publication.

Every figure comes from ``complaints.statistics``. The dashboards count only the cases the
user may see (``visible``, the one scoping mechanism). The public pages show aggregates of
every case and no personal data: restricted cases count in the totals and in no
breakdown, and small province x sex cells are suppressed. The annual report's figures are
the snapshot stored at generation; drafts are shown to ministry staff only.
"""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from migration_portal.core.pdf import pdf_response
from migration_portal.core.scoping import Role, visible
from migration_portal.core.views_base import RoleRequiredMixin
from migration_portal.reference.choices import Sex

from . import reports, statistics
from .charts import AMBER, BLUE, GREEN, RED, Item, Series, bar_chart, column_chart
from .choices import Ground, RespondentKind, Stage
from .models import AnnualReport, Complaint

FIRST_YEAR = 2015  # the Labour Migration Policy 2015-2018 and the complaints database it asked for


# --- The period filter ------------------------------------------------------------------------


class PeriodForm(forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("Year"), coerce=int)
    quarter = forms.TypedChoiceField(
        label=gettext_lazy("Quarter"), coerce=int, required=False, empty_value=None,
        choices=[("", gettext_lazy("Whole year"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        self.fields["year"].choices = [(y, str(y)) for y in range(this_year, FIRST_YEAR - 1, -1)]
        # Built per request, so the labels follow the page's language.
        self.fields["quarter"].choices = [("", gettext("Whole year"))] + [
            (q, gettext("Quarter %(q)d") % {"q": q}) for q in (1, 2, 3, 4)
        ]


def period_from(request, default: statistics.Period) -> tuple[PeriodForm, statistics.Period]:
    """The period asked for in the query string; the default when none (or a wrong one) is given."""
    if not ({"year", "quarter"} & set(request.GET)):
        return PeriodForm(initial={"year": default.year, "quarter": default.quarter}), default
    form = PeriodForm(request.GET)
    if form.is_valid():
        return form, statistics.Period(form.cleaned_data["year"], form.cleaned_data["quarter"])
    return form, default


# --- Figures made readable --------------------------------------------------------------------


def _pct(share: float | None) -> str:
    return "—" if share is None else f"{100 * share:.0f}%"


def _days(value: float | None) -> str:
    return "—" if value is None else (f"{value:.1f}".rstrip("0").rstrip("."))


def present(figures: dict, *, public: bool) -> dict:
    """Labels, tables and charts for a figures dict (live, or an annual report's snapshot).

    ``public``: the small province x sex cells are suppressed and medians made of fewer than
    three cases are not shown."""
    totals = figures["totals"]
    sexes = [{"key": r["sex"], "label": Sex(r["sex"]).label, **r} for r in figures["by_sex"]]
    provinces = figures["by_province"]
    grounds = [{"label": Ground(r["ground"]).label, **r} for r in figures.get("by_ground", [])]
    outcomes = [{"label": statistics.Outcome(r["outcome"]).label, **r} for r in figures.get("by_outcome", [])]
    kind_labels = {RespondentKind.BROKER: _("Unlicensed brokers"), RespondentKind.EMPLOYER: _("Employers abroad")}
    agencies = [{**r, "label": r["name"] if r["kind"] == RespondentKind.AGENCY else kind_labels.get(r["kind"], r["kind"])}
                for r in figures.get("by_agency", [])]
    stages = []
    for r in figures["stage_days"]:
        shown = statistics.public_median(r) if public else r["median"]
        suppressed = r["median"] is not None and shown is None
        stages.append({**r, "label": Stage(r["stage"]).label, "shown": shown, "suppressed": suppressed,
                       "text": _("too few cases") if suppressed else _days(shown)})
    resolution = figures["resolution_days"]
    resolution_shown = statistics.public_median(resolution) if public else resolution["median"]
    cells = statistics.suppress_small_cells(provinces, figures["by_sex"]) if public else None
    for i, s in enumerate(sexes):
        s["cell"] = cells["national"][i] if cells else statistics.Cell(s["received"])
    sex_hidden = any(s["cell"].hidden for s in sexes)
    women, men = _("Women"), _("Men")
    received, resolved = _("Received"), _("Resolved")

    charts = {
        "sex": bar_chart(
            title=_("Cases by the worker's sex"), series=[Series(received, BLUE)] if public else
            [Series(received, BLUE), Series(resolved, GREEN)],
            items=[] if sex_hidden else [Item(s["label"], [s["received"]] if public else [s["received"], s["resolved"]])
                                         for s in sexes],
            empty=_("Too few cases to show them by sex."),
        ),
        "stages": column_chart(
            title=_("Median days in each stage"), series=[Series(_("Median days"), BLUE)],
            items=[Item(s["label"], [s["shown"]], shown=[_days(s["shown"])]) for s in stages],
            note=_("Only stages the cases have left are counted.") + (
                " " + _("A median made of fewer than 3 cases is not shown.") if public else ""),
        ),
    }
    if public:
        charts["provinces"] = bar_chart(
            title=_("Cases by province where they were lodged"), series=[Series(received, BLUE)],
            items=[Item(p["name"], [p["received"]], label_km=p["name_km"]) for p in provinces],
            empty=_("No case in this period."),
        )
    else:
        charts["provinces"] = bar_chart(
            title=_("Cases by province where they were lodged"), series=[Series(received, BLUE), Series(resolved, GREEN)],
            items=[Item(p["name"], [p["received"], p["resolved"]], label_km=p["name_km"]) for p in provinces],
            empty=_("No case in this period."),
        )
    if grounds:
        charts["grounds"] = bar_chart(
            title=_("Cases by ground"), series=[Series(women, RED), Series(men, BLUE)],
            items=[Item(g["label"], [g["women"], g["men"]]) for g in grounds],
            note=_("A complaint may have several grounds: the rows add up to more than the number of cases."),
        )
    if outcomes:
        charts["outcomes"] = bar_chart(
            title=_("Outcome"), series=[Series(_("Cases"), BLUE)],
            items=[Item(o["label"], [o["n"]]) for o in outcomes if o["n"] or o["outcome"] != "closed"],
        )
    if agencies:
        top = agencies[:12]
        charts["agencies"] = bar_chart(
            title=_("Cases by respondent"), series=[Series(received, BLUE), Series(resolved, GREEN)],
            items=[Item(a["label"], [a["received"], a["resolved"]], label_km=a["name_km"]) for a in top],
            note=_("The 12 respondents named most often; the table lists all.") if len(agencies) > len(top) else "",
        )
    if figures.get("by_quarter"):
        charts["quarters"] = column_chart(
            title=_("Cases received and resolved, by quarter received"),
            series=[Series(received, BLUE), Series(resolved, GREEN)],
            items=[Item(_("Quarter %(q)d") % {"q": q["quarter"]}, [q["received"], q["resolved"]]) for q in figures["by_quarter"]],
        )
    money = []
    for c in figures.get("compensation", []):
        money.append({**c, "share_paid": _pct(float(c["paid"]) / float(c["agreed"]) if float(c["agreed"]) else None)})
    if money:
        charts["compensation"] = column_chart(
            title=_("Compensation agreed and paid"),
            series=[Series(_("Agreed"), BLUE), Series(_("Paid"), GREEN), Series(_("Paid from guarantee deposits"), AMBER)],
            items=[Item(c["currency"], [float(c["agreed"]), float(c["paid"]), float(c["from_deposit"])],
                        shown=[c["agreed"], c["paid"], c["from_deposit"]]) for c in money],
        )
    return {
        "period": figures["period"], "totals": totals, "share_resolved": _pct(totals["share_resolved"]),
        "sexes": sexes, "provinces": provinces, "cells": cells,
        "provinces_received": sum(p["received"] for p in provinces),
        "provinces_resolved": sum(p["resolved"] for p in provinces), "grounds": grounds, "outcomes": outcomes,
        "agencies": agencies, "stages": stages, "resolution_days": _days(resolution_shown),
        "resolution_n": resolution["n"], "resolution_suppressed": resolution["median"] is not None and resolution_shown is None,
        "compensation": money, "by_quarter": figures.get("by_quarter", []), "not_broken_down": figures.get("not_broken_down", 0),
        "charts": charts, "public": public, "small_cell": statistics.SMALL_CELL,
    }


# --- Dashboards ---------------------------------------------------------------------------------


class ComplaintDashboardView(RoleRequiredMixin, TemplateView):
    """Ministry staff see every case they may see; a provincial officer, their province's."""

    allowed_roles = (Role.MINISTRY, Role.PROVINCE)
    template_name = "complaints/dashboard.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_perm("complaints.view_complaint"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        user = self.request.user
        form, period = period_from(self.request, statistics.Period(timezone.localdate().year))
        cases = visible(Complaint.objects.all(), user)
        figures = statistics.figures(cases, period, describe_restricted=True)
        workload = [{**w, "label": Stage(w["stage"]).label} for w in statistics.workload(cases)]
        province = user.province if self.scope.role is Role.PROVINCE else None
        return super().get_context_data(
            form=form, period=period, province=province, shown=present(figures, public=False), workload=workload,
            open_total=sum(w["n"] for w in workload), late_total=sum(w["late"] for w in workload),
            hidden_restricted=statistics.restricted_not_visible(user, period), **kwargs,
        )


# --- The public -------------------------------------------------------------------------------


class PublicStatisticsView(TemplateView):
    """Complaint statistics per quarter, for anyone: no personal data, small cells suppressed."""

    template_name = "public/complaint_statistics.html"

    def get_context_data(self, **kwargs):
        form, period = period_from(self.request, statistics.last_complete_quarter())
        figures = statistics.public_figures(period)
        return super().get_context_data(form=form, period=period, shown=present(figures, public=True),
                                        running=not period.is_over(), **kwargs)


class PublishedReportListView(TemplateView):
    template_name = "public/annual_report_list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(reports=list(reports.published_reports().only("year", "published_at")), **kwargs)


def _report_context(report: AnnualReport) -> dict:
    return {"report": report, "shown": present(report.figures, public=True), "generated_on": report.figures.get("generated_on")}


class PublishedReportView(TemplateView):
    """A published annual report. A draft, or a year without a report, is a 404."""

    template_name = "public/annual_report.html"

    def get_report(self, year: int) -> AnnualReport:
        try:
            return reports.published_report(year=year)
        except AnnualReport.DoesNotExist:
            raise Http404

    def get_context_data(self, year: int, **kwargs):
        return super().get_context_data(**_report_context(self.get_report(year)), **kwargs)


class PublishedReportPdfView(PublishedReportView):
    def get(self, request, year: int):
        report = self.get_report(year)
        return pdf_response("pdf/annual_report.html", _report_context(report),
                            filename=f"complaints-annual-report-{report.year}.pdf", request=request)


# --- The ministry: prepare, review, approve ----------------------------------------------------


class GenerateForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=FIRST_YEAR, max_value=2100)
    foreword = forms.CharField(label=gettext_lazy("Foreword"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                               help_text=gettext_lazy("Optional: a word from the ministry, printed before the figures."))


class ApproveForm(forms.Form):
    generated_at = forms.CharField(widget=forms.HiddenInput)

    def clean_generated_at(self) -> datetime:
        value = parse_datetime(self.cleaned_data["generated_at"])
        if value is None:
            raise ValidationError(_("Reload the page and try again."))
        return value


class ReportPageMixin(RoleRequiredMixin):
    """Ministry staff who may see the annual report (complaints officers, statisticians, directors)."""

    allowed_roles = (Role.MINISTRY,)

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_perm("complaints.view_annualreport"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_report(self, year: int) -> AnnualReport:
        try:
            return reports.report_get(user=self.request.user, year=year)
        except AnnualReport.DoesNotExist:
            raise Http404

    def permissions(self) -> dict:
        return {"can_generate": self.request.user.has_perm(reports.GENERATE_PERMISSION),
                "can_approve": self.request.user.has_perm(reports.APPROVE_PERMISSION)}


class ReportListView(ReportPageMixin, View):
    template_name = "complaints/reports/list.html"

    def get(self, request):
        last_year = timezone.localdate().year - 1
        return self.render(GenerateForm(initial={"year": last_year}))

    def post(self, request):
        form = GenerateForm(request.POST)
        if form.is_valid():
            try:
                report = reports.annual_report_generate(year=form.cleaned_data["year"], actor=request.user,
                                                        foreword=form.cleaned_data["foreword"] or None)
            except ValidationError as e:
                _add_errors(form, e)
            else:
                messages.success(request, _("The figures for %(year)d were taken from the records.") % {"year": report.year})
                return redirect("complaint-report", year=report.year)
        return self.render(form, status=400)

    def render(self, form, status: int = 200):
        return render(self.request, self.template_name, {
            "form": form, "reports": reports.report_list(user=self.request.user), **self.permissions(),
        }, status=status)


class ReportDetailView(ReportPageMixin, View):
    template_name = "complaints/reports/detail.html"

    def get(self, request, year: int):
        return self.render(self.get_report(year))

    def render(self, report: AnnualReport, *, approve_errors=(), generate_form=None, status: int = 200):
        context = {
            **_report_context(report), **self.permissions(),
            # Always the version on screen now: after a refusal the director approves what they see.
            "approve_form": ApproveForm(initial={"generated_at": report.generated_at.isoformat()}),
            "approve_errors": list(approve_errors),
            "generate_form": generate_form or GenerateForm(initial={"year": report.year, "foreword": report.foreword}),
            "year_over": statistics.Period(report.year).is_over(timezone.localtime(report.generated_at).date()),
        }
        return render(self.request, self.template_name, context, status=status)


class ReportRegenerateView(ReportDetailView):
    def post(self, request, year: int):
        report = self.get_report(year)
        form = GenerateForm(request.POST)
        if form.is_valid() and form.cleaned_data["year"] != report.year:
            form.add_error("year", _("This page regenerates the report for %(year)d only.") % {"year": report.year})
        if form.is_valid():
            try:
                report = reports.annual_report_generate(year=report.year, actor=request.user,
                                                        foreword=form.cleaned_data["foreword"])
            except ValidationError as e:
                _add_errors(form, e)
            else:
                messages.success(request, _("The figures for %(year)d were taken again from the records.") % {
                    "year": report.year})
                return redirect("complaint-report", year=report.year)
        return self.render(report, generate_form=form, status=400)


class ReportApproveView(ReportDetailView):
    def post(self, request, year: int):
        report = self.get_report(year)
        form = ApproveForm(request.POST)
        if not form.is_valid():
            return self.render(report, approve_errors=[e for errors in form.errors.values() for e in errors], status=400)
        try:
            report = reports.annual_report_approve(report=report, actor=request.user,
                                                   generated_at=form.cleaned_data["generated_at"])
        except ValidationError as e:
            report.refresh_from_db()
            return self.render(report, approve_errors=e.messages, status=400)
        messages.success(request, _("The report for %(year)d is approved and published.") % {"year": report.year})
        return redirect("complaint-report", year=report.year)


class ReportPdfView(ReportPageMixin, View):
    """The PDF of a draft for review (marked as a draft), or of the published report."""

    def get(self, request, year: int):
        report = self.get_report(year)
        return pdf_response("pdf/annual_report.html", _report_context(report),
                            filename=f"complaints-annual-report-{report.year}-{report.status}.pdf", request=request)


def _add_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's ValidationError beside the field it names, or above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)
