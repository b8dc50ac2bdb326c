"""factory_boy factories for the portal's models."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from agencies.choices import DepositEntryKind, LicenceStatus
from agencies.models import Agency, ChecklistItem, ChecklistTemplate, DepositEntry, MonthlyReport
from migration_portal.accounts.models import User
from migration_portal.reference.models import Country, Province, Sector


def province(code: str = "12") -> Province:
    return Province.objects.get(code=code)


def country(code: str = "TH") -> Country:
    return Country.objects.get(code=code)


def sector(code: str = "CON") -> Sector:
    return Sector.objects.get(code=code)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    first_name = "Sok"
    last_name = "Dara"
    password = factory.django.Password("correct-horse-battery")

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            for name in extracted:
                self.groups.add(Group.objects.get(name=name))


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Angkor Manpower {n} Co., Ltd.")
    name_km = factory.Sequence(lambda n: f"ក្រុមហ៊ុន អង្គរ ម៉ែនផៅវើ {n}")
    registration_number = factory.Sequence(lambda n: f"REG-{n:05d}")
    licence_number = factory.Sequence(lambda n: f"MOLVT-{n:04d}")
    licence_status = LicenceStatus.ACTIVE
    licence_issued = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=400))
    licence_expires = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=700))
    province = factory.LazyFunction(lambda: province("12"))

    @factory.post_generation
    def countries(self, create, extracted, **kwargs):
        if create:
            codes = extracted if extracted is not None else ["TH", "KR", "MY"]
            self.authorised_countries.set(Country.objects.filter(code__in=codes))

    @factory.post_generation
    def deposit(self, create, extracted, **kwargs):
        amount = Decimal("100000") if extracted is None else Decimal(extracted)
        if create and amount:
            DepositEntry.objects.create(agency=self, kind=DepositEntryKind.INITIAL, amount=amount)


class MonthlyReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MonthlyReport

    agency = factory.SubFactory(AgencyFactory)
    period = factory.LazyFunction(lambda: (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1))


def checklist(version: int = 1, items: int = 4, current: bool = True) -> ChecklistTemplate:
    template = ChecklistTemplate.objects.create(version=version, title="MOLVT agency standards", is_current=current)
    for i in range(items):
        ChecklistItem.objects.create(
            template=template, code=f"S{i + 1}", section="Licence", text=f"Standard {i + 1}", weight=i + 1, order=i
        )
    return template
