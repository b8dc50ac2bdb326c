"""The remittance pages: the public comparison of what sending money home costs, what
agencies record their workers sent, the ministry's and provinces' summaries, the
indicator over time, and financial-literacy sessions.

Views parse input, resolve the user, call one service (or selector) and shape the
output. Rows are read through ``remittances.selectors`` (scoped by ``visible_to``):
a deployment or a session outside the user's scope is a 404. Writes go through
``remittances.services`` and ``remittances.literacy``, whose ValidationError is shown
next to the field it names and whose PermissionDenied is a 403.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView

from migration_portal.core.scoping import Role, visible
from migration_portal.core.views_base import RoleRequiredMixin
from migration_portal.reference.models import Province

from . import literacy, selectors, services
from .charts import PALETTE, Line, line_chart
from .choices import ReceiveMethod, RemittanceChannel, RemittanceSource
from .forms import (
    AttendeeFamilyForm,
    AttendeeWorkerForm,
    CompareForm,
    DeploymentSearchForm,
    LiteracySessionForm,
    RemittanceForm,
    SummaryForm,
    WorkerSearchForm,
    add_service_errors,
)
from .models import LiteracyAttendance, LiteracySession, Provider

ALL_ROLES = (Role.AGENCY, Role.PROVINCE, Role.MINISTRY)


class PortalPageMixin(RoleRequiredMixin):
    """A signed-in page for the listed roles that also needs one model permission (403 otherwise)."""

    permission_required = ""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.permission_required and not request.user.has_perm(self.permission_required):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


# --- The public comparison ------------------------------------------------------------------


class PublicCompareView(TemplateView):
    """Compare what it costs to send money home (no sign-in). Three queries: the corridors,
    the latest rates and the latest offers of every corridor (for the national indicator)."""

    template_name = "public/remittance_compare.html"

    def get_context_data(self, **kwargs):
        corridors = list(selectors.corridor_list())
        asked = any(k in self.request.GET for k in ("corridor", "amount", "method"))
        data = None
        if asked:
            data = self.request.GET.copy()
            data["corridor"] = data.get("corridor", "").strip().upper()[:8]
            data["amount"] = data.get("amount", "").strip().replace(",", "").replace(" ", "")
        form = CompareForm(data, corridors=corridors)
        corridor, amount, method = None, None, ""
        if asked and form.is_valid():
            corridor, amount, method = form.cleaned_data["corridor"], form.cleaned_data["amount"], form.cleaned_data["method"]
        elif asked and "corridor" not in form.errors:
            corridor = form.corridors.get(data["corridor"])  # the country was fine: still show its average
        result = services.comparison(corridors=corridors, corridor=corridor, amount=amount, method=method)
        if form.errors:
            result.quotes = []  # no ranking for an amount or a way of receiving we could not read
        if result.benchmark_amount is not None:
            form.fields["amount"].widget.attrs["placeholder"] = _("%(amount)s (= USD 200)") % {
                "amount": f"{result.benchmark_amount:,.0f}"}
        methods = dict(ReceiveMethod.choices)
        rows = [
            {
                "rank": i,
                "quote": q,
                "offer": q.offer,
                "methods": [methods[m] for m in q.offer.valid_methods()],
                "fee_percent_of_amount": (q.fee * 100 / q.amount).quantize(services.CENT) if q.amount else None,
                "meets_target": q.cost_percent < result.target,
            }
            for i, q in enumerate(result.quotes, start=1)
        ]
        usd_equivalent = None
        if result.amount is not None and result.sending_rate:
            usd_equivalent = (result.amount / result.sending_rate).quantize(Decimal("1"))
        return super().get_context_data(
            form=form, result=result, rows=rows, usd_equivalent=usd_equivalent, asked=asked, method_label=methods.get(method),
            corridor_costs=[c for c in result.costs if c.average is not None],
            benchmark_usd=services.BENCHMARK_USD, **kwargs,
        )


# --- Remittances recorded for deployments -----------------------------------------------------


class RemittanceListView(PortalPageMixin, ListView):
    """What workers sent: an agency its own workers', a province its people's, the ministry all."""

    allowed_roles = ALL_ROLES
    permission_required = "remittances.view_remittance"
    template_name = "remittances/remittance_list.html"
    paginate_by = 50
    context_object_name = "remittances"

    def get_queryset(self):
        qs = selectors.remittance_list(user=self.request.user)
        self.filters = {k: self.request.GET.get(k, "") for k in ("channel", "country")}
        if self.filters["channel"] in RemittanceChannel.values:
            qs = qs.filter(channel=self.filters["channel"])
        if self.filters["country"]:
            qs = qs.filter(deployment__country__code=self.filters["country"][:2].upper())
        return qs

    def get_context_data(self, **kwargs):
        query = urlencode({k: v for k, v in self.filters.items() if v})
        return super().get_context_data(
            filters=self.filters, channels=RemittanceChannel.choices, corridors=selectors.corridor_list(user=self.request.user),
            query_string=query, can_record=self.request.user.has_perm("remittances.add_remittance"), **kwargs,
        )


class RemittanceStartView(PortalPageMixin, TemplateView):
    """Find the worker (deployment) a remittance is recorded for."""

    allowed_roles = (Role.AGENCY, Role.MINISTRY)
    permission_required = "remittances.add_remittance"
    template_name = "remittances/remittance_start.html"

    def get_context_data(self, **kwargs):
        form = DeploymentSearchForm(self.request.GET or None)
        query = form.cleaned_data["q"] if form.is_bound and form.is_valid() else ""
        return super().get_context_data(
            form=form, query=query, deployments=selectors.deployment_search(user=self.request.user, query=query), **kwargs
        )


class DeploymentRemittanceView(PortalPageMixin, View):
    """One deployment's remittances, and the form to record a month. Another agency's
    deployment is a 404; a role that may only read sees no form and is refused a POST."""

    allowed_roles = ALL_ROLES
    permission_required = "remittances.view_remittance"
    template_name = "remittances/deployment_remittances.html"

    def get_deployment(self, ref):
        from workers.models import Deployment

        try:
            return selectors.deployment_for_remittances(user=self.request.user, ref=ref)
        except Deployment.DoesNotExist:
            raise Http404

    def form(self, deployment, data=None):
        currencies = [c for c in dict.fromkeys([deployment.country.currency, "USD", "KHR"]) if c]
        providers = visible(Provider.objects.filter(active=True).order_by("name"), self.request.user)
        last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
        return RemittanceForm(data, currencies=currencies, providers=providers,
                              initial={"month": last_month, "currency": currencies[0], "source": RemittanceSource.AGENCY})

    def get(self, request, ref):
        deployment = self.get_deployment(ref)
        return self.render(deployment, self.form(deployment) if self.can_record() else None)

    def post(self, request, ref):
        deployment = self.get_deployment(ref)
        if not self.can_record():
            raise PermissionDenied
        form = self.form(deployment, request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                remittance = services.remittance_record(
                    deployment=deployment, actor=request.user, month=d["month"], amount=d["amount"], currency=d["currency"],
                    channel=d["channel"], source=d["source"], provider=d["provider"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Recorded: %(amount)s %(currency)s sent in %(month)s.") % {
                    "amount": f"{remittance.amount:,.2f}", "currency": remittance.currency,
                    "month": remittance.month.strftime("%Y-%m")})
                return redirect("remittance-deployment", ref=deployment.ref)
        return self.render(deployment, form, status=400 if form.errors else 200)

    def can_record(self) -> bool:
        return self.scope.role in (Role.AGENCY, Role.MINISTRY) and self.request.user.has_perm("remittances.add_remittance")

    def render(self, deployment, form, status=200):
        rows = selectors.remittance_list(user=self.request.user).filter(deployment=deployment)[:36]
        context = {"deployment": deployment, "form": form, "remittances": rows}
        return render(self.request, self.template_name, context, status=status)


class RemittanceSummaryView(PortalPageMixin, TemplateView):
    """Money sent home by destination, province of origin and sex, with the formal share."""

    allowed_roles = (Role.PROVINCE, Role.MINISTRY)
    permission_required = "remittances.view_remittance"
    template_name = "remittances/summary.html"

    def get_context_data(self, **kwargs):
        form = SummaryForm(self.request.GET or None)
        start, end = form.period()
        if not form.is_bound:
            form = SummaryForm(initial={"start": start, "end": end})  # show the months the figures cover
        summary = selectors.remittance_summary(user=self.request.user, start=start, end=end)
        province = self.request.user.province if self.scope.role is Role.PROVINCE else None
        return super().get_context_data(form=form, summary=summary, province=province, **kwargs)


class IndicatorView(PortalPageMixin, TemplateView):
    """The national indicator and each corridor's average cost of USD 200, quarter by quarter."""

    allowed_roles = (Role.MINISTRY,)
    permission_required = "remittances.view_offer"
    template_name = "remittances/indicator.html"
    quarters = 8

    def get_context_data(self, **kwargs):
        series = services.indicator_series(services.quarter_points(timezone.localdate(), self.quarters))
        corridors = []
        if series:
            for cost in series[-1].costs:
                values = [p.average_for(cost.corridor.pk) for p in series]
                if any(v is not None for v in values):
                    corridors.append((cost.corridor, values))
        labels = [p.label for p in series]
        lines = [Line(_("National indicator"), [p.national for p in series], PALETTE[0], width=3.5)] + [
            Line(c.country.name, values, PALETTE[(i % (len(PALETTE) - 1)) + 1], width=1.5, name_km=c.country.name_km)
            for i, (c, values) in enumerate(corridors)
        ]
        chart = line_chart(
            title=_("Average total cost of sending USD 200 to Cambodia, by quarter"), labels=labels, lines=lines,
            target=services.SDG_TARGET_PERCENT, target_name=_("SDG 10.c target: 3%"),
            empty=_("No offers have been recorded yet."),
        )
        table = [
            {"point": p, "corridors": [values[i] for _c, values in corridors]} for i, p in enumerate(series)
        ]
        return super().get_context_data(series=series, corridors=[c for c, _v in corridors], table=table, chart=chart,
                                        target=services.SDG_TARGET_PERCENT, latest=series[-1] if series else None, **kwargs)


