"""Demo data for the worker register, written through the real services: curricula and
trainers, employers and vetted job orders, workers carried through training, contracts,
departure, return and reintegration, and irregular returnees met at the border.

Called as a step of ``manage.py seed_demo`` (migration_portal/core/demo.py).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model

from agencies.choices import LicenceStatus
from agencies.models import Agency

from . import services, training
from .choices import Channel, DeploymentStatus, KeyProtection, PlacementArticle, ReturnReason
from .models import Curriculum, CurriculumModule, Employer, JobOrder, Trainer, Worker

MODULES = [
    ("Rights and duties at work", "សិទ្ធិ និងកាតព្វកិច្ចនៅកន្លែងការងារ"),
    ("Workplace practice and safety", "ការអនុវត្តការងារ និងសុវត្ថិភាព"),
    ("Culture and tradition of the destination", "វប្បធម៌ និងទំនៀមទម្លាប់នៃប្រទេសគោលដៅ"),
    ("Money, savings and sending money home", "ប្រាក់ ការសន្សំ និងការផ្ញើប្រាក់មកផ្ទះ"),
    ("Health and well-being", "សុខភាព និងសុខុមាលភាព"),
    ("Getting help and making a complaint", "ការស្វែងរកជំនួយ និងការដាក់បណ្តឹង"),
]

FAMILY = [("Sok", "សុខ"), ("Chan", "ចាន់"), ("Heng", "ហេង"), ("Kim", "គឹម"), ("Mao", "ម៉ៅ"), ("Chea", "ជា"), ("Ly", "លី"),
          ("Keo", "កែវ"), ("Phan", "ផាន"), ("Nget", "ង៉ែត"), ("Sam", "សំ"), ("Touch", "ទូច")]
GIVEN_M = [("Dara", "ដារ៉ា"), ("Vanna", "វណ្ណា"), ("Sopheak", "សុភ័ក្រ"), ("Rithy", "រិទ្ធី"), ("Vuthy", "វុទ្ធី"),
           ("Samnang", "សំណាង"), ("Piseth", "ពិសិដ្ឋ"), ("Bunthoeun", "ប៊ុនធឿន")]
GIVEN_F = [("Sreypov", "ស្រីពៅ"), ("Sophea", "សុភា"), ("Channary", "ចន្ធារី"), ("Sreymom", "ស្រីមុំ"), ("Bopha", "បុប្ផា"),
           ("Sokha", "សុខា"), ("Kunthea", "គន្ធា"), ("Leakhena", "លក្ខិណា")]
HOME_PROVINCES = ["14", "03", "01", "02", "17", "21", "05", "12", "20", "06"]

EMPLOYERS = [
    ("Siam Build Co., Ltd.", "TH", "CON", "Construction worker", 11500, "THB", 48, 24, "M"),
    ("Chonburi Fresh Farms", "TH", "AGR", "Farm worker", 10500, "THB", 48, 24, "*"),
    ("Penang Electronics Sdn Bhd", "MY", "MAN", "Production operator", 1600, "MYR", 48, 24, "F"),
    ("Daegu Auto Parts Co.", "KR", "MAN", "Factory worker", 2100000, "KRW", 40, 36, "*"),
    ("Kumamoto Agri Co-op", "JP", "AGR", "Technical intern (agriculture)", 165000, "JPY", 40, 36, "*"),
]


def _person(rng, sex: str, n: int):
    family = rng.choice(FAMILY)
    given = rng.choice(GIVEN_M if sex == "M" else GIVEN_F)
    return f"{family[0]} {given[0]} {n}", f"{family[1]} {given[1]}"


def seed_register(demo) -> None:
    users = demo.users
    licensing = users.get("licensing")
    rng = demo.rng
    today = demo.today
    user_model = get_user_model()

    general, _ = Curriculum.objects.get_or_create(country=None, version=1, defaults={"title": "National pre-departure orientation", "hours": 24})
    for country in ("TH", "MY"):
        c, created = Curriculum.objects.get_or_create(country=demo.countries[country], version=1,
                                                      defaults={"title": f"Pre-departure orientation: {demo.countries[country].name}", "hours": 24})
        if created:
            CurriculumModule.objects.bulk_create([CurriculumModule(curriculum=c, order=i, title=t, title_km=k, hours=4)
                                                  for i, (t, k) in enumerate(MODULES)])
    if not general.modules.exists():
        CurriculumModule.objects.bulk_create([CurriculumModule(curriculum=general, order=i, title=t, title_km=k, hours=4)
                                              for i, (t, k) in enumerate(MODULES)])
    trainers = []
    for i, (name, km) in enumerate([("Meas Sophal", "មាស សុផល"), ("Ouk Chanthy", "អ៊ុក ចន្ធី"), ("Prak Vichea", "ប្រាក់ វិជ្ជា")]):
        t, _ = Trainer.objects.get_or_create(certificate_number=f"MOLVT-PDO-T{i + 1:03d}", defaults={
            "name": name, "name_km": km, "certified_on": today - timedelta(days=600), "certified_until": today + timedelta(days=500)})
        trainers.append(t)
    # One trainer whose certification lapsed: sessions they give issue certificates that do not count.
    Trainer.objects.get_or_create(certificate_number="MOLVT-PDO-T099", defaults={
        "name": "Lapsed Trainer", "name_km": "គ្រូបង្គោលផុតសុពលភាព", "certified_on": today - timedelta(days=1200),
        "certified_until": today - timedelta(days=30)})

    agencies = list(Agency.objects.filter(licence_status=LicenceStatus.ACTIVE, users__username__in=["agency.angkor", "agency.mekong"])
                    .distinct().order_by("name"))
    if not agencies:
        return
    employers = {}
    for name, cc, sc, *_terms in EMPLOYERS:
        employers[name], _ = Employer.objects.get_or_create(name=name, country=demo.countries[cc], defaults={"sector": demo.sectors[sc]})

    n = 0
    for agency in agencies:
        clerk = user_model.objects.filter(agency=agency, is_active=True).order_by("username").first()
        authorised = set(agency.authorised_countries.values_list("code", flat=True))
        for name, cc, sc, occupation, wage, cur, hours, months, sexes in EMPLOYERS:
            if cc not in authorised:
                continue
            order = JobOrder.objects.filter(agency=agency, employer=employers[name]).first()
            if order is None:
                order = services.job_order_submit(agency=agency, actor=clerk, fields={
                    "ref": f"JO-{agency.pk:03d}-{cc}-{today:%y}{len(authorised)}{n}", "employer": employers[name],
                    "country": demo.countries[cc], "sector": demo.sectors[sc], "occupation": occupation,
                    "positions_male": 0 if sexes == "F" else 20, "positions_female": 0 if sexes == "M" else 20,
                    "monthly_wage": Decimal(wage), "wage_currency": cur, "hours_per_week": hours, "contract_months": months,
                    "valid_from": today - timedelta(days=200), "valid_until": today + timedelta(days=200)})
                order = services.job_order_vet(job_order=order, approve=True, vetted_by=f"Labour attaché, {demo.countries[cc].name}",
                                       actor=licensing, vetted_on=today - timedelta(days=190))
            curriculum = Curriculum.objects.filter(country=order.country).first() or general
            session = training.session_create(actor=clerk, agency=agency, curriculum=curriculum, trainer=rng.choice(trainers),
                                              province=demo.provinces["12"], place=f"{agency.name} training centre, Phnom Penh",
                                              starts_on=today - timedelta(days=160), ends_on=today - timedelta(days=157))
            workers = []
            for _ in range(6):
                n += 1
                sex = "F" if sexes == "F" or (sexes == "*" and n % 2) else "M"
                latin, km = _person(rng, sex, n)
                workers.append(services.worker_register(actor=clerk, agency=agency, fields={
                    "name_latin": latin, "name_km": km, "sex": sex, "date_of_birth": date(1990 + n % 12, 1 + n % 12, 1 + n % 27),
                    "national_id": f"{110000000 + agency.pk * 1000 + n}", "passport_number": f"N{agency.pk:02d}{n:05d}",
                    "passport_expiry": today + timedelta(days=1500), "phone": f"0{12 + n % 7}{n:06d}",
                    "home_province": demo.provinces[HOME_PROVINCES[n % len(HOME_PROVINCES)]], "education": "lower_secondary"}))
            training.session_enrol(session=session, workers=workers, actor=clerk)
            training.session_complete(session=session, actor=clerk, completed_worker_ids={w.pk for w in workers[:5]},
                                       issued_on=today - timedelta(days=156))
            for i, worker in enumerate(workers):
                dep = services.deployment_create(worker=worker, actor=clerk, channel=Channel.AGENCY, agency=agency, job_order=order,
                                                 country=order.country, sector=order.sector, fees_paid=Decimal(rng.choice([0, 150, 300, 450])),
                                                 wages_to_bank=bool(i % 2))
                if i == 5:
                    continue  # registered only: no certificate yet (the sixth worker missed the session)
                services.placement_contract_submit(deployment=dep, actor=clerk, signed_on=today - timedelta(days=150),
                                                   articles=list(PlacementArticle.values), service_fee=dep.fees_paid)
                wage = order.monthly_wage if i != 4 else (order.monthly_wage * Decimal("0.8")).quantize(Decimal("0.01"))  # substituted
                contract = services.employment_contract_submit(deployment=dep, actor=clerk, fields={
                    "employer_name": order.employer.name, "position": order.occupation, "monthly_wage": wage,
                    "wage_currency": order.wage_currency, "hours_per_week": order.hours_per_week,
                    "duration_months": order.contract_months, "signed_on": today - timedelta(days=150),
                    "protections": list(KeyProtection.values)})
                services.contract_review(contract=dep.placement_contract, approve=True, actor=licensing)
                if contract.differences:
                    continue  # left for a reviewer: the wage is lower than the job order's
                services.contract_review(contract=contract, approve=True, actor=licensing)
                dep = services.deployment_transition(deployment=dep, to_status=DeploymentStatus.TRAINED, actor=clerk,
                                                     on_date=today - timedelta(days=149))
                dep = services.deployment_transition(deployment=dep, to_status=DeploymentStatus.CONTRACT_APPROVED, actor=clerk,
                                                     on_date=today - timedelta(days=148))
                if i == 3:
                    continue  # ready to leave: the demo's departure is one click away
                departed = today - timedelta(days=140 - i)
                dep = services.deployment_transition(deployment=dep, to_status=DeploymentStatus.DEPARTED, actor=clerk, on_date=departed)
                dep = services.deployment_transition(deployment=dep, to_status=DeploymentStatus.ABROAD, actor=clerk, on_date=departed + timedelta(days=2))
                if i == 2:
                    officer = users.get("officer.phnompenh")
                    record = services.return_register(worker=worker, actor=officer, returned_on=today - timedelta(days=20),
                                                      reason=ReturnReason.ENDED_EARLY, country=order.country,
                                                      province=demo.provinces["12"], assisting_agency=agency)
                    if hasattr(record, "case"):
                        case = services.case_assess(case=record.case, actor=officer, needs=["job_placement", "skills_recognition"],
                                                    notes="Wants work in construction near home.")
                        services.referral_add(case=case, actor=officer, kind="job_placement", partner="NEA job centre, Phnom Penh")

    # Irregular returnees met at Poipet: no agency, no documents; registered by the border province.
    officer = users.get("officer.banteaymeanchey")
    if officer is None:
        return
    from migration_portal.reference.models import Checkpoint

    poipet = Checkpoint.objects.filter(code="POI").first()
    for i in range(12):
        n += 1
        sex = "M" if i % 3 else "F"
        latin, km = _person(rng, sex, n)
        worker = services.worker_register(actor=officer, fields={
            "name_latin": latin, "name_km": km, "sex": sex, "date_of_birth": date(1985 + i, 1 + i % 12, 3 + i),
            "home_province": demo.provinces[HOME_PROVINCES[i % len(HOME_PROVINCES)]]}, confirm_not_duplicate=True)
        dep = services.deployment_create(worker=worker, actor=officer, channel=Channel.IRREGULAR, country=demo.countries["TH"],
                                         sector=demo.sectors[rng.choice(["AGR", "CON", "FSH"])])
        services.deployment_transition(deployment=dep, to_status=DeploymentStatus.ABROAD, actor=officer, on_date=today - timedelta(days=400))
        services.return_register(worker=worker, actor=officer, returned_on=today - timedelta(days=3 + i),
                                 reason=ReturnReason.DEPORTED if i % 2 else ReturnReason.CRISIS, country=demo.countries["TH"],
                                 province=demo.provinces["01"], checkpoint=poipet, needs_assistance=i % 4 != 0)


def worker_count() -> int:
    return Worker.objects.count()
