"""The training API: curricula, trainers, sessions (create, enrol, complete), certificates
(with the PDF) and the public certificate check. Wiring, permissions, the error shape
(400 naming the field, nothing changed), scoping for every endpoint, query budgets."""

from __future__ import annotations

from datetime import timedelta

import pytest

from migration_portal.accounts.models import User
from workers.models import Attendance, Certificate, Trainer, TrainingSession

from ..factories import AgencyFactory, province
from .factories import TrainerFactory, WorkerFactory
from .test_training import (
    completed_session,
    curriculum_with_modules,
    ended_session,
    enrolled,
    expired_trainer,
    today,
    workers_of,
)
from .test_training_pages import KHMER_NAME, pdf_title

pytestmark = pytest.mark.django_db


def fresh(user):
    """The user as a new request loads it: no cached groups or permissions, so query counts are honest."""
    return User.objects.get(pk=user.pk)


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


# --- Curricula and trainers -----------------------------------------------------------------------------


class TestCurricula:
    def test_list_with_modules_in_order(self, api_for, agency_user_a):
        th = curriculum_with_modules("TH")
        curriculum_with_modules(version=1)
        body = rows(api_for(agency_user_a).get("/api/curricula/"))
        th_row = next(r for r in body if r["id"] == th.pk)
        assert (th_row["destination"], th_row["version"], th_row["is_current"]) == ("TH", 1, True)
        assert [m["title"] for m in th_row["modules"]][:2] == ["Rights at work", "Workplace practice"]
        assert {r["destination"] for r in body} == {"TH", None}

    def test_filter_current(self, api_for, licensing_officer):
        curriculum_with_modules(version=1, is_current=False)
        current = curriculum_with_modules(version=2)
        assert [r["id"] for r in rows(api_for(licensing_officer).get("/api/curricula/", {"is_current": "true"}))] == [current.pk]


class TestTrainers:
    def test_everyone_signed_in_with_the_permission_reads_them(self, api_for, agency_user_a, licensing_officer):
        valid, expired = TrainerFactory(), expired_trainer()
        body = {r["id"]: r["certified_today"] for r in rows(api_for(agency_user_a).get("/api/trainers/"))}
        assert body == {valid.pk: True, expired.pk: False}
        only = rows(api_for(licensing_officer).get("/api/trainers/", {"certified_on_date": today().isoformat()}))
        assert [r["id"] for r in only] == [valid.pk]

    def test_ministry_registers_and_corrects_a_trainer(self, api_for, licensing_officer, agency_a):
        api = api_for(licensing_officer)
        response = api.post(
            "/api/trainers/",
            {
                "name": "Chea Sophal",
                "name_km": "ជា សុផល",
                "certificate_number": "TR-2026-0001",
                "certified_on": today().isoformat(),
                "certified_until": (today() + timedelta(days=730)).isoformat(),
                "agency": agency_a.pk,
            },
        )
        assert response.status_code == 201, response.content
        trainer = Trainer.objects.get()
        assert (trainer.name_km, trainer.agency) == ("ជា សុផល", agency_a)
        response = api.patch(f"/api/trainers/{trainer.pk}/", {"certified_until": (today() + timedelta(days=30)).isoformat()})
        assert response.status_code == 200
        trainer.refresh_from_db()
        assert trainer.certified_until == today() + timedelta(days=30)

    @pytest.mark.parametrize(
        "change,field",
        [
            ({"certified_until": "2020-01-01"}, "__all__"),  # before certified_on: the model's check, as a 400
            ({"certificate_number": "TR-TAKEN"}, "certificate_number"),
            ({"name": ""}, "name"),
        ],
    )
    def test_bad_input_names_the_field_and_changes_nothing(self, api_for, licensing_officer, change, field):
        TrainerFactory(certificate_number="TR-TAKEN")
        data = {
            "name": "Chea Sophal",
            "certificate_number": "TR-2026-0001",
            "certified_on": "2025-01-01",
            "certified_until": "2027-01-01",
            **change,
        }
        response = api_for(licensing_officer).post("/api/trainers/", data)
        assert response.status_code == 400
        assert field in response.json()["errors"]
        assert Trainer.objects.count() == 1

    def test_agencies_cannot_write_trainers(self, api_for, agency_user_a):
        trainer = TrainerFactory()
        api = api_for(agency_user_a)
        assert (
            api.post(
                "/api/trainers/",
                {"name": "x", "certificate_number": "y", "certified_on": "2025-01-01", "certified_until": "2026-01-01"},
            ).status_code
            == 403
        )
        assert api.patch(f"/api/trainers/{trainer.pk}/", {"name": "Renamed"}).status_code == 403
        assert Trainer.objects.get().name == trainer.name


