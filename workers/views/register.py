"""The worker register's portal pages: workers, deployments, job orders, sending suspensions.

For agency users (their own workers and deployments) and provincial officers (their
province's workers: from it or returning to it); ministry staff work in the admin but
may open the read pages. Every read goes through ``workers.selectors`` (scoped by
``visible``: another agency's or province's row is a 404), every write through one
function of ``workers.services``. A service's ValidationError is shown beside the
field it names, or, for a refused transition, as the list of every rule that failed;
its PermissionDenied is a 403.

Identifiers are masked everywhere. Users with ``workers.view_worker_identifiers``
get a button that POSTs, calls ``services.worker_identifiers`` (which writes the
access log) and shows them on that one response, which the browser must not cache.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import ListView

from agencies.models import Agency
from migration_portal.core.models import AccessChannel
from migration_portal.core.scoping import Role, visible
from migration_portal.core.views_base import ScopedObjectMixin
from migration_portal.reference.models import Checkpoint, Country, Province, Sector

from .. import selectors, services
from ..choices import DEPLOYMENT_TRANSITIONS, Channel, DeploymentStatus, KeyProtection, PlacementArticle
from ..filters import DeploymentFilterSet, WorkerFilterSet
from ..forms.register import (
    DIFFERENCE_LABELS,
    AgencyDeploymentForm,
    EmploymentContractForm,
    IrregularDeploymentForm,
    JobOrderForm,
    LegalStatusForm,
    PlacementContractForm,
    TransitionForm,
    WorkerForm,
    add_service_errors,
    duplicate_messages,
    error_codes,
)
from ..models import Deployment, Employer, JobOrder, SendingSuspension, Worker

ALL_ROLES = (Role.AGENCY, Role.PROVINCE, Role.MINISTRY)
FIELD_ROLES = (Role.AGENCY, Role.PROVINCE)

# The transitions a page offers, in the order of the lifecycle. "Returned" is not
# among them: a return is registered with its date, reason and checkpoint
# (services.return_register), which closes the deployment.
PAGE_TRANSITIONS = (
    DeploymentStatus.TRAINED,
    DeploymentStatus.CONTRACT_APPROVED,
    DeploymentStatus.DEPARTED,
    DeploymentStatus.ABROAD,
    DeploymentStatus.CANCELLED,
)
TRANSITION_LABELS = {
    DeploymentStatus.TRAINED: gettext_lazy("Mark training done"),
    DeploymentStatus.CONTRACT_APPROVED: gettext_lazy("Mark contracts approved"),
    DeploymentStatus.DEPARTED: gettext_lazy("Record departure"),
    DeploymentStatus.ABROAD: gettext_lazy("Mark working abroad"),
    DeploymentStatus.CANCELLED: gettext_lazy("Cancel deployment"),
}
EVENT_LABELS = {
    "worker.registered": gettext_lazy("Worker registered"),
    "worker.updated": gettext_lazy("Record updated"),
    "deployment.registered": gettext_lazy("Deployment registered"),
    "deployment.trained": gettext_lazy("Pre-departure training done"),
    "deployment.contract_approved": gettext_lazy("Contracts approved"),
    "deployment.departed": gettext_lazy("Departed"),
    "deployment.abroad": gettext_lazy("Working abroad"),
    "deployment.returned": gettext_lazy("Returned"),
    "deployment.cancelled": gettext_lazy("Cancelled"),
    "deployment.legal_status": gettext_lazy("Legal status recorded"),
    "contract.placement_submitted": gettext_lazy("Job-placement contract submitted"),
    "contract.employment_submitted": gettext_lazy("Employment contract submitted"),
    "contract.substitution_accepted": gettext_lazy("Differences from the job order accepted"),
    "contract.approved": gettext_lazy("Contract approved"),
    "contract.rejected": gettext_lazy("Contract rejected"),
}


def label_events(events):
    """Give each event its human label (the code stays for unknown ones)."""
    for event in events:
        event.label = EVENT_LABELS.get(event.code, event.code)
    return events


def query_string(request) -> str:
    """The list's filters, for the pagination links (without the page number)."""
    return urlencode([(k, v) for k, values in request.GET.lists() if k != "page" for v in values])


