"""The pre-departure training pages: an agency's sessions (create, enrol, complete, print
the certificates), the provincial officer's read-only view, the certificate PDF and the
public verification page. Content, refusals (nothing changed), scoping for every page,
and query budgets that do not grow with rows."""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib
from datetime import timedelta

import pytest
from django.urls import reverse

from workers import services
from workers.choices import DeploymentStatus
from workers.models import Attendance, Certificate, TrainingSession

from ..factories import AgencyFactory, province
from .factories import DeploymentFactory, SessionFactory, TrainerFactory, WorkerFactory
from .test_training import (
    completed_session,
    curriculum_with_modules,
    ended_session,
    enrolled,
    expired_trainer,
    today,
    workers_of,
)

pytestmark = pytest.mark.django_db

KHMER_NAME = "ស្រី ស្រីពៅ"  # a subscript consonant (ស្រ) in both words


def content(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def session_url(session, view: str = "") -> str:
    return reverse(f"training-session{'-' + view if view else ''}", args=[session.pk])


def pdf_url(certificate) -> str:
    return reverse("training-certificate-pdf", args=[certificate.number])


def completion_data(session, done: dict[int, int], issued_on=None) -> dict:
    """The completion form as the page posts it: ``done`` maps worker id -> hours; others untick with 0 hours."""
    data = {"issued_on": (issued_on or today()).isoformat()}
    for worker_id in Attendance.objects.filter(session=session).values_list("worker_id", flat=True):
        data[f"hours_{worker_id}"] = done.get(worker_id, 0)
        if worker_id in done:
            data[f"done_{worker_id}"] = "on"
    return data


# --- The agency's flow through the pages ----------------------------------------------------------


class TestAgencyFlow:
    def test_create_enrol_complete_and_print(self, client_for, agency_a, agency_user_a):
        curriculum = curriculum_with_modules("TH")
        trainer = TrainerFactory(name="Chea Sophal")
        client = client_for(agency_user_a)

        response = client.post(
            reverse("training-session-new"),
            {
                "curriculum": curriculum.pk,
                "trainer": trainer.pk,
                "province": province("12").pk,
                "place": "Sen Sok centre",
                "starts_on": (today() - timedelta(days=3)).isoformat(),
                "ends_on": (today() - timedelta(days=1)).isoformat(),
            },
        )
        session = TrainingSession.objects.get()
        assert response.status_code == 302 and response["Location"] == session_url(session)
        assert (session.agency, session.curriculum, session.trainer) == (agency_a, curriculum, trainer)

        a = WorkerFactory(registered_by_agency=agency_a, name_km=KHMER_NAME, name_latin="Srey Sreypov")
        b = WorkerFactory(registered_by_agency=agency_a)
        page = client.get(session_url(session))
        assert {w.pk for w in page.context["candidates"]} == {a.pk, b.pk}
        response = client.post(session_url(session, "enrol"), {"workers": [a.pk, b.pk]})
        assert response.status_code == 302
        assert set(Attendance.objects.filter(session=session).values_list("worker_id", flat=True)) == {a.pk, b.pk}

        response = client.post(session_url(session, "complete"), completion_data(session, {a.pk: 24}), follow=True)
        assert "Completion recorded: 1 certificates issued." in messages_of(response)
        cert = Certificate.objects.get()
        assert (cert.worker, cert.is_valid) == (a, True)
        assert dict(Attendance.objects.filter(session=session).values_list("worker_id", "completed")) == {a.pk: True, b.pk: False}
        html = content(response)
        assert cert.number in html and pdf_url(cert) in html and KHMER_NAME in html
        assert "Enrol workers" not in html  # finished: no more enrolment or completion forms

        pdf = client.get(pdf_url(cert))
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"

    def test_uncertified_trainer_warns_then_issues_not_valid_certificates_that_do_not_count(
        self, client_for, agency_a, agency_user_a, licensing_officer
    ):
        trainer = expired_trainer(name="Keo Ratana")
        client = client_for(agency_user_a)
        data = {
            "curriculum": curriculum_with_modules().pk,
            "trainer": trainer.pk,
            "province": province("12").pk,
            "place": "x",
            "starts_on": (today() - timedelta(days=5)).isoformat(),
            "ends_on": (today() - timedelta(days=4)).isoformat(),
        }
        # First the form stops and warns...
        response = client.post(reverse("training-session-new"), data)
        assert response.status_code == 200 and not TrainingSession.objects.exists()
        assert "would be NOT VALID" in " ".join(response.context["form"].errors["trainer"])
        assert 'name="accept_not_valid"' in content(response)
        # ...and goes on only when told to.
        response = client.post(reverse("training-session-new"), {**data, "accept_not_valid": "on"}, follow=True)
        session = TrainingSession.objects.get()
        assert any("NOT VALID" in m for m in messages_of(response))
        assert "does not cover this session" in content(response)

        dep = DeploymentFactory(job_order__agency=agency_a, worker=WorkerFactory(registered_by_agency=agency_a))
        client.post(session_url(session, "enrol"), {"workers": [dep.worker.pk]})
        response = client.post(session_url(session, "complete"), completion_data(session, {dep.worker.pk: 24}), follow=True)
        cert = Certificate.objects.get()
        assert cert.is_valid is False and "Keo Ratana" in cert.invalid_reason
        assert any("NOT VALID" in m for m in messages_of(response))
        assert "NOT VALID" in content(response)
        # The certificate the page issued does not let the worker's deployment become TRAINED.
        with pytest.raises(Exception) as err:
            services.deployment_transition(deployment=dep, to_status=DeploymentStatus.TRAINED, actor=licensing_officer)
        assert "training" in err.value.message_dict
        dep.refresh_from_db()
        assert dep.status == DeploymentStatus.REGISTERED

    def test_a_valid_certificate_from_the_page_lets_the_deployment_become_trained(
        self, client_for, agency_a, agency_user_a, licensing_officer
    ):
        dep = DeploymentFactory(job_order__agency=agency_a, worker=WorkerFactory(registered_by_agency=agency_a))
        session = enrolled(ended_session(agency_a), [dep.worker])
        client_for(agency_user_a).post(session_url(session, "complete"), completion_data(session, {dep.worker.pk: 24}))
        services.deployment_transition(deployment=dep, to_status=DeploymentStatus.TRAINED, actor=licensing_officer)
        dep.refresh_from_db()
        assert dep.status == DeploymentStatus.TRAINED

    def test_completing_twice_is_refused_and_nothing_changes(self, client_for, agency_a, agency_user_a):
        a, b = workers_of(agency_a, 2)
        session = enrolled(ended_session(agency_a), [a, b])
        client = client_for(agency_user_a)
        client.post(session_url(session, "complete"), completion_data(session, {a.pk: 24}))
        before = list(Certificate.objects.values_list("number", "worker_id"))
        response = client.post(session_url(session, "complete"), completion_data(session, {a.pk: 24, b.pk: 24}), follow=True)
        assert any("already recorded" in m for m in messages_of(response))
        response = client.post(
            session_url(session, "enrol"), {"workers": [WorkerFactory(registered_by_agency=agency_a).pk]}, follow=True
        )
        assert any("already recorded" in m for m in messages_of(response))
        assert Attendance.objects.filter(session=session).count() == 2
        assert list(Certificate.objects.values_list("number", "worker_id")) == before
        assert dict(Attendance.objects.filter(session=session).values_list("worker_id", "completed")) == {a.pk: True, b.pk: False}

    def test_completion_before_the_end_is_refused(self, client_for, agency_a, agency_user_a):
        (w,) = workers_of(agency_a, 1)
        session = enrolled(SessionFactory(agency=agency_a, starts_on=today(), ends_on=today() + timedelta(days=2)), [w])
        client = client_for(agency_user_a)
        page = client.get(session_url(session))
        assert "Completion can be recorded once the session has ended" in content(page)
        response = client.post(session_url(session, "complete"), completion_data(session, {w.pk: 24}))
        assert response.status_code == 200
        assert "has not ended yet" in " ".join(response.context["completion_form"].non_field_errors())
        assert not Certificate.objects.exists()

    @pytest.mark.parametrize("hours,error", [(-1, "cannot be negative"), ("x", "whole number"), (0, "attended some hours")])
    def test_bad_hours_name_the_worker_and_change_nothing(self, client_for, agency_a, agency_user_a, hours, error):
        (w,) = workers_of(agency_a, 1)
        session = enrolled(ended_session(agency_a), [w])
        data = completion_data(session, {w.pk: 24})
        data[f"hours_{w.pk}"] = hours
        response = client_for(agency_user_a).post(session_url(session, "complete"), data)
        assert response.status_code == 200
        assert error in " ".join(response.context["completion_form"].errors[f"hours_{w.pk}"])
        assert w.name_latin in content(response)
        assert not Certificate.objects.exists()
        session.refresh_from_db()
        assert not session.completed

    def test_form_refuses_a_curriculum_that_is_not_current(self, client_for, agency_user_a):
        old = curriculum_with_modules(version=1, is_current=False)
        current = curriculum_with_modules(version=2)
        client = client_for(agency_user_a)
        page = client.get(reverse("training-session-new"))
        assert list(page.context["form"].fields["curriculum"].queryset) == [current]
        response = client.post(
            reverse("training-session-new"),
            {
                "curriculum": old.pk,
                "trainer": TrainerFactory().pk,
                "province": province("12").pk,
                "place": "x",
                "starts_on": today().isoformat(),
                "ends_on": today().isoformat(),
            },
        )
        assert "curriculum" in response.context["form"].errors and not TrainingSession.objects.exists()

    def test_expired_trainers_are_labelled(self, client_for, agency_user_a):
        expired_trainer(name="Keo Ratana")
        page = client_for(agency_user_a).get(reverse("training-session-new"))
        assert re.search(r"Keo Ratana[^<]*EXPIRED", content(page))


class TestEnrolment:
    def test_another_agencys_worker_is_refused_and_nothing_changes(self, client_for, agency_a, agency_b, agency_user_a):
        session = ended_session(agency_a)
        (theirs,) = workers_of(agency_b, 1)
        response = client_for(agency_user_a).post(session_url(session, "enrol"), {"workers": [theirs.pk]})
        assert response.status_code == 200
        assert "not among your workers" in " ".join(response.context["enrol_form"].errors["workers"])
        assert not Attendance.objects.exists()

    def test_another_agencys_session_is_a_404_and_nothing_changes(self, client_for, agency_a, agency_b, agency_user_b):
        session = ended_session(agency_a)
        (theirs,) = workers_of(agency_b, 1)
        (w,) = workers_of(agency_a, 1)
        enrolled(session, [w])
        client = client_for(agency_user_b)
        assert client.post(session_url(session, "enrol"), {"workers": [theirs.pk]}).status_code == 404
        assert client.post(session_url(session, "complete"), completion_data(session, {w.pk: 24})).status_code == 404
        assert list(Attendance.objects.values_list("worker_id", flat=True)) == [w.pk]
        assert not Certificate.objects.exists()

    def test_search_by_name_or_identifier(self, client_for, agency_a, agency_b, agency_user_a):
        session = ended_session(agency_a)
        mine = WorkerFactory(
            registered_by_agency=agency_a, name_latin="Heng Sreyneang", name_km="ហេង ស្រីនាង", passport_number="N7654321"
        )
        other = WorkerFactory(registered_by_agency=agency_a, name_latin="Sok Dara", phone="")
        WorkerFactory(registered_by_agency=agency_b, name_latin="Heng Vichea")  # another agency's: never offered
        client = client_for(agency_user_a)

        def found(q):
            return [w.pk for w in client.get(session_url(session), {"q": q}).context["candidates"]]

        assert found("heng") == [mine.pk]
        assert found("ស្រីនាង") == [mine.pk]
        assert found("n765-4321") == [mine.pk]  # passport, by its keyed hash
        # Letters are no phone number: they must not match every worker without a phone.
        assert found("zz") == []
        assert set(found("")) == {mine.pk, other.pk}

    def test_officers_cannot_enrol(self, client_for, agency_a, officer_a):
        session = ended_session(agency_a)
        (w,) = workers_of(agency_a, 1)
        assert client_for(officer_a).post(session_url(session, "enrol"), {"workers": [w.pk]}).status_code == 403
        assert not Attendance.objects.exists()


# --- Scoping matrix ------------------------------------------------------------------------------------


@pytest.fixture
def two_sessions(agency_a, agency_b):
    """Agency A's completed session in Phnom Penh, agency B's in Battambang (workers from there)."""
    a_session, (a_cert,) = completed_session(agency_a, workers_of(agency_a, 1, name_km=KHMER_NAME))
    b_session, (b_cert,) = completed_session(agency_b, workers_of(agency_b, 1, home_province=province("02")), province_code="02")
    return a_session, a_cert, b_session, b_cert


class TestScoping:
    def test_session_list(self, client_for, two_sessions, agency_user_a, agency_user_b, officer_a, officer_b):
        a_session, _a_cert, b_session, _b_cert = two_sessions
        url = reverse("training-sessions")
        assert list(client_for(agency_user_a).get(url).context["sessions"]) == [a_session]
        assert list(client_for(agency_user_b).get(url).context["sessions"]) == [b_session]
        assert list(client_for(officer_a).get(url).context["sessions"]) == [a_session]  # held in Phnom Penh
        assert list(client_for(officer_b).get(url).context["sessions"]) == [b_session]  # held in Battambang

    @pytest.mark.parametrize(
        "persona,sees",
        [
            ("agency_user_a", "a"),
            ("agency_user_b", "b"),
            ("officer_a", "a"),
            ("officer_b", "b"),
        ],
    )
    def test_session_detail_and_pdf(self, client_for, request, two_sessions, persona, sees):
        a_session, a_cert, b_session, b_cert = two_sessions
        client = client_for(request.getfixturevalue(persona))
        mine, theirs = ((a_session, a_cert), (b_session, b_cert)) if sees == "a" else ((b_session, b_cert), (a_session, a_cert))
        assert client.get(session_url(mine[0])).status_code == 200
        assert client.get(session_url(theirs[0])).status_code == 404
        assert client.get(pdf_url(mine[1])).status_code == 200
        assert client.get(pdf_url(theirs[1])).status_code == 404

    def test_officer_reads_but_cannot_change(self, client_for, two_sessions, officer_a):
        a_session, _a_cert, _b, _bc = two_sessions
        client = client_for(officer_a)
        page = client.get(session_url(a_session))
        assert "enrol_form" not in page.context and "completion_form" not in page.context
        assert client.get(reverse("training-session-new")).status_code == 403
        assert client.post(session_url(a_session, "complete"), {}).status_code == 403

    def test_ministry_uses_the_admin_but_may_print(self, client_for, two_sessions, licensing_officer):
        _a_session, a_cert, _b, b_cert = two_sessions
        client = client_for(licensing_officer)
        assert client.get(reverse("training-sessions")).status_code == 403
        assert client.get(pdf_url(a_cert)).status_code == 200 and client.get(pdf_url(b_cert)).status_code == 200

    def test_anonymous_is_sent_to_sign_in(self, client_for, two_sessions):
        a_session, a_cert, _b, _bc = two_sessions
        client = client_for(None)
        for url in (
            reverse("training-sessions"),
            reverse("training-session-new"),
            session_url(a_session),
            session_url(a_session, "enrol"),
            session_url(a_session, "complete"),
            pdf_url(a_cert),
        ):
            response = client.post(url) if url.endswith(("/enrol/", "/complete/")) else client.get(url)
            assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url
        assert Attendance.objects.count() == 2


# --- The certificate PDF -------------------------------------------------------------------------------


def pdf_objects(data: bytes):
    """The file itself and each of its streams, decompressed (zlib alone: no PDF tool needed)."""
    yield data
    for match in re.finditer(rb"stream\r?\n", data):
        end = data.find(b"endstream", match.end())
        try:
            yield zlib.decompress(data[match.end() : end])
        except zlib.error:
            continue


def pdf_title(data: bytes) -> str:
    """The document title from the PDF's metadata (WeasyPrint writes it as UTF-16 hex,
    inside a compressed object stream)."""
    for body in pdf_objects(data):
        title = re.search(rb"/Title\s*<feff([0-9a-fA-F]*)>", body)
        if title:
            return bytes.fromhex(title.group(1).decode()).decode("utf-16-be")
    return ""


def pdftotext(data: bytes) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.skip("pdftotext (poppler-utils) is not installed; the title check above still ran")
    out = subprocess.run([tool, "-", "-"], input=data, capture_output=True, check=True).stdout.decode()  # noqa: S603
    return " ".join(out.split())  # lines wrap wherever the layout breaks them


class TestCertificatePdf:
    def test_carries_the_khmer_name_and_everything_the_certificate_states(self, client_for, agency_a, agency_user_a):
        worker = WorkerFactory(registered_by_agency=agency_a, name_km=KHMER_NAME, name_latin="Srey Sreypov")
        trainer = TrainerFactory(name="Chea Sophal", certificate_number="TR-2025-0007")
        _session, (cert,) = completed_session(agency_a, [worker], trainer=trainer, curriculum=curriculum_with_modules("TH"))
        response = client_for(agency_user_a).get(pdf_url(cert))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == f'inline; filename="{cert.number}.pdf"'
        data = response.content
        assert data.startswith(b"%PDF-")
        # The Khmer name, exactly as typed, in the document's metadata.
        assert pdf_title(data) == f"{cert.number} · {KHMER_NAME} Srey Sreypov"
        # The Khmer font is embedded (the name is drawn with Khmer glyphs, not boxes).
        assert any(b"Noto-Sans-Khmer" in body for body in pdf_objects(data))
        text = pdftotext(data)
        # Latin text extracts exactly; Khmer is drawn correctly (checked by eye: pdftoppm -png) but
        # its text layer is unreliable (WeasyPrint maps each glyph to the text of its first cluster),
        # hence the metadata check above.
        for expected in (
            "SREY SREYPOV",
            cert.number,
            "1995-04-12",
            "Thailand",
            "Rights at work",
            "24 hours attended",
            "Chea Sophal",
            "TR-2025-0007",
            agency_a.name,
            "has completed",
            f"/certificates/verify/?number={cert.number}",
        ):
            assert expected in text, expected
        assert "NOT VALID" not in text

    def test_a_not_valid_certificate_prints_as_not_valid_with_the_reason(self, client_for, agency_a, agency_user_a):
        _session, (cert,) = completed_session(agency_a, workers_of(agency_a, 1), trainer=expired_trainer(name="Keo Ratana"))
        data = client_for(agency_user_a).get(pdf_url(cert)).content
        text = pdftotext(data)
        assert "NOT VALID" in text and "does not count for departure" in text
        assert "Keo Ratana was not certified" in text
        assert "has completed" not in text  # never the certifying sentence


# --- The public verification page --------------------------------------------------------------------


class TestPublicVerify:
    def test_valid(self, client_for, agency_a):
        worker = WorkerFactory(
            registered_by_agency=agency_a,
            name_km=KHMER_NAME,
            name_latin="Srey Sreypov",
            passport_number="N7654321",
            national_id="123456789",
        )
        _session, (cert,) = completed_session(agency_a, [worker], curriculum=curriculum_with_modules("TH"))
        response = client_for(None).get(reverse("public-certificate-verify"), {"number": cert.number.lower()})
        html = content(response)
        assert response.status_code == 200
        assert "VALID" in html and "NOT VALID" not in html
        for shown in (cert.number, KHMER_NAME, "Srey Sreypov", "Thailand", agency_a.name, cert.issued_on.isoformat()):
            assert shown in html
        # Nothing that identifies the person beyond their name.
        for hidden in ("N7654321", "654321", "123456789", "1995-04-12", worker.phone, str(worker.ref)):
            assert hidden not in html

    def test_not_valid_says_why(self, client_for, agency_a):
        _session, (cert,) = completed_session(agency_a, workers_of(agency_a, 1), trainer=expired_trainer(name="Keo Ratana"))
        html = content(client_for(None).get(reverse("public-certificate-verify"), {"number": cert.number}))
        assert "NOT VALID" in html and "Keo Ratana was not certified" in html

    def test_revoked_is_not_valid(self, client_for, agency_a, licensing_officer):
        _session, (cert,) = completed_session(agency_a, workers_of(agency_a, 1))
        Certificate.objects.filter(pk=cert.pk).update(
            is_valid=False, invalid_reason="Revoked: forged attendance.", revoked_by=licensing_officer
        )
        html = content(client_for(None).get(reverse("public-certificate-verify"), {"number": cert.number}))
        assert "NOT VALID" in html and "Revoked: forged attendance." in html

    def test_unknown_number_says_so(self, client_for, agency_a):
        completed_session(agency_a, workers_of(agency_a, 1))
        html = content(client_for(None).get(reverse("public-certificate-verify"), {"number": "PDO-2025-NOTTHERE"}))
        assert "NOT FOUND" in html and "PDO-2025-NOTTHERE" in html

    def test_the_form_alone(self, client_for):
        response = client_for(None).get(reverse("public-certificate-verify"))
        assert response.status_code == 200 and 'name="number"' in content(response)
        assert "NOT FOUND" not in content(response)

    def test_khmer_page(self, client_for, agency_a):
        _session, (cert,) = completed_session(agency_a, workers_of(agency_a, 1, name_km=KHMER_NAME))
        response = client_for(None).get("/km" + reverse("public-certificate-verify"), {"number": cert.number})
        assert response.status_code == 200 and KHMER_NAME in content(response)

    def test_query_budget_is_one_query(self, client_for, agency_a, django_assert_num_queries):
        _session, (cert,) = completed_session(agency_a, workers_of(agency_a, 1))
        client = client_for(None)
        url = reverse("public-certificate-verify")
        for number in (cert.number, "PDO-2025-NOTTHERE"):
            # The certificate with its worker, session, curriculum, destination, agency and
            # trainer joined (1). Anonymous: no session, no user, no notification count.
            with django_assert_num_queries(1):
                assert client.get(url, {"number": number}).status_code == 200
        with django_assert_num_queries(0):  # no number: nothing to look up
            client.get(url)


# --- Query budgets --------------------------------------------------------------------------------------
# Every signed-in page reads: the session (1), the user (1), the user's groups to resolve
# the scope (1), and the header's unread-notification count (1).
BASE = 4


def grow(agency, n: int, province_code="12"):
    """``n`` more completed sessions of ``agency`` (two workers each), and a session of another agency."""
    for _ in range(n):
        completed_session(agency, workers_of(agency, 2), province_code=province_code)
    other = AgencyFactory()
    completed_session(other, workers_of(other, 1))


# Session list: the paginator's COUNT (1) and the page of sessions with curriculum,
# destination, trainer, province and agency joined and the counts annotated (1); for a
# provincial officer, also their province's name for the page title (1).
LIST_QUERIES = BASE + 2


@pytest.mark.parametrize("persona,extra", [("agency_user_a", 0), ("officer_a", 1)])
def test_session_list_budget_does_not_grow(client_for, request, agency_a, persona, extra, django_assert_num_queries):
    client = client_for(request.getfixturevalue(persona))
    url = reverse("training-sessions")
    for n in (2, 10):
        grow(agency_a, n if n == 2 else 8)
        with django_assert_num_queries(LIST_QUERIES + extra):
            response = client.get(url)
        assert response.status_code == 200 and len(response.context["sessions"]) >= n


# Session detail (an agency's open session): the session with its joins and counts (1),
# the modules (1), the visible attendance with the workers (1), the certificates (1),
# the enrolment candidates with the "already certified" flag (1).
DETAIL_QUERIES = BASE + 5


def test_session_detail_budget_does_not_grow(client_for, agency_a, agency_user_a, django_assert_num_queries):
    client = client_for(agency_user_a)
    session = ended_session(agency_a)
    for n in (2, 12):
        enrolled(session, workers_of(agency_a, n))
        workers_of(agency_a, n)  # candidates
        with django_assert_num_queries(DETAIL_QUERIES):
            response = client.get(session_url(session))
        assert response.status_code == 200


def test_completed_session_detail_budget_does_not_grow(client_for, agency_a, agency_user_a, officer_a, django_assert_num_queries):
    # A completed session: no candidates (one read fewer); the same for the provincial officer.
    clients = [client_for(agency_user_a), client_for(officer_a)]
    for n in (2, 12):
        session, _certs = completed_session(agency_a, workers_of(agency_a, n))
        for client in clients:
            with django_assert_num_queries(BASE + 4):
                response = client.get(session_url(session))
            assert response.status_code == 200 and len(response.context["certificates"]) == n


# Certificate PDF: the certificate with worker, session, curriculum, destination, trainer,
# agency and province joined (1), the access-log entry of the export (1), the worker's
# attendance for the hours (1), the modules (1).
def test_pdf_budget(client_for, agency_a, agency_user_a, django_assert_num_queries):
    _session, certs = completed_session(agency_a, workers_of(agency_a, 3))
    client = client_for(agency_user_a)
    for cert in certs[:2]:
        # (the template context processors run for a PDF too, hence the notification count in BASE)
        with django_assert_num_queries(BASE + 4):
            assert client.get(pdf_url(cert)).status_code == 200
