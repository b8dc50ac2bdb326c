"""The complaint pages: intake, the case list and page with every step, the agency's pages,
the public status check. Through the pages a case goes from intake to a paid settlement
(with a drawdown decided by a director in the admin); bad input names the field and
changes nothing; a concurrent edit is caught with the officer's input kept; the list's
query count does not grow with its rows."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from agencies.services import deposit_balance
from complaints import services
from complaints.choices import DrawdownStatus, Payer, Stage
from complaints.models import Attachment, Complaint, DrawdownProposal, Payment, Settlement, StageTimeLimit
from workers.models import Worker

from ..factories import AgencyFactory, province
from ..workers.factories import WorkerFactory
from .factories import register, to_settled

pytestmark = [pytest.mark.django_db, pytest.mark.urls("complaints.test_urls")]

PDF = b"%PDF-1.4 test"


def pdf(name="receipt.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def intake_data(agency=None, **overrides) -> dict:
    """A complete intake POST: a new worker, one agency respondent, one ground."""
    data = {
        "save": "1",
        "find-name": "",
        "find-date_of_birth": "",
        "find-identifier": "",
        "worker_mode": "new",
        "worker-name_latin": "Chea Sreymom",
        "worker-name_km": "ជា ស្រីមុំ",
        "worker-sex": "F",
        "worker-date_of_birth": "1998-02-03",
        "worker-home_province": str(province("12").pk),
        "worker-national_id": "",
        "worker-passport_number": "N7654321",
        "worker-phone": "",
        "complainant_type": "worker",
        "complainant_name": "",
        "complainant_relation": "",
        "complainant_phone": "012 999 888",
        "received_on": timezone.localdate().isoformat(),
        "lodged_at": "province",
        "lodged_province": str(province("12").pk),
        "lodged_checkpoint": "",
        "channel": "walk_in",
        "country": "",
        "grounds": ["wages", "documents"],
        "narrative": "Six months' wages unpaid; passport kept by the employer.",
        "confidential_notes": "Afraid of the broker.",
        "amount_claimed": "1200",
        "claim_currency": "USD",
        "resp-TOTAL_FORMS": "3",
        "resp-INITIAL_FORMS": "0",
        "resp-MIN_NUM_FORMS": "0",
        "resp-MAX_NUM_FORMS": "10",
        "resp-0-kind": "agency" if agency else "broker",
        "resp-0-agency": str(agency.pk) if agency else "",
        "resp-0-name": "" if agency else "Mr Broker",
        "resp-0-details": "",
        "att-TOTAL_FORMS": "3",
        "att-INITIAL_FORMS": "0",
        "att-MIN_NUM_FORMS": "0",
        "att-MAX_NUM_FORMS": "10",
    }
    for i in (1, 2):
        data.update({f"resp-{i}-kind": "", f"resp-{i}-agency": "", f"resp-{i}-name": "", f"resp-{i}-details": ""})
    data.update(overrides)
    return data


def act(client, complaint, action, data=None, pk=None, files=None):
    """POST one step of the case page with the case's current version (unless given)."""
    complaint.refresh_from_db()
    prefix = f"{action}{pk}" if pk else action
    body = {f"{prefix}-{k}": v for k, v in (data or {}).items()}
    body.setdefault(f"{prefix}-version", str(complaint.version))
    if files:
        body.update({f"{prefix}-{k}": v for k, v in files.items()})
    url = f"/complaints/{complaint.ref}/{action}/" + (f"{pk}/" if pk else "")
    response = client.post(url, body)
    complaint.refresh_from_db()
    return response


def page_text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- End to end -------------------------------------------------------------------------------


