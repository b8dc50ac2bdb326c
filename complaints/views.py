"""The complaint pages: intake and case handling for provincial officers and the ministry's
complaints officers, the respondent agency's pages, and the public status check.

Views parse input, resolve the user, call one service and shape the output. Every read
goes through ``complaints.selectors`` (scoped by ``visible``: a case outside the user's
scope is a 404); every write through ``complaints.services``. A service's
ValidationError is shown beside the field it names, its PermissionDenied is a 403.
Every form acting on a case carries the ``version`` the officer read: when another
officer changed the case meanwhile, nothing is saved, the page shows the case as it is
now and the officer's input stays in the form.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import ListView
from rest_framework.settings import api_settings

from agencies.models import Agency
from migration_portal.core.models import AccessChannel
from migration_portal.core.scoping import Role, visible
from migration_portal.core.views_base import ScopedObjectMixin
from migration_portal.reference.models import Checkpoint, Country, Province
from workers import services as worker_services

from . import selectors, services
from .choices import OPEN_STAGES, STAGE_TRANSITIONS, LodgedAt, Payer, Stage, TraffickingIndicator
from .filters import ComplaintFilterSet
from .forms import (
    WORKER_EXISTING,
    AgencyResponseForm,
    AssignForm,
    AttachmentForm,
    DrawdownForm,
    InstalmentFormSet,
    IntakeAttachmentFormSet,
    IntakeForm,
    LegalAidForm,
    LegalAidResultForm,
    MeetingRecordForm,
    MeetingScheduleForm,
    NewWorkerForm,
    PaymentForm,
    PublicStatusForm,
    RespondentFormSet,
    SettlementForm,
    TransferForm,
    TransitionForm,
    WorkerSearchForm,
    add_service_errors,
    attachments_of,
    form_is_stale,
    instalments_of,
    is_stale,
)
from .models import Attachment, Complaint

OFFICER_ROLES = (Role.PROVINCE, Role.MINISTRY)

EVENT_LABELS = {
    "complaint.registered": gettext_lazy("Complaint registered"),
    "complaint.ncct_referral": gettext_lazy("Referred to the counter-trafficking committee"),
    "complaint.attachment": gettext_lazy("File attached"),
    "complaint.assigned": gettext_lazy("Officer assigned"),
    "complaint.transferred": gettext_lazy("Case transferred"),
    "complaint.meeting_scheduled": gettext_lazy("Conciliation meeting scheduled"),
    "complaint.meeting_held": gettext_lazy("Conciliation meeting recorded"),
    "complaint.settlement": gettext_lazy("Settlement recorded"),
    "complaint.payment": gettext_lazy("Payment recorded"),
    "complaint.drawdown_proposed": gettext_lazy("Deposit drawdown proposed"),
    "complaint.drawdown_approved": gettext_lazy("Deposit drawdown approved and paid"),
    "complaint.drawdown_rejected": gettext_lazy("Deposit drawdown rejected"),
    "complaint.legal_aid": gettext_lazy("Referred to legal aid"),
    "complaint.legal_aid_result": gettext_lazy("Legal aid result recorded"),
    "complaint.agency_response": gettext_lazy("The agency responded"),
    **{f"complaint.{s.value}": s.label for s in Stage},
}


def label_events(events):
    for event in events:
        event.label = EVENT_LABELS.get(event.code, event.code)
    return events


def query_string(request) -> str:
    """The list's filters for the pagination links (without the page number)."""
    return urlencode([(k, v) for k, values in request.GET.lists() if k != "page" for v in values])


# --- Intake: worker, complaint and attachments in one transaction ----------------------------------


class IntakeError(Exception):
    """A service refused part of an intake; nothing was saved. ``part`` says which form to show it on."""

    def __init__(self, part: str, error: ValidationError, index: int | None = None):
        super().__init__(part)
        self.part, self.error, self.index = part, error, index


