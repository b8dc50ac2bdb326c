"""Portal pages for return and reintegration (policy goal 16).

Provincial officers (their province only): register a returnee (found in the
register or recorded on the spot), the list of returns, a bulk import for surges,
the reintegration cases with their needs assessment, referrals, outcomes and
closing, the work certificate, and the returns expected in the coming weeks.
Agencies: the returns of their own workers, and registering one as the assisting
agency. Agencies never see reintegration cases.

Views parse input, resolve the user, call one service and shape the output. Every
row is read through ``visible``; a row outside the user's scope is a 404.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, Q
from django.db.models.functions import TruncMonth
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView

from agencies.models import Agency
from migration_portal.core.events import events_for
from migration_portal.core.models import AccessChannel, BackgroundJob
from migration_portal.core.pdf import pdf_response
from migration_portal.core.scoping import Role, scope_for, visible
from migration_portal.core.views_base import RoleRequiredMixin, ScopedObjectMixin
from migration_portal.reference.models import Checkpoint, Country, Province

from .. import services
from ..certificates import work_certificate_export_log, work_certificate_issue
from ..choices import OUT_OF_COUNTRY, CaseStatus, DeploymentStatus, ReferralKind
from ..forms.returns import (
    AssessmentForm,
    CertificateForm,
    CloseForm,
    ExpectedReturnsForm,
    ImportForm,
    OutcomeForm,
    ReferralForm,
    ReturnForm,
    ReturnPageFilterSet,
    WorkerOnTheSpotForm,
    WorkerSearchForm,
    add_service_errors,
    reference_choices,
)
from ..jobs import assessment_due_by, assessment_is_overdue, assessment_overdue_q, expected_returns, threshold
from ..models import Deployment, Referral, ReintegrationCase, ReturnRecord, WorkCertificate, Worker
from ..returns_import import JOB_KIND, returns_import_start, template_csv

SEARCH_LIMIT = 20


def require_perm(user, *perms: str) -> None:
    if not all(user.has_perm(p) for p in perms):
        raise PermissionDenied(_("You are not allowed to do this."))


class ProvincePageMixin(ScopedObjectMixin):
    """Pages for provincial officers only (an agency or the public gets 403, the anonymous the login page)."""

    allowed_roles = (Role.PROVINCE,)


class ReturnsPageMixin(ScopedObjectMixin):
    """Pages shared by provincial officers and agencies; each sees its own rows."""

    allowed_roles = (Role.PROVINCE, Role.AGENCY)

    @property
    def is_agency(self) -> bool:
        return self.scope.role is Role.AGENCY

    def url_name(self, name: str) -> str:
        return f"agency-{name}" if self.is_agency else name


# --- Returns ----------------------------------------------------------------------------------


class ReturnListView(ReturnsPageMixin, ListView):
    """Returns registered for the province (or, for an agency, of its workers), with filters."""

    model = ReturnRecord
    template_name = "workers/returns/list.html"
    context_object_name = "returns"
    paginate_by = 50

    def get_queryset(self):
        qs = (
            super()
            .get_queryset()
            .select_related(
                "worker",
                "worker__home_province",
                "country",
                "checkpoint",
                "province",
                "assisting_agency",
                "deployment__agency",
            )
        )
        if not self.is_agency:
            # Cases are the province's; an agency's list never joins them.
            qs = qs.select_related("case")
        self.filterset = ReturnPageFilterSet(
            self.request.GET or None,
            queryset=qs,
            countries=[(c.code, c.name) for c in visible(Country, self.request.user).order_by("name")],
            checkpoints=[(c.code, c.name) for c in visible(Checkpoint, self.request.user).order_by("name")],
        )
        return self.filterset.qs if self.filterset.is_bound and self.filterset.is_valid() else qs

    def get_context_data(self, **kwargs):
        params = self.request.GET.copy()
        params.pop("page", None)
        return super().get_context_data(
            filter=self.filterset,
            query_string=params.urlencode(),
            is_agency=self.is_agency,
            province_id=self.scope.province_id,
            **kwargs,
        )


def find_returnees(user, *, identifier: str = "", name_latin: str = "", date_of_birth=None):
    """Registered workers who may be this returnee: exact matches only.

    By identifier, through the keyed hash (``services.worker_lookup``), never by
    decrypting; by name and date of birth, exactly (case aside). An agency finds only
    its own workers. A provincial officer finds exact matches in the whole register:
    border reception receives workers from every province, and a returnee already
    registered elsewhere must be found, not registered twice (``services.worker_register``
    would refuse the duplicate, and the officer would be stuck). Only exact matches, and
    of them only the name, date of birth, home province and masked identifiers are shown.
    """
    qs = Worker.objects.none()
    if identifier:
        qs = services.worker_lookup(national_id=identifier) | services.worker_lookup(passport_number=identifier)
    if name_latin and date_of_birth:
        qs = qs | Worker.objects.filter(date_of_birth=date_of_birth, name_latin__iexact=" ".join(name_latin.split()))
    if scope_for(user).role is Role.AGENCY:
        qs = visible(qs, user)
    return list(qs.select_related("home_province").order_by("name_latin", "pk")[:SEARCH_LIMIT])


class ReturnFindView(ReturnsPageMixin, View):
    """Step 1 of registering a return: find the worker, or (officers) record them on the spot."""

    model = ReturnRecord
    template_name = "workers/returns/find.html"

    def get(self, request):
        form = WorkerSearchForm(request.GET or None)
        results = None
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            results = find_returnees(
                request.user, identifier=data["identifier"], name_latin=data["name_latin"], date_of_birth=data["date_of_birth"]
            )
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "results": results,
                "is_agency": self.is_agency,
                "new_url": self.url_name("returns-new"),
            },
        )


class ReturnFormMixin(ReturnsPageMixin):
    def return_form(self, data=None, initial=None) -> ReturnForm:
        choices = reference_choices(self.request.user)
        agencies = None
        if not self.is_agency:
            agencies = [(a.pk, a.name) for a in visible(Agency, self.request.user).order_by("name").only("pk", "name")]
        return ReturnForm(data, initial=initial, agencies=agencies, **choices)

    def return_kwargs(self, form: ReturnForm) -> dict:
        data = form.cleaned_data
        user = self.request.user
        kwargs = {
            "returned_on": data["returned_on"],
            "reason": data["reason"],
            "country": get_object_or_404(visible(Country, user), pk=data["country"]),
            "province": get_object_or_404(visible(Province, user), pk=data["province"]),
            "checkpoint": get_object_or_404(visible(Checkpoint, user), pk=data["checkpoint"]) if data["checkpoint"] else None,
            "documents": data["documents"],
            "needs_assistance": data["needs_assistance"],
        }
        if self.is_agency:
            kwargs["assisting_agency"] = visible(Agency, user).get(pk=self.scope.agency_id)
        elif data.get("assisting_agency"):
            kwargs["assisting_agency"] = get_object_or_404(visible(Agency, user), pk=data["assisting_agency"])
        return kwargs

    def after_success(self, record: ReturnRecord):
        messages.success(
            self.request,
            _("Return of %(worker)s on %(date)s registered.") % {"worker": record.worker.name_latin, "date": record.returned_on},
        )
        if record.needs_assistance and not self.is_agency and record.province_id == self.scope.province_id:
            messages.info(self.request, _("A reintegration case was opened: assess the returnee's needs."))
        if self.is_agency:
            return redirect("agency-returns-list")
        if visible(ReturnRecord, self.request.user).filter(pk=record.pk).exists():
            return redirect("returns-detail", pk=record.pk)
        return redirect("returns-list")  # returning to another province: that province follows them up


class ReturnCreateView(ReturnFormMixin, View):
    """Step 2: the return of a worker found in the register."""

    model = ReturnRecord
    template_name = "workers/returns/new.html"

    def get_worker(self, ref) -> Worker:
        # An agency registers only its own workers' returns. An officer reaches any worker
        # an exact lookup found (see find_returnees); the reference is an unguessable UUID.
        qs = Worker.objects.select_related("home_province")
        if self.is_agency:
            qs = visible(qs, self.request.user)
        return get_object_or_404(qs, ref=ref)

    def open_deployments(self, worker):
        return list(
            visible(Deployment, self.request.user)
            .filter(worker=worker, status__in=OUT_OF_COUNTRY)
            .select_related("country", "agency")
            .order_by("-created")
        )

    def get(self, request, worker_ref):
        worker = self.get_worker(worker_ref)
        deployments = self.open_deployments(worker)
        initial = {"province": worker.home_province_id if self.is_agency else self.scope.province_id}
        if deployments:
            initial["country"] = deployments[0].country_id
        return self.render(worker, self.return_form(initial=initial), deployments)

    def post(self, request, worker_ref):
        require_perm(request.user, "workers.add_returnrecord")
        worker = self.get_worker(worker_ref)
        form = self.return_form(request.POST)
        if form.is_valid():
            try:
                record = services.return_register(worker=worker, actor=request.user, **self.return_kwargs(form))
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return self.after_success(record)
        return self.render(worker, form, self.open_deployments(worker))

    def render(self, worker, form, deployments):
        return render(
            self.request,
            self.template_name,
            {
                "worker": worker,
                "form": form,
                "deployments": deployments,
                "is_agency": self.is_agency,
            },
        )


class _RollbackError(Exception):
    """Undo the worker just recorded when the return itself is refused."""


class ReturnPersonCreateView(ReturnFormMixin, View):
    """A returnee in no record yet: the person and the return, saved together or not at all."""

    allowed_roles = (Role.PROVINCE,)
    model = ReturnRecord
    template_name = "workers/returns/new_person.html"

    def worker_form(self, data=None):
        return WorkerOnTheSpotForm(
            data,
            prefix="person",
            provinces=reference_choices(self.request.user)["provinces"],
            initial={"home_province": self.scope.province_id},
        )

    def get(self, request):
        return self.render(self.worker_form(), self.return_form(initial={"province": self.scope.province_id}))

    def post(self, request):
        require_perm(request.user, "workers.add_worker", "workers.add_returnrecord")
        person, form = self.worker_form(request.POST), self.return_form(request.POST)
        person_ok, return_ok = person.is_valid(), form.is_valid()  # both checked: every error shows at once
        if person_ok and return_ok:
            record = None
            try:
                with transaction.atomic():
                    worker = services.worker_register(
                        actor=request.user,
                        fields=person.worker_fields(),
                        confirm_not_duplicate=person.cleaned_data["confirm_not_duplicate"],
                    )
                    try:
                        record = services.return_register(worker=worker, actor=request.user, **self.return_kwargs(form))
                    except ValidationError as exc:
                        add_service_errors(form, exc)
                        raise _RollbackError from exc
            except ValidationError as exc:
                add_service_errors(person, exc)
            except _RollbackError:
                pass
            if record is not None:
                return self.after_success(record)
        return self.render(person, form)

    def render(self, person, form):
        possible_duplicate = any(e.code == "possible_duplicate" for e in person.errors.as_data().get("name_latin", []))
        return render(
            self.request, self.template_name, {"person": person, "form": form, "possible_duplicate": possible_duplicate}
        )


class ReturnDetailView(ProvincePageMixin, View):
    """One return: the worker, the stay abroad it ended, its case and the work certificate."""

    model = ReturnRecord
    template_name = "workers/returns/detail.html"

    def get_record(self, pk) -> ReturnRecord:
        return get_object_or_404(
            self.get_queryset().select_related(
                "worker",
                "worker__home_province",
                "country",
                "checkpoint",
                "province",
                "assisting_agency",
                "registered_by",
                "deployment",
                "deployment__agency",
                "deployment__country",
                "deployment__employer",
                "case",
            ),
            pk=pk,
        )

    def certificate_of(self, record):
        if record.deployment_id is None:
            return None
        return visible(WorkCertificate, self.request.user).filter(deployment_id=record.deployment_id).first()

    def get(self, request, pk):
        record = self.get_record(pk)
        return self.render(record, self.certificate_form(record))

    def certificate_form(self, record, data=None):
        if record.deployment_id is None or record.deployment.status != DeploymentStatus.RETURNED:
            return None
        return CertificateForm(data, initial={"occupation": record.deployment.occupation})

    def render(self, record, certificate_form):
        certificate = self.certificate_of(record)
        case = getattr(record, "case", None) if record.needs_assistance else None
        return render(
            self.request,
            self.template_name,
            {
                "record": record,
                "certificate": certificate,
                "certificate_form": None if certificate else certificate_form,
                "needs_worked_from": record.deployment_id is not None and record.deployment.departed_on is None,
                "case": case if case is not None and case.province_id == self.scope.province_id else None,
            },
        )


class WorkCertificateIssueView(ReturnDetailView):
    """Issue the certificate recognising the work done abroad (policy 16.1)."""

    def get(self, request, pk):
        return redirect("returns-detail", pk=pk)

    def post(self, request, pk):
        record = self.get_record(pk)
        form = self.certificate_form(record, request.POST)
        if form is None:
            messages.error(request, _("No completed stay abroad is linked to this return, so no certificate can be issued."))
            return redirect("returns-detail", pk=pk)
        if form.is_valid():
            try:
                cert = work_certificate_issue(deployment=record.deployment, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Work certificate %(number)s issued.") % {"number": cert.number})
                return redirect("returns-detail", pk=pk)
        return self.render(record, form)


class WorkCertificatePdfView(RoleRequiredMixin, View):
    """The certificate as a PDF, for anyone who may see the worker's record."""

    allowed_roles = (Role.PROVINCE, Role.AGENCY, Role.MINISTRY)

    def get(self, request, number):
        cert = get_object_or_404(
            visible(WorkCertificate, request.user).select_related(
                "worker",
                "worker__home_province",
                "deployment",
                "deployment__country",
                "deployment__employer",
                "deployment__agency",
                "deployment__sector",
                "issued_by",
            ),
            number=number,
        )
        work_certificate_export_log(cert=cert, actor=request.user, channel=AccessChannel.PAGE)
        return pdf_response(
            "pdf/work_certificate.html",
            {"cert": cert, "worker": cert.worker, "deployment": cert.deployment},
            filename=f"{cert.number}.pdf",
            request=request,
        )