def test_officer_takes_a_complaint_from_intake_to_paid_settlement(client_for, officer_a, agency_a, agency_user_a, director):
    client = client_for(officer_a)
    assert client.get("/complaints/new/").status_code == 200
    data = intake_data(agency_a)
    data.update(
        {
            "att-0-file": pdf("contract.pdf"),
            "att-0-description": "Contract",
            "att-0-share_with_agency": "on",
            "att-1-file": pdf("medical.pdf"),
            "att-1-description": "Medical report",
        }
    )
    response = client.post("/complaints/new/", data)
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/complaints/{complaint.ref}/registered/")

    confirmation = client.get(response["Location"])
    assert confirmation.status_code == 200
    text = page_text(confirmation)
    assert 'class="ref-big"' in text and complaint.ref in text
    assert "/complaints/status/" in text and "date of birth" in text

    worker = complaint.worker
    assert worker.name_latin == "Chea Sreymom" and worker.name_km == "ជា ស្រីមុំ" and worker.passport_number == "N7654321"
    assert complaint.current_province == officer_a.province and complaint.assigned_officer == officer_a
    assert sorted(g.ground for g in complaint.grounds.all()) == ["documents", "wages"]
    assert [r.agency for r in complaint.respondents.all()] == [agency_a]
    assert complaint.complainant_phone == "012 999 888" and not complaint.restricted
    assert {(a.description, a.share_with_agency) for a in complaint.attachments.all()} == {
        ("Contract", True),
        ("Medical report", False),
    }

    case_page = client.get(f"/complaints/{complaint.ref}/")
    assert case_page.status_code == 200
    assert "ជា ស្រីមុំ" in case_page.content.decode() and "Afraid of the broker." in case_page.content.decode()
    assert "N7654321" not in case_page.content.decode()  # identifiers masked

    assert act(client, complaint, "stage", {"to_stage": "assessment", "reason": ""}).status_code == 302
    when = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    assert (
        act(client, complaint, "meeting", {"scheduled_for": when, "place": "PDoLVT Phnom Penh", "participants": ""}).status_code
        == 302
    )
    assert act(client, complaint, "stage", {"to_stage": "scheduled"}).status_code == 302
    meeting = complaint.meetings.get()
    assert (
        act(
            client,
            complaint,
            "record",
            {
                "minutes": "The agency agreed to pay 600 USD.",
                "agreement_reached": "on",
                "agency_response": "Will pay in two parts.",
                "participants": "",
            },
            pk=meeting.pk,
        ).status_code
        == 302
    )
    assert act(client, complaint, "stage", {"to_stage": "held"}).status_code == 302
    today = timezone.localdate()
    settlement_form = {
        "amount": "600",
        "currency": "USD",
        "payer": Payer.AGENCY,
        "payer_agency": str(agency_a.pk),
        "agreed_on": today.isoformat(),
        "terms": "",
    }
    body = {
        **{
            f"inst-{k}": v
            for k, v in {"TOTAL_FORMS": "4", "INITIAL_FORMS": "0", "MIN_NUM_FORMS": "0", "MAX_NUM_FORMS": "24"}.items()
        },
        "inst-0-due_on": today.isoformat(),
        "inst-0-amount": "200",
        "inst-1-due_on": (today + timedelta(days=30)).isoformat(),
        "inst-1-amount": "400",
    }
    complaint.refresh_from_db()
    response = client.post(
        f"/complaints/{complaint.ref}/settlement/",
        {**{f"settlement-{k}": v for k, v in settlement_form.items()}, "settlement-version": complaint.version, **body},
    )
    assert response.status_code == 302
    assert [i.amount for i in complaint.settlement.instalments.all()] == [Decimal("200"), Decimal("400")]
    assert act(client, complaint, "stage", {"to_stage": "settled"}).status_code == 302

    assert (
        act(
            client, complaint, "payment", {"amount": "200", "paid_on": today.isoformat(), "method": "cash", "reference": "R-1"}
        ).status_code
        == 302
    )
    refused = act(client, complaint, "stage", {"to_stage": "closed"})
    assert refused.status_code == 200 and "The settlement is not fully paid" in page_text(refused)
    assert act(client, complaint, "drawdown", {"amount": "400", "reason": "Second instalment missed."}).status_code == 302
    proposal = DrawdownProposal.objects.get()

    # A director decides in the admin.
    before = deposit_balance(agency_a)
    admin = client_for(director)
    url = f"/admin/complaints/drawdownproposal/{proposal.pk}/approve/"
    assert admin.get(url).status_code == 200
    assert admin.post(url, {"note": "Agency did not answer two letters."}).status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == DrawdownStatus.APPROVED and proposal.decided_by == director
    assert deposit_balance(agency_a) == before - Decimal("400")

    assert act(client, complaint, "stage", {"to_stage": "closed"}).status_code == 302
    complaint.refresh_from_db()
    assert complaint.stage == Stage.CLOSED and complaint.closed_on == today
    assert sum(p.amount for p in Payment.objects.filter(settlement__complaint=complaint)) == Decimal("600")
    timeline = page_text(client.get(f"/complaints/{complaint.ref}/"))
    for label in (
        "Complaint registered",
        "Conciliation meeting recorded",
        "Settlement recorded",
        "Deposit drawdown approved",
        "Closed",
    ):
        assert label in timeline


