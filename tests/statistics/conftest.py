"""The records every statistics test counts: departures over three years to six destinations,
both sexes, four sectors, the three channels, returns with their reasons, legal-status
histories, complaints with every outcome (one restricted), agencies in several licence states
with inspections, remittance offers and transfers, and an agency's monthly report.

``DEPARTURES`` is the register in plain Python: the tests compute what each table should say
from it, independently of the grouped queries, and compare.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from agencies.choices import InspectionStatus, LicenceStatus, ReportStatus
from agencies.models import Inspection, LicenceChange, MonthlyReport, MonthlyReportLine
from complaints.choices import Channel as ComplaintChannel
from complaints.choices import ComplainantType, LodgedAt, ReferredTo, Stage
from complaints.models import Complaint
from remittances.models import Corridor, ExchangeRate, Offer, Provider, Remittance
from workers.choices import Channel, DeploymentStatus, LegalStatus, ReturnReason
from workers.models import LegalStatusRecord, ReportDifference, ReturnRecord

from ..factories import AgencyFactory, checklist, country, province, sector
from ..workers.factories import DeploymentFactory, WorkerFactory

PP = ZoneInfo("Asia/Phnom_Penh")
TODAY = date(2025, 11, 18)


@dataclass
class D:
    """One deployment as the tests see it."""

    sex: str
    home: str  # province code
    country: str
    sector: str
    channel: str
    departed: date | None
    returned: date | None = None
    status: str = ""
    reason: str = ReturnReason.COMPLETED
    back_to: str = ""  # province returned to (default: home)
    occupation: str = "Construction worker"
    agency: str = "a"

    @property
    def final_status(self) -> str:
        if self.status:
            return self.status
        if self.returned:
            return DeploymentStatus.RETURNED
        return DeploymentStatus.ABROAD


A, G, IRR = Channel.AGENCY, Channel.G2G, Channel.IRREGULAR
DEPARTURES = [
    D("M", "12", "TH", "CON", A, date(2013, 3, 1), date(2013, 12, 20)),
    D("F", "12", "TH", "DOM", A, date(2013, 5, 1), occupation="Domestic worker"),
    D("F", "02", "MY", "DOM", A, date(2013, 6, 1), date(2014, 2, 1), reason=ReturnReason.ABUSE, occupation="domestic worker "),
    D("M", "02", "KR", "MAN", G, date(2013, 7, 1), occupation="Factory worker"),
    D("M", "12", "TH", "AGR", IRR, date(2013, 8, 1), occupation=""),
    D("F", "12", "JP", "MAN", A, date(2014, 1, 10), occupation="Technical intern", agency="b"),
    D("M", "12", "TH", "CON", A, date(2014, 2, 10), date(2015, 1, 5)),
    D("F", "02", "TH", "AGR", IRR, date(2014, 3, 10), date(2014, 6, 15), reason=ReturnReason.DEPORTED, back_to="01",
      occupation="Farm worker"),
    D("M", "02", "KR", "MAN", G, date(2014, 4, 10), occupation="Factory worker"),
    D("F", "12", "SG", "DOM", A, date(2014, 5, 10), occupation="Domestic worker"),
    D("F", "12", "HK", "DOM", A, date(2014, 6, 10), occupation="Domestic Worker"),
    D("M", "02", "MY", "CON", A, date(2014, 12, 31)),
    D("F", "12", "KR", "AGR", G, date(2015, 1, 1), occupation="Farm worker"),
    D("F", "12", "TH", "MAN", A, date(2014, 6, 20), date(2014, 6, 28), reason=ReturnReason.ILLNESS),
    # Never left: cancelled before departure, and one still preparing.
    D("M", "12", "TH", "CON", A, None, status=DeploymentStatus.CANCELLED),
    D("M", "02", "MY", "CON", A, None, status=DeploymentStatus.TRAINED),
    # Recorded as abroad without a departure date (irregular): in today's stock only.
    D("F", "02", "TH", "DOM", IRR, None, status=DeploymentStatus.ABROAD, occupation="Domestic worker"),
]


@dataclass
class Records:
    agency_a: object
    agency_b: object
    deployments: list
    returns: list
    complaints: dict
    report: MonthlyReport


@pytest.fixture
def frozen():
    with time_machine.travel(datetime(TODAY.year, TODAY.month, TODAY.day, 10, tzinfo=PP), tick=False):
        yield TODAY


def _deployment(d: D, agencies: dict):
    worker = WorkerFactory(sex=d.sex, home_province=province(d.home))
    agency = agencies[d.agency] if d.channel == Channel.AGENCY else None
    return DeploymentFactory(
        worker=worker, channel=d.channel, job_order=None, employer=None, agency=agency, country=country(d.country),
        sector=sector(d.sector), occupation=d.occupation, status=d.final_status, departed_on=d.departed, returned_on=d.returned,
    )


@pytest.fixture
def records(frozen, agency_a, agency_b, officer_a):
    agencies = {"a": agency_a, "b": agency_b}
    AgencyFactory(name="Suspended Co.", licence_status=LicenceStatus.SUSPENDED, province=province("02"))
    AgencyFactory(name="Applicant Co.", licence_status=LicenceStatus.APPLIED, licence_number=None)
    deployments = [_deployment(d, agencies) for d in DEPARTURES]
    returns = []
    for d, dep in zip(DEPARTURES, deployments, strict=True):
        if d.returned:
            returns.append(ReturnRecord.objects.create(
                worker=dep.worker, deployment=dep, returned_on=d.returned, reason=d.reason, country=dep.country,
                province=province(d.back_to or d.home),
            ))
    # A returnee registered at the border without a deployment in the register.
    walk_in = WorkerFactory(sex="F", home_province=province("02"))
    returns.append(ReturnRecord.objects.create(worker=walk_in, returned_on=date(2014, 6, 12), reason=ReturnReason.DEPORTED,
                                               country=country("TH"), province=province("02")))
    # Legal status histories: the Thai domestic worker overstayed in June 2014.
    th_dom = deployments[1]
    LegalStatusRecord.objects.create(deployment=th_dom, status=LegalStatus.REGULAR, since=date(2013, 5, 1))
    LegalStatusRecord.objects.create(deployment=th_dom, status=LegalStatus.OVERSTAYED, since=date(2014, 6, 1))
    LegalStatusRecord.objects.create(deployment=deployments[3], status=LegalStatus.REGULAR, since=date(2013, 7, 1))
    LegalStatusRecord.objects.create(deployment=deployments[4], status=LegalStatus.IRREGULAR, since=date(2013, 8, 1))
    LegalStatusRecord.objects.create(deployment=deployments[4], status=LegalStatus.REGULARISED, since=date(2015, 3, 1))

    complaints = {}

    def complaint(key, sex, home, stage, received, *, referred_to="", restricted=False, handled_in=None):
        w = WorkerFactory(sex=sex, home_province=province(home))
        complaints[key] = Complaint.objects.create(
            received_on=received, complainant_type=ComplainantType.WORKER, worker=w, lodged_at=LodgedAt.PROVINCE,
            lodged_province=province(handled_in or home), current_province=province(handled_in or home),
            channel=ComplaintChannel.WALK_IN, narrative="Wages unpaid.", stage=stage, referred_to=referred_to,
            restricted=restricted, trafficking_flag=restricted,
        )

    complaint("settled", "F", "12", Stage.SETTLED, date(2014, 3, 1))
    complaint("referred", "M", "12", Stage.REFERRED, date(2014, 4, 1), referred_to=ReferredTo.COURT)
    complaint("withdrawn", "F", "02", Stage.WITHDRAWN, date(2014, 5, 1))
    complaint("closed", "M", "02", Stage.CLOSED, date(2014, 6, 1))
    complaint("closed_referred", "F", "12", Stage.CLOSED, date(2014, 7, 1), referred_to=ReferredTo.ARBITRATION)
    complaint("open", "M", "12", Stage.ASSESSMENT, date(2014, 8, 1))
    complaint("restricted", "F", "12", Stage.HELD, date(2014, 9, 1), restricted=True)
    complaint("last_year", "M", "12", Stage.SETTLED, date(2013, 9, 1))
    complaint("other_province_handles", "F", "12", Stage.SETTLED, date(2014, 10, 1), handled_in="02")

    # Licence decisions and published inspections.
    LicenceChange.objects.create(agency=agency_a, from_status=LicenceStatus.APPLIED, to_status=LicenceStatus.ACTIVE,
                                 reason="Licence granted.", effective_date=date(2014, 2, 1))
    LicenceChange.objects.create(agency=agency_b, from_status=LicenceStatus.ACTIVE, to_status=LicenceStatus.SUSPENDED,
                                 reason="Suspended.", effective_date=date(2014, 5, 1))
    LicenceChange.objects.create(agency=agency_b, from_status=LicenceStatus.SUSPENDED, to_status=LicenceStatus.ACTIVE,
                                 reason="Restored.", effective_date=date(2015, 5, 1))
    template = checklist()
    for agency, score, grade, on in ((agency_a, "88.0", "A", date(2014, 4, 1)), (agency_b, "64.5", "C", date(2014, 9, 1)),
                                     (agency_a, "70.0", "B", date(2013, 4, 1))):
        Inspection.objects.create(agency=agency, template=template, status=InspectionStatus.APPROVED, scheduled_for=on,
                                  conducted_on=on, score=Decimal(score), grade=grade)

    # Remittances: Thailand and Korea corridors, offers observed in 2014.
    ExchangeRate.objects.create(currency="THB", on=date(2014, 1, 1), per_usd=Decimal("32"))
    ExchangeRate.objects.create(currency="KRW", on=date(2014, 1, 1), per_usd=Decimal("1000"))
    # The corridors are created by a data migration.
    th, kr = Corridor.objects.get(country=country("TH")), Corridor.objects.get(country=country("KR"))
    wing, bank = Provider.objects.create(name="Wing", kind="wallet"), Provider.objects.create(name="ACLEDA", kind="bank")
    for provider, corridor, pct, margin, on in ((wing, th, "2", "1", date(2014, 3, 1)), (bank, th, "4", "2", date(2014, 3, 1)),
                                                 (bank, kr, "3", "3", date(2014, 8, 1))):
        Offer.objects.create(provider=provider, corridor=corridor, fee_percent=Decimal(pct), fx_margin_percent=Decimal(margin),
                             speed="same_day", receive_methods=["cash"], observed_on=on)
    for dep, month, usd in ((deployments[1], date(2014, 2, 1), "150.00"), (deployments[1], date(2014, 3, 1), "160.00"),
                            (deployments[3], date(2014, 2, 1), "500.00"), (deployments[6], date(2014, 4, 1), "120.50"),
                            (deployments[3], date(2013, 12, 1), "400.00")):
        Remittance.objects.create(deployment=dep, month=month, amount=Decimal(usd), currency="USD", amount_usd=Decimal(usd),
                                  channel="formal", source="agency")

    # Agency A's report for June 2014, submitted: it reports two departures to Hong Kong where
    # the register has one, and nothing else.
    report = MonthlyReport.objects.create(agency=agency_a, period=date(2014, 6, 1), status=ReportStatus.SUBMITTED, version=2)
    MonthlyReportLine.objects.create(report=report, country=country("HK"), sector=sector("DOM"), sex="F", deployed=2,
                                     abroad_end=1)
    MonthlyReport.objects.create(agency=agency_b, period=date(2014, 6, 1), status=ReportStatus.DRAFT)
    ReportDifference.objects.create(report=report, country=country("HK"), sector=sector("DOM"), sex="F", figure="deployed",
                                    reported=2, register=1, submission=2)
    return Records(agency_a, agency_b, deployments, returns, complaints, report)