@transaction.atomic
def intake_register(*, actor, worker=None, new_worker: dict | None = None, confirm_not_duplicate: bool = False, fields: dict,
                    grounds: list[str], respondents: list[dict], trafficking_indicators: list[str],
                    attachments: list[dict]) -> Complaint:
    """Record the worker if new (``workers.services.worker_register``), register the complaint
    (``services.complaint_register``) and attach each file (``services.attachment_add``), all or
    nothing: a refused file leaves no complaint and no new worker behind.

    Shared by the intake page and ``POST /api/complaints/``. It belongs in services.py as
    ``complaint_intake``; kept at the edge until that file offers it."""
    if worker is None:
        try:
            worker = worker_services.worker_register(actor=actor, fields=new_worker or {},
                                                     confirm_not_duplicate=confirm_not_duplicate)
        except ValidationError as exc:
            raise IntakeError("worker", exc)
    try:
        complaint = services.complaint_register(actor=actor, worker=worker, fields=dict(fields), grounds=list(grounds),
                                                respondents=respondents, trafficking_indicators=trafficking_indicators)
    except ValidationError as exc:
        raise IntakeError("complaint", exc)
    for i, attachment in enumerate(attachments):
        try:
            services.attachment_add(complaint=complaint, actor=actor, **attachment)
        except ValidationError as exc:
            raise IntakeError("attachment", exc, index=i)
    return complaint


# --- Bases ------------------------------------------------------------------------------------------