# --- Intake ------------------------------------------------------------------------------------------


def test_find_the_worker_by_identifier_keeps_what_was_typed(client_for, officer_a, agency_a):
    worker = WorkerFactory(national_id="123456789", national_id_hash="", passport_number=None, passport_hash="")
    from workers.pii import pii_hash

    Worker.objects.filter(pk=worker.pk).update(national_id_hash=pii_hash("123456789", kind="national_id"))
    client = client_for(officer_a)
    data = intake_data(agency_a, **{"find": "1", "find-identifier": "123456789", "narrative": "Kept as typed"})
    data.pop("save")
    response = client.post("/complaints/new/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'value="{worker.ref}"' in html and worker.name_latin in html
    assert "Kept as typed" in html and "errorlist" not in html  # a search shows no errors for the rest
    assert not Complaint.objects.exists()

    data = intake_data(agency_a, **{"find-identifier": "123456789", "worker_mode": "existing", "worker": str(worker.ref)})
    response = client.post("/complaints/new/", data)
    assert response.status_code == 302
    assert Complaint.objects.get().worker == worker
    assert Worker.objects.count() == 1  # nobody registered twice


def test_name_search_stays_in_the_officers_scope_but_an_exact_id_reaches_the_register(client_for, officer_a, agency_a):
    elsewhere = WorkerFactory(name_latin="Kim Sovann", home_province=province("17"))  # Siem Reap: not Phnom Penh's
    client = client_for(officer_a)
    by_name = intake_data(agency_a, **{"find": "1", "find-name": "Kim Sovann", "find-date_of_birth": "1995-04-12"})
    response = client.post("/complaints/new/", by_name)
    assert str(elsewhere.ref) not in response.content.decode()
    assert "No worker found" in response.content.decode()
    # Choosing that worker by reference without the identifier is refused.
    data = intake_data(agency_a, worker_mode="existing", worker=str(elsewhere.ref))
    response = client.post("/complaints/new/", data)
    assert response.status_code == 200 and not Complaint.objects.exists()
    assert "Find the worker and choose them" in page_text(response)
    # With the passport number the worker holds, the record is found and used.
    data = intake_data(
        agency_a, **{"worker_mode": "existing", "worker": str(elsewhere.ref), "find-identifier": elsewhere.passport_number}
    )
    assert client.post("/complaints/new/", data).status_code == 302
    assert Complaint.objects.get().worker == elsewhere


def test_intake_without_a_ground_names_the_field_and_saves_nothing(client_for, officer_a, agency_a):
    response = client_for(officer_a).post("/complaints/new/", intake_data(agency_a, grounds=[]))
    assert response.status_code == 200
    text = page_text(response)
    assert "Nothing was saved" in text and "Grounds: Choose at least one ground." in text
    assert "Six months&#x27; wages unpaid" in text  # what was typed is kept
    assert not Complaint.objects.exists() and not Worker.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.exe", b"MZ\x90\x00", "Upload a PDF, a photo"),
        ("fake.pdf", b"MZ\x90\x00", "does not match its type"),
    ],
)
def test_intake_with_a_bad_file_saves_nothing(client_for, officer_a, agency_a, name, content, message):
    data = intake_data(agency_a)
    data.update({"att-0-file": pdf(name, content), "att-0-description": "Scan"})
    response = client_for(officer_a).post("/complaints/new/", data)
    assert response.status_code == 200
    assert f"File: {message}" in page_text(response) or message in page_text(response)
    assert not Complaint.objects.exists() and not Worker.objects.exists() and not Attachment.objects.exists()


def test_intake_respondent_rows_are_checked(client_for, officer_a):
    data = intake_data(None, **{"resp-0-kind": "agency", "resp-0-agency": "", "resp-0-name": ""})
    response = client_for(officer_a).post("/complaints/new/", data)
    assert "Choose the agency from the register." in page_text(response)
    data = intake_data(None, **{"resp-0-kind": "", "resp-0-name": ""})
    response = client_for(officer_a).post("/complaints/new/", data)
    assert "Respondents: Name at least one respondent" in page_text(response)
    assert not Complaint.objects.exists()


