"""Factories for the worker register, and a helper that makes a deployment ready to leave."""

from datetime import date, timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from workers.choices import Channel, ContractStatus, JobOrderStatus, KeyProtection, PlacementArticle
from workers.models import (
    Certificate,
    Curriculum,
    Deployment,
    Employer,
    EmploymentContract,
    JobOrder,
    PlacementContract,
    Trainer,
    TrainingSession,
    Worker,
)
from workers.pii import pii_hash

from ..factories import AgencyFactory, country, province, sector


class WorkerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Worker

    name_km = factory.Iterator(["សុខ ដារ៉ា", "ចាន់ ស្រីពៅ", "ហេង សុភា", "គឹម វណ្ណា", "ម៉ៅ សុខលី"])
    name_latin = factory.Sequence(lambda n: f"Sok Dara {n}")
    sex = "M"
    date_of_birth = date(1995, 4, 12)
    national_id = factory.Sequence(lambda n: f"{100000000 + n}")
    national_id_hash = factory.LazyAttribute(lambda o: pii_hash(o.national_id, kind="national_id"))
    passport_number = factory.Sequence(lambda n: f"N{2000000 + n}")
    passport_hash = factory.LazyAttribute(lambda o: pii_hash(o.passport_number, kind="passport"))
    passport_expiry = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=3 * 365))
    phone = factory.Sequence(lambda n: f"012{n:06d}")
    phone_hash = factory.LazyAttribute(lambda o: pii_hash(o.phone, kind="phone"))
    home_province = factory.LazyFunction(lambda: province("12"))


class EmployerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employer

    name = factory.Sequence(lambda n: f"Bangkok Construction {n} Co.")
    country = factory.LazyFunction(lambda: country("TH"))
    sector = factory.LazyFunction(lambda: sector("CON"))


class JobOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JobOrder

    ref = factory.Sequence(lambda n: f"JO-{n:05d}")
    agency = factory.SubFactory(AgencyFactory)
    employer = factory.SubFactory(EmployerFactory)
    country = factory.SelfAttribute("employer.country")
    sector = factory.SelfAttribute("employer.sector")
    occupation = "Construction worker"
    positions_male = 10
    positions_female = 5
    monthly_wage = Decimal("11000")
    wage_currency = "THB"
    hours_per_week = 48
    contract_months = 24
    valid_from = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=10))
    valid_until = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=180))
    status = JobOrderStatus.APPROVED
    vetted_by = "Labour attaché, Bangkok"


class DeploymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deployment

    worker = factory.SubFactory(WorkerFactory)
    channel = Channel.AGENCY
    job_order = factory.SubFactory(JobOrderFactory)
    agency = factory.SelfAttribute("job_order.agency")
    employer = factory.SelfAttribute("job_order.employer")
    country = factory.SelfAttribute("job_order.country")
    sector = factory.SelfAttribute("job_order.sector")
    occupation = "Construction worker"
    monthly_wage = Decimal("11000")
    wage_currency = "THB"


class CurriculumFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Curriculum
        django_get_or_create = ("country", "version")

    title = "Pre-departure orientation"
    country = None
    version = 1


class TrainerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trainer

    name = factory.Sequence(lambda n: f"Trainer {n}")
    certificate_number = factory.Sequence(lambda n: f"TR-{n:04d}")
    certified_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=365))
    certified_until = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=365))


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingSession

    agency = factory.SubFactory(AgencyFactory)
    curriculum = factory.SubFactory(CurriculumFactory)
    trainer = factory.SubFactory(TrainerFactory)
    province = factory.LazyFunction(lambda: province("12"))
    place = "Agency training centre, Phnom Penh"
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=10))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=7))


def certify(worker, agency=None, on: date | None = None) -> Certificate:
    session = SessionFactory(agency=agency) if agency else SessionFactory()
    return Certificate.objects.create(worker=worker, session=session, issued_on=on or timezone.localdate() - timedelta(days=7))


def ready_to_depart(deployment: Deployment) -> Deployment:
    """Give a deployment everything departure needs: certificate, both contracts approved."""
    certify(deployment.worker, deployment.agency)
    order = deployment.job_order
    PlacementContract.objects.create(deployment=deployment, signed_on=timezone.localdate(), articles=list(PlacementArticle.values),
                                     status=ContractStatus.APPROVED)
    EmploymentContract.objects.create(
        deployment=deployment, employer_name=order.employer.name, position=order.occupation, monthly_wage=order.monthly_wage,
        wage_currency=order.wage_currency, hours_per_week=order.hours_per_week, duration_months=order.contract_months,
        signed_on=timezone.localdate(), protections=list(KeyProtection.values), status=ContractStatus.APPROVED,
    )
    return deployment