# --- Sessions ------------------------------------------------------------------------------------------------


def session_payload(**overrides) -> dict:
    return {
        "curriculum": curriculum_with_modules("TH").pk,
        "trainer": TrainerFactory().pk,
        "province": "12",
        "place": "Sen Sok centre",
        "starts_on": (today() - timedelta(days=3)).isoformat(),
        "ends_on": (today() - timedelta(days=1)).isoformat(),
        **overrides,
    }


class TestSessions:
    def test_agency_creates_enrols_and_completes(self, api_for, agency_a, agency_b, agency_user_a):
        api = api_for(agency_user_a)
        # An agency user cannot open a session for another agency (it is not among those they see)...
        response = api.post("/api/training-sessions/", session_payload(agency=agency_b.pk))
        assert response.status_code == 400 and "agency" in response.json()["errors"]
        assert not TrainingSession.objects.exists()
        # ...and without naming one, their own is used.
        response = api.post("/api/training-sessions/", session_payload())
        assert response.status_code == 201, response.content
        body = response.json()
        session = TrainingSession.objects.get()
        assert (body["id"], body["agency"], body["destination"], body["trainer_covers"]) == (session.pk, agency_a.pk, "TH", True)

        a = WorkerFactory(registered_by_agency=agency_a, name_km=KHMER_NAME)
        b = WorkerFactory(registered_by_agency=agency_a)
        response = api.post(f"/api/training-sessions/{session.pk}/enrol/", {"workers": [a.pk, b.pk]})
        assert response.status_code == 200
        assert {(x["worker"], x["worker_name_km"]) for x in response.json()["attendances"]} == {
            (a.pk, KHMER_NAME),
            (b.pk, b.name_km),
        }
        assert response.json()["enrolled_count"] == 2

        response = api.post(
            f"/api/training-sessions/{session.pk}/complete/", {"completed": [a.pk], "hours": {str(a.pk): 22, str(b.pk): 4}}
        )
        assert response.status_code == 201, response.content
        (cert,) = response.json()
        assert (cert["worker"], cert["worker_name_km"], cert["is_valid"], cert["destination"]) == (a.pk, KHMER_NAME, True, "TH")
        assert dict(Attendance.objects.values_list("worker_id", "hours_attended")) == {a.pk: 22, b.pk: 4}

        again = api.post(f"/api/training-sessions/{session.pk}/complete/", {"completed": [a.pk, b.pk]})
        assert again.status_code == 400 and "already recorded" in str(again.json()["errors"])
        assert Certificate.objects.count() == 1

    def test_uncertified_trainer_gives_not_valid_certificates(self, api_for, agency_a, agency_user_a):
        (w,) = workers_of(agency_a, 1)
        session = enrolled(ended_session(agency_a, trainer=expired_trainer(name="Keo Ratana")), [w])
        api = api_for(agency_user_a)
        assert api.get(f"/api/training-sessions/{session.pk}/").json()["trainer_covers"] is False
        (cert,) = api.post(f"/api/training-sessions/{session.pk}/complete/", {"completed": [w.pk]}).json()
        assert cert["is_valid"] is False and "Keo Ratana" in cert["invalid_reason"]

    @pytest.mark.parametrize(
        "change,field",
        [
            ({"curriculum": "old"}, "curriculum"),
            ({"ends_on": "2020-01-01"}, "ends_on"),
            ({"place": ""}, "place"),
            ({"province": "99"}, "province"),
            ({"trainer": 999999}, "trainer"),
        ],
    )
    def test_bad_session_input_names_the_field(self, api_for, agency_user_a, change, field):
        if change.get("curriculum") == "old":
            change = {"curriculum": curriculum_with_modules("MY", is_current=False).pk}
        response = api_for(agency_user_a).post("/api/training-sessions/", session_payload(**change))
        assert response.status_code == 400
        assert field in response.json()["errors"]
        assert not TrainingSession.objects.exists()

    def test_enrolling_another_agencys_worker_is_refused_and_nothing_changes(self, api_for, agency_a, agency_b, agency_user_a):
        session = ended_session(agency_a)
        mine, theirs = workers_of(agency_a, 1)[0], workers_of(agency_b, 1)[0]
        response = api_for(agency_user_a).post(f"/api/training-sessions/{session.pk}/enrol/", {"workers": [mine.pk, theirs.pk]})
        assert response.status_code == 400
        assert str(theirs.pk) in response.json()["errors"]["workers"][0]
        assert not Attendance.objects.exists()

    def test_another_agencys_session_is_a_404_and_nothing_changes(self, api_for, agency_a, agency_b, agency_user_b):
        (w,) = workers_of(agency_a, 1)
        session = enrolled(ended_session(agency_a), [w])
        api = api_for(agency_user_b)
        assert api.get(f"/api/training-sessions/{session.pk}/").status_code == 404
        assert (
            api.post(f"/api/training-sessions/{session.pk}/enrol/", {"workers": [workers_of(agency_b, 1)[0].pk]}).status_code
            == 404
        )
        assert api.post(f"/api/training-sessions/{session.pk}/complete/", {"completed": [w.pk]}).status_code == 404
        assert Attendance.objects.count() == 1 and not Certificate.objects.exists()

    @pytest.mark.parametrize(
        "payload,field",
        [
            ({"completed": ["x"]}, "completed"),
            ({"completed": [], "hours": {"1": -3}}, "hours"),
            ({"completed": [], "hours": {"abc": 3}}, "hours"),
            ({"completed": [], "issued_on": "yesterday"}, "issued_on"),
        ],
    )
    def test_bad_completion_input_names_the_field(self, api_for, agency_a, agency_user_a, payload, field):
        session = enrolled(ended_session(agency_a), workers_of(agency_a, 1))
        response = api_for(agency_user_a).post(f"/api/training-sessions/{session.pk}/complete/", payload)
        assert response.status_code == 400 and field in response.json()["errors"]
        session.refresh_from_db()
        assert not session.completed

    def test_ministry_reads_but_does_not_run_sessions(self, api_for, licensing_officer, agency_a):
        session = enrolled(ended_session(agency_a), workers_of(agency_a, 1))
        api = api_for(licensing_officer)
        assert [r["id"] for r in rows(api.get("/api/training-sessions/"))] == [session.pk]
        assert api.post("/api/training-sessions/", session_payload(agency=agency_a.pk)).status_code == 403
        assert api.post(f"/api/training-sessions/{session.pk}/complete/", {"completed": []}).status_code == 403

    def test_filters(self, api_for, licensing_officer, agency_a):
        th = ended_session(agency_a, curriculum=curriculum_with_modules("TH"))
        general, _c = completed_session(agency_a, workers_of(agency_a, 1))
        api = api_for(licensing_officer)

        def ids(**q):
            return {r["id"] for r in rows(api.get("/api/training-sessions/", q))}

        assert ids(destination="th") == {th.pk}
        assert ids(general="true") == {general.pk}
        assert ids(completed="true") == {general.pk}
        assert ids(province="02") == set()


