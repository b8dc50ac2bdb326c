"""Pre-departure training (Prakas 046): the services of workers.training, the rule that
links a certificate to departure, and the ministry's admin screens for curricula,
trainers, sessions and certificates (read-only where services own the writes, with
pinned query budgets)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from migration_portal.core.models import Event
from workers import services, training
from workers.choices import DeploymentStatus
from workers.models import Attendance, Certificate, Curriculum, CurriculumModule, Trainer, TrainingSession

from ..factories import AgencyFactory, country, province
from .factories import CurriculumFactory, DeploymentFactory, SessionFactory, TrainerFactory, WorkerFactory

pytestmark = pytest.mark.django_db

MODULES = [
    ("Rights at work", "សិទ្ធិនៅកន្លែងធ្វើការ"),
    ("Workplace practice", "ការអនុវត្តនៅកន្លែងធ្វើការ"),
    ("Culture and tradition of the destination", "វប្បធម៌ និងប្រពៃណី"),
    ("Financial literacy and sending money home", "ចំណេះដឹងហិរញ្ញវត្ថុ និងការផ្ញើប្រាក់"),
    ("Health", "សុខភាព"),
    ("How to get help and complain", "របៀបស្វែងរកជំនួយ និងការប្តឹងតវ៉ា"),
]


# --- Builders shared with test_training_pages.py and test_training_api.py ------------------------


def today():
    return timezone.localdate()


def curriculum_with_modules(country_code: str | None = None, version: int = 1, *, is_current: bool = True) -> Curriculum:
    c = CurriculumFactory(country=country(country_code) if country_code else None, version=version)
    Curriculum.objects.filter(pk=c.pk).update(is_current=is_current, hours=24)
    c.refresh_from_db()
    if not c.modules.exists():
        CurriculumModule.objects.bulk_create(
            CurriculumModule(curriculum=c, order=i, title=t, title_km=k, hours=4) for i, (t, k) in enumerate(MODULES)
        )
    return c


def expired_trainer(**fields) -> Trainer:
    """A trainer whose certification ended a month ago."""
    return TrainerFactory(certified_on=today() - timedelta(days=1000), certified_until=today() - timedelta(days=30), **fields)


def ended_session(agency, *, trainer=None, curriculum=None, province_code="12", **fields) -> TrainingSession:
    """A session that ended a week ago (completion may be recorded)."""
    return SessionFactory(
        agency=agency,
        trainer=trainer or TrainerFactory(),
        curriculum=curriculum or curriculum_with_modules(),
        province=province(province_code),
        starts_on=today() - timedelta(days=10),
        ends_on=today() - timedelta(days=7),
        **fields,
    )


def enrolled(session, workers) -> TrainingSession:
    Attendance.objects.bulk_create(Attendance(session=session, worker=w) for w in workers)
    return session


def completed_session(agency, workers, *, trainer=None, **fields) -> tuple[TrainingSession, list[Certificate]]:
    """A session run by ``agency`` with ``workers`` enrolled and all completed (through the service)."""
    session = enrolled(ended_session(agency, trainer=trainer, **fields), workers)
    actor = _agency_actor(agency)
    certificates = training.session_complete(session=session, actor=actor, completed_worker_ids={w.pk for w in workers})
    return session, certificates


def _agency_actor(agency):
    from migration_portal.core.scoping import AGENCY_USERS

    from ..factories import UserFactory

    return UserFactory(username=f"clerk-{agency.pk}", agency=agency, groups=[AGENCY_USERS])


def workers_of(agency, n: int, **fields) -> list:
    return [WorkerFactory(registered_by_agency=agency, **fields) for _ in range(n)]


# --- Services: session, enrolment, completion -------------------------------------------------------


class TestSessionToCertificate:
    def test_create_enrol_complete_issues_valid_certificates(self, agency_a, agency_user_a):
        curriculum = curriculum_with_modules("TH")
        trainer = TrainerFactory()
        session = training.session_create(
            actor=agency_user_a,
            agency=agency_a,
            curriculum=curriculum,
            trainer=trainer,
            province=province("12"),
            place="Agency A training centre",
            starts_on=today() - timedelta(days=5),
            ends_on=today() - timedelta(days=3),
        )
        a, b, c = workers_of(agency_a, 3)
        assert training.session_enrol(session=session, workers=[a, b, c], actor=agency_user_a) == 3
        # Enrolling the same workers again adds nobody.
        assert training.session_enrol(session=session, workers=[a, b], actor=agency_user_a) == 0

        certificates = training.session_complete(
            session=session,
            actor=agency_user_a,
            completed_worker_ids={a.pk, b.pk},
            hours={a.pk: 24, b.pk: 22, c.pk: 6},
        )

        assert sorted(cert.worker_id for cert in certificates) == sorted([a.pk, b.pk])
        assert all(cert.is_valid and not cert.invalid_reason for cert in certificates)
        assert all(cert.number.startswith(f"PDO-{today():%Y}-") for cert in certificates)
        rows = {x.worker_id: (x.completed, x.hours_attended) for x in Attendance.objects.filter(session=session)}
        assert rows == {a.pk: (True, 24), b.pk: (True, 22), c.pk: (False, 6)}
        session.refresh_from_db()
        assert session.completed
        codes = list(Event.objects.filter(object_id=str(session.pk)).order_by("id").values_list("code", "data"))
        assert codes == [("training.session_created", {}), ("training.completed", {"completed": 2, "valid": True})]

    def test_hours_default_to_the_curriculum_for_those_who_completed(self, agency_a, agency_user_a):
        a, b = workers_of(agency_a, 2)
        session = enrolled(ended_session(agency_a), [a, b])
        training.session_complete(session=session, actor=agency_user_a, completed_worker_ids={a.pk})
        assert dict(Attendance.objects.filter(session=session).values_list("worker_id", "hours_attended")) == {a.pk: 24, b.pk: 0}

    @pytest.mark.parametrize(
        "certified",
        [
            (-1000, -30),  # expired a month ago
            (-8, 400),  # certified only from the middle of the session
            (-400, -9),  # expired during the session
        ],
    )
    def test_trainer_not_certified_on_the_dates_issues_not_valid_certificates(self, agency_a, agency_user_a, certified):
        start, end = certified
        trainer = TrainerFactory(certified_on=today() + timedelta(days=start), certified_until=today() + timedelta(days=end))
        (w,) = workers_of(agency_a, 1)
        session = enrolled(ended_session(agency_a, trainer=trainer), [w])
        (cert,) = training.session_complete(session=session, actor=agency_user_a, completed_worker_ids={w.pk})
        assert cert.is_valid is False
        assert trainer.name in cert.invalid_reason and "not certified" in cert.invalid_reason

    def test_completing_twice_is_refused_and_nothing_changes(self, agency_a, agency_user_a):
        workers = workers_of(agency_a, 2)
        session, first = completed_session(agency_a, workers)
        with pytest.raises(ValidationError, match="already recorded"):
            training.session_complete(session=session, actor=agency_user_a, completed_worker_ids={workers[0].pk})
        assert set(Certificate.objects.values_list("number", flat=True)) == {c.number for c in first}

    def test_completion_waits_for_the_end_of_the_session(self, agency_a, agency_user_a):
        (w,) = workers_of(agency_a, 1)
        session = enrolled(SessionFactory(agency=agency_a, starts_on=today(), ends_on=today() + timedelta(days=2)), [w])
        with pytest.raises(ValidationError) as err:
            training.session_complete(session=session, actor=agency_user_a, completed_worker_ids={w.pk})
        assert "ends_on" in err.value.message_dict
        assert not Certificate.objects.exists()

    def test_certificates_are_not_dated_before_the_session_ends(self, agency_a, agency_user_a):
        (w,) = workers_of(agency_a, 1)
        session = enrolled(ended_session(agency_a), [w])
        with pytest.raises(ValidationError) as err:
            training.session_complete(
                session=session, actor=agency_user_a, completed_worker_ids={w.pk}, issued_on=session.ends_on - timedelta(days=1)
            )
        assert "issued_on" in err.value.message_dict

    def test_a_worker_not_enrolled_cannot_be_marked_completed(self, agency_a, agency_user_a):
        a, stranger = workers_of(agency_a, 2)
        session = enrolled(ended_session(agency_a), [a])
        with pytest.raises(ValidationError) as err:
            training.session_complete(session=session, actor=agency_user_a, completed_worker_ids={a.pk, stranger.pk})
        assert "completed" in err.value.message_dict
        assert not Certificate.objects.exists()
        session.refresh_from_db()
        assert not session.completed

    def test_no_enrolment_after_completion(self, agency_a, agency_user_a):
        session, _certs = completed_session(agency_a, workers_of(agency_a, 1))
        # session_enrol reads ``completed`` from the instance it is given (no re-read, no lock):
        # the pages and the API always pass a freshly read session.
        session.refresh_from_db()
        with pytest.raises(ValidationError, match="finished"):
            training.session_enrol(session=session, workers=workers_of(agency_a, 1), actor=agency_user_a)

    def test_an_agency_acts_only_on_its_own_sessions(self, agency_a, agency_b, agency_user_b):
        (w,) = workers_of(agency_a, 1)
        session = enrolled(ended_session(agency_a), [w])
        with pytest.raises(PermissionDenied):
            training.session_enrol(session=session, workers=workers_of(agency_b, 1), actor=agency_user_b)
        with pytest.raises(PermissionDenied):
            training.session_complete(session=session, actor=agency_user_b, completed_worker_ids={w.pk})
        with pytest.raises(PermissionDenied):
            training.session_create(
                actor=agency_user_b,
                agency=agency_a,
                curriculum=curriculum_with_modules(),
                trainer=TrainerFactory(),
                province=province("12"),
                place="x",
                starts_on=today(),
                ends_on=today(),
            )
        assert Attendance.objects.count() == 1 and not Certificate.objects.exists()

    def test_session_create_refuses_an_old_version_and_bad_dates(self, agency_a, agency_user_a):
        old = curriculum_with_modules(version=1, is_current=False)
        with pytest.raises(ValidationError) as err:
            training.session_create(
                actor=agency_user_a,
                agency=agency_a,
                curriculum=old,
                trainer=TrainerFactory(),
                province=province("12"),
                place=" ",
                starts_on=today(),
                ends_on=today() - timedelta(days=1),
            )
        assert set(err.value.message_dict) == {"curriculum", "ends_on", "place"}
        assert not TrainingSession.objects.exists()


class TestCertificateVerify:
    def test_found_by_number_in_any_case_and_spacing(self, agency_a):
        _session, (cert,) = completed_session(agency_a, workers_of(agency_a, 1))
        assert training.certificate_verify(f"  {cert.number.lower()} ") == cert

    @pytest.mark.parametrize("number", ["", "   ", None, "PDO-2025-NOTTHERE"])
    def test_unknown_or_blank_is_none(self, agency_a, number):
        completed_session(agency_a, workers_of(agency_a, 1))
        assert training.certificate_verify(number) is None


class TestCertificateAndDeparture:
    """A certificate from a session with a certified trainer lets a deployment become
    TRAINED; one from an uncertified trainer does not (Prakas 046)."""

    def test_valid_certificate_counts(self, licensing_officer):
        dep = DeploymentFactory()
        completed_session(dep.agency, [dep.worker])
        dep = services.deployment_transition(deployment=dep, to_status=DeploymentStatus.TRAINED, actor=licensing_officer)
        assert dep.status == DeploymentStatus.TRAINED

    def test_not_valid_certificate_does_not_count(self, licensing_officer):
        dep = DeploymentFactory()
        completed_session(dep.agency, [dep.worker], trainer=expired_trainer())
        with pytest.raises(ValidationError) as err:
            services.deployment_transition(deployment=dep, to_status=DeploymentStatus.TRAINED, actor=licensing_officer)
        assert "training" in err.value.message_dict

    def test_a_curriculum_for_another_destination_does_not_count(self, licensing_officer):
        dep = DeploymentFactory()  # to Thailand
        completed_session(dep.agency, [dep.worker], curriculum=curriculum_with_modules("MY"))
        with pytest.raises(ValidationError) as err:
            services.deployment_transition(deployment=dep, to_status=DeploymentStatus.TRAINED, actor=licensing_officer)
        assert "training" in err.value.message_dict


# --- Admin -------------------------------------------------------------------------------------------------


def admin_url(model: str, view: str = "changelist", *args) -> str:
    return reverse(f"admin:workers_{model}_{view}", args=args)


@pytest.fixture
def warm_content_types(db):
    ContentType.objects.get_for_models(*apps.get_app_config("workers").get_models(), Event)


def build(model: str, n: int) -> None:
    """``n`` more rows of ``model`` (with what its list shows)."""
    if model == "curriculum":
        last = Curriculum.objects.filter(country=None).order_by("-version").values_list("version", flat=True).first() or 0
        for v in range(last + 1, last + 1 + n):
            curriculum_with_modules(version=v, is_current=False)
    elif model == "trainer":
        for _ in range(n):
            TrainerFactory(agency=AgencyFactory())
    elif model in ("trainingsession", "certificate"):
        for _ in range(n):
            agency = AgencyFactory()
            completed_session(agency, workers_of(agency, 1))


# Every admin page reads: the session (1), the user (1), the user's groups to resolve
# the scope (1), the header's unread-notification count (1), and for staff who are
# not superusers, their permissions (2: their own and their groups').
BASE = 6
# A changelist adds the filtered COUNT (1) and the page's rows (1, every column joined
# or annotated), then its related-model filters' choices (1 each) and the date
# hierarchy (2: the first and last dates, the dates to offer).
LIST = BASE + 2
DATES = 2
CHANGELIST_BUDGETS = {
    "curriculum": LIST + 1,  # filter: destinations used; module count and frozen flag are annotations
    "trainer": LIST + 1 + DATES,  # filter: agencies with trainers; validity from the row's own dates
    # filters: provinces and curricula used; counts and the trainer's cover are annotations
    "trainingsession": LIST + 2 + DATES,
    "certificate": LIST + 1 + DATES,  # filter: curricula; holder, curriculum, agency joined
}


@pytest.mark.parametrize("model", list(CHANGELIST_BUDGETS))
def test_changelist_budget_does_not_grow_with_rows(
    model, client_for, licensing_officer, warm_content_types, django_assert_num_queries
):
    budget = CHANGELIST_BUDGETS[model]
    client = client_for(licensing_officer)
    build(model, 2)
    for rows in (2, 12):
        with django_assert_num_queries(budget):
            response = client.get(admin_url(model))
        assert response.status_code == 200
        assert response.context["cl"].result_count >= rows
        build(model, 10)


def test_session_change_page_shows_attendance_read_only(
    client_for, licensing_officer, agency_a, warm_content_types, django_assert_num_queries
):
    client = client_for(licensing_officer)
    for n in (2, 6):
        session, _certs = completed_session(agency_a, workers_of(agency_a, n, name_km="ចាន់ ស្រីពៅ"))
        # BASE, the session with its joins and counts (1), its attendance with the workers
        # and the session's title joined (1), whatever the number of rows.
        with django_assert_num_queries(BASE + 2):
            response = client.get(admin_url("trainingsession", "change", session.pk))
        assert response.status_code == 200
        formset = response.context["inline_admin_formsets"][0]
        assert len(list(formset)) == n
    assert not formset.has_add_permission and not formset.has_change_permission
    # Sessions are written only by the service: no add page, no saving the change page.
    assert client.get(admin_url("trainingsession", "add")).status_code == 403
    assert client.post(admin_url("trainingsession", "change", session.pk), {"place": "elsewhere"}).status_code == 403
    session.refresh_from_db()
    assert session.place != "elsewhere"


def test_certificate_admin_is_read_only_and_searches_by_number(client_for, licensing_officer, agency_a):
    _session, (cert, _other) = completed_session(agency_a, workers_of(agency_a, 2))
    client = client_for(licensing_officer)
    response = client.get(admin_url("certificate"), {"q": cert.number})
    assert list(response.context["cl"].result_list) == [cert]
    assert client.get(admin_url("certificate", "add")).status_code == 403
    response = client.get(admin_url("certificate", "change", cert.pk))
    assert response.status_code == 200
    assert reverse("training-certificate-pdf", args=[cert.number]) in response.content.decode()
    assert client.post(admin_url("certificate", "change", cert.pk), {"is_valid": ""}).status_code == 403
    cert.refresh_from_db()
    assert cert.is_valid


class TestRevokeAction:
    def post(self, client, certs, **extra):
        return client.post(
            admin_url("certificate"), {"action": "revoke", "_selected_action": [c.pk for c in certs], **extra}, follow=True
        )

    def test_without_the_service_nothing_is_written(self, client_for, licensing_officer, agency_a, monkeypatch):
        monkeypatch.delattr(training, "certificate_revoke", raising=False)
        _session, certs = completed_session(agency_a, workers_of(agency_a, 1))
        response = self.post(client_for(licensing_officer), certs, apply="1", reason="Fraudulent attendance sheet")
        assert any("certificate_revoke" in str(m) for m in response.context["messages"])
        assert Certificate.objects.get().is_valid and Certificate.objects.get().revoked_by is None

    def test_with_the_service_it_asks_for_a_reason_then_calls_it_for_each(
        self, client_for, licensing_officer, agency_a, monkeypatch
    ):
        calls = []
        monkeypatch.setattr(
            training,
            "certificate_revoke",
            lambda *, certificate, actor, reason: calls.append((certificate.pk, actor.pk, reason)),
            raising=False,
        )
        _session, certs = completed_session(agency_a, workers_of(agency_a, 2))
        client = client_for(licensing_officer)
        page = self.post(client, certs)  # the intermediate page
        assert page.templates[0].name == "workers/training/admin_revoke.html"
        assert not calls
        page = self.post(client, certs, apply="1", reason="")
        assert page.context["form"].errors["reason"] and not calls
        self.post(client, certs, apply="1", reason="Fraudulent attendance sheet")
        assert sorted(calls) == sorted((c.pk, licensing_officer.pk, "Fraudulent attendance sheet") for c in certs)

    def test_only_staff_with_the_permission_see_the_action(self, client_for, statistician, agency_a):
        completed_session(agency_a, workers_of(agency_a, 1))
        response = client_for(statistician).get(admin_url("certificate"))
        assert response.status_code == 200
        assert "revoke" not in dict(response.context["cl"].model_admin.get_actions(response.wsgi_request))


class TestCurriculumAdmin:
    def test_new_version_copies_the_modules_as_a_draft(self, client_for, licensing_officer):
        v1 = curriculum_with_modules("TH")
        client_for(licensing_officer).post(admin_url("curriculum"), {"action": "new_version", "_selected_action": [v1.pk]})
        v2 = Curriculum.objects.get(country=v1.country, version=2)
        assert (v2.title, v2.hours, v2.is_current) == (v1.title, v1.hours, False)
        assert list(v2.modules.values_list("order", "title", "title_km", "hours")) == list(
            v1.modules.values_list("order", "title", "title_km", "hours")
        )

    def test_make_current_retires_the_other_versions_of_that_destination(self, client_for, licensing_officer):
        v1, general = curriculum_with_modules("TH"), curriculum_with_modules()
        v2 = curriculum_with_modules("TH", version=2, is_current=False)
        client_for(licensing_officer).post(admin_url("curriculum"), {"action": "make_current", "_selected_action": [v2.pk]})
        assert dict(Curriculum.objects.values_list("pk", "is_current")) == {v1.pk: False, v2.pk: True, general.pk: True}

    def test_a_version_used_by_sessions_is_frozen(self, client_for, licensing_officer, agency_a):
        used = curriculum_with_modules()
        ended_session(agency_a, curriculum=used)
        response = client_for(licensing_officer).get(admin_url("curriculum", "change", used.pk))
        assert {"title", "hours", "version"} <= set(response.context["adminform"].readonly_fields)
        formset = response.context["inline_admin_formsets"][0]
        assert not formset.has_add_permission and not formset.has_change_permission

    def test_agency_users_cannot_version_curricula(self, client_for, agency_user_a):
        v1 = curriculum_with_modules()
        response = client_for(agency_user_a).post(admin_url("curriculum"), {"action": "new_version", "_selected_action": [v1.pk]})
        assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
        assert Curriculum.objects.count() == 1


def test_trainer_validity_filter(client_for, licensing_officer):
    valid = TrainerFactory()
    expiring = TrainerFactory(certified_until=today() + timedelta(days=20))
    expired = expired_trainer()
    client = client_for(licensing_officer)

    def shown(value):
        return set(client.get(admin_url("trainer"), {"validity": value}).context["cl"].result_list)

    assert shown("valid") == {valid, expiring}
    assert shown("expiring") == {expiring}
    assert shown("expired") == {expired}


def test_session_filter_by_trainer_cover(client_for, licensing_officer, agency_a):
    good = ended_session(agency_a)
    bad = ended_session(agency_a, trainer=expired_trainer())
    client = client_for(licensing_officer)
    assert list(client.get(admin_url("trainingsession"), {"trainer_covers": "no"}).context["cl"].result_list) == [bad]
    assert list(client.get(admin_url("trainingsession"), {"trainer_covers": "yes"}).context["cl"].result_list) == [good]


@pytest.mark.parametrize("persona", ["agency_user_a", "officer_a", None])
def test_agency_users_officers_and_anonymous_are_sent_to_login(persona, request, client_for):
    user = request.getfixturevalue(persona) if persona else None
    for model in ("curriculum", "trainer", "trainingsession", "certificate"):
        response = client_for(user).get(admin_url(model))
        assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