def test_an_irregular_worker_against_a_broker_and_an_employer(client_for, officer_a):
    data = intake_data(
        None,
        **{
            "worker_was_irregular": "on",
            "resp-1-kind": "employer",
            "resp-1-name": "Chonburi Farm",
            "resp-1-details": "Chonburi, Thailand",
        },
    )
    assert client_for(officer_a).post("/complaints/new/", data).status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.worker_was_irregular
    assert sorted((r.kind, r.name) for r in complaint.respondents.all()) == [
        ("broker", "Mr Broker"),
        ("employer", "Chonburi Farm"),
    ]


def test_same_passport_offers_the_registered_worker(client_for, officer_a, agency_a):
    existing = WorkerFactory()
    data = intake_data(agency_a, **{"worker-passport_number": existing.passport_number})
    response = client_for(officer_a).post("/complaints/new/", data)
    assert response.status_code == 200 and not Complaint.objects.exists()
    html = response.content.decode()
    assert "already registered" in html and f'value="{existing.ref}"' in html


def test_trafficking_signs_restrict_the_case_and_say_so(client_for, officer_a, agency_a, agency_user_a):
    client = client_for(officer_a)
    form = client.get("/complaints/new/").content.decode()
    assert "counter-trafficking committee" in form and "Ticking any sign restricts the case" in form
    response = client.post("/complaints/new/", intake_data(agency_a, trafficking_indicators=["documents", "movement"]))
    complaint = Complaint.objects.get()
    assert complaint.restricted and complaint.trafficking_flag and complaint.referred_to_ncct_on == timezone.localdate()
    text = page_text(client.get(response["Location"]))
    assert "Restricted case." in text and "counter-trafficking committee" in text
    assert client_for(agency_user_a).get(f"/agency/complaints/{complaint.ref}/").status_code == 404


def test_ministry_complaints_officer_logs_a_case_for_the_ministry(client_for, complaints_officer, agency_a):
    response = client_for(complaints_officer).post("/complaints/new/", intake_data(agency_a, lodged_at="mrc"))
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.current_province is None and complaint.assigned_officer == complaints_officer


# --- The case page ------------------------------------------------------------------------------------


def test_a_refused_step_shows_the_services_reasons(client_for, officer_a, agency_a):
    complaint = register(officer_a, agency_a)
    client = client_for(officer_a)
    act(client, complaint, "stage", {"to_stage": "assessment"})
    response = act(client, complaint, "stage", {"to_stage": "scheduled", "reason": "Meeting soon"})
    assert response.status_code == 200
    assert "Schedule a conciliation meeting first." in page_text(response)
    complaint.refresh_from_db()
    assert complaint.stage == Stage.ASSESSMENT
    response = act(client, complaint, "stage", {"to_stage": "withdrawn", "reason": ""})
    assert "Record why the complainant withdrew." in page_text(response)


def test_concurrent_edit_is_caught_and_the_input_kept(client_for, officer_a, agency_a):
    complaint = register(officer_a, agency_a)
    colleague = officer_a.__class__.objects.create_user("officer_pp2", password="x-long-password-1", province=officer_a.province)
    from django.contrib.auth.models import Group

    colleague.groups.add(Group.objects.get(name="Provincial officers"))
    read_version = complaint.version
    # The colleague moves the case meanwhile.
    services.complaint_transition(complaint=complaint, to_stage=Stage.ASSESSMENT, actor=colleague)
    response = client_for(officer_a).post(
        f"/complaints/{complaint.ref}/stage/",
        {
            "stage-version": read_version,
            "stage-to_stage": "withdrawn",
            "stage-reason": "The worker was paid by the agency directly.",
        },
    )
    assert response.status_code == 409
    text = page_text(response)
    assert "Another officer changed this case" in text and "Nothing was saved" in text
    assert "The worker was paid by the agency directly." in text  # the input is kept
    complaint.refresh_from_db()
    assert complaint.stage == Stage.ASSESSMENT
    # The form now carries the current version: submitting again is deliberate, and works.
    assert f'name="stage-version" value="{complaint.version}"' in response.content.decode()
    again = act(client_for(officer_a), complaint, "stage", {"to_stage": "withdrawn", "reason": "Paid directly."})
    assert again.status_code == 302


