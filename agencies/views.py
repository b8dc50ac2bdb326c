"""The agencies portal pages: the agency's own pages, the provincial dashboard and the public services.

Views parse input, resolve the user, call one service and shape the output.
Every read goes through ``agencies.selectors``; every write through
``agencies.services``, which raises ValidationError (shown next to the field it
names) or PermissionDenied (a 403).
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView

from migration_portal.core.scoping import Role, visible
from migration_portal.core.views_base import RoleRequiredMixin, ScopedObjectMixin
from migration_portal.reference.models import Sector

from . import selectors, services
from .choices import Grade
from .forms import (
    AdvertisementForm,
    LineFormSet,
    ReportCreateForm,
    ReportFiguresForm,
    ReportSubmitForm,
    ReportUploadForm,
    add_service_errors,
)
from .models import Advertisement, Agency, MonthlyReport
from .uploads import report_lines_from_file, template_csv

LINES_PREFIX = "lines"


# --- The agency's own pages ----------------------------------------------------------


class AgencyPageMixin(ScopedObjectMixin):
    """Pages for agency users only; every row is their own agency's (others' rows are a 404)."""

    allowed_roles = (Role.AGENCY,)

    def get_agency(self) -> Agency:
        if not hasattr(self, "_agency"):
            try:
                self._agency = selectors.agency_of(user=self.request.user)
            except Agency.DoesNotExist:
                raise Http404
        return self._agency


class AgencyDashboardView(AgencyPageMixin, TemplateView):
    template_name = "agencies/dashboard.html"
    model = Agency

    def get_context_data(self, **kwargs):
        try:
            dashboard = selectors.agency_dashboard(user=self.request.user, today=timezone.localdate())
        except Agency.DoesNotExist:
            raise Http404
        return super().get_context_data(dashboard=dashboard, agency=dashboard.agency, **kwargs)


class ReportListView(AgencyPageMixin, ListView):
    template_name = "agencies/report_list.html"
    model = MonthlyReport
    paginate_by = 24
    context_object_name = "reports"

    def get_queryset(self):
        return selectors.report_list(user=self.request.user)


class ReportCreateView(AgencyPageMixin, View):
    template_name = "agencies/report_new.html"
    model = MonthlyReport

    def get(self, request):
        last_month = services.month_start(services.month_start(timezone.localdate()) - timedelta(days=1))
        return self.render(ReportCreateForm(initial={"period": last_month}))

    def post(self, request):
        form = ReportCreateForm(request.POST)
        if form.is_valid():
            try:
                # Every refusal (month not ended, month already reported, licence
                # cancelled) is shown next to the month field.
                report = services.report_create(agency=self.get_agency(), period=form.cleaned_data["period"], actor=request.user)
            except ValidationError as exc:
                add_service_errors(form, exc, fallback="period")
            else:
                messages.success(request, _("Report for %(month)s opened. Enter the figures and save.") % {
                    "month": report.period.strftime("%Y-%m")})
                return redirect("agency-report", pk=report.pk)
        return self.render(form)

    def render(self, form):
        return render(self.request, self.template_name, {"form": form, "agency": self.get_agency()})


class ReportObjectMixin(AgencyPageMixin):
    """Pages of one report: it is read through the user's scope, so another agency's report is a 404."""

    model = MonthlyReport

    def get_report(self, pk: int) -> MonthlyReport:
        return get_object_or_404(selectors.report_list(user=self.request.user), pk=pk)

    def formset(self, report: MonthlyReport, data=None):
        choices = {
            "country_choices": selectors.country_choices(user=self.request.user),
            "sector_choices": selectors.sector_choices(user=self.request.user),
        }
        if data is not None:
            return LineFormSet(data, prefix=LINES_PREFIX, form_kwargs=choices)
        initial = selectors.report_line_initial(user=self.request.user, report=report)
        return LineFormSet(initial=initial, prefix=LINES_PREFIX, form_kwargs=choices)

    def render_report(self, report: MonthlyReport, *, figures_form=None, formset=None, upload_form=None, upload_errors=()):
        context = {"report": report, "upload_errors": list(upload_errors)}
        if report.is_editable:
            version = {"version": report.version}
            context.update(
                figures_form=figures_form or ReportFiguresForm(initial={
                    **version, "complaints_received": report.complaints_received,
                    "fees_charged": report.fees_charged, "notes": report.notes}),
                formset=formset or self.formset(report),
                upload_form=upload_form or ReportUploadForm(initial=version),
                submit_form=ReportSubmitForm(initial=version),
            )
        else:
            lines = list(selectors.report_lines(user=self.request.user, report=report))
            context.update(lines=lines, totals={f: sum(getattr(line, f) for line in lines) for f in
                                                ("recruited", "trained", "deployed", "returned", "abroad_end")})
        return render(self.request, "agencies/report_detail.html", context)


class ReportDetailView(ReportObjectMixin, View):
    """The report: an editable formset while draft or returned, read-only once submitted."""

    def get(self, request, pk: int):
        return self.render_report(self.get_report(pk))

    def post(self, request, pk: int):
        report = self.get_report(pk)
        if not report.is_editable:
            messages.error(request, _("This report is %(status)s and can no longer be changed.") % {
                "status": report.get_status_display()})
            return redirect("agency-report", pk=report.pk)
        figures_form = ReportFiguresForm(request.POST)
        formset = self.formset(report, data=request.POST)
        # Both are checked (no short circuit), so every error shows at once.
        figures_ok, lines_ok = figures_form.is_valid(), formset.is_valid()
        if figures_ok and lines_ok:
            data = figures_form.cleaned_data
            try:
                services.report_save(
                    report=report, actor=request.user, lines=formset.lines(),
                    complaints_received=data["complaints_received"], fees_charged=data["fees_charged"],
                    notes=data["notes"], version=data["version"],
                )
            except ValidationError as exc:
                # A concurrent edit, a licence cancelled meanwhile...: shown above the form.
                add_service_errors(figures_form, exc)
            else:
                messages.success(request, _("Figures saved."))
                return redirect("agency-report", pk=report.pk)
        return self.render_report(report, figures_form=figures_form, formset=formset)


class ReportSubmitView(ReportObjectMixin, View):
    def post(self, request, pk: int):
        report = self.get_report(pk)
        form = ReportSubmitForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("The page was out of date. Reload it and try again."))
            return redirect("agency-report", pk=report.pk)
        try:
            services.report_submit(report=report, actor=request.user, version=form.cleaned_data["version"])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("agency-report", pk=report.pk)
        messages.success(request, _("Report for %(month)s submitted to the Ministry.") % {
            "month": report.period.strftime("%Y-%m")})
        return redirect("agency-reports")


class ReportUploadView(ReportObjectMixin, View):
    """Replace the report's lines with those of a CSV or XLSX file: every row checked, all saved or none."""

    def post(self, request, pk: int):
        report = self.get_report(pk)
        form = ReportUploadForm(request.POST, request.FILES)
        if not report.is_editable:
            messages.error(request, _("This report is %(status)s and can no longer be changed.") % {
                "status": report.get_status_display()})
            return redirect("agency-report", pk=report.pk)
        upload_errors: list[str] = []
        if form.is_valid():
            try:
                lines = report_lines_from_file(form.cleaned_data["file"])
                services.report_save(
                    report=report, actor=request.user, lines=lines, complaints_received=report.complaints_received,
                    fees_charged=report.fees_charged, notes=report.notes, version=form.cleaned_data["version"],
                )
            except ValidationError as exc:
                upload_errors = exc.messages
            else:
                messages.success(request, _("%(n)d lines read from the file and saved.") % {"n": len(lines)})
                return redirect("agency-report", pk=report.pk)
        else:
            upload_errors = [e for errors in form.errors.values() for e in errors]
        return self.render_report(report, upload_form=form, upload_errors=upload_errors)