# --- Bulk import ------------------------------------------------------------------------------


class ReturnImportView(RoleRequiredMixin, View):
    """A file of returnees (a surge at the border): checked whole, then saved whole, in the background."""

    allowed_roles = (Role.PROVINCE, Role.MINISTRY)
    template_name = "workers/returns/import.html"

    def get(self, request):
        return self.render(ImportForm())

    def post(self, request):
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = returns_import_start(actor=request.user, upload=form.cleaned_data["file"])
            except ValidationError as exc:
                add_service_errors(form, exc, fallback="file")
            else:
                return redirect("job-detail", pk=job.pk)
        return self.render(form)

    def render(self, form):
        jobs = visible(BackgroundJob, self.request.user).filter(kind=JOB_KIND, created_by=self.request.user)[:10]
        return render(
            self.request, self.template_name, {"form": form, "jobs": jobs, "days": threshold("CASE_ASSESSMENT_REMIND_DAYS")}
        )


class ReturnImportTemplateView(RoleRequiredMixin, View):
    allowed_roles = (Role.PROVINCE, Role.MINISTRY)

    def get(self, request):
        response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="returnees-template.csv"'
        return response


# --- Expected returns -------------------------------------------------------------------------


class ExpectedReturnsView(ProvincePageMixin, ListView):
    """The province's workers abroad whose contract ends in the coming days, by month."""

    model = Deployment
    template_name = "workers/returns/expected.html"
    context_object_name = "deployments"
    paginate_by = 100

    def get_days(self) -> int:
        form = ExpectedReturnsForm(self.request.GET)
        if form.is_valid() and form.cleaned_data["days"]:
            return form.cleaned_data["days"]
        return threshold("EXPECTED_RETURN_DAYS")

    def get_queryset(self):
        self.days = self.get_days()
        self.today = timezone.localdate()
        self.base = expected_returns(
            super().get_queryset().filter(worker__home_province=self.scope.province_id), today=self.today, days=self.days
        )
        return self.base.select_related("worker", "agency", "country", "employer", "sector").order_by("contract_end", "pk")

    def get_context_data(self, **kwargs):
        months = list(
            self.base.order_by()
            .annotate(month=TruncMonth("contract_end"))
            .values("month")
            .annotate(n=Count("pk"))
            .order_by("month")
        )
        return super().get_context_data(
            days=self.days,
            today=self.today,
            until=self.today + timedelta(days=self.days),
            months=months,
            total=sum(m["n"] for m in months),
            query_string=urlencode({"days": self.days}),
            **kwargs,
        )


