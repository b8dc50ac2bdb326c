"""Shared by the API contract tests: a small realistic world, and requests sent through
Django's WSGI application in-process, checked against the schema the API serves."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from werkzeug.test import Client

from agencies.choices import AdvertisementStatus, InspectionStatus, ReportStatus
from complaints.choices import TraffickingIndicator
from migration_portal.accounts.services import api_token_create
from remittances.choices import Audience
from remittances.models import LiteracySession
from workers import services as worker_services
from workers.certificates import work_certificate_issue
from workers.choices import ReferralKind

from ..agencies.test_api import ONE_LINE, make_ad, make_inspection, make_report, make_sanction, months_back
from ..complaints.factories import register, to_settled
from ..factories import province
from ..remittances.test_pages import build_market, remit
from ..workers.factories import DeploymentFactory, JobOrderFactory, certify, ready_to_depart
from ..workers.test_returns import abroad, register_return


@pytest.fixture
def world(agency_a, agency_b, officer_a, officer_b, complaints_officer):
    """A little of everything the API serves, for both agencies, so that lists, details and
    actions meet real rows in and out of each persona's scope."""
    build_market()
    for agency, officer in ((agency_a, officer_a), (agency_b, officer_b)):
        make_report(agency, lines=ONE_LINE)
        make_report(agency, months_back(2), lines=ONE_LINE, status=ReportStatus.SUBMITTED)
        make_inspection(agency)
        make_inspection(agency, status=InspectionStatus.PLANNED)
        make_sanction(agency)
        make_ad(agency)
        make_ad(agency, status=AdvertisementStatus.APPROVED)
        # A worker abroad, with a certificate, a remittance and a complaint against the agency.
        away = abroad(agency=agency, home_province=officer.province)
        certify(away.worker, agency)
        remit(away)
        register(officer, agency, worker=away.worker)
        # A deployment ready to leave, on an open job order.
        ready_to_depart(DeploymentFactory(job_order=JobOrderFactory(agency=agency), worker__home_province=officer.province))
        # A returned worker: the return, the reintegration case, a referral, the work certificate.
        back = abroad(agency=agency, home_province=officer.province, departed=timezone.localdate() - timedelta(days=700))
        record = register_return(back.worker, officer, deployment=back, prov=officer.province.code)
        case = worker_services.case_assess(case=record.case, actor=officer, needs=["job_placement"])
        worker_services.referral_add(case=case, actor=officer, kind=ReferralKind.JOB_PLACEMENT, partner="NEA job centre")
        work_certificate_issue(deployment=back, actor=officer)
        LiteracySession.objects.create(
            province=officer.province,
            agency=agency,
            held_on=timezone.localdate() - timedelta(days=3),
            place="Commune hall",
            partner="NGO",
            audience=Audience.WORKERS,
        )
    # A settled complaint, and a restricted one (signs of trafficking).
    to_settled(register(officer_a, agency_a, amount_claimed=Decimal("700")), officer_a, agency_a)
    register(officer_a, agency_a, indicators=[TraffickingIndicator.DECEPTION])
    return {"a": agency_a, "b": agency_b, "province": province("12")}


@pytest.fixture
def in_process_requests():
    """Requests go through Django's WSGI handler in this thread, on the test's connection;
    like Django's test client, keep the request signals from closing that connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def contract(in_process_requests):
    """The schema as /api/schema/ serves it, and a client that calls the API as a user and
    checks the answer against it: ``contract.get(user, "/api/...", operation="/api/.../")``."""

    class Contract:
        app = WSGIHandler()
        schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", app)

        def call(self, user, method: str, url: str, *, operation: str, **kwargs):
            headers = {"Authorization": f"Token {api_token_create(user=user, name='contract', days=30)[1]}"} if user else {}
            response = Client(self.app).open(url, method=method, headers=headers, **kwargs)
            # Raises (FailureGroup) when the status, content type or body break the contract.
            self.schema[operation][method].validate_response(response)
            return response

    return Contract()