class ReportTemplateCsvView(AgencyPageMixin, View):
    model = MonthlyReport

    def get(self, request):
        response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="monthly-report-template.csv"'
        return response


class ReportSummaryView(AgencyPageMixin, TemplateView):
    """Quarterly, half-yearly and yearly figures, derived from the submitted monthly reports."""

    template_name = "agencies/report_summary.html"
    model = MonthlyReport

    def get_context_data(self, **kwargs):
        kind = self.request.GET.get("by", "quarter")
        if kind not in selectors.PERIOD_KINDS:
            kind = "quarter"
        kinds = [("quarter", _("Quarterly")), ("half", _("Half-yearly")), ("year", _("Yearly"))]
        return super().get_context_data(
            kind=kind, kinds=kinds, periods=selectors.report_period_totals(user=self.request.user, kind=kind), **kwargs
        )


class AdvertisementListView(AgencyPageMixin, ListView):
    template_name = "agencies/advertisement_list.html"
    model = Advertisement
    paginate_by = 25
    context_object_name = "advertisements"

    def get_queryset(self):
        return selectors.advertisement_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(agency=self.get_agency(), today=timezone.localdate(), **kwargs)


class AdvertisementCreateView(AgencyPageMixin, View):
    template_name = "agencies/advertisement_new.html"
    model = Advertisement

    def form(self, data=None):
        agency = self.get_agency()
        return AdvertisementForm(
            data,
            countries=agency.authorised_countries.order_by("name"),
            sectors=visible(Sector, self.request.user).order_by("name"),
        )

    def get(self, request):
        return self.render(self.form())

    def post(self, request):
        form = self.form(request.POST)
        if form.is_valid():
            try:
                ad = services.advertisement_submit(agency=self.get_agency(), actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Advertisement “%(title)s” sent to the Ministry for approval.") % {"title": ad.title})
                return redirect("agency-advertisements")
        return self.render(form)

    def render(self, form):
        return render(self.request, self.template_name, {"form": form, "agency": self.get_agency()})


# --- Provincial officers ---------------------------------------------------------------


class ProvinceDashboardView(RoleRequiredMixin, ListView):
    """The officer's province: the agencies with their head office there and their licence status."""

    allowed_roles = (Role.PROVINCE,)
    template_name = "agencies/province_dashboard.html"
    paginate_by = 50
    context_object_name = "agencies"

    def get_queryset(self):
        return selectors.province_agencies(user=self.request.user, today=timezone.localdate())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(
            province=self.request.user.province, status_counts=selectors.province_status_counts(user=self.request.user),
            **kwargs,
        )
        for agency in context["agencies"]:
            agency.public_status = selectors.public_status(agency.licence_status)
        return context


# --- The public ------------------------------------------------------------------------


class PublicLicenceListView(ListView):
    """Is this agency licensed? Search by name (English or Khmer) or licence number."""

    template_name = "public/licence_list.html"
    paginate_by = 25
    context_object_name = "agencies"

    def get_queryset(self):
        self.query = self.request.GET.get("q", "").strip()[:100]
        return selectors.public_licence_search(query=self.query, today=timezone.localdate())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(query=self.query, **kwargs)
        context["query_string"] = urlencode({"q": self.query}) if self.query else ""
        for agency in context["agencies"]:
            agency.public_status = selectors.public_status(agency.licence_status)
        return context


class PublicLicenceDetailView(TemplateView):
    template_name = "public/licence_detail.html"

    def get_context_data(self, number: str, **kwargs):
        try:
            agency = selectors.public_agency(licence_number=number, today=timezone.localdate())
        except Agency.DoesNotExist:
            raise Http404
        agency.public_status = selectors.public_status(agency.licence_status)
        return super().get_context_data(agency=agency, **kwargs)


class AdvertisementVerifyView(TemplateView):
    template_name = "public/advertisement_verify.html"

    def get_context_data(self, **kwargs):
        code = self.request.GET.get("code", "").strip()[:40]
        check = selectors.advertisement_verify(code=code, today=timezone.localdate()) if code else None
        return super().get_context_data(code=code, check=check, **kwargs)


class PublicRankingView(TemplateView):
    template_name = "public/rankings.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(rows=selectors.public_ranking(), grades=Grade.choices, **kwargs)