# --- Reintegration cases ------------------------------------------------------------------------


class CaseListView(ProvincePageMixin, ListView):
    """The province's reintegration cases; those not assessed in time come first on the 'open' tab."""

    model = ReintegrationCase
    template_name = "workers/returns/case_list.html"
    context_object_name = "cases"
    paginate_by = 50
    TABS = ("open", "assessed", "closed", "overdue", "all")

    def get_queryset(self):
        self.tab = self.request.GET.get("status", "open")
        if self.tab not in self.TABS:
            self.tab = "open"
        qs = (
            super()
            .get_queryset()
            .select_related(
                "worker",
                "worker__home_province",
                "return_record",
                "return_record__country",
                "officer",
            )
            .annotate(
                is_overdue=ExpressionWrapper(assessment_overdue_q(), output_field=BooleanField()),
                pending_referrals=Count("referrals", filter=Q(referrals__outcome="")),
                referral_count=Count("referrals"),
            )
        )
        if self.tab == "overdue":
            qs = qs.filter(assessment_overdue_q())
        elif self.tab != "all":
            qs = qs.filter(status=self.tab)
        return qs.order_by("created", "pk") if self.tab in ("open", "overdue") else qs.order_by("-created", "-pk")

    def get_context_data(self, **kwargs):
        counts = dict(super().get_queryset().order_by().values("status").annotate(n=Count("pk")).values_list("status", "n"))
        context = super().get_context_data(tab=self.tab, counts=counts, query_string=urlencode({"status": self.tab}), **kwargs)
        for case in context["cases"]:
            case.due_by = assessment_due_by(case.created)
        return context


