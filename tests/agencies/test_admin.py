"""The agencies admin, the ministry's main screen.

Smoke tests with pinned query budgets for every changelist and change form (the
same budget with 3 rows and with 30), who may reach the admin at all, and every
action, button and add form: the write goes through the service (the row, its
LicenceChange and its Event are checked), and a rule broken gives a message or a
form error, never a 500 and never a changed row.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from itertools import count

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.choices import (
    AdvertisementStatus,
    ChecklistResult,
    DepositEntryKind,
    InspectionStatus,
    LicenceStatus,
    ReportStatus,
    SanctionKind,
)
from agencies.models import (
    Advertisement,
    Agency,
    ChecklistItem,
    ChecklistTemplate,
    DepositEntry,
    Inspection,
    InspectionResult,
    LicenceChange,
    MonthlyReport,
    MonthlyReportLine,
    Representative,
    Sanction,
)
from migration_portal.core.models import Event
from migration_portal.reference.models import Country, Sector

from ..factories import AgencyFactory, checklist, country, sector

pytestmark = pytest.mark.django_db

_seq = count(1)


def today():
    return timezone.localdate()


def last_month():
    return (today().replace(day=1) - timedelta(days=1)).replace(day=1)


def months_ago(n: int):
    d = today().replace(day=1)
    for _ in range(n):
        d = (d - timedelta(days=1)).replace(day=1)
    return d


# --- Builders: n rows of each model, for the budgets that must not grow with rows -----


def current_checklist() -> ChecklistTemplate:
    return ChecklistTemplate.objects.filter(is_current=True).first() or checklist(version=900, items=4)


def make_agencies(n):
    return [AgencyFactory() for _ in range(n)]


def make_representatives(n):
    agency = AgencyFactory()
    return [Representative.objects.create(agency=agency, country=country("TH"), name=f"Rep {next(_seq)}") for _ in range(n)]


def make_deposit_entries(n):
    agency = AgencyFactory()
    return [DepositEntry.objects.create(agency=agency, kind=DepositEntryKind.TOP_UP, amount=Decimal("10")) for _ in range(n)]


def make_licence_changes(n):
    agency = AgencyFactory()
    return [
        LicenceChange.objects.create(agency=agency, from_status="applied", to_status="active", reason="granted") for _ in range(n)
    ]


def make_sanctions(n):
    agency = AgencyFactory()
    return [
        Sanction.objects.create(agency=agency, kind=SanctionKind.WARNING, reason="late", reference=f"W-{next(_seq)}")
        for _ in range(n)
    ]


def make_checklists(n):
    return [checklist(version=next(_seq) + 100, items=2, current=False) for _ in range(n)]


def make_checklist_items(n):
    template = checklist(version=next(_seq) + 100, items=0, current=False)
    return [ChecklistItem.objects.create(template=template, code=f"X{i}", section="Licence", text="Standard") for i in range(n)]


def make_inspections(n):
    template = current_checklist()
    return [
        Inspection.objects.create(agency=agency, template=template, scheduled_for=today() + timedelta(days=5))
        for agency in make_agencies(n)
    ]


def make_approved_inspection(agency=None, template=None):
    template = template or current_checklist()
    inspection = Inspection.objects.create(
        agency=agency or AgencyFactory(),
        template=template,
        scheduled_for=today() - timedelta(days=30),
        conducted_on=today() - timedelta(days=29),
        status=InspectionStatus.APPROVED,
        score=Decimal("80.0"),
        grade="B",
    )
    for item in template.items.all():
        InspectionResult.objects.create(inspection=inspection, item=item, result=ChecklistResult.COMPLIANT)
    return inspection


def make_inspection_results(n):
    template = checklist(version=next(_seq) + 100, items=n, current=False)
    return list(make_approved_inspection(template=template).results.all())


def make_inspection_actions(n):
    inspection = make_approved_inspection()
    return [inspection.actions.create(description=f"Fix {i}", due_date=today() + timedelta(days=30)) for i in range(n)]


def make_advertisement(agency, **kw):
    fields = {
        "title": f"Factory workers {next(_seq)}",
        "country": country("TH"),
        "sector": sector("CON"),
        "occupation": "Builder",
        "positions_male": 5,
        "positions_female": 5,
        "text": "We recruit.",
        "valid_from": today(),
        "valid_until": today() + timedelta(days=30),
        **kw,
    }
    return Advertisement.objects.create(agency=agency, **fields)


def make_advertisements(n):
    agency = AgencyFactory()
    return [make_advertisement(agency) for _ in range(n)]


def make_report(agency, period=None, status=ReportStatus.SUBMITTED, lines=2):
    report = MonthlyReport.objects.create(
        agency=agency, period=period or last_month(), status=status, submitted_at=timezone.now(), complaints_received=1
    )
    for sex in ("M", "F")[:lines]:
        MonthlyReportLine.objects.create(report=report, country=country("TH"), sector=sector("CON"), sex=sex, deployed=3)
    return report


def make_reports(n):
    return [make_report(AgencyFactory(), lines=1) for _ in range(n)]


def make_report_lines(n):
    agency = AgencyFactory()
    reports = [make_report(agency, period=months_ago(i + 1), lines=0) for i in range((n + 1) // 2)]
    lines = []
    for report in reports:
        for sex in ("M", "F"):
            lines.append(MonthlyReportLine.objects.create(report=report, country=country("KR"), sector=sector("CON"), sex=sex))
    return lines[:n]


BUILDERS = {
    "agency": make_agencies,
    "representative": make_representatives,
    "depositentry": make_deposit_entries,
    "licencechange": make_licence_changes,
    "sanction": make_sanctions,
    "checklisttemplate": make_checklists,
    "checklistitem": make_checklist_items,
    "inspection": make_inspections,
    "inspectionresult": make_inspection_results,
    "inspectionaction": make_inspection_actions,
    "advertisement": make_advertisements,
    "monthlyreport": make_reports,
    "monthlyreportline": make_report_lines,
}


# --- Helpers ------------------------------------------------------------------------------


def admin_url(model: str, view: str = "changelist", *args) -> str:
    return reverse(f"admin:agencies_{model}_{view}", args=args)


def post_action(client, model: str, action: str, objects, *, apply: bool = False, follow: bool = True, **data):
    """Post an admin action as the changelist does (first step), or the intermediate page's form (apply)."""
    payload = {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in objects], **data}
    if apply:
        payload["apply"] = "1"
    else:
        payload["index"] = "0"
    return client.post(admin_url(model), payload, follow=follow)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def form_errors(response) -> str:
    form = response.context["form"]
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def events(subject, code=None):
    qs = Event.objects.filter(content_type=ContentType.objects.get_for_model(type(subject)), object_id=str(subject.pk))
    return qs.filter(code=code) if code else qs