# --- Certificates --------------------------------------------------------------------------------------------


class TestCertificates:
    def test_list_retrieve_and_pdf(self, api_for, agency_a, agency_user_a):
        worker = WorkerFactory(registered_by_agency=agency_a, name_km=KHMER_NAME, name_latin="Srey Sreypov")
        _s, (cert,) = completed_session(agency_a, [worker])
        api = api_for(agency_user_a)
        assert [r["number"] for r in rows(api.get("/api/certificates/"))] == [cert.number]
        body = api.get(f"/api/certificates/{cert.number.lower()}/").json()
        assert (body["number"], body["worker_name_km"], body["is_valid"], body["revoked"]) == (
            cert.number,
            KHMER_NAME,
            True,
            False,
        )
        response = api.get(f"/api/certificates/{cert.number}/pdf/")
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert KHMER_NAME in pdf_title(response.content)

    def test_filter_valid(self, api_for, agency_a, agency_user_a):
        _s, (good,) = completed_session(agency_a, workers_of(agency_a, 1))
        _s, (bad,) = completed_session(agency_a, workers_of(agency_a, 1), trainer=expired_trainer())
        api = api_for(agency_user_a)
        assert [r["number"] for r in rows(api.get("/api/certificates/", {"is_valid": "false"}))] == [bad.number]
        assert [r["number"] for r in rows(api.get("/api/certificates/", {"is_valid": "true"}))] == [good.number]


