"""Complaint statistics, the dashboards and the public quarterly page.

A year of cases (2025) is built through the real services with a frozen clock, in
three units (Phnom Penh, Battambang, the ministry), both sexes, two agencies and a
broker, every outcome, and one restricted (trafficking) case. Every figure is checked
against what those records say, worked out by hand in ``YEAR`` below.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from complaints import services, statistics
from complaints.choices import Channel, ComplainantType, LodgedAt, Payer, ReferredTo, RespondentKind, Stage
from complaints.models import Complaint
from migration_portal.core.scoping import PROVINCIAL_OFFICERS

from ..factories import UserFactory, province
from ..workers.factories import WorkerFactory
from .factories import register

pytestmark = pytest.mark.django_db
PP = ZoneInfo("Asia/Phnom_Penh")
URLS = "complaints.report_test_urls"


def at(y, m, d, hour=9):
    return time_machine.travel(datetime(y, m, d, hour, tzinfo=PP), tick=False)


def worker(sex: str, code: str = "12"):
    return WorkerFactory(sex=sex, home_province=province(code))


def step(case: Complaint, actor, on: date, to: str, **kw) -> Complaint:
    with at(on.year, on.month, on.day):
        return services.complaint_transition(complaint=case, to_stage=to, actor=actor, **kw)


def conciliate(case, actor, agency, *, assessed: date, scheduled: date, held: date, settled: date, amount: str):
    """Assessment, a meeting, an agreement and the settlement, each on its day at 09:00."""
    case = step(case, actor, assessed, Stage.ASSESSMENT)
    with at(scheduled.year, scheduled.month, scheduled.day):
        meeting = services.meeting_schedule(complaint=case, actor=actor, place="PDOLVT",
                                            scheduled_for=datetime(held.year, held.month, held.day, 8, tzinfo=PP))
        case = services.complaint_transition(complaint=case, to_stage=Stage.SCHEDULED, actor=actor)
    with at(held.year, held.month, held.day):
        services.meeting_record(meeting=meeting, actor=actor, minutes="Agreed.", agreement_reached=True)
        case = services.complaint_transition(complaint=case, to_stage=Stage.HELD, actor=actor)
        settlement = services.settlement_record(complaint=case, actor=actor, amount=Decimal(amount), payer=Payer.AGENCY,
                                                payer_agency=agency, agreed_on=held)
    case = step(case, actor, settled, Stage.SETTLED)
    return case, settlement


def pay(settlement, actor, on: date, amount: str):
    with at(on.year, on.month, on.day):
        services.payment_record(settlement=settlement, actor=actor, amount=Decimal(amount), paid_on=on)


def lodge(actor, agency, sex: str, on: date, *, grounds=("wages",), code="12", **kw) -> Complaint:
    with at(on.year, on.month, on.day):
        return register(actor, agency, worker=worker(sex, code), grounds=grounds, received_on=on, **kw)


def build_year(officer_a, officer_b, complaints_officer, director, agency_a, agency_b) -> dict[str, Complaint]:
    """The cases of 2025 (and one on each side of it). Days are at 09:00 Phnom Penh time."""
    c = {}
    d = date
    # Phnom Penh (officer A)
    c["A1"] = lodge(officer_a, agency_a, "F", d(2025, 1, 10))
    c["A1"], s = conciliate(c["A1"], officer_a, agency_a, assessed=d(2025, 1, 13), scheduled=d(2025, 1, 20), held=d(2025, 2, 3),
                            settled=d(2025, 2, 10), amount="600")
    pay(s, officer_a, d(2025, 2, 20), "600")
    c["A1"] = step(c["A1"], officer_a, d(2025, 3, 1), Stage.CLOSED)
    c["A2"] = lodge(officer_a, agency_b, "M", d(2025, 4, 2), grounds=("fees", "deception"))
    c["A2"] = step(c["A2"], officer_a, d(2025, 4, 5), Stage.ASSESSMENT)
    c["A2"] = step(c["A2"], officer_a, d(2025, 4, 20), Stage.REFERRED, referred_to=ReferredTo.COURT)
    c["A3"] = lodge(officer_a, agency_a, "F", d(2025, 7, 1))
    c["A3"] = step(c["A3"], officer_a, d(2025, 7, 4), Stage.WITHDRAWN, reason="Agency paid before the meeting.")
    c["A3"] = step(c["A3"], officer_a, d(2025, 7, 10), Stage.CLOSED)
    c["A4"] = lodge(officer_a, agency_a, "F", d(2025, 8, 1), grounds=("abuse", "documents"), indicators=["documents", "movement"])
    c["A4"] = step(c["A4"], officer_a, d(2025, 8, 2), Stage.ASSESSMENT)
    c["A5"] = lodge(officer_a, agency_b, "M", d(2025, 10, 15), grounds=("conditions",))
    # Battambang (officer B)
    c["B1"] = lodge(officer_b, agency_b, "F", d(2025, 2, 1), code="02")
    c["B1"], s = conciliate(c["B1"], officer_b, agency_b, assessed=d(2025, 2, 3), scheduled=d(2025, 2, 10), held=d(2025, 2, 17),
                            settled=d(2025, 2, 24), amount="400")
    pay(s, officer_b, d(2025, 3, 1), "100")
    with at(2025, 5, 5):
        c["B2"] = services.complaint_register(
            actor=officer_b, worker=worker("M", "02"), grounds=["repatriation"],
            respondents=[{"kind": RespondentKind.BROKER, "name": "Mr. Vuthy, broker in Poipet"}],
            fields={"complainant_type": ComplainantType.WORKER, "lodged_at": LodgedAt.PROVINCE, "channel": Channel.WALK_IN,
                    "narrative": "Paid for a return that never came.", "received_on": d(2025, 5, 5)},
        )
    c["B2"] = step(c["B2"], officer_b, d(2025, 5, 6), Stage.ASSESSMENT)
    c["B2"] = step(c["B2"], officer_b, d(2025, 5, 12), Stage.CLOSED)
    c["B3"] = lodge(officer_b, agency_b, "F", d(2025, 11, 20), grounds=("delay",), code="02")
    # The ministry's Migrant Worker Resource Centre: a worker from Siem Reap; paid partly from the deposit.
    c["M1"] = lodge(complaints_officer, agency_a, "M", d(2025, 3, 3), code="17")
    c["M1"], s = conciliate(c["M1"], complaints_officer, agency_a, assessed=d(2025, 3, 4), scheduled=d(2025, 3, 10),
                            held=d(2025, 3, 17), settled=d(2025, 3, 20), amount="1000")
    pay(s, complaints_officer, d(2025, 3, 25), "600")
    with at(2025, 4, 1):
        proposal = services.drawdown_propose(settlement=s, actor=complaints_officer, amount=Decimal("400"), reason="Missed")
        services.drawdown_decide(proposal=proposal, actor=director, approve=True)
    c["M1"] = step(c["M1"], complaints_officer, d(2025, 4, 5), Stage.CLOSED)
    # Outside 2025.
    c["X1"] = lodge(officer_a, agency_a, "F", d(2024, 12, 20))
    c["X2"] = lodge(officer_b, agency_b, "M", d(2026, 1, 5), code="02")
    return c


# What the records above say about 2025, worked out by hand.
YEAR = {
    "totals": {"received": 9, "resolved": 6, "pending": 3, "restricted": 1, "share_resolved": 0.6667},
    "by_sex": {"F": (5, 3), "M": (4, 3)},  # (received, resolved)
    "by_province": {"12": (5, 3, 3, 2), "02": (3, 2, 2, 1), "17": (1, 1, 0, 1)},  # received, resolved, F, M
    "by_ground": {"wages": (4, 4, 3, 1), "fees": (1, 1, 0, 1), "deception": (1, 1, 0, 1), "abuse": (1, 0, 1, 0),
                  "documents": (1, 0, 1, 0), "conditions": (1, 0, 0, 1), "repatriation": (1, 1, 0, 1), "delay": (1, 0, 1, 0)},
    "by_outcome": {"settled": 3, "referred": 1, "withdrawn": 1, "closed": 1, "pending": 3},
    # Resolution days: A1 31, A2 18, A3 3, B1 23, B2 7, M1 17.
    "resolution_days": {"median": 17.5, "n": 6},
    # Received: A1 3, A2 3, A3 3, A4 1, B1 2, B2 1, M1 1. Assessment: A1 7, A2 15, B1 7, B2 6, M1 6.
    # Scheduled: A1 14, B1 7, M1 6. Held: A1 7, B1 7, M1 3.
    "stage_days": {"received": (2.0, 7), "assessment": (7.0, 5), "scheduled": (7.0, 3), "held": (7.0, 3)},
    "compensation": {"currency": "USD", "settlements": 3, "agreed": "2000.00", "paid": "1700.00", "from_deposit": "400.00",
                     "outstanding": "300.00", "fully_paid": 2},
    "by_quarter": [(1, 3, 3), (2, 2, 2), (3, 2, 1), (4, 2, 0)],
}


@pytest.fixture
def year(officer_a, officer_b, complaints_officer, director, agency_a, agency_b):
    return build_year(officer_a, officer_b, complaints_officer, director, agency_a, agency_b)


def check_against_records(figures: dict, cases: list[Complaint]) -> None:
    """The figures recomputed from the rows themselves, one case at a time (the slow, obvious way)."""
    resolved = [c for c in cases if c.stage not in ("received", "assessment", "scheduled", "held")]
    assert figures["totals"]["received"] == len(cases)
    assert figures["totals"]["resolved"] == len(resolved)
    for row in figures["by_sex"]:
        assert row["received"] == sum(1 for c in cases if c.worker.sex == row["sex"])
    for row in figures["by_province"]:
        assert row["received"] == sum(1 for c in cases if c.lodged_province.code == row["code"])
    for row in figures["by_ground"]:
        assert row["received"] == sum(1 for c in cases if row["ground"] in {g.ground for g in c.grounds.all()})
    days = sorted((c.resolved_on - c.received_on).days for c in resolved)
    mid = len(days) // 2
    assert figures["resolution_days"]["median"] == (days[mid] if len(days) % 2 else (days[mid - 1] + days[mid]) / 2)


class TestFigures:
    def test_every_figure_of_the_year_matches_the_records(self, year, agency_a, agency_b):
        everything = Complaint.objects.all()
        figures = statistics.figures(everything, statistics.Period(2025), describe_restricted=True)
        assert figures["totals"] == YEAR["totals"]
        assert {r["sex"]: (r["received"], r["resolved"]) for r in figures["by_sex"]} == YEAR["by_sex"]
        assert {r["code"]: (r["received"], r["resolved"], r["sex"]["F"], r["sex"]["M"]) for r in figures["by_province"]} == \
            YEAR["by_province"]
        assert [r["code"] for r in figures["by_province"]] == ["12", "02", "17"]  # most cases first
        grounds = {r["ground"]: (r["received"], r["resolved"], r["women"], r["men"]) for r in figures["by_ground"]}
        assert grounds == YEAR["by_ground"]
        assert {r["outcome"]: r["n"] for r in figures["by_outcome"]} == YEAR["by_outcome"]
        assert figures["resolution_days"] == YEAR["resolution_days"]
        assert {r["stage"]: (r["median"], r["n"]) for r in figures["stage_days"]} == YEAR["stage_days"]
        assert figures["compensation"] == [YEAR["compensation"]]
        assert [(q["quarter"], q["received"], q["resolved"]) for q in figures["by_quarter"]] == YEAR["by_quarter"]
        agencies = {(r["kind"], r["agency_id"]): (r["received"], r["resolved"], r["women"], r["men"])
                    for r in figures["by_agency"]}
        assert agencies == {("agency", agency_a.pk): (4, 3, 3, 1), ("agency", agency_b.pk): (4, 2, 2, 2),
                            ("broker", None): (1, 1, 0, 1)}
        assert figures["not_broken_down"] == 0
        cases = list(statistics.received(everything, statistics.Period(2025))
                     .select_related("worker", "lodged_province").prefetch_related("grounds"))
        check_against_records(figures, cases)

    def test_restricted_cases_count_in_totals_and_in_no_breakdown(self, year, agency_a):
        figures = statistics.figures(Complaint.objects.all(), statistics.Period(2025), describe_restricted=False)
        assert figures["totals"] == YEAR["totals"]
        assert figures["not_broken_down"] == 1
        assert {r["sex"]: r["received"] for r in figures["by_sex"]} == {"F": 4, "M": 4}
        assert {r["ground"] for r in figures["by_ground"]}.isdisjoint({"abuse", "documents"})
        assert {r["outcome"]: r["n"] for r in figures["by_outcome"]}["pending"] == 2
        assert next(r for r in figures["by_agency"] if r["agency_id"] == agency_a.pk)["received"] == 3
        assert sum(r["received"] for r in figures["by_province"]) + figures["not_broken_down"] == figures["totals"]["received"]
        # The times and the money still count it.
        assert figures["resolution_days"] == YEAR["resolution_days"] and figures["stage_days"][0]["n"] == 7

    def test_quarter_and_scope(self, year, officer_b):
        q1 = statistics.Period(2025, 1)
        assert (q1.start, q1.end) == (date(2025, 1, 1), date(2025, 3, 31))
        assert statistics.totals(Complaint.objects.all(), q1) == {
            "received": 3, "resolved": 3, "pending": 0, "restricted": 0, "share_resolved": 1.0}
        battambang = Complaint.objects.visible_to(officer_b)
        assert statistics.totals(battambang, statistics.Period(2025))["received"] == 3
        assert statistics.totals(battambang, statistics.Period(2026))["received"] == 1
        assert [r["code"] for r in statistics.by_province(battambang, statistics.Period(2025))] == ["02"]
        assert statistics.totals(Complaint.objects.all(), statistics.Period(2024))["received"] == 1

    def test_an_empty_period(self, db):
        figures = statistics.figures(Complaint.objects.all(), statistics.Period(2023, 2), describe_restricted=False)
        assert figures["totals"] == {"received": 0, "resolved": 0, "pending": 0, "restricted": 0, "share_resolved": None}
        assert figures["resolution_days"] == {"median": None, "n": 0} and figures["compensation"] == []
        assert all(r["median"] is None for r in figures["stage_days"])

    def test_second_meeting_time_is_added_to_the_stage(self, officer_a, agency_a):
        case = lodge(officer_a, agency_a, "F", date(2025, 6, 2))
        case = step(case, officer_a, date(2025, 6, 3), Stage.ASSESSMENT)
        with at(2025, 6, 4):
            first = services.meeting_schedule(complaint=case, actor=officer_a, place="PDOLVT",
                                              scheduled_for=datetime(2025, 6, 6, 8, tzinfo=PP))
            case = services.complaint_transition(complaint=case, to_stage=Stage.SCHEDULED, actor=officer_a)
        with at(2025, 6, 6):
            services.meeting_record(meeting=first, actor=officer_a, minutes="No agreement.", agreement_reached=False)
            case = services.complaint_transition(complaint=case, to_stage=Stage.HELD, actor=officer_a)
            services.meeting_schedule(complaint=case, actor=officer_a, place="PDOLVT",
                                      scheduled_for=datetime(2025, 6, 16, 8, tzinfo=PP))
        case = step(case, officer_a, date(2025, 6, 7), Stage.SCHEDULED)
        rows = {r["stage"]: r for r in statistics.stage_days(Complaint.objects.all(), statistics.Period(2025))}
        # Scheduled twice: 2 days, then (still there) not counted; held: 1 day.
        assert (rows["scheduled"]["median"], rows["held"]["median"]) == (2.0, 1.0)

    def test_wrong_period(self):
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError):
            statistics.Period(2025, 5)
        assert statistics.last_complete_quarter(date(2026, 2, 1)) == statistics.Period(2025, 4)
        assert statistics.last_complete_quarter(date(2026, 11, 21)) == statistics.Period(2026, 3)


class TestSmallCells:
    def rows(self, *cells):
        return [{"code": str(i), "name": f"P{i}", "name_km": "", "received": f + m, "resolved": 0, "sex": {"F": f, "M": m}}
                for i, (f, m) in enumerate(cells)]

    def national(self, rows):
        return [{"sex": s, "received": sum(r["sex"][s] for r in rows), "resolved": 0} for s in ("M", "F")]

    def shown(self, table):
        return [[str(c) for c in r["cells"]] for r in table["rows"]], [str(c) for c in table["national"]]

    def test_small_counts_and_what_would_reveal_them_are_hidden(self):
        rows = self.rows((10, 2), (7, 9), (30, 40))
        table = statistics.suppress_small_cells(rows, self.national(rows))
        cells, national = self.shown(table)
        # Sex order: Male, Female. The small cell, its partner in the row, and the next smallest province.
        assert cells == [["fewer than 3", "*"], ["*", "*"], ["40", "30"]]
        assert national == ["51", "47"] and table["any_hidden"]

    def test_nothing_hidden_when_nothing_is_small(self):
        rows = self.rows((10, 0), (3, 4))
        table = statistics.suppress_small_cells(rows, self.national(rows))
        assert self.shown(table) == ([["0", "10"], ["4", "3"]], ["4", "13"]) and not table["any_hidden"]

    def test_a_single_province_hides_the_national_split_too(self):
        rows = self.rows((1, 5))
        table = statistics.suppress_small_cells(rows, self.national(rows))
        assert self.shown(table) == ([["*", "fewer than 3"]], ["*", "fewer than 3"])


# --- Pages ------------------------------------------------------------------------------------------


def grow(officer, agency, n: int, on: date = date(2025, 5, 1)):
    for i in range(n):
        lodge(officer, agency, "F" if i % 2 else "M", on + timedelta(days=i), grounds=("wages", "fees"))


@pytest.mark.urls(URLS)
class TestDashboard:
    url = "/complaints/dashboard/?year=2025"

    def test_ministry_sees_all_but_the_restricted_cases_it_does_not_handle(self, year, client_for, complaints_officer):
        response = client_for(complaints_officer).get(self.url)
        assert response.status_code == 200
        shown = response.context["shown"]
        assert shown["totals"]["received"] == 8 and response.context["hidden_restricted"] == 1
        page = response.content.decode()
        assert "1 restricted case of this period is not included" in page
        assert "Battambang" in page and "Siem Reap" in page and "<svg" in page
        assert "Mr. Vuthy" not in page and "Unlicensed brokers" in page

    def test_province_sees_only_its_cases(self, year, client_for, officer_a, officer_b, agency_a):
        shown = client_for(officer_b).get(self.url).context["shown"]
        assert (shown["totals"]["received"], shown["totals"]["resolved"]) == (3, 2)
        assert [p["code"] for p in shown["provinces"]] == ["02"]
        assert {a["label"] for a in shown["agencies"]} == {"Agency B Recruitment Co., Ltd.", "Unlicensed brokers"}
        mine = client_for(officer_a).get(self.url)
        assert mine.context["shown"]["totals"]["received"] == 5 and mine.context["hidden_restricted"] == 0
        colleague = UserFactory(username="officer_pp2", province=province("12"), groups=[PROVINCIAL_OFFICERS])
        theirs = client_for(colleague).get(self.url)
        assert theirs.context["shown"]["totals"]["received"] == 4 and theirs.context["hidden_restricted"] == 1
        assert "abuse" not in {g["ground"] for g in theirs.context["shown"]["grounds"]}

    def test_quarter_filter_and_workload(self, year, client_for, officer_a):
        response = client_for(officer_a).get("/complaints/dashboard/", {"year": 2025, "quarter": 3})
        assert response.context["shown"]["totals"]["received"] == 2  # A3 and A4
        # Open now: A4 (assessment), A5 (received), X1 (received); all far past their limits.
        assert {w["stage"]: (w["n"], w["late"]) for w in response.context["workload"]}["received"] == (2, 2)
        assert response.context["late_total"] == 3

    def test_a_wrong_period_shows_the_error_and_the_default(self, db, client_for, officer_a):
        response = client_for(officer_a).get("/complaints/dashboard/", {"year": "1999", "quarter": "7"})
        assert response.status_code == 200 and response.context["form"].errors
        assert response.context["period"] == statistics.Period(timezone.localdate().year)

    def test_who_may_open_it(self, db, client_for, agency_user_a, inspector, statistician):
        assert client_for(None).get(self.url).status_code == 302
        assert client_for(agency_user_a).get(self.url).status_code == 403
        assert client_for(inspector).get(self.url).status_code == 403  # ministry staff without complaints
        assert client_for(statistician).get(self.url).status_code == 200

    # Session, user, the user's groups (scope), permissions (user's, groups'); the figures:
    # totals, by sex, by province, by ground, by respondent, by outcome, days to resolution,
    # days per stage, compensation (settlements, payments, fully paid), by quarter; the
    # time limits and the open cases per stage; the restricted cases left out; the unread
    # notifications count.
    MINISTRY_QUERIES = 21
    # The same, and the officer's province (for the heading).
    PROVINCE_QUERIES = 22

    def test_query_budget_does_not_grow(self, year, client_for, django_assert_num_queries, complaints_officer, officer_a,
                                        agency_a):
        for user, budget in ((complaints_officer, self.MINISTRY_QUERIES), (officer_a, self.PROVINCE_QUERIES)):
            client = client_for(user)
            with django_assert_num_queries(budget):
                assert client.get(self.url).status_code == 200
        grow(officer_a, agency_a, 12)
        for user, budget in ((complaints_officer, self.MINISTRY_QUERIES), (officer_a, self.PROVINCE_QUERIES)):
            client = client_for(user)
            with django_assert_num_queries(budget):
                response = client.get(self.url)
            assert response.context["shown"]["totals"]["received"] >= 17


@pytest.mark.urls(URLS)
class TestPublicStatistics:
    url = "/complaints/statistics/"

    def test_quarter_without_login_and_without_personal_data(self, year, client):
        response = client.get(self.url, {"year": 2025, "quarter": 1})
        assert response.status_code == 200
        shown = response.context["shown"]
        assert (shown["totals"]["received"], shown["totals"]["resolved"], shown["share_resolved"]) == (3, 3, "100%")
        page = response.content.decode()
        for case in year.values():
            assert case.ref not in page and case.worker.name_latin not in page
        assert "Mr. Vuthy" not in page and "Agency A" not in page

    def test_small_cells_are_suppressed(self, year, client):
        response = client.get(self.url, {"year": 2025})
        cells = response.context["shown"]["cells"]
        # Phnom Penh has 2 men and 2 women (the restricted case is not broken down): both hidden.
        pp = next(r for r in cells["rows"] if r["code"] == "12")
        assert [str(c) for c in pp["cells"]] == ["fewer than 3", "fewer than 3"] and pp["received"] == 4
        siem_reap = next(r for r in cells["rows"] if r["code"] == "17")
        assert [str(c) for c in siem_reap["cells"]] == ["fewer than 3", "*"]
        page = response.content.decode()
        assert "fewer than 3" in page and "is counted in the totals above and in no table" in page
        # A median over fewer than 3 cases is not published.
        q1 = client.get(self.url, {"year": 2025, "quarter": 2}).context["shown"]
        assert {s["stage"]: s["shown"] for s in q1["stages"]} == {"received": None, "assessment": None, "scheduled": None,
                                                                  "held": None}

    def test_restricted_cases_are_never_described(self, year, client):
        shown = client.get(self.url, {"year": 2025, "quarter": 3}).context["shown"]
        assert shown["totals"]["received"] == 2 and shown["not_broken_down"] == 1
        assert sum(r["received"] for r in shown["provinces"]) == 1

    def test_defaults_to_the_last_complete_quarter(self, db, client):
        with at(2026, 5, 10):
            response = client.get(self.url)
        assert response.context["period"] == statistics.Period(2026, 1)

    # The figures: totals, days per stage, days to resolution, by sex, by province. Nothing else:
    # the visitor has no session and no notifications.
    QUERIES = 5

    def test_query_budget_does_not_grow(self, year, client, django_assert_num_queries, officer_a, agency_a):
        with django_assert_num_queries(self.QUERIES):
            assert client.get(self.url, {"year": 2025}).status_code == 200
        grow(officer_a, agency_a, 12)
        with django_assert_num_queries(self.QUERIES):
            response = client.get(self.url, {"year": 2025})
        assert response.context["shown"]["totals"]["received"] == 21