class ComplaintPageMixin(ScopedObjectMixin):
    """Role first, then the Django permission the API maps the same action to, so a page
    never allows what the API refuses."""

    allowed_roles = OFFICER_ROLES
    model = Complaint
    permission: str | None = "complaints.view_complaint"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.permission and not request.user.has_perm(self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_complaint(self, ref: str) -> Complaint:
        try:
            return selectors.complaint_get(user=self.request.user, ref=ref)
        except Complaint.DoesNotExist:
            raise Http404(_("No such complaint among those you may see."))


# --- Officers: the case list -------------------------------------------------------------------------


class ComplaintListView(ComplaintPageMixin, ListView):
    template_name = "complaints/list.html"
    paginate_by = 25
    context_object_name = "complaints"

    def get_queryset(self):
        self.filterset = ComplaintFilterSet(self.request.GET or None, request=self.request,
                                            queryset=Complaint.objects.none())
        return selectors.complaint_list(user=self.request.user, filters=self.filterset if self.request.GET else None)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(
            filter_form=self.filterset.form, query_string=query_string(self.request),
            can_register=self.request.user.has_perm("complaints.add_complaint"), **kwargs,
        )
        selectors.with_deadlines(context["complaints"], selectors.stage_limits())
        return context


# --- Officers: intake ---------------------------------------------------------------------------------


@dataclass
class IntakeForms:
    search: WorkerSearchForm
    intake: IntakeForm
    worker: NewWorkerForm
    respondents: RespondentFormSet
    attachments: IntakeAttachmentFormSet

    def all_valid(self) -> bool:
        # Every part is checked (no short circuit), so every error shows at once.
        results = [self.intake.is_valid(), self.respondents.is_valid(), self.attachments.is_valid()]
        return all(results)


class ComplaintIntakeView(ComplaintPageMixin, View):
    """Log a complaint in a few minutes: find the worker or record them, who complains, where,
    against whom, on what grounds, what happened, the claim, trafficking signs, files."""

    permission = "complaints.add_complaint"
    template_name = "complaints/intake.html"

    def make_forms(self, data=None, files=None) -> IntakeForms:
        user = self.request.user
        provinces = visible(Province.objects.order_by("name"), user)
        initial = {"lodged_province": user.province_id} if self.scope.role is Role.PROVINCE else {}
        if self.scope.role is Role.MINISTRY:
            initial["lodged_at"] = LodgedAt.RESOURCE_CENTRE
        agency_choices = selectors.agency_choices(user=user)
        return IntakeForms(
            search=WorkerSearchForm(data, prefix="find"),
            intake=IntakeForm(
                data, provinces=provinces, checkpoints=visible(Checkpoint.objects.order_by("name"), user),
                countries=visible(Country.objects.order_by("name"), user), initial=initial,
            ),
            worker=NewWorkerForm(data, prefix="worker", provinces=provinces,
                                 initial={"home_province": user.province_id} if user.province_id else None),
            respondents=RespondentFormSet(data, prefix="resp", form_kwargs={"agency_choices": agency_choices}),
            attachments=IntakeAttachmentFormSet(data, files, prefix="att"),
        )

    def get(self, request):
        return self.render_page(self.make_forms())

    def post(self, request):
        forms = self.make_forms(request.POST, request.FILES)
        results = self.search(forms)
        if "find" in request.POST:
            forms.search.is_valid()  # its own message when empty; the rest of the page is kept as typed
            return self.render_page(forms, results=results, searching=True)
        ok = forms.all_valid()
        worker, new_worker = None, None
        if self.chose_existing(forms):
            worker = selectors.intake_worker_resolve(user=request.user, ref=request.POST.get("worker"),
                                                     identifier=self.search_identifier(forms))
            if worker is None:
                forms.intake.add_error("worker_mode", _("Find the worker and choose them in the search results, "
                                                        "or record a new worker."))
                ok = False
        else:
            self.worker_checked = True
            ok = forms.worker.is_valid() and ok
            new_worker = forms.worker.cleaned_data if forms.worker.is_valid() else None
        if not ok:
            return self.render_page(forms, results=results)
        agencies = {a.pk: a for a in visible(Agency.objects.all(), request.user).filter(
            pk__in=[f.cleaned_data.get("agency") for f in forms.respondents.forms if f.cleaned_data.get("agency")])}
        respondents = forms.respondents.respondents(agencies)
        data = forms.intake.cleaned_data
        try:
            complaint = intake_register(
                actor=request.user, worker=worker,
                new_worker=forms.worker.fields_for_service() if new_worker is not None else None,
                confirm_not_duplicate=bool(new_worker and new_worker.get("confirm_not_duplicate")),
                fields=forms.intake.fields_for_service(), grounds=data["grounds"], respondents=respondents,
                trafficking_indicators=data["trafficking_indicators"], attachments=attachments_of(forms.attachments),
            )
        except IntakeError as refused:
            results = self.show_refusal(forms, refused, results)
            return self.render_page(forms, results=results)
        return redirect("complaint-registered", ref=complaint.ref)

    def chose_existing(self, forms: IntakeForms) -> bool:
        """The officer picked a worker in the results: use them, unless they also started
        recording a new worker (then the mode they set decides)."""
        if forms.intake.cleaned_data.get("worker_mode") == WORKER_EXISTING:
            return True
        picked = bool(self.request.POST.get("worker"))
        typed_new = any((self.request.POST.get(f"worker-{k}") or "").strip() for k in ("name_latin", "name_km", "date_of_birth"))
        return picked and not typed_new

    def search_identifier(self, forms: IntakeForms) -> str:
        return (forms.search.data.get("find-identifier") or "").strip() if forms.search.is_bound else ""

    def search(self, forms: IntakeForms) -> list | None:
        if not forms.search.is_bound or not forms.search.is_valid():
            return None
        data = forms.search.cleaned_data
        return selectors.intake_worker_search(user=self.request.user, name=data["name"], date_of_birth=data["date_of_birth"],
                                              identifier=data["identifier"])

    def show_refusal(self, forms: IntakeForms, refused: IntakeError, results):
        exc = refused.error
        if refused.part == "worker":
            typed = dict(forms.worker.cleaned_data)
            codes = {e.code for errs in getattr(exc, "error_dict", {}).values() for e in errs}
            if "duplicate" in codes:
                # The same ID or passport is on the register: offer that record instead of naming it.
                for key in ("national_id", "passport_number"):
                    found = selectors.intake_worker_search(user=self.request.user, identifier=typed.get(key) or "")
                    if found:
                        results = found
                        forms.search = WorkerSearchForm({"find-identifier": typed[key]}, prefix="find")
                        forms.worker.add_error(key, _("A worker with this number is already registered: choose them in the "
                                                      "search results above (“The worker found in the register”)."))
                        break
            else:
                add_service_errors(forms.worker, exc)
        elif refused.part == "complaint":
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            positions = [i for i, f in enumerate(forms.respondents.forms) if not f.is_blank()]
            for name, messages_ in errors.items():
                if name.startswith("respondents["):
                    n = int(name[len("respondents["):-1]) - 1
                    target = forms.respondents.forms[positions[n]] if 0 <= n < len(positions) else None
                    for message in messages_:
                        if target is not None:
                            target.add_error(None, message)
                        else:
                            forms.intake.add_error(None, message)
                elif name == "respondents":
                    forms.respondents._non_form_errors = forms.respondents.error_class(messages_)
                else:
                    add_service_errors(forms.intake, ValidationError({name: messages_}))
        else:
            target = [f for f in forms.attachments.forms if f.cleaned_data.get("file")][refused.index]
            add_service_errors(target, exc)
        return results

    def render_page(self, forms: IntakeForms, *, results=None, searching=False):
        chosen = self.request.POST.get("worker", "")
        context = {
            "forms": forms,
            "results": results,
            "chosen": chosen,
            "searching": searching,
            "show_errors": not searching,
            # The new worker's fields were checked (errors shown) only when no registered worker was chosen.
            "worker_checked": getattr(self, "worker_checked", False),
            "indicator_count": len(TraffickingIndicator.choices),
        }
        return render(self.request, self.template_name, context)


class ComplaintRegisteredView(ComplaintPageMixin, View):
    """The confirmation: the reference in large type and what to tell the complainant."""

    def get(self, request, ref):
        complaint = self.get_complaint(ref)
        status_url = request.build_absolute_uri(reverse("complaint-status"))
        return render(request, "complaints/registered.html", {"complaint": complaint, "status_url": status_url})


# --- Officers: the case page and its actions ----------------------------------------------------------


@dataclass(frozen=True)
class CaseAction:
    """One step an officer can take from the case page: its form, its permission, the service call."""

    form_class: type
    prefix: str
    success: str
    permission: str = "complaints.handle_complaint"
    anchor: str = "actions"


ACTIONS = {
    "assign": CaseAction(AssignForm, "assign", gettext_lazy("Officer assigned.")),
    "transfer": CaseAction(TransferForm, "transfer", gettext_lazy("Case transferred."),
                           permission="complaints.transfer_complaint"),
    "stage": CaseAction(TransitionForm, "stage", gettext_lazy("Stage changed.")),
    "meeting": CaseAction(MeetingScheduleForm, "meeting", gettext_lazy("Conciliation meeting scheduled; the agency is told."),
                          anchor="meetings"),
    "record": CaseAction(MeetingRecordForm, "record", gettext_lazy("Meeting recorded."), anchor="meetings"),
    "settlement": CaseAction(SettlementForm, "settlement", gettext_lazy("Settlement recorded."), anchor="settlement"),
    "payment": CaseAction(PaymentForm, "payment", gettext_lazy("Payment recorded."), anchor="settlement"),
    "drawdown": CaseAction(DrawdownForm, "drawdown",
                           gettext_lazy("Drawdown proposed to the ministry; a director decides."), anchor="settlement"),
    "legalaid": CaseAction(LegalAidForm, "legalaid", gettext_lazy("Legal aid referral recorded."), anchor="legal-aid"),
    "result": CaseAction(LegalAidResultForm, "result", gettext_lazy("Legal aid result recorded."), anchor="legal-aid"),
    "attachment": CaseAction(AttachmentForm, "attachment", gettext_lazy("File attached."), anchor="attachments"),
}


class CaseMixin(ComplaintPageMixin):
    template_name = "complaints/detail.html"

    def can(self, action: str) -> bool:
        user = self.request.user
        return user.has_perm("complaints.handle_complaint") and user.has_perm(ACTIONS[action].permission)

    def form_kwargs(self, action: str, file: selectors.CaseFile) -> dict:
        if action == "assign":
            return {"officers": selectors.assignable_officers(complaint=file.complaint)}
        if action == "transfer":
            provinces = visible(Province.objects.order_by("name"), self.request.user)
            if file.complaint.current_province_id:
                provinces = provinces.exclude(pk=file.complaint.current_province_id)
            return {"provinces": provinces}
        if action == "settlement":
            return {"agencies": file.respondent_agencies}
        return {}

    def make_form(self, action: str, file: selectors.CaseFile, *, pk=None, data=None, files=None):
        spec = ACTIONS[action]
        prefix = f"{spec.prefix}{pk}" if pk else spec.prefix
        initial = {}
        if action == "assign":
            initial["officer"] = self.request.user.pk
        elif action == "payment":
            initial = {"paid_on": timezone.localdate(), "amount": file.outstanding or None}
        elif action == "drawdown":
            initial = {"amount": file.outstanding or None}
        return spec.form_class(data, files, complaint=file.complaint, prefix=prefix, initial=initial,
                               **self.form_kwargs(action, file))

    def offered(self, file: selectors.CaseFile) -> dict:
        """The actions the case page offers now: by permission and by the case's stage."""
        c, stage = file.complaint, file.complaint.stage
        handle = self.can("assign")
        settlement = file.settlement
        owed = bool(settlement and file.outstanding > 0)
        return {
            "assign": handle and stage in OPEN_STAGES,
            "transfer": self.can("transfer") and stage in OPEN_STAGES,
            "stage": handle and bool(STAGE_TRANSITIONS[stage]),
            "meeting": handle and stage in (Stage.ASSESSMENT, Stage.SCHEDULED, Stage.HELD),
            "settlement": handle and settlement is None and stage == Stage.HELD,
            "payment": handle and owed,
            "drawdown": handle and owed and settlement.payer == Payer.AGENCY and bool(settlement.payer_agency_id)
            and settlement.currency == "USD" and file.pending_drawdown is None,
            "legalaid": handle and stage != Stage.CLOSED,
            "attachment": handle and c.stage != Stage.CLOSED,
        }

    def render_case(self, complaint: Complaint, *, bound: dict | None = None, instalments=None, status: int = 200):
        user = self.request.user
        file = selectors.complaint_file(user=user, complaint=complaint)
        label_events(file.events)
        bound = bound or {}
        offered = self.offered(file)
        forms = {name: bound.get(name) or self.make_form(name, file) for name, on in offered.items() if on}
        handle = self.can("assign")
        record_forms = [(m, bound.get(f"record{m.pk}") or self.make_form("record", file, pk=m.pk))
                        for m in file.meetings_to_record] if handle else []
        result_forms = [(r, bound.get(f"result{r.pk}") or self.make_form("result", file, pk=r.pk))
                        for r in file.legal_aid if not r.result] if handle else []
        services.complaint_record_read(complaint=complaint, actor=user, channel=AccessChannel.PAGE)
        context = {
            "complaint": complaint,
            "file": file,
            "forms": forms,
            "record_forms": record_forms,
            "result_forms": result_forms,
            "instalments": instalments or (InstalmentFormSet(prefix="inst") if "settlement" in forms else None),
            "handler": selectors.is_handler(user),
            "conflict": bound.get("_conflict"),
            "indicator_labels": [TraffickingIndicator(v).label for v in complaint.trafficking_indicators
                                 if v in TraffickingIndicator.values],
        }
        return render(self.request, self.template_name, context, status=status)


class ComplaintDetailView(CaseMixin, View):
    """The case: summary, worker (masked identifiers), grounds, respondents, narrative,
    confidential notes, attachments, meetings, settlement, legal aid, the agency's
    responses, the timeline, the stage with its deadline, and the actions."""

    def get(self, request, ref):
        return self.render_case(self.get_complaint(ref))


class ComplaintActionView(CaseMixin, View):
    """POST one action of the case page; on refusal the page again, the input kept."""

    http_method_names = ["post"]

    def post(self, request, ref, action, pk=None):
        if action not in ACTIONS or (action in ("record", "result")) != (pk is not None):
            raise Http404
        if not self.can(action):
            raise PermissionDenied
        complaint = self.get_complaint(ref)
        file = selectors.complaint_file(user=request.user, complaint=complaint)
        form = self.make_form(action, file, pk=pk, data=request.POST, files=request.FILES)
        key = f"{action}{pk}" if pk else action
        instalments = InstalmentFormSet(request.POST, prefix="inst") if action == "settlement" else None
        valid = form.is_valid()
        if instalments is not None:
            valid = instalments.is_valid() and valid
        if valid:
            try:
                with transaction.atomic():
                    self.call(action, file, form, instalments, pk)
            except ValidationError as exc:
                if is_stale(exc):
                    return self.conflict(ref, action, pk, key, instalments)
                add_service_errors(form, exc, field_map=FIELD_MAPS.get(action))
            else:
                messages.success(request, ACTIONS[action].success)
                return redirect(reverse("complaint-detail", kwargs={"ref": complaint.ref}) + f"#{ACTIONS[action].anchor}")
        elif form_is_stale(form):
            return self.conflict(ref, action, pk, key, instalments)
        return self.render_case(complaint, bound={key: form}, instalments=instalments)

    def conflict(self, ref, action, pk, key, instalments):
        """Another officer changed the case: show it as it is now, the officer's input kept
        (with the new version, so submitting again is a deliberate choice)."""
        complaint = self.get_complaint(ref)
        file = selectors.complaint_file(user=self.request.user, complaint=complaint)
        data = self.request.POST.copy()
        prefix = f"{ACTIONS[action].prefix}{pk}" if pk else ACTIONS[action].prefix
        data[f"{prefix}-version"] = str(complaint.version)
        form = self.make_form(action, file, pk=pk, data=data, files=self.request.FILES)
        form.is_valid()
        message = _("Another officer changed this case while you were working on it. Nothing was saved. The page now shows "
                    "the case as it is; what you typed is kept below: check it and submit again if it still applies.")
        form.add_error(None, message)
        return self.render_case(complaint, bound={key: form, "_conflict": message}, instalments=instalments, status=409)

    def call(self, action, file: selectors.CaseFile, form, instalments, pk):
        """One service per action; the version goes to those that take it (checked under the row lock)."""
        user, complaint, data = self.request.user, file.complaint, form.cleaned_data
        version = data["version"]
        if action in ("payment", "drawdown") and file.settlement is None:
            raise ValidationError(_("Record the settlement first."))
        if action == "assign":
            services.complaint_assign(complaint=complaint, officer=data["officer"], actor=user, version=version)
        elif action == "transfer":
            services.complaint_transfer(complaint=complaint, to_province=data["to_province"], actor=user, reason=data["reason"],
                                        version=version)
        elif action == "stage":
            services.complaint_transition(complaint=complaint, to_stage=data["to_stage"], actor=user, reason=data["reason"],
                                          referred_to=data["referred_to"], version=version)
        elif action == "meeting":
            services.meeting_schedule(complaint=complaint, actor=user, scheduled_for=data["scheduled_for"], place=data["place"],
                                      participants=data["participants"])
        elif action == "record":
            meeting = next((m for m in file.meetings if m.pk == pk), None)
            if meeting is None:
                raise Http404
            services.meeting_record(meeting=meeting, actor=user, minutes=data["minutes"],
                                    agreement_reached=data["agreement_reached"], agency_response=data["agency_response"],
                                    participants=data["participants"])
        elif action == "settlement":
            services.settlement_record(complaint=complaint, actor=user, amount=data["amount"], payer=data["payer"],
                                       agreed_on=data["agreed_on"], currency=data["currency"],
                                       payer_agency=data["payer_agency"], instalments=instalments_of(instalments) or None,
                                       terms=data["terms"])
        elif action == "payment":
            services.payment_record(settlement=file.settlement, actor=user, amount=data["amount"], paid_on=data["paid_on"],
                                    method=data["method"], reference=data["reference"])
        elif action == "drawdown":
            services.drawdown_propose(settlement=file.settlement, actor=user, amount=data["amount"], reason=data["reason"])
        elif action == "legalaid":
            services.legal_aid_refer(complaint=complaint, actor=user, partner=data["partner"], referred_on=data["referred_on"])
        elif action == "result":
            referral = next((r for r in file.legal_aid if r.pk == pk), None)
            if referral is None:
                raise Http404
            services.legal_aid_result(referral=referral, actor=user, result=data["result"], result_on=data["result_on"])
        elif action == "attachment":
            services.attachment_add(complaint=complaint, actor=user, file=data["file"], description=data["description"],
                                    share_with_agency=data["share_with_agency"])


# Service field names that the page's forms call otherwise.
FIELD_MAPS = {
    "assign": {"assigned_officer": "officer"},
    "stage": {"stage": "to_stage"},
    "drawdown": {},
}


class AttachmentDownloadView(ScopedObjectMixin, View):
    """A file of a case, read through the user's scope (an agency: the shared ones only)."""

    allowed_roles = (Role.PROVINCE, Role.MINISTRY, Role.AGENCY)
    model = Attachment

    def get(self, request, ref, pk):
        try:
            attachment = selectors.attachment_get(user=request.user, ref=ref, pk=pk)
        except Attachment.DoesNotExist:
            raise Http404(_("No such file among those you may see."))
        services.complaint_record_read(complaint=attachment.complaint, actor=request.user, channel=AccessChannel.PAGE,
                                       what="attachment")
        response = FileResponse(attachment.file.open("rb"), as_attachment=True,
                                filename=os.path.basename(attachment.file.name).split("-", 1)[-1])
        add_never_cache_headers(response)
        return response


# --- The respondent agency --------------------------------------------------------------------------------


class AgencyPageMixin(ComplaintPageMixin):
    allowed_roles = (Role.AGENCY,)


class AgencyComplaintListView(AgencyPageMixin, ListView):
    """Complaints naming the agency (restricted cases never appear)."""

    template_name = "complaints/agency_list.html"
    paginate_by = 25
    context_object_name = "complaints"

    def get_queryset(self):
        return selectors.agency_complaint_list(user=self.request.user)


class AgencyComplaintDetailView(AgencyPageMixin, View):
    """What the agency may read of a case, and its response."""

    template_name = "complaints/agency_detail.html"

    def get(self, request, ref):
        return self.render_page(self.get_complaint(ref), AgencyResponseForm())

    def post(self, request, ref):
        complaint = self.get_complaint(ref)
        if not request.user.has_perm("complaints.add_agencyresponse"):
            raise PermissionDenied
        form = AgencyResponseForm(request.POST)
        if form.is_valid():
            try:
                services.agency_respond(complaint=complaint, actor=request.user, text=form.cleaned_data["text"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Your response was sent to the officer handling the case."))
                return redirect("agency-complaint-detail", ref=complaint.ref)
        return self.render_page(complaint, form)

    def render_page(self, complaint, form):
        file = selectors.agency_complaint_file(user=self.request.user, complaint=complaint)
        return render(self.request, self.template_name, {"complaint": complaint, "file": file, "form": form})


# --- The public status check ---------------------------------------------------------------------------------

LOOKUP_FAILURES_ALLOWED = 10
LOOKUP_WINDOW_SECONDS = 60 * 60


def lookup_client(request) -> str:
    """Who is asking, for counting failed lookups: the client address. Behind a proxy,
    REST_FRAMEWORK["NUM_PROXIES"] says how many addresses of X-Forwarded-For to trust
    (as for DRF's throttles); without it the header is ignored, since anyone can set it."""
    if api_settings.NUM_PROXIES:
        from rest_framework.throttling import BaseThrottle

        return BaseThrottle().get_ident(request)
    return request.META.get("REMOTE_ADDR", "")


def _failures_key(client: str) -> str:
    return f"complaints:status-failures:{client}"


def lookup_blocked(client: str) -> bool:
    return (cache.get(_failures_key(client)) or 0) >= LOOKUP_FAILURES_ALLOWED


def lookup_failed(client: str) -> None:
    """Count a failed lookup; the count expires an hour after the first failure."""
    key = _failures_key(client)
    if not cache.add(key, 1, LOOKUP_WINDOW_SECONDS):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, LOOKUP_WINDOW_SECONDS)


def lookup_status(*, client: str, ref: str, date_of_birth) -> tuple[str, str | None]:
    """('blocked' | 'found' | 'not_found', stage). The same answer whether the reference or
    the date is wrong; after 10 failures in an hour from one address, no more lookups."""
    if lookup_blocked(client):
        return "blocked", None
    stage = services.public_status(ref=ref, date_of_birth=date_of_birth)
    if stage is None:
        lookup_failed(client)
        return "not_found", None
    return "found", stage


NOT_FOUND_MESSAGE = gettext_lazy("We found no complaint with this reference and date of birth. Check both and try again.")
BLOCKED_MESSAGE = gettext_lazy("Too many unsuccessful attempts from your connection. Please try again in an hour, or ask at "
                               "the provincial department of labour where the complaint was lodged.")


class PublicStatusView(View):
    """Where is my complaint? Reference plus the worker's date of birth: the stage, nothing else."""

    template_name = "public/complaint_status.html"

    def get(self, request):
        return self.render_page(PublicStatusForm())

    def post(self, request):
        form = PublicStatusForm(request.POST)
        outcome, stage = None, None
        if form.is_valid():
            outcome, stage = lookup_status(client=lookup_client(request), ref=form.cleaned_data["ref"],
                                           date_of_birth=form.cleaned_data["date_of_birth"])
        elif lookup_blocked(lookup_client(request)):
            outcome = "blocked"
        status = 429 if outcome == "blocked" else 200
        return self.render_page(form, outcome=outcome, stage_label=Stage(stage).label if stage else None, status=status)

    def render_page(self, form, *, outcome=None, stage_label=None, status=200):
        context = {
            "form": form, "outcome": outcome, "stage_label": stage_label,
            "not_found_message": NOT_FOUND_MESSAGE, "blocked_message": BLOCKED_MESSAGE,
        }
        response = render(self.request, self.template_name, context, status=status)
        add_never_cache_headers(response)
        return response