class CaseMixin(ProvincePageMixin):
    model = ReintegrationCase
    template_name = "workers/returns/case_detail.html"

    def get_case(self, ref) -> ReintegrationCase:
        return get_object_or_404(
            self.get_queryset().select_related(
                "worker",
                "worker__home_province",
                "officer",
                "province",
                "return_record",
                "return_record__country",
                "return_record__checkpoint",
                "return_record__assisting_agency",
                "return_record__deployment",
                "return_record__deployment__agency",
                "return_record__deployment__country",
            ),
            ref=ref,
        )

    def render_case(self, case, **forms):
        referrals = list(visible(Referral, self.request.user).filter(case=case).order_by("referred_on", "pk"))
        pending = [r for r in referrals if not r.outcome]
        outcome_forms = forms.pop("outcome_forms", {})
        for r in pending:
            r.outcome_form = outcome_forms.get(r.pk) or OutcomeForm(prefix=f"r{r.pk}")
        open_case = case.status != CaseStatus.CLOSED
        due_by = assessment_due_by(case.created)
        context = {
            "case": case,
            "worker": case.worker,
            "record": case.return_record,
            "referrals": referrals,
            "needs_labels": [ReferralKind(n).label for n in case.needs if n in ReferralKind.values],
            "assessment_form": forms.get("assessment_form")
            or (AssessmentForm(initial={"needs": case.needs, "notes": case.assessment_notes}) if open_case else None),
            "referral_form": forms.get("referral_form") or (ReferralForm() if case.status == CaseStatus.ASSESSED else None),
            "close_form": forms.get("close_form") or (CloseForm() if case.status == CaseStatus.ASSESSED else None),
            "can_close": case.status == CaseStatus.ASSESSED and not pending,
            "due_by": due_by,
            "is_overdue": assessment_is_overdue(case),
            "timeline": list(events_for(case)[:30]),
        }
        return render(self.request, self.template_name, context)


