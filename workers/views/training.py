"""Pre-departure training pages (Prakas 046, policy 7.1, 15.4).

Agencies list their sessions, open one (a current curriculum, a certified trainer),
enrol their own workers, record who completed it and print the certificates.
Provincial officers read the sessions held in their province. The public checks a
certificate by its number.

Views parse input, resolve the user, call one service of ``workers.training`` and
shape the output. Every row comes through ``visible`` (a session, worker or
certificate outside the user's scope is a 404 or an invalid choice); the query
shapes are the ``*_for_page`` functions below, shared with the API.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView

from agencies.models import Agency
from migration_portal.core.access import access_record
from migration_portal.core.models import AccessChannel, AccessKind
from migration_portal.core.pdf import pdf_response
from migration_portal.core.scoping import Role, visible
from migration_portal.core.views_base import ScopedObjectMixin
from migration_portal.reference.models import Province

from .. import services, training
from ..forms.training import CompletionForm, EnrolForm, SessionForm, add_service_errors
from ..models import Attendance, Certificate, Curriculum, CurriculumModule, Trainer, TrainingSession, Worker
from ..pii import pii_hash

#: How many of the agency's workers the enrolment list shows at once; a search narrows it.
ENROL_CANDIDATES = 50


# --- Reads (query shapes shared with the API) ---------------------------------------------


def _certificate_count(**filters):
    """Certificates of the outer session, as a correlated subquery (no join that would
    multiply the attendance counts)."""
    return Coalesce(
        Subquery(
            Certificate.objects.filter(session=OuterRef("pk"), **filters)
            .order_by()
            .values("session")
            .annotate(n=Count("pk"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        Value(0),
    )


def sessions_for_page(user):
    """The user's sessions with what a list row shows: curriculum, destination, trainer,
    province and agency joined; enrolment, completion and certificate counts and whether
    the trainer's certification covers the dates, annotated (one query for the page)."""
    return (
        visible(TrainingSession, user)
        .select_related("agency", "curriculum__country", "trainer", "province")
        .annotate(
            enrolled_count=Count("attendances"),
            completed_count=Count("attendances", filter=Q(attendances__completed=True)),
            certificate_count=_certificate_count(),
            valid_certificate_count=_certificate_count(is_valid=True),
            trainer_covers=ExpressionWrapper(
                Q(trainer__certified_on__lte=F("starts_on"), trainer__certified_until__gte=F("ends_on")),
                output_field=BooleanField(),
            ),
        )
        .order_by("-starts_on", "-id")
    )


def certificates_for_page(user):
    """The user's certificates with the worker, session, curriculum, destination, trainer and agency joined."""
    return visible(Certificate, user).select_related(
        "worker", "session__curriculum__country", "session__trainer", "session__agency", "session__province"
    )


def current_curricula(user):
    return visible(Curriculum, user).filter(is_current=True).select_related("country").order_by("country__name", "-version")


def verify_url(number: str) -> str:
    """The public address where anyone can check a certificate (printed on it)."""
    path = reverse("public-certificate-verify")
    return f"{settings.PORTAL['SITE_URL'].rstrip('/')}{path}?{urlencode({'number': number})}"


def certificate_status(certificate: Certificate) -> tuple[bool, str]:
    """(valid?, why not): a certificate counts only if it was issued valid and not revoked."""
    if certificate.revoked_by_id and certificate.is_valid:
        return False, _("This certificate was revoked by the Ministry.")
    if not certificate.is_valid:
        return False, certificate.invalid_reason or _("This certificate was revoked by the Ministry.")
    return True, ""


# --- Pages for agencies and provincial officers ----------------------------------------------


class TrainingPageMixin(ScopedObjectMixin):
    """Agencies run sessions; provincial officers read those held in their province."""

    allowed_roles = (Role.AGENCY, Role.PROVINCE)
    model = TrainingSession

    @property
    def may_edit(self) -> bool:
        # Only the agency that runs a session changes it; sessions_for_page already
        # limits an agency user to its own sessions.
        return self.scope.role is Role.AGENCY