# --- Financial-literacy sessions -------------------------------------------------------------


class LiteracySessionListView(PortalPageMixin, ListView):
    allowed_roles = ALL_ROLES
    permission_required = "remittances.view_literacysession"
    template_name = "remittances/literacy_list.html"
    paginate_by = 50
    context_object_name = "sessions"

    def get_queryset(self):
        return selectors.literacy_session_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_add=self.can_add(), **kwargs)

    def can_add(self) -> bool:
        return self.request.user.has_perm("remittances.add_literacysession")


class LiteracySessionCreateView(PortalPageMixin, View):
    allowed_roles = ALL_ROLES
    permission_required = "remittances.add_literacysession"
    template_name = "remittances/literacy_form.html"

    def form(self, data=None):
        fixed = self.request.user.province if self.scope.role is Role.PROVINCE else None
        provinces = visible(Province.objects.order_by("name"), self.request.user)
        return LiteracySessionForm(data, provinces=provinces, fixed_province=fixed,
                                   initial={"held_on": timezone.localdate()})

    def get(self, request):
        return render(request, self.template_name, {"form": self.form()})

    def post(self, request):
        form = self.form(request.POST)
        if form.is_valid():
            try:
                session = literacy.session_create(actor=request.user, **form.service_kwargs())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Session recorded. Now add the people who attended."))
                return redirect("literacy-detail", pk=session.pk)
        return render(request, self.template_name, {"form": form}, status=400)