def test_concurrent_edit_on_a_step_without_a_version_in_its_service(client_for, officer_a, agency_a):
    complaint = register(officer_a, agency_a)
    services.complaint_transition(complaint=complaint, to_stage=Stage.ASSESSMENT, actor=officer_a)
    response = client_for(officer_a).post(
        f"/complaints/{complaint.ref}/legalaid/",
        {"legalaid-version": complaint.version, "legalaid-partner": "Legal Aid of Cambodia", "legalaid-referred_on": ""},
    )
    assert response.status_code == 409 and "Legal Aid of Cambodia" in response.content.decode()
    assert not complaint.legal_aid.exists()


def test_instalments_that_do_not_add_up_change_nothing(client_for, officer_a, agency_a):
    complaint = register(officer_a, agency_a)
    client = client_for(officer_a)
    act(client, complaint, "stage", {"to_stage": "assessment"})
    services.meeting_schedule(complaint=complaint, actor=officer_a, scheduled_for=timezone.now() - timedelta(hours=2), place="PP")
    act(client, complaint, "stage", {"to_stage": "scheduled"})
    services.meeting_record(meeting=complaint.meetings.get(), actor=officer_a, minutes="Agreed", agreement_reached=True)
    act(client, complaint, "stage", {"to_stage": "held"})
    complaint.refresh_from_db()
    today = timezone.localdate().isoformat()
    response = client.post(
        f"/complaints/{complaint.ref}/settlement/",
        {
            "settlement-version": complaint.version,
            "settlement-amount": "600",
            "settlement-currency": "USD",
            "settlement-payer": "agency",
            "settlement-payer_agency": agency_a.pk,
            "settlement-agreed_on": today,
            "settlement-terms": "Two parts",
            "inst-TOTAL_FORMS": "4",
            "inst-INITIAL_FORMS": "0",
            "inst-MIN_NUM_FORMS": "0",
            "inst-MAX_NUM_FORMS": "24",
            "inst-0-due_on": today,
            "inst-0-amount": "100",
            "inst-1-due_on": today,
            "inst-1-amount": "100",
        },
    )
    assert response.status_code == 200
    text = page_text(response)
    assert "Instalments: The instalments must add up to the amount agreed." in text
    assert 'value="Two parts"' in text or "Two parts" in text
    assert not Settlement.objects.filter(complaint=complaint).exists()


def test_payment_larger_than_owed_is_refused_on_its_field(client_for, officer_a, agency_a):
    complaint, settlement = to_settled(register(officer_a, agency_a), officer_a, agency_a)
    response = act(client_for(officer_a), complaint, "payment", {"amount": "700", "paid_on": timezone.localdate().isoformat()})
    assert "Amount paid: Only 600.00 USD remains to be paid." in page_text(response)
    assert not settlement.payments.exists()


def test_assign_transfer_legal_aid_and_attachment_steps(client_for, officer_a, officer_b, agency_a, agency_user_a):
    complaint = register(officer_a, agency_a)
    client = client_for(officer_a)
    assert act(client, complaint, "legalaid", {"partner": "Legal Aid of Cambodia", "referred_on": ""}).status_code == 302
    referral = complaint.legal_aid.get()
    assert act(client, complaint, "result", {"result": "Advice given", "result_on": ""}, pk=referral.pk).status_code == 302
    referral.refresh_from_db()
    assert referral.result == "Advice given"
    assert (
        act(
            client,
            complaint,
            "attachment",
            {"description": "Payslip", "share_with_agency": "on"},
            files={"file": pdf("payslip.pdf")},
        ).status_code
        == 302
    )
    bad = act(client, complaint, "attachment", {"description": "Photo"}, files={"file": pdf("photo.png", PDF)})
    assert "does not match its type" in page_text(bad)
    assert act(client, complaint, "assign", {"officer": officer_a.pk}).status_code == 302
    response = act(client, complaint, "transfer", {"to_province": "", "reason": ""})
    assert "Reason: This field is required." in page_text(response)
    assert (
        act(
            client, complaint, "transfer", {"to_province": officer_b.province_id, "reason": "Worker moved to Battambang"}
        ).status_code
        == 302
    )
    complaint.refresh_from_db()
    assert complaint.current_province == officer_b.province
    # Out of officer A's scope now: the page is a 404 for them, and B has it.
    assert client.get(f"/complaints/{complaint.ref}/").status_code == 404
    assert client_for(officer_b).get(f"/complaints/{complaint.ref}/").status_code == 200