def changeform_data(response) -> dict:
    """The POST data of an admin change form as rendered (its fields' current values and
    every inline's management form and rows), to submit it as a browser would."""
    data = {}

    def put(form):
        for name, _field in form.fields.items():
            value = form[name].value()
            key = form.add_prefix(name)
            if value is None or value is False:
                continue
            if value is True:
                data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            else:
                data[key] = str(value)

    put(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        put(formset.management_form)
        for form in formset.forms:
            put(form)
    return data


@pytest.fixture
def current_template(db):
    return checklist(version=1, items=4, current=True)


# --- Who may reach the admin ---------------------------------------------------------------


@pytest.mark.parametrize("persona", ["agency_user_a", "officer_a", None])
def test_agency_users_officers_and_anonymous_are_sent_to_login(persona, request, client_for, agency_a):
    user = request.getfixturevalue(persona) if persona else None
    client = client_for(user)
    for url in (reverse("admin:index"), admin_url("agency"), admin_url("agency", "change", agency_a.pk)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_staff_flag_on_an_agency_user_still_shows_only_their_agency(client_for, agency_a, agency_b, agency_user_a):
    # A misconfigured account (agency user marked staff) sees its own agency and no other.
    agency_user_a.is_staff = True
    agency_user_a.save()
    client = client_for(agency_user_a)
    response = client.get(admin_url("agency"))
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [agency_a]
    # Outside the scope: not found, as on every page and API.
    assert client.get(admin_url("agency", "change", agency_b.pk)).status_code == 404


# --- Smoke tests with pinned query budgets ---------------------------------------------------
#
# Every page reads: the session (1), the user (1), the user's groups to resolve the
# scope (1), and the header's unread-notification count (1). A ministry user who is not
# a superuser adds two permission reads (their own and their groups'). The ContentType
# cache is warmed first, as it is in a running process after its first request.
BASE = 4
PERMS = 2
# A changelist adds the filtered COUNT (1) and the page's rows (1), then:
#   - each list filter on a related model: its choices (1 each);
#   - date_hierarchy: the first and last dates (1) and the dates to offer (1);
#   - agency's risk column, computed for the whole page at once (never per row): one
#     query per registered signal, whatever the number of rows (see ``risk_queries``).
LIST = BASE + 2
DATES = 2


def risk_queries() -> int:
    """What agencies.risk.risk_profiles costs for any number of agencies: in agencies,
    overdue reports (2: agencies, filed reports), sanctions (1), deposit (1), last
    inspection (1), representatives (2: authorised countries, representatives); plus
    one per signal other apps register (complaints against the agency...)."""
    from agencies.risk import risk_profiles

    ids = list(Agency.objects.values_list("pk", flat=True)[:2]) or [0]
    with CaptureQueriesContext(connection) as ctx:
        risk_profiles(ids, today())
    assert len(ctx.captured_queries) >= 7
    return len(ctx.captured_queries)


CHANGELIST_BUDGETS = {
    # model: (a superuser's queries, the ministry group that works on it)
    "agency": (LIST + 2, "licensing_officer"),  # filters: province, authorised country; + risk_queries()
    "representative": (LIST + 1, "licensing_officer"),  # filter: country
    "depositentry": (LIST + DATES, "licensing_officer"),
    "licencechange": (LIST + DATES, "licensing_officer"),
    "sanction": (LIST + DATES, "director"),
    "checklisttemplate": (LIST, "inspector"),  # item count and frozen flag are annotations
    "checklistitem": (LIST + 1, "inspector"),  # filter: checklist
    "inspection": (LIST + DATES, "inspector"),
    "inspectionresult": (LIST, "inspector"),
    "inspectionaction": (LIST + DATES, "inspector"),
    "advertisement": (LIST + 2 + DATES, "licensing_officer"),  # filters: country, sector
    "monthlyreport": (LIST + 1 + DATES, "licensing_officer"),  # filter: the years reported
    "monthlyreportline": (LIST + 2, "statistician"),  # filters: country, sector
}

# A change form adds the row itself (1, with the joins its page shows), then:
CHANGE_FORM_BUDGETS = {
    # agency: authorised destinations chosen (1) and offered (1), the province's
    # autocomplete label (1), the countries for all representative rows (1, read once),
    # five inlines (5), the event timeline (1), and the risk profile (risk_queries()).
    "agency": (BASE + 1 + 2 + 1 + 1 + 5 + 1, "licensing_officer"),
    # representative: the autocomplete labels of its agency (1) and country (1).
    "representative": (BASE + 1 + 2, "licensing_officer"),
    "depositentry": (BASE + 1, "licensing_officer"),
    "licencechange": (BASE + 1, "licensing_officer"),
    "sanction": (BASE + 1, "director"),
    # checklisttemplate: the service's frozen check (1) and the items (1).
    "checklisttemplate": (BASE + 1 + 2, "inspector"),
    # checklistitem: its checklist's frozen check (1) and the checklists offered (1).
    "checklistitem": (BASE + 1 + 2, "inspector"),
    # inspection: inspectors chosen (1) and offered (1), results (1), actions (1), timeline (1).
    "inspection": (BASE + 1 + 5, "inspector"),
    "inspectionresult": (BASE + 1, "inspector"),
    "inspectionaction": (BASE + 1, "inspector"),
    "advertisement": (BASE + 1 + 1, "licensing_officer"),  # the timeline
    "monthlyreport": (BASE + 1 + 2, "licensing_officer"),  # lines, timeline
    "monthlyreportline": (BASE + 1, "statistician"),
}


@pytest.fixture
def warm_content_types(db):
    # Every model's: the change form's timeline is filtered by what the user may see of each model.
    ContentType.objects.get_for_models(*apps.get_models())


@pytest.mark.parametrize("model", list(CHANGELIST_BUDGETS))
def test_changelist_budget_does_not_grow_with_rows(
    model, request, client_for, superuser, warm_content_types, django_assert_num_queries
):
    budget, group = CHANGELIST_BUDGETS[model]
    staff = request.getfixturevalue(group)
    url = admin_url(model)
    BUILDERS[model](3)
    if model == "agency":
        budget += risk_queries()
    for rows in (3, 30):
        for user, queries in ((superuser, budget), (staff, budget + PERMS)):
            client = client_for(user)
            with django_assert_num_queries(queries):
                response = client.get(url)
            assert response.status_code == 200
            assert response.context["cl"].result_count >= rows
        if rows == 3:
            BUILDERS[model](27)


@pytest.mark.parametrize("model", list(CHANGE_FORM_BUDGETS))
def test_change_form_budget(model, request, client_for, superuser, warm_content_types, django_assert_num_queries):
    budget, group = CHANGE_FORM_BUDGETS[model]
    staff = request.getfixturevalue(group)
    obj = BUILDERS[model](3)[0]
    if model == "agency":
        budget += risk_queries()
    url = admin_url(model, "change", obj.pk)
    for user, queries in ((superuser, budget), (staff, budget + PERMS)):
        client = client_for(user)
        with django_assert_num_queries(queries):
            response = client.get(url)
        assert response.status_code == 200
        assert response.context["original"] == obj


def test_change_form_budgets_do_not_grow_with_inline_rows(
    client_for, licensing_officer, inspector, current_template, warm_content_types, django_assert_num_queries
):
    agency = AgencyFactory()
    report = make_report(agency)
    inspection = make_approved_inspection(agency=agency, template=current_template)
    pages = [
        (licensing_officer, admin_url("agency", "change", agency.pk), CHANGE_FORM_BUDGETS["agency"][0] + risk_queries()),
        (licensing_officer, admin_url("monthlyreport", "change", report.pk), CHANGE_FORM_BUDGETS["monthlyreport"][0]),
        (inspector, admin_url("inspection", "change", inspection.pk), CHANGE_FORM_BUDGETS["inspection"][0] - 1),
        (inspector, admin_url("checklisttemplate", "change", current_template.pk), CHANGE_FORM_BUDGETS["checklisttemplate"][0]),
    ]  # (the approved inspection is read-only: no inspectors offered, hence one read fewer)

    combos = iter([(c, s, sex) for c in Country.objects.exclude(code="TH") for s in Sector.objects.all() for sex in ("M", "F")])

    def grow(n):
        for i in range(n):
            Representative.objects.create(agency=agency, country=country("KR"), name=f"Rep {next(_seq)}")
            DepositEntry.objects.create(agency=agency, kind=DepositEntryKind.TOP_UP, amount=Decimal("1"))
            LicenceChange.objects.create(agency=agency, from_status="active", to_status="active", reason="renewed")
            Sanction.objects.create(agency=agency, kind=SanctionKind.COMMENDATION, reason="good", reference=f"C-{next(_seq)}")
            inspection.actions.create(description=f"Do {i}", due_date=today())
            make_approved_inspection(agency=agency, template=current_template)
            line_country, line_sector, sex = next(combos)
            MonthlyReportLine.objects.create(report=report, country=line_country, sector=line_sector, sex=sex)

    for n in (3, 27):
        grow(n)
        for user, url, queries in pages:
            client = client_for(user)
            with django_assert_num_queries(queries + PERMS):
                assert client.get(url).status_code == 200


ADD_PAGES = {
    "agency": "licensing_officer",
    "representative": "licensing_officer",
    "depositentry": "licensing_officer",
    "sanction": "director",
    "checklisttemplate": "inspector",
    "inspection": "inspector",
}


@pytest.mark.parametrize("model", list(ADD_PAGES))
def test_add_pages_open(model, request, client_for, superuser, agency_a):
    for user in (superuser, request.getfixturevalue(ADD_PAGES[model])):
        response = client_for(user).get(admin_url(model, "add") + f"?agency={agency_a.pk}")
        assert response.status_code == 200


@pytest.mark.parametrize("model", ["monthlyreport", "advertisement", "inspectionresult", "licencechange", "monthlyreportline"])
def test_records_written_elsewhere_have_no_add_page(model, client_for, superuser):
    assert client_for(superuser).get(admin_url(model, "add")).status_code == 403


# --- Agency: the changelist's columns and filters ---------------------------------------------


def test_risk_column_is_computed_once_for_the_page(client_for, licensing_officer, monkeypatch):
    import agencies.admin as agencies_admin

    risky = AgencyFactory(name="Risky Recruitment", deposit=Decimal("50000"))
    for i in range(2):
        Sanction.objects.create(agency=risky, kind=SanctionKind.WARNING, reason="late", reference=f"W-{i}")
    make_agencies(4)
    calls = []
    real = agencies_admin.risk_profiles

    def spy(ids, day):
        calls.append(list(ids))
        return real(ids, day)

    monkeypatch.setattr(agencies_admin, "risk_profiles", spy)
    response = client_for(licensing_officer).get(admin_url("agency"))
    assert response.status_code == 200
    assert len(calls) == 1 and len(calls[0]) == 5  # one call, for the five rows of the page
    row = next(a for a in response.context["cl"].result_list if a.pk == risky.pk)
    assert row.risk_profile.level == "high"  # short deposit (20) + two warnings (20) + never inspected (15)
    html = response.content.decode()
    assert "risk-high" in html and "guarantee deposit short" in html
    assert re.search(r"50,000\.00 <strong class=\"deposit-short\">short</strong>", html)


def test_deposit_short_and_expiring_filters(client_for, licensing_officer):
    full = AgencyFactory(name="Full deposit")
    short = AgencyFactory(name="Short deposit", deposit=Decimal("99999.99"))
    expiring = AgencyFactory(name="Expiring soon", licence_expires=today() + timedelta(days=30))
    AgencyFactory(name="Expiring later", licence_expires=today() + timedelta(days=90))
    AgencyFactory(name="Expiring but closed", licence_expires=today() + timedelta(days=10), licence_status=LicenceStatus.CLOSED)
    client = client_for(licensing_officer)

    def names(query):
        response = client.get(admin_url("agency") + query)
        assert response.status_code == 200
        return {a.name for a in response.context["cl"].result_list}

    assert names("?deposit=short") == {short.name}
    assert full.name in names("?deposit=full") and short.name not in names("?deposit=full")
    assert names("?expiring=soon") == {expiring.name}
    # The M2M filter does not duplicate rows, and the risk column still works on it.
    assert len(names(f"?authorised_countries__id__exact={country('TH').pk}")) == 5


def test_risk_panel_and_deposit_on_the_change_page(client_for, licensing_officer):
    agency = AgencyFactory(deposit=Decimal("40000"))
    response = client_for(licensing_officer).get(admin_url("agency", "change", agency.pk))
    assert response.status_code == 200
    assert response.context["risk"].score >= 20
    assert response.context["deposit_short"] is True
    html = response.content.decode()
    assert 'id="risk-reasons"' in html and "never inspected" in html
    assert "40,000.00: short of the required 100,000.00" in html
    labels = [str(t["label"]) for t in response.context["object_tools"]]
    assert labels == ["Change licence", "Record deposit entry", "Record a sanction or reward"]  # no add_inspection
    assert response.context["audit_url"] == reverse("admin:agencies_agency_auditlog", args=[agency.pk])


# --- Agency: licence changes ----------------------------------------------------------------


def test_grant_a_licence(client_for, licensing_officer):
    agency = AgencyFactory(licence_status=LicenceStatus.APPLIED, licence_number=None, licence_issued=None, licence_expires=None)
    client = client_for(licensing_officer)
    url = admin_url("agency", "licence", agency.pk)
    page = client.get(url)
    assert page.status_code == 200
    assert [c[0] for c in page.context["form"].fields["to_status"].choices] == [LicenceStatus.ACTIVE, LicenceStatus.CLOSED]
    expires = today() + timedelta(days=1000)
    response = client.post(
        url,
        {
            "to_status": "active",
            "reason": "All conditions of Prakas 047 met",
            "reference": "DEC-1",
            "licence_number": "MOLVT-9999",
            "expires": expires.isoformat(),
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == admin_url("agency", "change", agency.pk)
    assert "The licence was changed." in messages_of(response)
    agency.refresh_from_db()
    assert (agency.licence_status, agency.licence_number, agency.licence_expires) == ("active", "MOLVT-9999", expires)
    change = LicenceChange.objects.get(agency=agency)
    assert (change.from_status, change.to_status, change.actor, change.reference) == (
        "applied",
        "active",
        licensing_officer,
        "DEC-1",
    )
    assert events(agency, "licence.changed").get().actor == licensing_officer


def test_licence_change_errors_change_nothing(client_for, licensing_officer, agency_a, agency_b):
    client = client_for(licensing_officer)
    url = admin_url("agency", "licence", agency_b.pk)
    # No reason: the service's own message, on its field.
    response = client.post(url, {"to_status": "stopped", "reason": " "})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["Give the reason for this change."]
    # A suspension is a sanction, not offered here.
    response = client.post(url, {"to_status": "suspended", "reason": "x"})
    assert "to_status" in response.context["form"].errors
    agency_b.refresh_from_db()
    assert agency_b.licence_status == LicenceStatus.ACTIVE
    assert not LicenceChange.objects.filter(agency=agency_b).exists()
    # Someone else's licence number is refused before the database would refuse it.
    applied = AgencyFactory(licence_status=LicenceStatus.APPLIED, licence_number=None, licence_issued=None, licence_expires=None)
    response = client.post(
        admin_url("agency", "licence", applied.pk),
        {"to_status": "active", "reason": "ok", "licence_number": agency_a.licence_number},
    )
    assert response.status_code == 200
    assert "Another agency holds licence number" in form_errors(response)
    applied.refresh_from_db()
    assert applied.licence_status == LicenceStatus.APPLIED


def test_licence_page_refused_without_the_permission(client_for, inspector, agency_a):
    client = client_for(inspector)
    assert client.get(admin_url("agency", "licence", agency_a.pk)).status_code == 403
    assert client.post(admin_url("agency", "licence", agency_a.pk), {"to_status": "closed", "reason": "x"}).status_code == 403
    agency_a.refresh_from_db()
    assert agency_a.licence_status == LicenceStatus.ACTIVE


# --- Agency: the guarantee deposit ----------------------------------------------------------------


def test_record_deposit_entries_from_the_agency_page(client_for, licensing_officer, agency_a):
    client = client_for(licensing_officer)
    url = admin_url("agency", "deposit", agency_a.pk)
    page = client.get(url)
    assert page.status_code == 200
    assert ("Balance", "USD 100,000.00") in [(str(k), v) for k, v in page.context["summary"]]
    response = client.post(
        url, {"kind": "drawdown", "amount": "2500.00", "reference": "BANK-7", "reason": "Wages owed to 3 workers"}, follow=True
    )
    assert "The deposit entry was recorded." in messages_of(response)
    entry = DepositEntry.objects.get(agency=agency_a, kind=DepositEntryKind.DRAWDOWN)
    assert (entry.amount, entry.recorded_by, entry.reference) == (Decimal("2500.00"), licensing_officer, "BANK-7")
    assert events(agency_a, "deposit.drawdown").get().actor == licensing_officer
    # The agency's page now says the deposit is short.
    page = client.get(admin_url("agency", "change", agency_a.pk))
    assert page.context["deposit_short"] is True and page.context["deposit_balance"] == Decimal("97500.00")


def test_drawdown_larger_than_the_balance_is_refused(client_for, licensing_officer, agency_a):
    client = client_for(licensing_officer)
    before = DepositEntry.objects.count()
    response = client.post(
        admin_url("agency", "deposit", agency_a.pk), {"kind": "drawdown", "amount": "150000", "reason": "Compensation"}
    )
    assert response.status_code == 200
    (error,) = response.context["form"].errors["amount"]
    assert error.startswith("The deposit holds only USD 100000") and error.endswith("it cannot pay USD 150000.")
    # A drawdown without saying whom it compensates is refused too.
    response = client.post(admin_url("agency", "deposit", agency_a.pk), {"kind": "drawdown", "amount": "10"})
    assert "Say which workers the drawdown compensates" in form_errors(response)
    assert DepositEntry.objects.count() == before


def test_deposit_add_page_records_through_the_service(client_for, licensing_officer, agency_a, statistician):
    client = client_for(licensing_officer)
    response = client.post(
        admin_url("depositentry", "add"),
        {"agency": agency_a.pk, "kind": "top_up", "amount": "500", "reference": "TOP-1"},
        follow=True,
    )
    entry = DepositEntry.objects.get(reference="TOP-1")
    assert response.redirect_chain[-1][0] == admin_url("depositentry", "change", entry.pk)
    assert entry.recorded_by == licensing_officer and entry.kind == DepositEntryKind.TOP_UP
    # Entries are never edited, and a statistician cannot add one.
    assert client.post(admin_url("depositentry", "change", entry.pk), {"amount": "1"}).status_code == 403
    assert client_for(statistician).get(admin_url("depositentry", "add")).status_code == 403


# --- Agency actions: sanctions and inspections ------------------------------------------------


def test_sanction_action_suspends_every_selected_agency(client_for, director, agency_a, agency_b):
    client = client_for(director)
    page = post_action(client, "agency", "record_sanction", [agency_a, agency_b])
    assert page.status_code == 200
    assert page.context["title"] == "Record a sanction or reward"
    assert {str(o) for o in page.context["objects"]} == {agency_a.name, agency_b.name}
    until = today() + timedelta(days=90)
    response = post_action(
        client,
        "agency",
        "record_sanction",
        [agency_a, agency_b],
        apply=True,
        kind="suspension",
        reason="Workers' passports withheld",
        reference="PRAKAS-251/7",
        effective_until=until.isoformat(),
    )
    assert response.redirect_chain[-1][0] == admin_url("agency")
    assert "Decision recorded for 2 agencies." in messages_of(response)
    for agency in (agency_a, agency_b):
        agency.refresh_from_db()
        assert agency.licence_status == LicenceStatus.SUSPENDED
        sanction = Sanction.objects.get(agency=agency)
        assert (sanction.kind, sanction.decided_by, sanction.effective_until) == ("suspension", director, until)
        change = LicenceChange.objects.get(agency=agency)
        assert (change.to_status, change.sanction, change.actor) == ("suspended", sanction, director)
        assert events(agency, "sanction.suspension").exists()


def test_sanction_without_reference_changes_nothing(client_for, director, agency_a):
    response = post_action(
        client_for(director), "agency", "record_sanction", [agency_a], apply=True, kind="warning", reason="Late reports"
    )
    assert response.status_code == 200
    assert response.context["form"].errors["reference"] == ["Give the reference of the decision."]
    assert not Sanction.objects.exists()


def test_sanction_action_is_all_or_nothing(client_for, director, agency_a):
    closed = AgencyFactory(name="Closed agency", licence_status=LicenceStatus.CLOSED)
    response = post_action(
        client_for(director),
        "agency",
        "record_sanction",
        [agency_a, closed],
        apply=True,
        kind="suspension",
        reason="Review",
        reference="R-1",
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["Closed agency: A licence cannot go from Closed to Suspended."]
    agency_a.refresh_from_db()
    assert agency_a.licence_status == LicenceStatus.ACTIVE
    assert not Sanction.objects.exists() and not LicenceChange.objects.exists()


def test_sanction_action_not_offered_without_the_permission(client_for, inspector, agency_a):
    client = client_for(inspector)
    choices = dict(client.get(admin_url("agency")).context["action_form"].fields["action"].choices)
    assert "record_sanction" not in choices
    response = post_action(client, "agency", "record_sanction", [agency_a], apply=True, kind="warning", reason="x", reference="y")
    assert "No action selected." in messages_of(response)
    assert not Sanction.objects.exists()


def test_schedule_inspection_action(client_for, inspector, agency_a, agency_b, current_template):
    client = client_for(inspector)
    page = post_action(client, "agency", "schedule_inspection", [agency_a, agency_b])
    assert page.status_code == 200
    assert list(page.context["form"].fields["inspectors"].queryset) == [inspector]
    when = today() + timedelta(days=14)
    response = post_action(
        client,
        "agency",
        "schedule_inspection",
        [agency_a, agency_b],
        apply=True,
        scheduled_for=when.isoformat(),
        reason="risk",
        reason_detail="Complaints",
        inspectors=[inspector.pk],
    )
    assert "Inspection planned for 2 agencies." in messages_of(response)
    for agency in (agency_a, agency_b):
        inspection = Inspection.objects.get(agency=agency)
        assert (inspection.status, inspection.scheduled_for, inspection.template) == ("planned", when, current_template)
        assert list(inspection.inspectors.all()) == [inspector]
        assert events(inspection, "inspection.scheduled").get().actor == inspector
    # Planning again: refused with the agency named, nothing added.
    response = post_action(
        client, "agency", "schedule_inspection", [agency_a], apply=True, scheduled_for=when.isoformat(), reason="routine"
    )
    assert "is already planned" in form_errors(response)
    assert Inspection.objects.count() == 2


def test_schedule_without_a_current_checklist_is_a_form_error(client_for, inspector, agency_a):
    response = post_action(
        client_for(inspector),
        "agency",
        "schedule_inspection",
        [agency_a],
        apply=True,
        scheduled_for=(today() + timedelta(days=3)).isoformat(),
        reason="routine",
    )
    assert response.status_code == 200
    assert "No current inspection checklist is set" in form_errors(response)
    assert not Inspection.objects.exists()


# --- Agency: editing its details leaves an audit trail ---------------------------------------


def test_editing_an_agency_is_logged_with_the_actor(client_for, licensing_officer, agency_a):
    Representative.objects.create(agency=agency_a, country=country("TH"), name="Somchai")
    client = client_for(licensing_officer)
    url = admin_url("agency", "change", agency_a.pk)
    data = changeform_data(client.get(url))
    data["phone"] = "+855 23 000 111"
    response = client.post(url, data, follow=True)
    assert response.redirect_chain, response.context["adminform"].form.errors if response.context else response
    agency_a.refresh_from_db()
    assert agency_a.phone == "+855 23 000 111"
    entry = LogEntry.objects.get_for_object(agency_a).filter(action=LogEntry.Action.UPDATE).latest("timestamp")
    assert entry.actor == licensing_officer
    assert "phone" in entry.changes_dict
    history = client.get(reverse("admin:agencies_agency_auditlog", args=[agency_a.pk]))
    assert history.status_code == 200
    assert "+855 23 000 111" in history.content.decode()


def test_licence_fields_cannot_be_posted_through_the_change_form(client_for, licensing_officer, agency_a):
    client = client_for(licensing_officer)
    url = admin_url("agency", "change", agency_a.pk)
    data = changeform_data(client.get(url))
    data.update(licence_status="cancelled", licence_number="FORGED-1", licence_expires="2099-01-01")
    client.post(url, data)
    agency_a.refresh_from_db()
    assert agency_a.licence_status == LicenceStatus.ACTIVE and agency_a.licence_number != "FORGED-1"


def test_agencies_are_never_deleted(client_for, superuser, agency_a):
    assert client_for(superuser).get(admin_url("agency", "delete", agency_a.pk)).status_code == 403


# --- Sanctions ---------------------------------------------------------------------------------


def test_sanction_add_form_calls_the_service(client_for, licensing_officer, agency_a):
    client = client_for(licensing_officer)
    page = client.get(admin_url("sanction", "add") + f"?agency={agency_a.pk}")
    assert page.status_code == 200 and page.context["form"]["agency"].value() == agency_a.pk
    response = client.post(
        admin_url("sanction", "add"),
        {"agency": agency_a.pk, "kind": "warning", "reason": "Two reports late", "reference": "W-2026-1"},
        follow=True,
    )
    sanction = Sanction.objects.get(agency=agency_a)
    assert response.redirect_chain[-1][0] == admin_url("sanction", "change", sanction.pk)
    assert (sanction.kind, sanction.decided_by) == ("warning", licensing_officer)
    assert events(agency_a, "sanction.warning").get().actor == licensing_officer
    # A recorded decision is read-only.
    assert response.context["has_change_permission"] is False
    assert client.post(admin_url("sanction", "change", sanction.pk), {"reason": "edited"}).status_code == 403


def test_sanction_add_errors_are_shown_on_the_form(client_for, licensing_officer, agency_a):
    response = client_for(licensing_officer).post(
        admin_url("sanction", "add"),
        {
            "agency": agency_a.pk,
            "kind": "warning",
            "reason": "Late",
            "reference": "",
            "effective_until": (today() + timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["reference"] == ["Give the reference of the decision."]
    assert errors["effective_until"] == ["Only a suspension has an end date."]
    assert not Sanction.objects.exists()


def test_sanction_add_refused_to_a_group_that_cannot_decide(client_for, inspector):
    assert client_for(inspector).get(admin_url("sanction", "add")).status_code == 403


@pytest.fixture
def suspended(director, agency_a):
    from agencies import services

    return services.sanction_decide(agency=agency_a, kind="suspension", reason="Abuse", reference="S-1", actor=director)


def test_lift_suspension_action(client_for, director, suspended, agency_a):
    client = client_for(director)
    page = post_action(client, "sanction", "lift_suspension", [suspended])
    assert page.status_code == 200
    response = post_action(client, "sanction", "lift_suspension", [suspended], apply=True, reason="")
    assert response.context["form"].errors["reason"] == ["Give the reason for this change."]
    suspended.refresh_from_db()
    assert suspended.lifted_on is None
    response = post_action(client, "sanction", "lift_suspension", [suspended], apply=True, reason="Passports returned")
    assert "1 suspension lifted." in messages_of(response)
    suspended.refresh_from_db()
    agency_a.refresh_from_db()
    assert suspended.lifted_on == today() and agency_a.licence_status == LicenceStatus.ACTIVE
    last = LicenceChange.objects.filter(agency=agency_a).first()
    assert (last.from_status, last.to_status, last.actor, last.reason) == ("suspended", "active", director, "Passports returned")


def test_lift_button_on_the_sanction_page(client_for, director, suspended, agency_a):
    client = client_for(director)
    page = client.get(admin_url("sanction", "change", suspended.pk))
    assert [str(t["label"]) for t in page.context["object_tools"]] == ["Lift suspension"]
    response = client.post(admin_url("sanction", "lift", suspended.pk), {"reason": "Ended early"}, follow=True)
    assert "The suspension was lifted; the licence is active again." in messages_of(response)
    agency_a.refresh_from_db()
    assert agency_a.licence_status == LicenceStatus.ACTIVE
    # A second lift: the service's message, nothing changes.
    response = client.post(admin_url("sanction", "lift", suspended.pk), {"reason": "Again"})
    assert "Only a suspension in force can be lifted." in form_errors(response)
    assert LicenceChange.objects.filter(agency=agency_a).count() == 2


# --- Inspection checklists -----------------------------------------------------------------------


def test_checklist_editable_until_used_then_frozen(client_for, inspector, current_template, agency_a):
    client = client_for(inspector)
    url = admin_url("checklisttemplate", "change", current_template.pk)
    page = client.get(url)
    assert page.context["has_change_permission"] is True
    items_formset = page.context["inline_admin_formsets"][0]
    assert items_formset.has_change_permission and items_formset.has_add_permission
    make_approved_inspection(agency=agency_a, template=current_template)
    page = client.get(url)
    assert page.context["has_change_permission"] is False
    items_formset = page.context["inline_admin_formsets"][0]
    assert not items_formset.has_change_permission and not items_formset.has_add_permission
    assert "it is frozen" in page.content.decode()
    assert client.post(url, {"title": "Changed"}).status_code == 403
    item = current_template.items.first()
    assert client.post(admin_url("checklistitem", "change", item.pk), {"text": "Changed"}).status_code == 403
    current_template.refresh_from_db()
    assert current_template.title == "MOLVT agency standards"


def test_new_version_and_make_current_actions(client_for, inspector, current_template):
    client = client_for(inspector)
    response = post_action(client, "checklisttemplate", "new_version", [current_template], apply=True, notes="Adds fees")
    new = ChecklistTemplate.objects.get(version=2)
    assert new.notes == "Adds fees" and not new.is_current
    assert list(new.items.values_list("code", flat=True)) == list(current_template.items.values_list("code", flat=True))
    assert events(new, "checklist.versioned").get().actor == inspector
    assert any("Version 2 created" in m for m in messages_of(response))
    # Two at once cannot both be current.
    response = post_action(client, "checklisttemplate", "make_current", [current_template, new])
    assert "Select exactly one checklist to make current." in messages_of(response)
    response = post_action(client, "checklisttemplate", "make_current", [new])
    assert "The checklist is now current." in messages_of(response)
    new.refresh_from_db()
    current_template.refresh_from_db()
    assert new.is_current and not current_template.is_current
    # An empty checklist is refused with the service's message.
    empty = checklist(version=3, items=0, current=False)
    response = post_action(client, "checklisttemplate", "make_current", [empty])
    assert any("A checklist without items cannot be made current." in m for m in messages_of(response))
    empty.refresh_from_db()
    assert not empty.is_current


# --- Inspections -----------------------------------------------------------------------------------


@pytest.fixture
def planned(inspector, agency_a, current_template):
    from agencies import services

    return services.inspection_schedule(agency=agency_a, scheduled_for=today(), actor=inspector)


def test_record_results_page(client_for, inspector, planned, current_template):
    client = client_for(inspector)
    url = admin_url("inspection", "record", planned.pk)
    page = client.get(url)
    assert page.status_code == 200
    assert [item.code for item, _r, _n in page.context["form"].item_rows()] == ["S1", "S2", "S3", "S4"]
    items = list(current_template.items.all())
    data = {"conducted_on": today().isoformat(), "findings": "Contracts missing articles"}
    results = ["compliant", "partial", "non_compliant", "na"]
    for item, result in zip(items, results, strict=True):
        data[f"result_{item.pk}"] = result
    data[f"note_{items[2].pk}"] = "No contract copies kept"
    data["action_0"] = "Keep copies of every contract"
    data["action_due_0"] = (today() + timedelta(days=30)).isoformat()
    response = client.post(url, data, follow=True)
    assert "Results recorded; they await approval." in messages_of(response)
    planned.refresh_from_db()
    # Weights 1, 2, 3 (4 not applicable): (1 + 1 + 0) / 6 = 33.3 %, grade D.
    assert (planned.status, planned.score, planned.grade) == ("recorded", Decimal("33.3"), "D")
    assert planned.results.get(item=items[2]).note == "No contract copies kept"
    assert list(planned.actions.values_list("description", flat=True)) == ["Keep copies of every contract"]
    assert events(planned, "inspection.recorded").get().actor == inspector
    # Recorded: the record page is gone, the results are read-only on the inspection's page.
    assert client.get(url).status_code == 404
    page = client.get(admin_url("inspection", "change", planned.pk))
    results_inline = page.context["inline_admin_formsets"][0]
    assert not results_inline.has_change_permission and not results_inline.has_add_permission


def test_record_results_with_a_missing_item_changes_nothing(client_for, inspector, planned, current_template):
    items = list(current_template.items.all())
    data = {"conducted_on": today().isoformat(), f"result_{items[0].pk}": "compliant", "action_0": "Do it"}
    response = client_for(inspector).post(admin_url("inspection", "record", planned.pk), data)
    assert response.status_code == 200
    assert response.context["form"].errors["action_due_0"] == ["Give the deadline of this action."]
    del data["action_0"]
    response = client_for(inspector).post(admin_url("inspection", "record", planned.pk), data)
    assert "Give a result for every item; missing: S2, S3, S4." in form_errors(response)
    planned.refresh_from_db()
    assert planned.status == InspectionStatus.PLANNED and not planned.results.exists()


def test_approve_action(client_for, director, inspector, planned, current_template):
    from agencies import services

    services.inspection_record(
        inspection=planned,
        actor=inspector,
        conducted_on=today(),
        results={i.pk: "compliant" for i in current_template.items.all()},
    )
    other = make_inspections(1)[0]  # still planned: cannot be approved
    response = post_action(client_for(director), "inspection", "approve", [planned, other])
    msgs = messages_of(response)
    assert "1 inspection approved and published." in msgs
    assert any(m.startswith(str(other)) and "cannot become Approved and published" in m for m in msgs)
    planned.refresh_from_db()
    other.refresh_from_db()
    assert (planned.status, planned.approved_by) == ("approved", director)
    assert other.status == InspectionStatus.PLANNED
    assert events(planned, "inspection.approved").get().actor == director
    # Approved: read-only, follow-up actions included.
    page = client_for(director).get(admin_url("inspection", "change", planned.pk))
    assert page.context["has_change_permission"] is False


def test_complaints_officer_cannot_approve(client_for, inspector, complaints_officer, planned, current_template):
    from agencies import services

    services.inspection_record(
        inspection=planned,
        actor=inspector,
        conducted_on=today(),
        results={i.pk: "compliant" for i in current_template.items.all()},
    )
    client = client_for(complaints_officer)
    assert client.get(admin_url("inspection", "approve", planned.pk)).status_code == 403
    assert client.post(admin_url("inspection", "approve", planned.pk)).status_code == 403
    page = client.get(admin_url("inspection"))
    assert page.status_code == 200 and page.context["action_form"] is None  # no action offered at all
    response = post_action(client, "inspection", "approve", [planned])
    assert response.status_code == 200
    planned.refresh_from_db()
    assert planned.status == InspectionStatus.RECORDED and planned.approved_by is None


def test_cancel_action_needs_a_reason(client_for, inspector, planned):
    client = client_for(inspector)
    response = post_action(client, "inspection", "cancel", [planned], apply=True, reason="")
    assert response.context["form"].errors["reason"] == ["Give the reason for cancelling."]
    planned.refresh_from_db()
    assert planned.status == InspectionStatus.PLANNED
    response = post_action(client, "inspection", "cancel", [planned], apply=True, reason="Agency closed its office")
    assert "1 inspection cancelled." in messages_of(response)
    planned.refresh_from_db()
    assert planned.status == InspectionStatus.CANCELLED
    assert events(planned, "inspection.cancelled").get().message == "Agency closed its office"


def test_schedule_from_the_inspection_add_page(client_for, inspector, agency_b, current_template):
    when = today() + timedelta(days=7)
    response = client_for(inspector).post(
        admin_url("inspection", "add"),
        {"agency": agency_b.pk, "scheduled_for": when.isoformat(), "reason": "complaint", "inspectors": [inspector.pk]},
        follow=True,
    )
    inspection = Inspection.objects.get(agency=agency_b)
    assert response.redirect_chain[-1][0] == admin_url("inspection", "change", inspection.pk)
    assert (inspection.reason, inspection.scheduled_for) == ("complaint", when)
    # The past is refused on the field.
    response = client_for(inspector).post(
        admin_url("inspection", "add"),
        {"agency": agency_b.pk, "scheduled_for": (today() - timedelta(days=1)).isoformat(), "reason": "routine"},
    )
    assert Inspection.objects.count() == 1
    assert "already planned" in form_errors(response)


def test_overdue_filter_and_column(client_for, inspector, current_template):
    late = Inspection.objects.create(agency=AgencyFactory(), template=current_template, scheduled_for=today() - timedelta(days=3))
    Inspection.objects.create(agency=AgencyFactory(), template=current_template, scheduled_for=today() + timedelta(days=3))
    response = client_for(inspector).get(admin_url("inspection") + "?overdue=yes")
    assert list(response.context["cl"].result_list) == [late]


# --- Monthly reports ---------------------------------------------------------------------------------


def test_accept_action(client_for, licensing_officer, agency_a):
    report = make_report(agency_a)
    draft = make_report(agency_a, period=months_ago(2), status=ReportStatus.DRAFT)
    response = post_action(client_for(licensing_officer), "monthlyreport", "accept", [report, draft])
    msgs = messages_of(response)
    assert "1 report accepted." in msgs
    assert any("A report that is Draft cannot become Accepted." in m for m in msgs)
    report.refresh_from_db()
    draft.refresh_from_db()
    assert (report.status, report.reviewed_by) == ("accepted", licensing_officer)
    assert draft.status == ReportStatus.DRAFT
    assert events(report, "report.accepted").get().actor == licensing_officer


def test_return_for_correction_needs_a_note(client_for, licensing_officer, agency_a, agency_user_a):
    report = make_report(agency_a)
    client = client_for(licensing_officer)
    page = post_action(client, "monthlyreport", "return_for_correction", [report])
    assert page.status_code == 200 and "note" in page.context["form"].fields
    response = post_action(client, "monthlyreport", "return_for_correction", [report], apply=True, note="  ")
    assert response.status_code == 200
    assert response.context["form"].errors["note"] == ["Say what must be corrected."]
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and not events(report).exists()
    response = post_action(
        client, "monthlyreport", "return_for_correction", [report], apply=True, note="Thailand figures missing for women"
    )
    assert "1 report returned for correction." in messages_of(response)
    report.refresh_from_db()
    assert (report.status, report.review_note) == ("returned", "Thailand figures missing for women")
    assert events(report, "report.returned").get().actor == licensing_officer
    assert agency_user_a.notifications.filter(dedupe_key__startswith=f"report-returned:{report.pk}").exists()
    # The timeline on the report's page shows the step.
    page = client.get(admin_url("monthlyreport", "change", report.pk))
    assert [e.code for e in page.context["events"]] == ["report.returned"]
    assert "Thailand figures missing for women" in page.content.decode()


def test_inspector_cannot_review_reports(client_for, inspector, agency_a):
    report = make_report(agency_a)
    client = client_for(inspector)
    assert client.get(admin_url("monthlyreport")).context["action_form"] is None  # no review action offered
    response = post_action(client, "monthlyreport", "accept", [report])
    assert response.status_code == 200
    response = post_action(client, "monthlyreport", "return_for_correction", [report], apply=True, note="x")
    assert response.status_code == 200
    assert client.get(admin_url("monthlyreport", "return", report.pk)).status_code == 403
    assert client.post(admin_url("monthlyreport", "accept", report.pk)).status_code == 403
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and report.reviewed_by is None


def test_report_buttons_and_year_filter(client_for, licensing_officer, agency_a):
    report = make_report(agency_a)
    old = make_report(agency_a, period=today().replace(year=today().year - 2, month=1, day=1))
    client = client_for(licensing_officer)
    page = client.get(admin_url("monthlyreport", "change", report.pk))
    assert [str(t["label"]) for t in page.context["object_tools"]] == ["Accept", "Return for correction"]
    response = client.post(admin_url("monthlyreport", "return", report.pk), {"note": ""})
    assert response.context["form"].errors["note"] == ["Say what must be corrected."]
    response = client.post(admin_url("monthlyreport", "accept", report.pk), follow=True)
    assert "The report was accepted." in messages_of(response)
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED
    response = client.get(admin_url("monthlyreport") + f"?year={old.period.year}")
    assert list(response.context["cl"].result_list) == [old]


# --- Advertisements ----------------------------------------------------------------------------------


def test_approve_and_refuse_advertisements(client_for, licensing_officer, agency_a):
    first, second = make_advertisement(agency_a), make_advertisement(agency_a)
    client = client_for(licensing_officer)
    response = post_action(client, "advertisement", "approve", [first])
    assert "1 advertisement approved." in messages_of(response)
    first.refresh_from_db()
    assert first.status == AdvertisementStatus.APPROVED and first.code.startswith("AD-")
    assert events(first, "advertisement.approved").get().actor == licensing_officer
    response = post_action(client, "advertisement", "refuse", [second], apply=True, reason="")
    assert response.context["form"].errors["reason"] == ["Give the reason for refusing."]
    second.refresh_from_db()
    assert second.status == AdvertisementStatus.SUBMITTED
    response = post_action(client, "advertisement", "refuse", [second], apply=True, reason="Fee above the cap")
    assert "1 advertisement refused." in messages_of(response)
    second.refresh_from_db()
    assert (second.status, second.review_reason, second.code) == ("refused", "Fee above the cap", None)
    # Already reviewed: the service says so, nothing changes.
    response = post_action(client, "advertisement", "approve", [second])
    assert any("This advertisement was already reviewed." in m for m in messages_of(response))
    second.refresh_from_db()
    assert second.status == AdvertisementStatus.REFUSED


def test_advertisement_of_a_suspended_agency_cannot_be_approved(client_for, licensing_officer, agency_a):
    ad = make_advertisement(agency_a)
    Agency.objects.filter(pk=agency_a.pk).update(licence_status=LicenceStatus.SUSPENDED)
    response = client_for(licensing_officer).post(admin_url("advertisement", "approve", ad.pk))
    assert response.status_code == 200
    assert "licence is not active" in form_errors(response)
    ad.refresh_from_db()
    assert ad.status == AdvertisementStatus.SUBMITTED


def test_statistician_cannot_review_advertisements(client_for, statistician, agency_a):
    ad = make_advertisement(agency_a)
    client = client_for(statistician)
    assert client.get(admin_url("advertisement", "refuse", ad.pk)).status_code == 403
    response = post_action(client, "advertisement", "approve", [ad])
    assert response.status_code == 200 and response.context["action_form"] is None
    ad.refresh_from_db()
    assert ad.status == AdvertisementStatus.SUBMITTED