class LiteracySessionMixin(PortalPageMixin):
    allowed_roles = ALL_ROLES
    permission_required = "remittances.view_literacysession"
    template_name = "remittances/literacy_detail.html"

    def get_session(self, pk) -> LiteracySession:
        try:
            return selectors.literacy_session_get(user=self.request.user, pk=pk)
        except LiteracySession.DoesNotExist:
            raise Http404

    def can_add(self) -> bool:
        return self.request.user.has_perm("remittances.add_literacyattendance")

    def render_session(self, session, *, worker_form=None, family_form=None, status=200):
        search = WorkerSearchForm(self.request.GET or None)
        query = search.cleaned_data["q"] if search.is_bound and search.is_valid() else ""
        can_add = self.can_add()
        context = {
            "session": session,
            "attendees": selectors.literacy_attendees(user=self.request.user, session=session),
            "can_add": can_add,
            "can_remove": self.request.user.has_perm("remittances.delete_literacyattendance"),
            "search": search,
            "query": query,
            "found": selectors.worker_search(user=self.request.user, query=query, session=session) if can_add else [],
            "worker_form": worker_form,
            "family_form": family_form or AttendeeFamilyForm(),
        }
        return render(self.request, self.template_name, context, status=status)


class LiteracySessionDetailView(LiteracySessionMixin, View):
    def get(self, request, pk):
        return self.render_session(self.get_session(pk))


class AttendeeAddView(LiteracySessionMixin, View):
    """Add a registered worker (``kind=worker``) or a family member by name (``kind=family``)."""

    permission_required = "remittances.add_literacyattendance"

    def post(self, request, pk):
        session = self.get_session(pk)
        if request.POST.get("kind") == "worker":
            from workers.models import Worker

            form = AttendeeWorkerForm(request.POST, workers=visible(Worker.objects.all(), request.user))
            forms_ = {"worker_form": form}
            kwargs = lambda d: {"worker": d["worker"]}  # noqa: E731
        else:
            form = AttendeeFamilyForm(request.POST)
            forms_ = {"family_form": form}
            kwargs = lambda d: {"name": d["name"], "sex": d["sex"], "relation": d["relation"]}  # noqa: E731
        if form.is_valid():
            try:
                row = literacy.attendance_add(session=session, actor=request.user, **kwargs(form.cleaned_data))
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("%(name)s added to the list.") % {"name": row.name or row.worker.name_latin})
                return redirect("literacy-detail", pk=session.pk)
        return self.render_session(session, status=400, **forms_)


class AttendeeRemoveView(LiteracySessionMixin, View):
    permission_required = "remittances.delete_literacyattendance"

    def post(self, request, pk, attendee):
        session = self.get_session(pk)
        row = visible(LiteracyAttendance.objects.filter(session=session), request.user).filter(pk=attendee).first()
        if row is None:
            raise Http404
        literacy.attendance_remove(attendance=row, actor=request.user)
        messages.success(request, _("Removed from the list."))
        return redirect(reverse("literacy-detail", kwargs={"pk": session.pk}))