def test_attachments_download_through_the_scope(client_for, officer_a, officer_b, agency_a, agency_user_a, agency_user_b):
    complaint = register(officer_a, agency_a)
    shared = services.attachment_add(
        complaint=complaint, actor=officer_a, file=pdf("a.pdf"), description="Shared", share_with_agency=True
    )
    private = services.attachment_add(complaint=complaint, actor=officer_a, file=pdf("b.pdf"), description="Private")
    for user, pk, status in (
        (officer_a, private.pk, 200),
        (agency_user_a, shared.pk, 200),
        (agency_user_a, private.pk, 404),
        (officer_b, shared.pk, 404),
        (agency_user_b, shared.pk, 404),
    ):
        response = client_for(user).get(f"/complaints/{complaint.ref}/files/{pk}/")
        assert response.status_code == status, (user, pk)
        if status == 200:
            assert b"".join(response.streaming_content) == PDF
            assert "attachment" in response["Content-Disposition"]
    assert client_for(None).get(f"/complaints/{complaint.ref}/files/{shared.pk}/").status_code == 302


# --- The case list ----------------------------------------------------------------------------------------


def test_case_list_filters(client_for, officer_a, agency_a, agency_b):
    a = register(officer_a, agency_a, grounds=["wages"])
    b = register(officer_a, agency_b, grounds=["fees"], received_on=date(2024, 1, 5))
    services.complaint_transition(complaint=b, to_stage=Stage.ASSESSMENT, actor=officer_a)
    Complaint.objects.filter(pk=a.pk).update(stage_since=timezone.now() - timedelta(days=5), assigned_officer=None)
    client = client_for(officer_a)

    def refs(query):
        response = client.get("/complaints/?" + query)
        assert response.status_code == 200
        return {c.ref for c in response.context["complaints"]}

    assert refs("") == {a.ref, b.ref}
    assert refs("stage=assessment") == {b.ref}
    assert refs("ground=wages") == {a.ref}
    assert refs(f"agency={agency_b.pk}") == {b.ref}
    assert refs("overdue=true") == {a.ref}  # 5 days in "received" (3 allowed)
    assert refs("received_after=2025-01-01") == {a.ref}
    assert refs("received_before=2024-12-31") == {b.ref}
    assert refs("assigned_to_me=true") == {b.ref}
    assert refs(f"q={a.ref[:6].lower()}") >= {a.ref}
    # The ministry's time limit drives the deadline.
    StageTimeLimit.objects.update_or_create(stage=Stage.RECEIVED, defaults={"days": 10})
    assert refs("overdue=true") == set()
    page = page_text(client.get("/complaints/"))
    assert "overdue" not in page.split("<tbody>")[1]


def test_case_list_query_count_does_not_grow(client_for, officer_a, agency_a, django_assert_num_queries):
    client = client_for(officer_a)
    register(officer_a, agency_a)
    client.get("/complaints/")  # content types and other per-process caches warm
    # 1 session, 2 user, 3 the user's groups (scope), 4 unread notifications (layout),
    # 5-6 the user's and groups' permissions, 7 page count, 8 stage limits, 9 the rows with worker,
    # province and officer, 10 their grounds, 11 their respondents with agencies, 12 the agency filter's choices,
    # 13 the province filter's choices.
    for extra in (0, 15):
        for _ in range(extra):
            register(officer_a, AgencyFactory(), grounds=["wages", "fees"])
        with django_assert_num_queries(13):
            response = client.get("/complaints/")
        assert response.status_code == 200