# --- Scoping matrix ----------------------------------------------------------------------------------------------


@pytest.fixture
def two_agencies(agency_a, agency_b):
    a_session, (a_cert,) = completed_session(agency_a, workers_of(agency_a, 1))
    b_session, (b_cert,) = completed_session(agency_b, workers_of(agency_b, 1, home_province=province("02")), province_code="02")
    return a_session, a_cert, b_session, b_cert


class TestScoping:
    @pytest.mark.parametrize("persona,sees", [("agency_user_a", "a"), ("agency_user_b", "b")])
    def test_agencies_see_only_their_own(self, api_for, request, two_agencies, persona, sees):
        a_session, a_cert, b_session, b_cert = two_agencies
        mine, theirs = ((a_session, a_cert), (b_session, b_cert)) if sees == "a" else ((b_session, b_cert), (a_session, a_cert))
        api = api_for(request.getfixturevalue(persona))
        assert [r["id"] for r in rows(api.get("/api/training-sessions/"))] == [mine[0].pk]
        assert [r["number"] for r in rows(api.get("/api/certificates/"))] == [mine[1].number]
        assert api.get(f"/api/training-sessions/{theirs[0].pk}/").status_code == 404
        assert api.get(f"/api/certificates/{theirs[1].number}/").status_code == 404
        assert api.get(f"/api/certificates/{theirs[1].number}/pdf/").status_code == 404

    def test_province_sees_certificates_of_its_workers(self, api_for, two_agencies, officer_a, officer_b):
        _a_session, a_cert, _b_session, b_cert = two_agencies
        assert [r["number"] for r in rows(api_for(officer_a).get("/api/certificates/"))] == [a_cert.number]
        assert [r["number"] for r in rows(api_for(officer_b).get("/api/certificates/"))] == [b_cert.number]
        assert api_for(officer_a).get(f"/api/certificates/{b_cert.number}/").status_code == 404

    def test_province_reads_sessions_held_in_it_and_the_curricula(self, api_for, two_agencies, officer_a, officer_b):
        a_session, _a_cert, b_session, _b_cert = two_agencies
        assert [r["id"] for r in rows(api_for(officer_a).get("/api/training-sessions/"))] == [a_session.pk]
        assert [r["id"] for r in rows(api_for(officer_b).get("/api/training-sessions/"))] == [b_session.pk]
        assert api_for(officer_a).get(f"/api/training-sessions/{b_session.pk}/").status_code == 404
        for url in ("/api/curricula/", "/api/trainers/"):
            assert api_for(officer_a).get(url).status_code == 200, url
        # Reading is all: a province does not run sessions.
        assert api_for(officer_a).post("/api/training-sessions/", {}).status_code == 403

    def test_ministry_sees_all(self, api_for, two_agencies, statistician):
        api = api_for(statistician)
        assert len(rows(api.get("/api/training-sessions/"))) == 2
        assert len(rows(api.get("/api/certificates/"))) == 2

    def test_anonymous_is_refused(self, api_for, two_agencies):
        _a, a_cert, _b, _bc = two_agencies
        api = api_for(None)
        for url in (
            "/api/curricula/",
            "/api/trainers/",
            "/api/training-sessions/",
            "/api/certificates/",
            f"/api/certificates/{a_cert.number}/pdf/",
        ):
            assert api.get(url).status_code in (401, 403), url
        assert api.post("/api/training-sessions/", session_payload()).status_code in (401, 403)
        assert TrainingSession.objects.count() == 2


# --- The public certificate check -------------------------------------------------------------------------


PUBLIC_FIELDS = {
    "number",
    "name_km",
    "name_latin",
    "curriculum",
    "curriculum_version",
    "destination",
    "issued_on",
    "agency",
    "agency_km",
    "valid",
    "reason",
}