class SessionListView(TrainingPageMixin, ListView):
    template_name = "workers/training/session_list.html"
    paginate_by = 25
    context_object_name = "sessions"

    def get_queryset(self):
        return sessions_for_page(self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(may_edit=self.may_edit, today=timezone.localdate(), **kwargs)


class SessionCreateView(TrainingPageMixin, View):
    allowed_roles = (Role.AGENCY,)
    template_name = "workers/training/session_new.html"

    def agency(self) -> Agency:
        agency = visible(Agency, self.request.user).select_related("province").first()
        if agency is None:
            raise Http404
        return agency

    def form(self, data=None, agency=None):
        user = self.request.user
        initial = {"province": agency.province_id} if agency is not None else {}
        return SessionForm(
            data,
            initial=initial,
            curricula=current_curricula(user),
            trainers=visible(Trainer, user).order_by("name", "id"),
            provinces=visible(Province, user).order_by("name"),
        )

    def get(self, request):
        return self.render(self.form(agency=self.agency()))

    def post(self, request):
        agency = self.agency()
        form = self.form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                session = training.session_create(
                    actor=request.user,
                    agency=agency,
                    curriculum=data["curriculum"],
                    trainer=data["trainer"],
                    province=data["province"],
                    place=data["place"],
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Session created. Enrol the workers who attend it."))
                if form.trainer_not_covering:
                    messages.warning(
                        request,
                        _(
                            "The trainer's certification does not cover these dates: certificates from this session will be "
                            "NOT VALID and will not count for departure."
                        ),
                    )
                return redirect("training-session", pk=session.pk)
        return self.render(form)

    def render(self, form):
        # Each trainer's validity, for the page to warn as soon as the dates are chosen.
        dates = {str(t.pk): [t.certified_on.isoformat(), t.certified_until.isoformat()] for t in form.fields["trainer"].queryset}
        return render(self.request, self.template_name, {"form": form, "trainer_dates": dates})


class SessionDetailView(TrainingPageMixin, View):
    """One session: its curriculum, who is enrolled, completion and certificates.

    For the agency that runs it, the enrolment and completion forms too."""

    template_name = "workers/training/session_detail.html"

    def get_session(self, pk: int) -> TrainingSession:
        return get_object_or_404(sessions_for_page(self.request.user), pk=pk)

    def candidates(self, session: TrainingSession):
        """The agency's workers not yet enrolled: what an enrolment may choose from."""
        return visible(Worker, self.request.user).exclude(pk__in=Attendance.objects.filter(session=session).values("worker_id"))

    def search(self, session: TrainingSession, query: str):
        workers = self.candidates(session)
        if query:
            # Identifiers are found by their keyed hash (services.worker_lookup), never by
            # decrypting; names by a plain match. A kind whose normalised form is empty
            # (letters typed as a phone number) is skipped: its hash would be "" and
            # match every worker without that identifier.
            condition = Q(name_latin__icontains=query) | Q(name_km__icontains=query)
            for field, kind in (("national_id", "national_id"), ("passport_number", "passport"), ("phone", "phone")):
                if pii_hash(query, kind=kind):
                    condition |= Q(pk__in=services.worker_lookup(**{field: query}).values("pk"))
            workers = workers.filter(condition)
        already = Certificate.objects.filter(worker=OuterRef("pk"), is_valid=True)
        return list(
            workers.select_related("home_province")
            .annotate(has_valid_certificate=Exists(already))
            .order_by("name_latin", "id")[:ENROL_CANDIDATES]
        )

    def attendances(self, session: TrainingSession) -> list[Attendance]:
        return list(
            visible(Attendance, self.request.user)
            .filter(session=session)
            .select_related("worker")
            .order_by("worker__name_latin", "id")
        )

    def get(self, request, pk: int):
        return self.render_session(self.get_session(pk))

    def finished(self, session: TrainingSession):
        """A change posted to a session whose completion is recorded: refused, said plainly."""
        messages.error(self.request, _("Completion of this session was already recorded; it can no longer be changed."))
        return redirect("training-session", pk=session.pk)

    def render_session(self, session: TrainingSession, *, enrol_form=None, completion_form=None, status=200):
        user = self.request.user
        attendances = self.attendances(session)
        context = {
            "session": session,
            "modules": list(visible(CurriculumModule, user).filter(curriculum=session.curriculum_id).order_by("order", "id")),
            "attendances": attendances,
            "certificates": list(certificates_for_page(user).filter(session=session).order_by("worker__name_latin", "id")),
            "may_edit": self.may_edit,
            "today": timezone.localdate(),
        }
        if self.may_edit and not session.completed:
            query = self.request.GET.get("q", "").strip()[:100]
            context.update(
                query=query,
                candidates=self.search(session, query),
                enrol_form=enrol_form or EnrolForm(workers=Worker.objects.none()),
                completion_form=completion_form
                or CompletionForm(attendances=attendances, default_hours=session.curriculum.hours),
                has_ended=session.ends_on <= timezone.localdate(),
            )
        return render(self.request, self.template_name, context, status=status)


class SessionEnrolView(SessionDetailView):
    allowed_roles = (Role.AGENCY,)

    def get(self, request, pk: int):
        return redirect("training-session", pk=pk)

    def post(self, request, pk: int):
        session = self.get_session(pk)
        if session.completed:
            return self.finished(session)
        form = EnrolForm(request.POST, workers=self.candidates(session))
        if form.is_valid():
            try:
                added = training.session_enrol(session=session, workers=list(form.cleaned_data["workers"]), actor=request.user)
            except ValidationError as exc:
                add_service_errors(form, exc, fallback="workers")
            else:
                messages.success(request, _("%(n)d workers enrolled.") % {"n": added})
                return redirect("training-session", pk=session.pk)
        return self.render_session(session, enrol_form=form)


class SessionCompleteView(SessionDetailView):
    allowed_roles = (Role.AGENCY,)

    def get(self, request, pk: int):
        return redirect("training-session", pk=pk)

    def post(self, request, pk: int):
        session = self.get_session(pk)
        if session.completed:
            return self.finished(session)
        form = CompletionForm(request.POST, attendances=self.attendances(session), default_hours=session.curriculum.hours)
        if form.is_valid():
            try:
                certificates = training.session_complete(
                    session=session,
                    actor=request.user,
                    completed_worker_ids=form.completed_ids(),
                    hours=form.hours(),
                    issued_on=form.cleaned_data["issued_on"],
                )
            except ValidationError as exc:
                if TrainingSession.objects.filter(pk=session.pk, completed=True).exists():
                    return self.finished(session)  # recorded meanwhile, from another tab or by a colleague
                # "Not ended yet", "issued before the end", "not enrolled": above the table,
                # or beside the issue date when the service names it.
                add_service_errors(form, exc)
            else:
                if certificates and not certificates[0].is_valid:
                    messages.warning(
                        request,
                        _("Completion recorded, but the %(n)d certificates are NOT VALID: %(reason)s")
                        % {"n": len(certificates), "reason": certificates[0].invalid_reason},
                    )
                else:
                    messages.success(request, _("Completion recorded: %(n)d certificates issued.") % {"n": len(certificates)})
                return redirect("training-session", pk=session.pk)
        return self.render_session(session, completion_form=form)


class CertificatePdfView(ScopedObjectMixin, View):
    """The certificate as a PDF. A not-valid certificate prints too, marked NOT VALID on
    every page with the reason, so the agency and the worker see why it does not count;
    it is never printed as if it were valid."""

    allowed_roles = (Role.AGENCY, Role.PROVINCE, Role.MINISTRY)
    model = Certificate

    def get(self, request, number: str):
        certificate = get_object_or_404(certificates_for_page(request.user), number=number.strip().upper())
        return certificate_pdf(certificate, request, channel=AccessChannel.PAGE)


def certificate_pdf(certificate: Certificate, request, *, channel: str):
    """Render one (already scoped) certificate: shared by the page and the API. A download of
    a person's certificate is an export of personal data: written to the access log."""
    user = request.user
    access_record(actor=user, kind=AccessKind.EXPORT, channel=channel, what="training certificate PDF",
                  subject=certificate, label=certificate.number, rows=1)
    session = certificate.session
    attendance = visible(Attendance, user).filter(session=session, worker=certificate.worker_id).first()
    valid, reason = certificate_status(certificate)
    context = {
        "certificate": certificate,
        "worker": certificate.worker,
        "session": session,
        "curriculum": session.curriculum,
        "modules": list(visible(CurriculumModule, user).filter(curriculum=session.curriculum_id).order_by("order", "id")),
        "hours_attended": attendance.hours_attended if attendance else None,
        "valid": valid,
        "reason": reason,
        "verify_url": verify_url(certificate.number),
    }
    return pdf_response("pdf/certificate.html", context, filename=f"{certificate.number}.pdf", request=request)


# --- The public --------------------------------------------------------------------------------


class CertificateVerifyView(TemplateView):
    """Anyone (an employer, an embassy, a border officer, the worker) checks a certificate
    by its number. Shows only what verification needs: the names, the curriculum and
    destination, the issue date, the agency, and whether it counts (and why not). No
    identifiers, no date of birth, no address."""

    template_name = "public/certificate_verify.html"

    def get_context_data(self, **kwargs):
        number = self.request.GET.get("number", "").strip().upper()[:40]
        certificate = training.certificate_verify(number) if number else None
        valid, reason = certificate_status(certificate) if certificate else (False, "")
        return super().get_context_data(number=number, certificate=certificate, valid=valid, reason=reason, **kwargs)