def test_case_page_query_count_does_not_grow(client_for, officer_a, agency_a, django_assert_num_queries):
    complaint, settlement = to_settled(register(officer_a, agency_a), officer_a, agency_a)
    client = client_for(officer_a)
    client.get(f"/complaints/{complaint.ref}/")
    budgets = []
    for _ in range(2):
        services.payment_record(settlement=settlement, actor=officer_a, amount=Decimal("10"), paid_on=timezone.localdate())
        services.attachment_add(complaint=complaint, actor=officer_a, file=pdf(), description="x")
        services.legal_aid_refer(complaint=complaint, actor=officer_a, partner="LAC")
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/complaints/{complaint.ref}/").status_code == 200
        budgets.append(len(ctx.captured_queries))
    assert budgets[0] == budgets[1]


# --- The agency's pages ----------------------------------------------------------------------------------


@pytest.fixture
def agency_case(officer_a, agency_a):
    complaint = register(officer_a, agency_a, complainant_phone="097 111 2222", confidential_notes="Broker threatened her.")
    services.attachment_add(
        complaint=complaint, actor=officer_a, file=pdf("c.pdf"), description="Shared contract", share_with_agency=True
    )
    services.attachment_add(complaint=complaint, actor=officer_a, file=pdf("m.pdf"), description="Medical file")
    services.legal_aid_refer(complaint=complaint, actor=officer_a, partner="Legal Aid of Cambodia")
    return complaint