class RegisterPageMixin(ScopedObjectMixin):
    """Role first (``allowed_roles``), then the Django permission the API maps the same
    action to (``permission``), so a page never allows what the API refuses."""

    allowed_roles = ALL_ROLES
    permission: str | None = None

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.permission and not request.user.has_perm(self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @property
    def role(self) -> Role:
        return self.scope.role

    def get_worker(self, ref) -> Worker:
        try:
            return selectors.worker_get(user=self.request.user, ref=ref)
        except Worker.DoesNotExist:
            raise Http404(_("No such worker among those you may see."))

    def get_deployment(self, ref) -> Deployment:
        try:
            return selectors.deployment_get(user=self.request.user, ref=ref)
        except Deployment.DoesNotExist:
            raise Http404(_("No such deployment among those you may see."))

    def get_agency(self) -> Agency | None:
        if not hasattr(self, "_agency"):
            self._agency = selectors.acting_agency(user=self.request.user)
        return self._agency


# --- Workers ---------------------------------------------------------------------------------


class WorkerListView(RegisterPageMixin, ListView):
    """Search by name (Latin or Khmer) or by an exact identifier, and filter."""

    template_name = "workers/register/worker_list.html"
    model = Worker
    permission = "workers.view_worker"
    paginate_by = 25
    context_object_name = "workers"

    def get_queryset(self):
        self.filterset = WorkerFilterSet(self.request.GET, request=self.request)
        if self.role is Role.AGENCY:
            del self.filterset.filters["agency"]  # an agency sees only its own anyway
        return selectors.worker_list(user=self.request.user, filters=self.filterset)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(
            filter_form=self.filterset.form, query_string=query_string(self.request),
            can_register=self.role in FIELD_ROLES and self.request.user.has_perm("workers.add_worker"), **kwargs,
        )
        for worker in context["workers"]:  # the page's rows, read once; the template reuses them
            worker.latest_status_label = DeploymentStatus(worker.latest_status).label if worker.latest_status else ""
        return context


class WorkerDetailView(RegisterPageMixin, View):
    """The worker's record: masked identifiers, deployments with their timelines and
    legal-status history, certificates, returns."""

    model = Worker
    permission = "workers.view_worker"
    template_name = "workers/register/worker_detail.html"

    def get(self, request, ref):
        return self.render_file(self.get_worker(ref))

    def render_file(self, worker: Worker, identifiers: dict | None = None):
        user = self.request.user
        file = selectors.worker_file(user=user, worker=worker)
        label_events(file.events)
        for deployment in file.deployments:
            deployment.timeline = label_events(file.deployment_events.get(deployment.pk, []))
        context = {
            "worker": worker,
            "file": file,
            "identifiers": identifiers,
            "can_see_identifiers": user.has_perm("workers.view_worker_identifiers"),
            "can_edit": self.role in FIELD_ROLES and user.has_perm("workers.change_worker"),
            "can_deploy": self.role in FIELD_ROLES and user.has_perm("workers.add_deployment"),
        }
        response = render(self.request, self.template_name, context)
        if identifiers is not None:
            add_never_cache_headers(response)
        return response


class WorkerIdentifiersView(WorkerDetailView):
    """POST only: the unmasked identifiers, once, on this response; the read is logged."""

    permission = "workers.view_worker_identifiers"
    http_method_names = ["post"]

    def post(self, request, ref):
        worker = self.get_worker(ref)  # the CSRF token is the only thing posted
        identifiers = services.worker_identifiers(worker=worker, actor=request.user, channel=AccessChannel.PAGE)
        return self.render_file(worker, identifiers=identifiers)


class WorkerFormMixin(RegisterPageMixin):
    allowed_roles = FIELD_ROLES
    template_name = "workers/register/worker_form.html"
    model = Worker

    def make_form(self, data=None, worker=None, initial=None):
        return WorkerForm(data, provinces=visible(Province.objects.order_by("name"), self.request.user), worker=worker,
                          initial=initial)

    def render_form(self, form, *, worker=None, duplicates=None, status=200):
        return render(self.request, self.template_name, {"form": form, "worker": worker, "duplicates": duplicates},
                      status=status)


class WorkerRegisterView(WorkerFormMixin, View):
    """Register a worker. The same ID or passport is refused, with a link to the record
    if the user may see it; the same name and date of birth asks for confirmation that
    this is a different person, showing the records it may be."""

    permission = "workers.add_worker"

    def get(self, request):
        initial = {"home_province": request.user.province_id} if self.role is Role.PROVINCE else None
        return self.render_form(self.make_form(initial=initial))

    def post(self, request):
        form = self.make_form(request.POST)
        duplicates = None
        if form.is_valid():
            fields = form.fields_for_service()
            try:
                worker = services.worker_register(
                    actor=request.user, fields=fields, confirm_not_duplicate=form.cleaned_data["confirm_not_duplicate"],
                )
            except ValidationError as exc:
                codes = error_codes(exc)
                if codes & {"duplicate", "possible_duplicate"}:
                    duplicates = selectors.worker_duplicates(user=request.user, **_duplicate_keys(fields))
                    _duplicate_errors(form, exc, duplicates)
                else:
                    add_service_errors(form, exc)
            else:
                return self.registered(worker)
        return self.render_form(form, duplicates=duplicates)

    def registered(self, worker: Worker):
        try:
            selectors.worker_get(user=self.request.user, ref=worker.ref)
        except Worker.DoesNotExist:
            # An officer registered someone from another province (met at intake): the record
            # is kept, and belongs to that province's officers from now on.
            messages.success(self.request, _("%(name)s is registered. The record belongs to %(province)s; its officers "
                                             "follow it up.") % {"name": worker.display_name,
                                                                 "province": worker.home_province})
            return redirect("worker-list")
        messages.success(self.request, _("%(name)s is registered.") % {"name": worker.display_name})
        return redirect("worker-detail", ref=worker.ref)


def _duplicate_keys(fields: dict) -> dict:
    return {k: fields.get(k) for k in ("name_latin", "date_of_birth", "national_id", "passport_number")}


def _duplicate_errors(form: WorkerForm, exc: ValidationError, duplicates: selectors.DuplicateReport) -> None:
    for name, msgs in duplicate_messages(exc, duplicates).items():
        for message in msgs:
            form.add_error(name if name in form.fields else None, message)


class WorkerEditView(WorkerFormMixin, View):
    permission = "workers.change_worker"

    def initial(self, worker: Worker) -> dict:
        plain = ("name_latin", "name_km", "sex", "date_of_birth", "passport_expiry", "district", "commune", "village",
                 "next_of_kin_name", "next_of_kin_relation", "education", "skills")
        return {"home_province": worker.home_province_id, **{f: getattr(worker, f) for f in plain}}

    def get(self, request, ref):
        worker = self.get_worker(ref)
        return self.render_form(self.make_form(worker=worker, initial=self.initial(worker)), worker=worker)

    def post(self, request, ref):
        worker = self.get_worker(ref)
        form = self.make_form(request.POST, worker=worker)
        if form.is_valid():
            try:
                services.worker_update(worker=worker, actor=request.user, fields=form.fields_for_service())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The record was saved."))
                return redirect("worker-detail", ref=worker.ref)
        return self.render_form(form, worker=worker)


# --- Deployments -------------------------------------------------------------------------------


class DeploymentListView(RegisterPageMixin, ListView):
    template_name = "workers/register/deployment_list.html"
    model = Deployment
    permission = "workers.view_deployment"
    paginate_by = 25
    context_object_name = "deployments"

    def get_queryset(self):
        self.filterset = DeploymentFilterSet(self.request.GET, request=self.request)
        if self.role is Role.AGENCY:
            del self.filterset.filters["agency"]
        return selectors.deployment_list(user=self.request.user, filters=self.filterset)

    def get_context_data(self, **kwargs):
        return super().get_context_data(filter_form=self.filterset.form, query_string=query_string(self.request), **kwargs)


class DeploymentCreateView(RegisterPageMixin, View):
    """Open a deployment for a worker: an agency draws on one of its approved, unexpired
    job orders; a provincial officer records an irregular migration."""

    allowed_roles = FIELD_ROLES
    model = Deployment
    permission = "workers.add_deployment"
    template_name = "workers/register/deployment_form.html"

    def make_form(self, data=None):
        user = self.request.user
        if self.role is Role.AGENCY:
            return AgencyDeploymentForm(data, job_orders=selectors.job_orders_open(user=user, agency=self.get_agency()))
        return IrregularDeploymentForm(
            data, countries=visible(Country.objects.order_by("name"), user),
            sectors=visible(Sector.objects.order_by("name"), user),
        )

    def get(self, request, ref):
        worker = self.get_worker(ref)
        return self.render_form(worker, self.make_form())

    def post(self, request, ref):
        worker = self.get_worker(ref)
        form = self.make_form(request.POST)
        if form.is_valid():
            try:
                deployment = self.create(worker, form)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Deployment to %(country)s recorded.") % {"country": deployment.country})
                return redirect("deployment-detail", ref=deployment.ref)
        return self.render_form(worker, form)

    def create(self, worker, form) -> Deployment:
        if self.role is Role.AGENCY:
            order = form.cleaned_data["job_order"]
            return services.deployment_create(
                worker=worker, actor=self.request.user, channel=Channel.AGENCY, agency=self.get_agency(), job_order=order,
                country=order.country, sector=order.sector, **form.fields_for_service(),
            )
        data = form.fields_for_service()
        return services.deployment_create(
            worker=worker, actor=self.request.user, channel=Channel.IRREGULAR, country=data.pop("country"),
            sector=data.pop("sector"), **data,
        )

    def render_form(self, worker, form):
        return render(self.request, self.template_name, {
            "worker": worker, "form": form, "irregular": self.role is Role.PROVINCE, "agency": self.get_agency(),
        })


class DeploymentDetailView(RegisterPageMixin, View):
    """The deployment's page: contracts, legal status, the status timeline and the
    transition buttons. The forms below post to their own URLs and come back here."""

    model = Deployment
    permission = "workers.view_deployment"
    template_name = "workers/register/deployment_detail.html"

    def get(self, request, ref):
        return self.render_page(self.get_deployment(ref))

    def checkpoints(self):
        return visible(Checkpoint.objects.order_by("name"), self.request.user)

    def transition_forms(self, deployment, bound=None):
        user = self.request.user
        if self.role not in FIELD_ROLES or not user.has_perm("workers.transition_deployment"):
            return []
        if self.role is Role.PROVINCE and deployment.channel != Channel.IRREGULAR:
            return []  # a province records only irregular migrations (workers.services.deployment_transition)
        allowed = DEPLOYMENT_TRANSITIONS[deployment.status]
        out = []
        for status in PAGE_TRANSITIONS:
            if status not in allowed:
                continue
            if status == DeploymentStatus.ABROAD and deployment.status == DeploymentStatus.REGISTERED \
                    and deployment.channel != Channel.IRREGULAR:
                continue  # only an irregular migration is abroad without a recorded departure
            if bound is not None and bound.data.get("to_status") == status:
                form = bound
            else:
                form = TransitionForm(initial={"to_status": status, "version": deployment.version,
                                               "on_date": timezone.localdate()}, checkpoints=self.checkpoints())
            out.append({"status": status, "label": TRANSITION_LABELS[status], "form": form})
        return out

    def render_page(self, deployment, *, transition=None, rule_errors=None, legal_form=None, placement_form=None,
                    employment_form=None, status=200):
        user = self.request.user
        file = selectors.deployment_file(user=user, deployment=deployment)
        field_role = self.role in FIELD_ROLES
        pre_departure = deployment.status in (DeploymentStatus.REGISTERED, DeploymentStatus.TRAINED,
                                              DeploymentStatus.CONTRACT_APPROVED)
        can_placement = (field_role and pre_departure and deployment.channel == Channel.AGENCY
                         and user.has_perm("workers.add_placementcontract"))
        can_employment = (field_role and pre_departure and deployment.channel != Channel.IRREGULAR
                          and user.has_perm("workers.add_employmentcontract"))
        can_legal = field_role and deployment.status in (DeploymentStatus.DEPARTED, DeploymentStatus.ABROAD) \
            and user.has_perm("workers.add_legalstatusrecord")
        if can_placement and placement_form is None:
            placement_form = PlacementContractForm(initial=_placement_initial(file.placement))
        if can_employment and employment_form is None:
            employment_form = EmploymentContractForm(initial=_employment_initial(file.employment, deployment.job_order))
        if can_legal and legal_form is None:
            legal_form = LegalStatusForm(initial={"since": timezone.localdate()})
        label_events(file.events)
        context = {
            "deployment": deployment,
            "worker": deployment.worker,
            "file": file,
            "transitions": self.transition_forms(deployment, bound=transition),
            "rule_errors": rule_errors,
            "placement_form": placement_form if can_placement else None,
            "employment_form": employment_form if can_employment else None,
            "legal_form": legal_form if can_legal else None,
            "differences": _differences(file.employment),
            "missing_articles": [PlacementArticle(a).label for a in file.placement.missing_articles]
            if file.placement else [],
            "missing_protections": [KeyProtection(p).label for p in file.employment.missing_protections]
            if file.employment else [],
        }
        return render(self.request, self.template_name, context, status=status)


def _placement_initial(contract) -> dict:
    if contract is None:
        return {"signed_on": timezone.localdate(), "articles": [], "fee_currency": "USD"}
    return {"signed_on": contract.signed_on, "articles": contract.articles, "service_fee": contract.service_fee,
            "fee_currency": contract.fee_currency}


def _employment_initial(contract, order) -> dict:
    if contract is not None:
        return {f: getattr(contract, f) for f in ("employer_name", "position", "monthly_wage", "wage_currency", "hours_per_week",
                                                  "duration_months", "signed_on", "protections")}
    if order is None:
        return {"signed_on": timezone.localdate()}
    # Start from what the job order promised, so a change is a deliberate edit.
    return {"employer_name": order.employer.name, "position": order.occupation, "monthly_wage": order.monthly_wage,
            "wage_currency": order.wage_currency, "hours_per_week": order.hours_per_week,
            "duration_months": order.contract_months, "signed_on": timezone.localdate()}


def _differences(contract) -> list[dict]:
    if contract is None or not contract.differences:
        return []
    return [{"field": DIFFERENCE_LABELS.get(name, name), "ordered": pair[0], "signed": pair[1]}
            for name, pair in contract.differences.items()]


def rule_messages(exc: ValidationError) -> list[str]:
    """Every message of a refused transition, one per failed rule."""
    return list(exc.messages)


class DeploymentTransitionView(DeploymentDetailView):
    allowed_roles = FIELD_ROLES
    permission = "workers.transition_deployment"
    http_method_names = ["post"]

    def post(self, request, ref):
        deployment = self.get_deployment(ref)
        form = TransitionForm(request.POST, checkpoints=self.checkpoints())
        if not form.is_valid() or form.cleaned_data["to_status"] not in PAGE_TRANSITIONS:
            messages.error(request, _("The page was out of date. Reload it and try again."))
            return redirect("deployment-detail", ref=deployment.ref)
        data = form.cleaned_data
        try:
            services.deployment_transition(
                deployment=deployment, to_status=data["to_status"], actor=request.user, on_date=data["on_date"],
                checkpoint=data["checkpoint"], reason=data["reason"], version=data["version"],
            )
        except ValidationError as exc:
            return self.render_page(deployment, transition=form, rule_errors={
                "to_status": data["to_status"], "label": DeploymentStatus(data["to_status"]).label,
                "messages": rule_messages(exc)})
        messages.success(request, _("The deployment is now: %(status)s.") % {"status": DeploymentStatus(data["to_status"]).label})
        return redirect("deployment-detail", ref=deployment.ref)


class LegalStatusCreateView(DeploymentDetailView):
    allowed_roles = FIELD_ROLES
    permission = "workers.add_legalstatusrecord"
    http_method_names = ["post"]

    def post(self, request, ref):
        deployment = self.get_deployment(ref)
        form = LegalStatusForm(request.POST)
        if form.is_valid():
            try:
                services.legal_status_record(deployment=deployment, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Legal status recorded."))
                return redirect("deployment-detail", ref=deployment.ref)
        return self.render_page(deployment, legal_form=form)


class PlacementContractView(DeploymentDetailView):
    allowed_roles = FIELD_ROLES
    permission = "workers.add_placementcontract"
    http_method_names = ["post"]

    def post(self, request, ref):
        deployment = self.get_deployment(ref)
        form = PlacementContractForm(request.POST)
        if form.is_valid():
            try:
                services.placement_contract_submit(deployment=deployment, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The job-placement contract was sent for review."))
                return redirect("deployment-detail", ref=deployment.ref)
        return self.render_page(deployment, placement_form=form)


class EmploymentContractView(DeploymentDetailView):
    allowed_roles = FIELD_ROLES
    permission = "workers.add_employmentcontract"
    http_method_names = ["post"]

    def post(self, request, ref):
        deployment = self.get_deployment(ref)
        form = EmploymentContractForm(request.POST)
        if form.is_valid():
            try:
                contract = services.employment_contract_submit(deployment=deployment, actor=request.user,
                                                               fields=form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if contract.differences:
                    messages.warning(request, _("The contract was sent for review. It differs from the job order; the "
                                                "Ministry must accept the differences before it can be approved."))
                else:
                    messages.success(request, _("The employment contract was sent for review."))
                return redirect("deployment-detail", ref=deployment.ref)
        return self.render_page(deployment, employment_form=form)


# --- Job orders ---------------------------------------------------------------------------------


class JobOrderListView(RegisterPageMixin, ListView):
    allowed_roles = (Role.AGENCY, Role.MINISTRY)
    template_name = "workers/register/joborder_list.html"
    model = JobOrder
    permission = "workers.view_joborder"
    paginate_by = 25
    context_object_name = "job_orders"

    def get_queryset(self):
        return selectors.job_order_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            can_submit=self.role is Role.AGENCY and self.request.user.has_perm("workers.add_joborder"),
            today=timezone.localdate(), **kwargs,
        )


class JobOrderCreateView(RegisterPageMixin, View):
    """Submit a demand letter for vetting by the labour attaché (policy 9.1)."""

    allowed_roles = (Role.AGENCY,)
    model = JobOrder
    permission = "workers.add_joborder"
    template_name = "workers/register/joborder_form.html"

    def make_form(self, data=None):
        user, agency = self.request.user, self.get_agency()
        return JobOrderForm(
            data, employers=selectors.employer_choices(user=user),
            countries=agency.authorised_countries.order_by("name"), sectors=visible(Sector.objects.order_by("name"), user),
        )

    def get(self, request):
        return render(request, self.template_name, {"form": self.make_form(), "agency": self.get_agency()})

    def post(self, request):
        form = self.make_form(request.POST)
        if form.is_valid():
            try:
                # One transaction: a new employer is kept only if the job order is accepted.
                with transaction.atomic():
                    order = services.job_order_submit(
                        agency=self.get_agency(), actor=request.user,
                        fields={**form.order_fields_for_service(), "employer": _employer_for(form)},
                    )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Job order %(ref)s sent for vetting.") % {"ref": order.ref})
                return redirect("joborder-list")
        return render(request, self.template_name, {"form": form, "agency": self.get_agency()})


def _employer_for(form: JobOrderForm) -> Employer:
    """The chosen employer, or the one named on the form (found by name and country, else added).

    Employers abroad are shared reference rows, edited as plain data in the admin and
    change-logged by auditlog; workers.services has no employer function yet, so the
    add happens here, inside the job order's transaction.
    """
    data = form.cleaned_data
    if data.get("employer"):
        return data["employer"]
    name = " ".join(data["new_employer_name"].split())
    existing = Employer.objects.filter(name__iexact=name, country=data["country"]).first()
    if existing is not None:
        return existing
    return Employer.objects.create(
        name=name, country=data["country"], sector=data["sector"], address=data["new_employer_address"],
        registration=data["new_employer_registration"],
    )


# --- Sending suspensions ----------------------------------------------------------------------------


class SuspensionListView(RegisterPageMixin, ListView):
    """Where sending is suspended today (policy 7.6): read-only, for everyone signed in."""

    template_name = "workers/register/suspension_list.html"
    model = SendingSuspension
    permission = "workers.view_sendingsuspension"
    context_object_name = "suspensions"
    paginate_by = 50

    def get_queryset(self):
        return selectors.suspensions_in_force(user=self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(today=timezone.localdate(), **kwargs)
