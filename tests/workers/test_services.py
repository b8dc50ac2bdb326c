"""The worker register's core services: duplicates, identifiers, the deployment lifecycle
and its departure rules, contract substitution, returns."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from agencies.choices import LicenceStatus
from agencies.models import Agency
from workers import services
from workers.choices import CaseStatus, Channel, ContractStatus, DeploymentStatus, KeyProtection, LegalStatus, ReturnReason
from workers.models import Deployment, EmploymentContract, ReintegrationCase, Worker

from ..access_log import entries_for
from ..factories import country, province, sector
from .factories import DeploymentFactory, JobOrderFactory, WorkerFactory, certify, ready_to_depart

pytestmark = pytest.mark.django_db

FIELDS = {"name_latin": "Chan Sreypov", "name_km": "ចាន់ ស្រីពៅ", "sex": "F", "date_of_birth": date(1998, 2, 3),
          "national_id": "011 223 344", "passport_number": "n-1234567", "phone": "+855 12 345 678"}


def fields(**over):
    return {**FIELDS, "home_province": province("14"), **over}


class TestWorkerRegister:
    def test_identifiers_are_encrypted_and_hashed(self, agency_user_a):
        w = services.worker_register(actor=agency_user_a, fields=fields())
        assert w.registered_by_agency == agency_user_a.agency
        with connection.cursor() as c:
            c.execute("SELECT national_id, passport_number, phone, passport_hash FROM workers_worker WHERE id = %s", [w.pk])
            raw = c.fetchone()
        assert "011223344" not in raw[0] and "N1234567" not in raw[1] and "12345678" not in raw[2]
        assert len(raw[3]) == 64
        reloaded = Worker.objects.get(pk=w.pk)
        assert reloaded.passport_number == "N1234567" and reloaded.masked_passport.endswith("567")
        assert list(services.worker_lookup(passport_number="N 123-4567")) == [w]

    def test_same_passport_is_refused_whoever_registers(self, agency_user_a, agency_user_b):
        services.worker_register(actor=agency_user_a, fields=fields())
        with pytest.raises(ValidationError) as err:
            services.worker_register(actor=agency_user_b, fields=fields(national_id="", name_latin="Other Name"))
        assert "passport_number" in err.value.message_dict
        assert Worker.objects.count() == 1

    def test_same_name_and_birth_date_needs_confirmation(self, agency_user_a):
        services.worker_register(actor=agency_user_a, fields=fields())
        other = fields(national_id="999", passport_number="P999")
        with pytest.raises(ValidationError) as err:
            services.worker_register(actor=agency_user_a, fields=other)
        assert "name_latin" in err.value.message_dict and err.value.error_dict["name_latin"][0].code == "possible_duplicate"
        w = services.worker_register(actor=agency_user_a, fields=other, confirm_not_duplicate=True)
        assert w.duplicate_checked_by == agency_user_a

    def test_bad_input_names_the_field(self, agency_user_a):
        with pytest.raises(ValidationError) as err:
            services.worker_register(actor=agency_user_a, fields=fields(date_of_birth=timezone.localdate() + timedelta(days=1), sex="X"))
        assert {"date_of_birth"} <= set(err.value.message_dict)

    def test_unmasked_identifiers_need_permission_and_are_logged(self, agency_user_a, licensing_officer):
        w = services.worker_register(actor=agency_user_a, fields=fields())
        with pytest.raises(PermissionDenied):
            services.worker_identifiers(worker=w, actor=agency_user_a, channel="page")
        assert services.worker_identifiers(worker=w, actor=licensing_officer, channel="page")["passport_number"] == "N1234567"
        log = entries_for(w, kind="identifiers")
        assert log.count() == 1 and log.get().user == licensing_officer and log.get().channel == "page"

    def test_audit_log_masks_identifiers(self, agency_user_a):
        w = services.worker_register(actor=agency_user_a, fields=fields())
        entry = LogEntry.objects.get_for_object(w).get(action=LogEntry.Action.CREATE)
        assert "N1234567" not in str(entry.changes)


class TestDeparture:
    def test_every_rule_is_named_when_nothing_is_ready(self, licensing_officer):
        dep = DeploymentFactory(worker=WorkerFactory(date_of_birth=timezone.localdate() - timedelta(days=17 * 365),
                                                     passport_expiry=timezone.localdate() - timedelta(days=1)))
        Deployment.objects.filter(pk=dep.pk).update(status=DeploymentStatus.CONTRACT_APPROVED)
        with pytest.raises(ValidationError) as err:
            services.deployment_transition(deployment=dep, to_status=DeploymentStatus.DEPARTED, actor=licensing_officer)
        assert {"passport", "age", "training", "placement_contract", "employment_contract"} <= set(err.value.message_dict)
        dep.refresh_from_db()
        assert dep.status == DeploymentStatus.CONTRACT_APPROVED and dep.departed_on is None

    def test_full_cycle(self, licensing_officer, officer_a):
        dep = ready_to_depart(DeploymentFactory())
        for status in (DeploymentStatus.TRAINED, DeploymentStatus.CONTRACT_APPROVED, DeploymentStatus.DEPARTED):
            dep = services.deployment_transition(deployment=dep, to_status=status, actor=licensing_officer)
        assert dep.departed_on == timezone.localdate()
        assert services.current_legal_status(dep).status == LegalStatus.REGULAR
        dep = services.deployment_transition(deployment=dep, to_status=DeploymentStatus.ABROAD, actor=licensing_officer)
        record = services.return_register(worker=dep.worker, actor=officer_a, returned_on=timezone.localdate(),
                                          reason=ReturnReason.ENDED_EARLY, country=dep.country, province=officer_a.province)
        dep.refresh_from_db()
        assert dep.status == DeploymentStatus.RETURNED and record.deployment == dep
        assert ReintegrationCase.objects.get(return_record=record).status == CaseStatus.OPEN

    @pytest.mark.parametrize("breaker", ["licence", "country", "suspension", "sector_suspension", "job_order_expired", "substitution"])
    def test_each_rule_blocks_departure(self, breaker, licensing_officer, director):
        dep = ready_to_depart(DeploymentFactory())
        Deployment.objects.filter(pk=dep.pk).update(status=DeploymentStatus.CONTRACT_APPROVED)
        if breaker == "licence":
            Agency.objects.filter(pk=dep.agency_id).update(licence_status=LicenceStatus.SUSPENDED)
        elif breaker == "country":
            dep.agency.authorised_countries.remove(dep.country)
        elif breaker == "suspension":
            services.suspension_create(actor=director, country=dep.country, starts_on=timezone.localdate(), reason="Safety")
        elif breaker == "sector_suspension":
            services.suspension_create(actor=director, country=dep.country, sector=dep.sector, starts_on=timezone.localdate(), reason="Safety")
        elif breaker == "job_order_expired":
            type(dep.job_order).objects.filter(pk=dep.job_order_id).update(valid_until=timezone.localdate() - timedelta(days=1))
        elif breaker == "substitution":
            EmploymentContract.objects.filter(deployment=dep).update(differences={"monthly_wage": ["11000", "8000"]})
        expected = {"licence": "licence", "country": "licence", "suspension": "suspension", "sector_suspension": "suspension",
                    "job_order_expired": "job_order", "substitution": "substitution"}[breaker]
        with pytest.raises(ValidationError) as err:
            services.deployment_transition(deployment=dep, to_status=DeploymentStatus.DEPARTED, actor=licensing_officer)
        assert expected in err.value.message_dict

    def test_suspension_of_another_sector_does_not_block(self, licensing_officer, director):
        dep = ready_to_depart(DeploymentFactory())
        Deployment.objects.filter(pk=dep.pk).update(status=DeploymentStatus.CONTRACT_APPROVED)
        services.suspension_create(actor=director, country=dep.country, sector=sector("DOM"), starts_on=timezone.localdate(), reason="x")
        services.deployment_transition(deployment=dep, to_status=DeploymentStatus.DEPARTED, actor=licensing_officer)

    def test_invalid_trainer_certificate_does_not_count(self, licensing_officer):
        dep = DeploymentFactory()
        cert = certify(dep.worker, dep.agency)
        type(cert).objects.filter(pk=cert.pk).update(is_valid=False)
        with pytest.raises(ValidationError) as err:
            services.deployment_transition(deployment=dep, to_status=DeploymentStatus.TRAINED, actor=licensing_officer)
        assert "training" in err.value.message_dict

    def test_stale_version_is_refused(self, licensing_officer):
        dep = ready_to_depart(DeploymentFactory())
        stale = dep.version
        services.deployment_transition(deployment=dep, to_status=DeploymentStatus.TRAINED, actor=licensing_officer, version=stale)
        with pytest.raises(ValidationError, match="Someone else"):
            services.deployment_transition(deployment=dep, to_status=DeploymentStatus.CANCELLED, actor=licensing_officer,
                                           reason="x", version=stale)

    def test_agency_cannot_move_another_agencys_deployment(self, agency_user_b):
        dep = DeploymentFactory()
        with pytest.raises(PermissionDenied):
            services.deployment_transition(deployment=dep, to_status=DeploymentStatus.CANCELLED, actor=agency_user_b, reason="x")


class TestJobOrdersAndContracts:
    def test_quota_by_sex(self, agency_a, agency_user_a):
        order = JobOrderFactory(agency=agency_a, positions_male=1, positions_female=0)
        services.deployment_create(worker=WorkerFactory(), actor=agency_user_a, channel=Channel.AGENCY, agency=agency_a,
                                   job_order=order, country=order.country, sector=order.sector)
        with pytest.raises(ValidationError, match="no position left"):
            services.deployment_create(worker=WorkerFactory(), actor=agency_user_a, channel=Channel.AGENCY, agency=agency_a,
                                       job_order=order, country=order.country, sector=order.sector)
        with pytest.raises(ValidationError, match="no position left"):
            services.deployment_create(worker=WorkerFactory(sex="F"), actor=agency_user_a, channel=Channel.AGENCY, agency=agency_a,
                                       job_order=order, country=order.country, sector=order.sector)

    def test_substitution_caught_and_accepted_with_reason(self, agency_a, agency_user_a, licensing_officer):
        order = JobOrderFactory(agency=agency_a)
        dep = services.deployment_create(worker=WorkerFactory(), actor=agency_user_a, channel=Channel.AGENCY, agency=agency_a,
                                         job_order=order, country=order.country, sector=order.sector)
        contract = services.employment_contract_submit(deployment=dep, actor=agency_user_a, fields={
            "employer_name": order.employer.name, "position": "Cleaner", "monthly_wage": Decimal("9000"), "wage_currency": "THB",
            "hours_per_week": 60, "duration_months": 24, "signed_on": timezone.localdate(), "protections": list(KeyProtection.values)})
        assert set(contract.differences) == {"position", "monthly_wage", "hours_per_week"}
        with pytest.raises(ValidationError, match="differs from the job order"):
            services.contract_review(contract=contract, approve=True, actor=licensing_officer)
        with pytest.raises(ValidationError):
            services.substitution_accept(contract=contract, actor=licensing_officer, reason="")
        services.substitution_accept(contract=contract, actor=licensing_officer, reason="Employer confirmed in writing")
        contract = services.contract_review(contract=contract, approve=True, actor=licensing_officer)
        assert contract.status == ContractStatus.APPROVED

    def test_expired_or_unvetted_job_order_refused(self, agency_a, agency_user_a):
        order = JobOrderFactory(agency=agency_a, status="submitted")
        with pytest.raises(ValidationError) as err:
            services.deployment_create(worker=WorkerFactory(), actor=agency_user_a, channel=Channel.AGENCY, agency=agency_a,
                                       job_order=order, country=order.country, sector=order.sector)
        assert "job_order" in err.value.message_dict


class TestReturns:
    def test_returnee_without_agency(self, officer_b):
        w = WorkerFactory(home_province=province("02"))
        record = services.return_register(worker=w, actor=officer_b, returned_on=timezone.localdate(), reason=ReturnReason.DEPORTED,
                                          country=country("TH"), province=province("01"))
        assert record.deployment is None and record.case.province == province("01")
        assert list(Worker.objects.visible_to(officer_b)) == [w]

    def test_duplicate_return_and_future_date(self, officer_a):
        w = WorkerFactory()
        services.return_register(worker=w, actor=officer_a, returned_on=date(2025, 6, 1), reason=ReturnReason.CRISIS,
                                 country=country("TH"), province=province("12"))
        with pytest.raises(ValidationError):
            services.return_register(worker=w, actor=officer_a, returned_on=date(2025, 6, 1), reason=ReturnReason.CRISIS,
                                     country=country("TH"), province=province("12"))
        with pytest.raises(ValidationError) as err:
            services.return_register(worker=w, actor=officer_a, returned_on=timezone.localdate() + timedelta(days=2),
                                     reason=ReturnReason.CRISIS, country=country("TH"), province=province("12"))
        assert "returned_on" in err.value.message_dict

    def test_case_cannot_close_with_open_referrals(self, officer_a):
        w = WorkerFactory()
        record = services.return_register(worker=w, actor=officer_a, returned_on=timezone.localdate(), reason=ReturnReason.ABUSE,
                                          country=country("MY"), province=province("12"))
        case = services.case_assess(case=record.case, actor=officer_a, needs=["psychosocial", "legal"])
        referral = services.referral_add(case=case, actor=officer_a, kind="psychosocial", partner="TPO Cambodia")
        with pytest.raises(ValidationError, match="outcome of every referral"):
            services.case_close(case=case, actor=officer_a)
        services.referral_outcome(referral=referral, actor=officer_a, outcome="achieved")
        assert services.case_close(case=case, actor=officer_a).status == CaseStatus.CLOSED


def test_case_services_check_permission_and_province(officer_a, officer_b, agency_user_a):
    w = WorkerFactory()
    record = services.return_register(worker=w, actor=officer_a, returned_on=timezone.localdate(), reason=ReturnReason.ILLNESS,
                                      country=country("TH"), province=province("12"))
    for outsider in (officer_b, agency_user_a):
        with pytest.raises(PermissionDenied):
            services.case_assess(case=record.case, actor=outsider, needs=["health"])
    record.case.refresh_from_db()
    assert record.case.status == CaseStatus.OPEN and record.case.needs == []


class TestScope:
    def test_agency_and_province_scopes(self, agency_a, agency_user_a, agency_user_b, officer_a, officer_b):
        mine = DeploymentFactory(job_order=JobOrderFactory(agency=agency_a), worker=WorkerFactory(home_province=province("12")))
        theirs = DeploymentFactory(worker=WorkerFactory(home_province=province("02")))
        assert list(Worker.objects.visible_to(agency_user_a)) == [mine.worker]
        assert list(Deployment.objects.visible_to(agency_user_a)) == [mine]
        assert theirs.worker not in Worker.objects.visible_to(agency_user_b) or theirs.agency == agency_user_b.agency
        assert list(Worker.objects.visible_to(officer_a)) == [mine.worker]
        assert list(Worker.objects.visible_to(officer_b)) == [theirs.worker]