def test_agency_pages_show_only_what_the_agency_may_read(client_for, agency_case, agency_user_a, officer_a):
    client = client_for(agency_user_a)
    listing = client.get("/agency/complaints/")
    assert listing.status_code == 200 and agency_case.ref in listing.content.decode()
    page = client.get(f"/agency/complaints/{agency_case.ref}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert agency_case.ref in html and "Wages unpaid for three months." in html and "Shared contract" in html
    assert "Unpaid or underpaid wages" in html and agency_case.received_on.strftime("%Y-%m-%d") in html
    worker = agency_case.worker
    for secret in (
        "Broker threatened her.",
        "097 111 2222",
        "Medical file",
        "Legal Aid of Cambodia",
        worker.national_id,
        worker.passport_number,
        worker.phone,
        worker.masked_national_id,
    ):
        assert secret not in html, secret


def test_agency_sees_meetings_settlement_and_payments(client_for, officer_a, agency_a, agency_user_a):
    complaint, settlement = to_settled(register(officer_a, agency_a), officer_a, agency_a)
    services.payment_record(settlement=settlement, actor=officer_a, amount=Decimal("150"), paid_on=timezone.localdate())
    text = page_text(client_for(agency_user_a).get(f"/agency/complaints/{complaint.ref}/"))
    assert "PDOLVT Phnom Penh" in text and "600.00 USD" in text and "150.00 USD" in text and "450.00 USD" in text
    assert "Agency agreed to pay." not in text  # the minutes stay with the officers
    assert "This case is no longer open for responses." in text


def test_agency_responds(client_for, agency_case, agency_user_a, officer_a):
    client = client_for(agency_user_a)
    empty = client.post(f"/agency/complaints/{agency_case.ref}/", {"text": ""})
    assert "Your response: This field is required." in page_text(empty)
    response = client.post(f"/agency/complaints/{agency_case.ref}/", {"text": "We paid the wages on 1 March."})
    assert response.status_code == 302
    assert agency_case.agency_responses.get().text == "We paid the wages on 1 March."
    assert "We paid the wages on 1 March." in page_text(client_for(officer_a).get(f"/complaints/{agency_case.ref}/"))


# --- The public status page ---------------------------------------------------------------------------------


def test_public_status_shows_the_stage_only(client, officer_a, agency_a):
    complaint = register(officer_a, agency_a, confidential_notes="secret")
    dob = complaint.worker.date_of_birth
    assert client.get("/complaints/status/").status_code == 200
    response = client.post("/complaints/status/", {"ref": complaint.ref.lower(), "date_of_birth": dob.isoformat()})
    text = page_text(response)
    assert response.status_code == 200 and "Received" in text
    assert complaint.worker.name_latin not in text and "secret" not in text and "no-cache" in response["Cache-Control"]
    wrong_date = page_text(client.post("/complaints/status/", {"ref": complaint.ref, "date_of_birth": "2000-01-01"}))
    wrong_ref = page_text(client.post("/complaints/status/", {"ref": "C26-XXXXXXX", "date_of_birth": dob.isoformat()}))
    message = "We found no complaint with this reference and date of birth."
    assert message in wrong_date and message in wrong_ref
    notice = re.compile(r'<div class="notice[^"]*" role="alert">.*?</div>')
    assert (
        notice.findall(wrong_date)
        == notice.findall(wrong_ref)
        == [f'<div class="notice warn" role="alert">{message} Check both and try again.</div>']
    )


def test_public_status_refuses_after_ten_failures_an_hour(client, officer_a, agency_a):
    complaint = register(officer_a, agency_a)
    dob = complaint.worker.date_of_birth.isoformat()
    for _ in range(10):
        assert client.post("/complaints/status/", {"ref": "C26-AAAAAAA", "date_of_birth": dob}).status_code == 200
    blocked = client.post("/complaints/status/", {"ref": complaint.ref, "date_of_birth": dob})
    assert blocked.status_code == 429
    assert "Too many unsuccessful attempts" in page_text(blocked) and "Received" not in page_text(blocked)
    # Another address is not affected; an hour later the first one may try again.
    other = client.post("/complaints/status/", {"ref": complaint.ref, "date_of_birth": dob}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200 and "Received" in page_text(other)
    cache.delete("complaints:status-failures:127.0.0.1")
    assert client.post("/complaints/status/", {"ref": complaint.ref, "date_of_birth": dob}).status_code == 200


def test_successful_lookups_do_not_count(client, officer_a, agency_a):
    complaint = register(officer_a, agency_a)
    dob = complaint.worker.date_of_birth.isoformat()
    for _ in range(15):
        assert client.post("/complaints/status/", {"ref": complaint.ref, "date_of_birth": dob}).status_code == 200


def test_a_bad_date_is_named(client):
    text = page_text(client.post("/complaints/status/", {"ref": "C26-AAAAAAA", "date_of_birth": "soon"}))
    assert "The worker&#x27;s date of birth: Enter a valid date." in text


def test_the_khmer_page_shows_khmer_names(client_for, officer_a, agency_a):
    complaint = register(officer_a, agency_a)
    response = client_for(officer_a).get(f"/km/complaints/{complaint.ref}/")
    html = response.content.decode()
    assert response.status_code == 200 and '<html lang="km">' in html
    assert complaint.worker.name_km in html and agency_a.name_km in html


def test_stage_limits_from_the_ministry_drive_the_case_page_deadline(client_for, officer_a, agency_a):
    complaint = register(officer_a, agency_a)
    StageTimeLimit.objects.update_or_create(stage=Stage.RECEIVED, defaults={"days": 1})
    Complaint.objects.filter(pk=complaint.pk).update(stage_since=timezone.now() - timedelta(days=2))
    text = page_text(client_for(officer_a).get(f"/complaints/{complaint.ref}/"))
    assert "Overdue: the stage" in text
    assert services.stage_deadline(Complaint.objects.get(pk=complaint.pk)) < timezone.now()


def test_money_and_models_untouched_by_a_refused_drawdown(client_for, officer_a, agency_a):
    complaint, settlement = to_settled(register(officer_a, agency_a), officer_a, agency_a)
    response = act(client_for(officer_a), complaint, "drawdown", {"amount": "900", "reason": "Not paid"})
    assert "Propose an amount between 0 and the 600.00 still owed." in page_text(response)
    assert not DrawdownProposal.objects.exists()
    assert settlement.amount == Decimal("600")


def test_picking_a_worker_in_the_results_is_enough(client_for, officer_a, agency_a):
    worker = WorkerFactory(name_latin="Mao Sokly", date_of_birth=date(1990, 6, 1))
    data = intake_data(agency_a, **{"find-name": "mao sokly", "find-date_of_birth": "1990-06-01", "worker": str(worker.ref)})
    data.update({"worker-name_latin": "", "worker-name_km": "", "worker-date_of_birth": ""})  # mode left on "new"
    response = client_for(officer_a).post("/complaints/new/", data)
    assert response.status_code == 302
    assert Complaint.objects.get().worker == worker


def test_a_malformed_worker_reference_is_a_form_error(client_for, officer_a, agency_a):
    response = client_for(officer_a).post("/complaints/new/", intake_data(agency_a, worker_mode="existing", worker="not-a-uuid"))
    assert response.status_code == 200 and "Find the worker and choose them" in page_text(response)
    assert not Complaint.objects.exists()