class TestPublicCertificate:
    def test_valid_with_public_fields_only(self, api_for, agency_a):
        worker = WorkerFactory(registered_by_agency=agency_a, name_km=KHMER_NAME, name_latin="Srey Sreypov")
        _s, (cert,) = completed_session(agency_a, [worker], curriculum=curriculum_with_modules("TH"))
        body = api_for(None).get(f"/api/public/certificates/{cert.number.lower()}/").json()
        assert set(body) == PUBLIC_FIELDS
        assert (
            body["number"],
            body["name_km"],
            body["name_latin"],
            body["destination"],
            body["agency"],
            body["valid"],
            body["reason"],
        ) == (cert.number, KHMER_NAME, "Srey Sreypov", "Thailand", agency_a.name, True, "")

    def test_not_valid_says_why(self, api_for, agency_a):
        _s, (cert,) = completed_session(agency_a, workers_of(agency_a, 1), trainer=expired_trainer(name="Keo Ratana"))
        body = api_for(None).get(f"/api/public/certificates/{cert.number}/").json()
        assert body["valid"] is False and "Keo Ratana" in body["reason"]

    def test_unknown_is_a_404_that_says_so(self, api_for):
        response = api_for(None).get("/api/public/certificates/PDO-2025-NOTTHERE/")
        assert response.status_code == 404 and "PDO-2025-NOTTHERE" in response.json()["detail"]

    def test_read_only_and_needs_no_login(self, api_for, agency_a, licensing_officer):
        _s, (cert,) = completed_session(agency_a, workers_of(agency_a, 1))
        for api in (api_for(None), api_for(licensing_officer)):
            assert api.get(f"/api/public/certificates/{cert.number}/").status_code == 200
            assert api.post(f"/api/public/certificates/{cert.number}/", {}).status_code in (403, 405)
            assert api.delete(f"/api/public/certificates/{cert.number}/").status_code in (403, 405)
        assert Certificate.objects.filter(pk=cert.pk).exists()

    def test_query_budget(self, api_for, agency_a, django_assert_num_queries):
        certs = [completed_session(agency_a, workers_of(agency_a, 1))[1][0] for _ in range(3)]
        api = api_for(None)
        for number in (certs[0].number, "PDO-2025-NOTTHERE"):
            # The certificate with worker, session, curriculum, destination, agency and trainer joined (1).
            with django_assert_num_queries(1):
                api.get(f"/api/public/certificates/{number}/")


# --- Query budgets -----------------------------------------------------------------------------------------------
# Requests authenticate with force_authenticate (no session lookup). Each reads: the
# user's groups to resolve the scope (1) and the permission check (2: the user's own
# permissions and their groups'). A list adds the COUNT (1) and the page (1).
AUTH = 3
LIST = AUTH + 2

LIST_BUDGETS = {
    "/api/curricula/": LIST + 1,  # the modules of the page's curricula (1 prefetch)
    "/api/trainers/": LIST,
    "/api/training-sessions/": LIST,  # joins and counts in the page's query
    "/api/certificates/": LIST,  # worker, session, curriculum, destination, agency joined
}


def grow(n: int) -> None:
    for i in range(n):
        agency = AgencyFactory()
        completed_session(agency, workers_of(agency, 2))
        TrainerFactory()
        curriculum_with_modules(version=100 + len(Trainer.objects.all()) + i, is_current=False)


@pytest.mark.parametrize("url", list(LIST_BUDGETS))
@pytest.mark.parametrize("persona", ["licensing_officer", "agency_user_a"])
def test_list_budget_does_not_grow_with_rows(api_for, request, django_assert_num_queries, agency_a, url, persona):
    user = request.getfixturevalue(persona)
    for n in (2, 8):
        grow(n if n == 2 else 6)
        completed_session(agency_a, workers_of(agency_a, 2))
        api = api_for(fresh(user))
        with django_assert_num_queries(LIST_BUDGETS[url]):
            response = api.get(url)
        assert len(rows(response)) >= (1 if persona == "agency_user_a" else n)


def test_session_detail_budget(api_for, django_assert_num_queries, agency_a, agency_user_a):
    for n in (2, 10):
        session, _c = completed_session(agency_a, workers_of(agency_a, n))
        api = api_for(fresh(agency_user_a))
        # AUTH, the session with its joins and counts (1), its visible attendance with the workers (1).
        with django_assert_num_queries(AUTH + 2):
            body = api.get(f"/api/training-sessions/{session.pk}/").json()
        assert len(body["attendances"]) == n
