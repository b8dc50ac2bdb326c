"""The public services: licence check, agency page, advertisement verification, inspection rankings.

No sign-in; nothing private shown; each page costs a fixed, small number of queries.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.choices import AdvertisementStatus, InspectionStatus, LicenceStatus, SanctionKind
from tests.factories import AgencyFactory

from .test_pages import content, make_ad, make_inspection, make_sanction

pytestmark = pytest.mark.django_db


@pytest.fixture
def register(db):
    """A small public register: one agency in each state that matters to the public."""
    today = timezone.localdate()
    return {
        "active": AgencyFactory(name="Golden Lotus Manpower", name_km="ក្រុមហ៊ុន ផ្កាឈូកមាស", licence_number="MOLVT-101",
                                address="No. 12, Street 271", email="private@lotus.example"),
        "suspended": AgencyFactory(name="Mekong Suspended Recruitment", licence_number="MOLVT-102",
                                   licence_status=LicenceStatus.SUSPENDED),
        "cancelled": AgencyFactory(name="Tonle Cancelled Co.", licence_number="MOLVT-103",
                                   licence_status=LicenceStatus.CANCELLED),
        "applied": AgencyFactory(name="Pending Hopeful Agency", licence_number=None, licence_status=LicenceStatus.APPLIED,
                                 licence_issued=None, licence_expires=None),
        "warned": AgencyFactory(name="Warned Lotus Services", licence_number="MOLVT-104",
                                licence_expires=today + timedelta(days=90)),
    }


# --- licence check -------------------------------------------------------------------------


def search(client, q: str):
    response = client.get(reverse("public-licences"), {"q": q})
    assert response.status_code == 200
    return response


def names(response) -> list[str]:
    return [a.name for a in response.context["agencies"]]


def test_search_by_english_name_khmer_name_and_licence_number(client, register):
    assert names(search(client, "lotus")) == ["Golden Lotus Manpower", "Warned Lotus Services"]
    assert names(search(client, "  ផ្កាឈូក ")) == ["Golden Lotus Manpower"]
    assert names(search(client, "molvt-103")) == ["Tonle Cancelled Co."]
    body = content(search(client, "ផ្កាឈូក"))
    assert 'lang="km">ក្រុមហ៊ុន ផ្កាឈូកមាស<' in body


def test_status_is_said_plainly(client, register):
    body = content(search(client, ""))
    assert "Licensed" in body
    assert "Suspended: may not recruit" in body
    assert "Cancelled: may not recruit" in body


def test_an_applicant_never_licensed_is_not_on_the_register(client, register):
    assert "Pending Hopeful Agency" not in names(search(client, ""))
    response = search(client, "Pending Hopeful")
    assert names(response) == []
    assert "An agency that is not on this register may not recruit workers" in content(response)


def test_warning_on_record_only_for_a_warning_in_the_last_12_months(client, register):
    make_sanction(register["warned"], SanctionKind.WARNING, decided_on=timezone.localdate() - timedelta(days=30))
    make_sanction(register["active"], SanctionKind.WARNING, decided_on=timezone.localdate() - timedelta(days=400))
    make_sanction(register["active"], SanctionKind.COMMENDATION)
    response = search(client, "lotus")
    flags = {a.name: a.warning_on_record for a in response.context["agencies"]}
    assert flags == {"Golden Lotus Manpower": False, "Warned Lotus Services": True}
    assert content(response).count("Warning on record") == 1


def test_public_agency_page_shows_public_facts_only(client, register):
    agency = register["active"]
    make_inspection(agency, score=72, conducted_on=timezone.localdate() - timedelta(days=100))
    make_inspection(agency, score=30, status=InspectionStatus.RECORDED, conducted_on=timezone.localdate() - timedelta(days=2))
    response = client.get(reverse("public-licence", args=[agency.licence_number]))
    assert response.status_code == 200
    body = content(response)
    for fact in ("Golden Lotus Manpower", "ក្រុមហ៊ុន ផ្កាឈូកមាស", "MOLVT-101", "Licensed", "Thailand", "Malaysia",
                 agency.licence_expires.isoformat()):
        assert fact in body
    assert "Grade B" in body  # the approved inspection; the unapproved one is not published
    for private in ("No. 12, Street 271", "private@lotus.example", "100,000", "deposit", agency.registration_number):
        assert private not in body


def test_public_agency_page_for_suspended_says_so_and_applicant_is_404(client, register):
    body = content(client.get(reverse("public-licence", args=["MOLVT-102"])))
    assert "Suspended: may not recruit" in body and 'class="notice bad"' in body
    assert client.get(reverse("public-licence", args=["MOLVT-999"])).status_code == 404
    applied = register["applied"]
    type(applied).objects.filter(pk=applied.pk).update(licence_number="MOLVT-APPLIED")
    assert client.get(reverse("public-licence", args=["MOLVT-APPLIED"])).status_code == 404


# --- advertisement verification ----------------------------------------------------------------------


def verify(client, code: str):
    response = client.get(reverse("public-advertisement"), {"code": code})
    assert response.status_code == 200
    return response


def test_a_valid_advertisement_is_confirmed_with_its_details(client, register):
    make_ad(register["active"], status=AdvertisementStatus.APPROVED, code="AD-7KQ2M9XP", title="Masons for Thailand")
    for typed in ("AD-7KQ2M9XP", "  ad-7kq2m9xp ", "7kq2m9xp"):
        response = verify(client, typed)
        check = response.context["check"]
        assert check is not None and check.valid, typed
    body = content(response)
    assert "VALID" in body and "NOT VALID" not in body
    for fact in ("Golden Lotus Manpower", "Licensed", "Thailand", "Construction", "Mason", "10 for men, 5 for women"):
        assert fact in body


@pytest.mark.parametrize(
    ("agency_key", "ad_fields", "reason"),
    [
        ("active", {"valid_from": -60, "valid_until": -1}, "expired on"),
        ("active", {"valid_from": 3, "valid_until": 30}, "not valid yet"),
        ("suspended", {}, "licence is not active (Suspended: may not recruit)"),
        ("active", {"status": AdvertisementStatus.WITHDRAWN}, "withdrew this advertisement"),
    ],
)
def test_an_advertisement_that_is_not_valid_today_says_why(client, register, agency_key, ad_fields, reason):
    today = timezone.localdate()
    fields = {"status": ad_fields.get("status", AdvertisementStatus.APPROVED)}
    if "valid_from" in ad_fields:
        fields.update(valid_from=today + timedelta(days=ad_fields["valid_from"]),
                      valid_until=today + timedelta(days=ad_fields["valid_until"]))
    make_ad(register[agency_key], code="AD-NOTVALID", **fields)
    response = verify(client, "ad-notvalid")
    check = response.context["check"]
    assert check is not None and not check.valid
    assert reason in check.reason
    assert "NOT VALID" in content(response) and reason in content(response)


def test_an_unknown_or_unapproved_code_is_reported_as_such(client, register):
    make_ad(register["active"], status=AdvertisementStatus.SUBMITTED)  # has no code yet
    response = verify(client, "AD-NOSUCH99")
    assert response.context["check"] is None
    assert "No approved advertisement has the code “AD-NOSUCH99”" in content(response)


def test_verification_page_without_a_code_just_asks_for_one(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("public-advertisement"))
    assert response.status_code == 200 and "NOT VALID" not in content(response)


# --- rankings ---------------------------------------------------------------------------------------


def test_rankings_order_by_latest_published_score_with_shared_ranks(client, register):
    today = timezone.localdate()
    make_inspection(register["active"], score=60, conducted_on=today - timedelta(days=400))
    make_inspection(register["active"], score=92, conducted_on=today - timedelta(days=10))  # latest counts
    make_inspection(register["warned"], score=75, conducted_on=today - timedelta(days=20))
    make_inspection(register["suspended"], score=75, conducted_on=today - timedelta(days=30))
    make_inspection(register["cancelled"], score=45, conducted_on=today - timedelta(days=40))
    make_inspection(register["cancelled"], score=99, status=InspectionStatus.RECORDED, conducted_on=today)  # unpublished

    response = client.get(reverse("public-rankings"))

    assert response.status_code == 200
    ranking = [(r.rank, r.agency_name, r.grade, r.score) for r in response.context["rows"]]
    assert [(rank, name, grade) for rank, name, grade, _score in ranking] == [
        (1, "Golden Lotus Manpower", "A"),
        (2, "Mekong Suspended Recruitment", "B"),
        (2, "Warned Lotus Services", "B"),
        (4, "Tonle Cancelled Co.", "D"),
    ]
    body = content(response)
    assert body.index("Golden Lotus Manpower") < body.index("Warned Lotus Services") < body.index("Tonle Cancelled Co.")
    assert "92.0%" in body and "99" not in [str(r[3]) for r in ranking]


# --- Khmer --------------------------------------------------------------------------------------------


def test_public_pages_render_under_the_khmer_prefix(client, register):
    response = client.get("/km" + reverse("public-licences"), {"q": "ផ្កាឈូក"})
    assert response.status_code == 200
    body = content(response)
    assert '<html lang="km">' in body
    assert "ក្រុមហ៊ុន ផ្កាឈូកមាស" in body


# --- query budgets --------------------------------------------------------------------------------------
# Anonymous visitors have no session row and no user to load: each count is the page's own queries.


def _grow(n: int, start: int) -> None:
    today = timezone.localdate()
    for i in range(start, start + n):
        agency = AgencyFactory(name=f"Lotus Growth {i:03d}", licence_number=f"MOLVT-G{i:03d}")
        make_sanction(agency, SanctionKind.WARNING)
        make_inspection(agency, score=50 + i % 40, conducted_on=today - timedelta(days=i))
        make_ad(agency, status=AdvertisementStatus.APPROVED, code=f"AD-G{i:07d}")


@pytest.mark.parametrize(
    ("url", "params", "budget"),
    [
        # The count for the paginator; the page of agencies (warning annotated).
        (lambda: reverse("public-licences"), {"q": "lotus"}, 2),
        (lambda: reverse("public-licences"), {}, 2),
        # The agency (warning and last inspection annotated); its destinations.
        (lambda: reverse("public-licence", args=["MOLVT-101"]), {}, 2),
        # The advertisement with its agency, destination and sector joined.
        (lambda: reverse("public-advertisement"), {"code": "AD-G0000001"}, 1),
        # The latest approved inspection per agency; those inspections with their agencies.
        (lambda: reverse("public-rankings"), {}, 2),
    ],
)
def test_public_pages_have_a_fixed_small_query_budget(client, register, django_assert_num_queries, url, params, budget):
    _grow(3, start=1)
    with django_assert_num_queries(budget):
        assert client.get(url(), params).status_code == 200
    _grow(30, start=4)
    with django_assert_num_queries(budget):
        response = client.get(url(), params)
    assert response.status_code == 200
    if "agencies" in response.context and response.context.get("paginator"):
        assert len(response.context["agencies"]) > 3