class CaseDetailView(CaseMixin, View):
    def get(self, request, ref):
        return self.render_case(self.get_case(ref))


class CaseAssessView(CaseMixin, View):
    def post(self, request, ref):
        require_perm(request.user, "workers.change_reintegrationcase")
        case = self.get_case(ref)
        form = AssessmentForm(request.POST)
        if form.is_valid():
            try:
                services.case_assess(
                    case=case,
                    actor=request.user,
                    needs=form.cleaned_data["needs"],
                    notes=form.cleaned_data["notes"],
                    assessed_on=form.cleaned_data["assessed_on"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Needs assessment saved. Refer the returnee to the services they need."))
                return redirect("case-detail", ref=case.ref)
        return self.render_case(case, assessment_form=form)


class ReferralAddView(CaseMixin, View):
    def post(self, request, ref):
        require_perm(request.user, "workers.add_referral")
        case = self.get_case(ref)
        form = ReferralForm(request.POST)
        if form.is_valid():
            try:
                services.referral_add(case=case, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Referral recorded."))
                return redirect("case-detail", ref=case.ref)
        return self.render_case(case, referral_form=form)


class ReferralOutcomeView(CaseMixin, View):
    def post(self, request, ref, referral_pk):
        require_perm(request.user, "workers.change_referral")
        case = self.get_case(ref)
        referral = get_object_or_404(visible(Referral, request.user).filter(case=case), pk=referral_pk)
        form = OutcomeForm(request.POST, prefix=f"r{referral.pk}")
        if referral.outcome:
            messages.error(request, _("The outcome of this referral is already recorded."))
            return redirect("case-detail", ref=case.ref)
        if form.is_valid():
            try:
                services.referral_outcome(
                    referral=referral,
                    actor=request.user,
                    outcome=form.cleaned_data["outcome"],
                    outcome_on=form.cleaned_data["outcome_on"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Outcome recorded."))
                return redirect("case-detail", ref=case.ref)
        return self.render_case(case, outcome_forms={referral.pk: form})


class CaseCloseView(CaseMixin, View):
    def post(self, request, ref):
        require_perm(request.user, "workers.change_reintegrationcase")
        case = self.get_case(ref)
        form = CloseForm(request.POST)
        if form.is_valid():
            try:
                services.case_close(case=case, actor=request.user, note=form.cleaned_data["note"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Case closed."))
                return redirect("case-detail", ref=case.ref)
        return self.render_case(case, close_form=form)
