"""Two-factor sign-in: who must use it, that nothing is reachable before it, and the codes.

The clock is pinned wherever a code is made (time_machine), 15 seconds into a 30-second
TOTP step, so "the previous step" and "the next step" are exact.
"""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from migration_portal.accounts.models import GroupTwoFactorPolicy
from migration_portal.accounts.services import api_token_create
from migration_portal.accounts.two_factor.services import must_use_second_factor
from migration_portal.core.models import Event
from migration_portal.core.scoping import AGENCY_USERS, LICENSING, PROVINCIAL_OFFICERS

from ..factories import UserFactory
from ..sessions import verify_second_factor

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
NOW = datetime(2026, 12, 1, 3, 0, 15, tzinfo=UTC)  # 15 s into a TOTP step

# Representative pages of every part of the portal and of the admin.
MINISTRY_URLS = [
    ("home", {}),
    ("notifications", {}),
    ("worker-list", {}),
    ("complaint-list", {}),
    ("complaint-dashboard", {}),
    ("remittance-summary", {}),
    ("remittance-indicator", {}),
    ("statistics:index", {}),
    ("password_change", {}),
    ("two-factor", {}),
    ("public-licences", {}),
    ("admin:index", {}),
    ("admin:agencies_agency_changelist", {}),
    ("admin:workers_worker_changelist", {}),
    ("admin:complaints_complaint_changelist", {}),
    ("admin:remittances_offer_changelist", {}),
    ("admin:accounts_user_changelist", {}),
    ("admin:auth_group_changelist", {}),
]
AGENCY_URLS = ["agency-dashboard", "agency-reports", "worker-list", "agency-complaint-list", "remittance-list", "two-factor"]
PROVINCE_URLS = ["province-dashboard", "worker-list", "returns-list", "complaint-list", "remittance-summary", "two-factor"]


def code_at(device, when: datetime, steps: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = when.timestamp() + steps * device.step
    return f"{totp.token():06d}"


def password_client(user) -> Client:
    """A client that has done step one only: the password, through the sign-in page."""
    client = Client()
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture
def ministry_user(db):
    return UserFactory(username="lic2fa", is_staff=True, groups=[LICENSING])


@pytest.fixture
def enrolled(ministry_user):
    return TOTPDevice.objects.create(user=ministry_user, name="Phone", confirmed=True)


# --- Who must ---------------------------------------------------------------------------


def test_who_must_use_a_second_factor(ministry_user, superuser, officer_a, agency_user_a):
    plain_member = UserFactory(username="grouponly", groups=[LICENSING])  # a ministry group, not staff
    assert must_use_second_factor(ministry_user)
    assert must_use_second_factor(superuser)
    assert must_use_second_factor(plain_member)
    assert not must_use_second_factor(officer_a)
    assert not must_use_second_factor(agency_user_a)


def test_a_flagged_group_makes_its_members_require_it(officer_a, client_for):
    group = Group.objects.get(name=PROVINCIAL_OFFICERS)
    policy = GroupTwoFactorPolicy.objects.create(group=group, required=True)
    officer = type(officer_a).objects.get(pk=officer_a.pk)  # fresh: no cached scope
    assert must_use_second_factor(officer)
    response = password_client(officer).get(reverse("province-dashboard"))
    assert response.status_code == 302 and response.url.startswith(reverse("two-factor-enrol"))

    policy.required = False
    policy.save()
    officer = type(officer_a).objects.get(pk=officer_a.pk)
    assert not must_use_second_factor(officer)
    assert password_client(officer).get(reverse("province-dashboard")).status_code == 200


# --- Nothing reachable before the second factor ---------------------------------------------


@pytest.mark.parametrize("name,kwargs", MINISTRY_URLS)
def test_password_only_ministry_user_reaches_no_page_and_is_sent_to_enrol(ministry_user, name, kwargs):
    client = password_client(ministry_user)
    url = reverse(name, kwargs=kwargs)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == reverse("two-factor-enrol") + "?next=" + url.replace("/", "%2F")


@pytest.mark.parametrize("name,kwargs", MINISTRY_URLS)
def test_password_only_superuser_with_a_device_is_sent_to_the_code_page(superuser, name, kwargs):
    TOTPDevice.objects.create(user=superuser, name="Phone", confirmed=True)
    response = password_client(superuser).get(reverse(name, kwargs=kwargs))
    assert response.status_code == 302 and response.url.startswith(reverse("two-factor-verify") + "?next=")


def test_a_post_is_refused_too(ministry_user):
    client = password_client(ministry_user)
    response = client.post(reverse("admin:accounts_user_changelist"), {"action": "reset_two_factor"})
    assert response.status_code == 302 and response.url == reverse("two-factor-enrol")


@pytest.mark.parametrize("name,_kwargs", MINISTRY_URLS)
def test_a_verified_ministry_session_reaches_the_pages(superuser, client_for, name, _kwargs):
    response = client_for(superuser).get(reverse(name))
    assert response.status_code in (200, 302)
    if response.status_code == 302:  # home sends the ministry to the admin
        assert "two-factor" not in response.url


@pytest.mark.parametrize("name", AGENCY_URLS)
def test_agency_user_without_a_requirement_is_not_interrupted(agency_user_a, name):
    assert password_client(agency_user_a).get(reverse(name)).status_code == 200


@pytest.mark.parametrize("name", PROVINCE_URLS)
def test_provincial_officer_without_a_requirement_is_not_interrupted(officer_a, name):
    assert password_client(officer_a).get(reverse(name)).status_code == 200


def test_an_agency_user_who_turned_it_on_must_give_a_code(agency_user_a):
    TOTPDevice.objects.create(user=agency_user_a, name="Phone", confirmed=True)
    response = password_client(agency_user_a).get(reverse("agency-dashboard"))
    assert response.status_code == 302 and response.url.startswith(reverse("two-factor-verify"))


def test_sign_out_and_language_stay_open(ministry_user):
    client = password_client(ministry_user)
    assert client.post(reverse("set_language"), {"language": "km", "next": "/"}).status_code == 302
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session


# --- Enrolment ----------------------------------------------------------------------------


def test_enrolment_shows_secret_and_qr_then_ten_backup_codes_once(ministry_user):
    client = password_client(ministry_user)
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("two-factor-enrol") + "?next=/complaints/")
        assert page.status_code == 200
        html = page.content.decode()
        assert "<svg" in html and "http" not in html.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
            "http://www.w3.org/2000/svg", ""
        )
        device = TOTPDevice.objects.get(user=ministry_user, confirmed=False)
        assert page.context["secret"].replace(" ", "") in html.replace(" ", "")

        wrong = client.post(reverse("two-factor-enrol"), {"code": "000000" if code_at(device, NOW) != "000000" else "111111"})
        assert wrong.status_code == 400 and "code" in wrong.context["form"].errors
        device.refresh_from_db()
        assert not device.confirmed

    with time_machine.travel(NOW + timedelta(seconds=60), tick=False):  # past the wait after the wrong code
        done = client.post(reverse("two-factor-enrol"), {"code": code_at(device, NOW + timedelta(seconds=60))})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    device.refresh_from_db()
    assert device.confirmed
    assert StaticDevice.objects.get(user=ministry_user).token_set.count() == 10
    assert Event.objects.filter(code="two_factor.enrolled", object_id=str(ministry_user.pk)).exists()
    # Verified now: the pages open, and the enrolment page does not offer a second app.
    assert client.get(reverse("complaint-list")).status_code == 200
    assert client.get(reverse("two-factor-enrol")).url == reverse("two-factor")
    # The codes are not shown again.
    assert codes[0] not in client.get(reverse("two-factor")).content.decode()


def test_no_new_device_from_a_session_that_has_not_proved_the_old_one(ministry_user, enrolled):
    client = password_client(ministry_user)
    response = client.get(reverse("two-factor-enrol"))
    assert response.status_code == 302 and response.url.startswith(reverse("two-factor-verify"))
    assert not TOTPDevice.objects.filter(user=ministry_user, confirmed=False).exists()


# --- Codes ------------------------------------------------------------------------------------


def verify(client, code, next_url=""):
    return client.post(reverse("two-factor-verify"), {"code": code, "next": next_url})


@pytest.mark.parametrize(("steps", "accepted"), [(-2, False), (-1, True), (0, True), (1, True), (2, False)])
def test_totp_codes_are_accepted_one_step_either_side_and_no_further(ministry_user, enrolled, steps, accepted):
    client = password_client(ministry_user)
    with time_machine.travel(NOW, tick=False):
        response = verify(client, code_at(enrolled, NOW, steps), "/complaints/")
    if accepted:
        assert response.status_code == 302 and response.url == "/complaints/"
        assert client.session[DEVICE_ID_SESSION_KEY] == enrolled.persistent_id
    else:
        assert response.status_code == 400 and "code" in response.context["form"].errors
        assert DEVICE_ID_SESSION_KEY not in client.session


def test_a_wrong_code_is_refused_and_then_even_the_right_one_waits(ministry_user, enrolled):
    client = password_client(ministry_user)
    with time_machine.travel(NOW, tick=False):
        right = code_at(enrolled, NOW)
        wrong = "123456" if right != "123456" else "654321"
        assert verify(client, wrong).status_code == 400
        throttled = verify(client, right)
        assert throttled.status_code == 400
        assert "Too many wrong codes" in str(throttled.context["form"].errors["code"])
        enrolled.refresh_from_db()
        assert enrolled.throttling_failure_count == 1
    with time_machine.travel(NOW + timedelta(seconds=2), tick=False):  # the one-second wait is over
        assert verify(client, code_at(enrolled, NOW + timedelta(seconds=2))).status_code == 302
    enrolled.refresh_from_db()
    assert enrolled.throttling_failure_count == 0


def test_the_same_totp_code_does_not_work_twice(ministry_user, enrolled):
    with time_machine.travel(NOW, tick=False):
        code = code_at(enrolled, NOW)
        assert verify(password_client(ministry_user), code).status_code == 302
        assert verify(password_client(ministry_user), code).status_code == 400


def test_a_backup_code_works_exactly_once(ministry_user, enrolled):
    device = StaticDevice.objects.create(user=ministry_user, name="Backup codes", confirmed=True)
    device.token_set.create(token="abcd2345")
    device.token_set.create(token="efgh6723")
    first = password_client(ministry_user)
    assert verify(first, "ABCD 2345").status_code == 302
    assert first.get(reverse("complaint-list")).status_code == 200
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=5), tick=False):
        again = password_client(ministry_user)
        assert verify(again, "abcd2345").status_code == 400
        assert again.get(reverse("complaint-list")).status_code == 302
    assert list(device.token_set.values_list("token", flat=True)) == ["efgh6723"]


def test_an_unsafe_next_is_not_followed(ministry_user, enrolled):
    with time_machine.travel(NOW, tick=False):
        response = verify(password_client(ministry_user), code_at(enrolled, NOW), "https://evil.example/")
    assert response.status_code == 302 and response.url == reverse("home")


def test_the_code_page_in_khmer_renders(ministry_user, enrolled):
    client = password_client(ministry_user)
    response = client.get("/km" + reverse("two-factor-verify"))
    assert response.status_code == 200 and 'lang="km"' in response.content.decode()


# --- The verified session and the cache ------------------------------------------------------


def test_a_verified_request_reads_the_device_from_the_cache_and_a_removed_device_ends_it(ministry_user, client_for):
    client = client_for(ministry_user)
    device = TOTPDevice.objects.get(user=ministry_user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("complaint-list")).status_code == 200
    assert not [q for q in queries.captured_queries if "otp_totp" in q["sql"]]
    device.delete()
    response = client.get(reverse("complaint-list"))
    assert response.status_code == 302 and response.url.startswith(reverse("two-factor-enrol"))


# --- API --------------------------------------------------------------------------------------


def test_api_session_of_an_unverified_ministry_user_is_refused(ministry_user):
    client = password_client(ministry_user)
    response = client.get("/api/agencies/")
    assert response.status_code == 403
    assert "second factor" in response.content.decode()


def test_api_session_of_a_verified_ministry_user_is_served(ministry_user, client_for):
    assert client_for(ministry_user).get("/api/agencies/").status_code == 200


def test_api_token_calls_are_not_interrupted(ministry_user):
    _row, token = api_token_create(user=ministry_user, name="script", days=30)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/agencies/").status_code == 200


def test_api_session_of_an_agency_user_without_a_requirement_is_served(agency_user_a):
    assert password_client(agency_user_a).get("/api/agencies/").status_code == 200


def test_api_session_of_an_agency_user_who_turned_it_on_owes_the_code(agency_user_a):
    TOTPDevice.objects.create(user=agency_user_a, name="Phone", confirmed=True)
    assert password_client(agency_user_a).get("/api/agencies/").status_code == 403


# --- Managing one's own second factor ------------------------------------------------------------


def test_new_backup_codes_replace_the_old_ones(ministry_user, client_for):
    client = client_for(ministry_user)
    old = StaticDevice.objects.create(user=ministry_user, name="Backup codes", confirmed=True)
    old.token_set.create(token="oldcode22")
    response = client.post(reverse("two-factor-backup-codes"))
    assert response.status_code == 200
    new_codes = response.context["codes"]
    assert len(new_codes) == 10
    with time_machine.travel(NOW, tick=False):
        assert verify(password_client(ministry_user), "oldcode22").status_code == 400
    with time_machine.travel(NOW + timedelta(seconds=2), tick=False):  # after the wait a wrong code brings
        assert verify(password_client(ministry_user), new_codes[0]).status_code == 302
    assert Event.objects.filter(code="two_factor.backup_codes_renewed", object_id=str(ministry_user.pk)).exists()


def test_removing_needs_the_password_and_then_enrolment_again(ministry_user, client_for):
    client = client_for(ministry_user)
    refused = client.post(reverse("two-factor-remove"), {"password": "not-my-password"})
    assert refused.status_code == 400 and "password" in refused.context["remove_form"].errors
    assert TOTPDevice.objects.filter(user=ministry_user).exists()

    done = client.post(reverse("two-factor-remove"), {"password": PASSWORD})
    assert done.status_code == 302 and done.url == reverse("two-factor-enrol")
    assert not TOTPDevice.objects.filter(user=ministry_user).exists()
    assert Event.objects.filter(code="two_factor.removed", object_id=str(ministry_user.pk)).exists()
    assert client.get(reverse("complaint-list")).url.startswith(reverse("two-factor-enrol"))


def test_an_unverified_session_cannot_remove_a_device(agency_user_a):
    client = Client()
    client.force_login(agency_user_a)  # signed in before the device was added elsewhere
    TOTPDevice.objects.create(user=agency_user_a, name="Phone", confirmed=True)
    response = client.post(reverse("two-factor-remove"), {"password": PASSWORD})
    assert response.status_code == 302 and response.url.startswith(reverse("two-factor-verify"))
    assert TOTPDevice.objects.filter(user=agency_user_a).exists()


# --- Administrator reset -----------------------------------------------------------------------


def test_admin_reset_clears_the_devices_logs_it_and_ends_verification(superuser, ministry_user, client_for):
    target_client = client_for(ministry_user)
    assert target_client.get(reverse("complaint-list")).status_code == 200
    admin_client = client_for(superuser)
    response = admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [ministry_user.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=ministry_user).exists()
    event = Event.objects.get(code="two_factor.reset", object_id=str(ministry_user.pk))
    assert event.actor == superuser
    assert target_client.get(reverse("complaint-list")).url.startswith(reverse("two-factor-enrol"))
    # The administrator's own device is untouched.
    assert TOTPDevice.objects.filter(user=superuser).exists()


def test_admin_reset_needs_the_change_permission(ministry_user, client_for):
    statistician = UserFactory(username="stat2fa", is_staff=True, groups=["Statisticians"])
    TOTPDevice.objects.create(user=ministry_user, name="Phone", confirmed=True)
    client_for(statistician).post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [ministry_user.pk]},
    )
    assert TOTPDevice.objects.filter(user=ministry_user).exists()


def test_the_group_admin_edits_the_flag(superuser, client_for):
    group = Group.objects.get(name=AGENCY_USERS)
    url = reverse("admin:auth_group_change", args=[group.pk])
    client = client_for(superuser)
    page = client.get(url)
    assert page.status_code == 200 and "two_factor_policy-0-required" in page.content.decode()
    data = {
        "name": group.name,
        "permissions": list(group.permissions.values_list("pk", flat=True)),
        "two_factor_policy-TOTAL_FORMS": "1",
        "two_factor_policy-INITIAL_FORMS": "0",
        "two_factor_policy-MIN_NUM_FORMS": "0",
        "two_factor_policy-MAX_NUM_FORMS": "1",
        "two_factor_policy-0-required": "on",
        "two_factor_policy-0-group": str(group.pk),
    }
    assert client.post(url, data).status_code == 302
    assert GroupTwoFactorPolicy.objects.get(group=group).required


# --- The demo's code command ------------------------------------------------------------------


def test_totp_code_prints_the_current_code_only_in_debug(settings, enrolled, ministry_user):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("totp_code", ministry_user.username, stdout=StringIO())
    settings.DEBUG = True
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("totp_code", ministry_user.username, stdout=out)
        assert out.getvalue().strip() == code_at(enrolled, NOW)
        assert verify(password_client(ministry_user), out.getvalue().strip()).status_code == 302


def test_the_test_helper_verifies_like_the_code_page(ministry_user):
    client = Client()
    client.force_login(ministry_user)
    assert client.get(reverse("complaint-list")).status_code == 302
    verify_second_factor(client, ministry_user)
    assert client.get(reverse("complaint-list")).status_code == 200


def test_the_admin_login_goes_through_the_same_flow(ministry_user, enrolled):
    client = Client()
    response = client.post(reverse("admin:login"), {"username": ministry_user.username, "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302 and "_auth_user_id" in client.session
    index = client.get(reverse("admin:index"))
    assert index.status_code == 302 and index.url.startswith(reverse("two-factor-verify"))
    with time_machine.travel(NOW, tick=False):
        assert verify(client, code_at(enrolled, NOW), "/admin/").url == "/admin/"
    assert client.get(reverse("admin:index")).status_code == 200


def test_group_changelist_query_count_does_not_grow_with_groups(superuser, client_for):
    client = client_for(superuser)
    url = reverse("admin:auth_group_changelist")
    client.get(url)  # warm the content types and the session

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    before = queries()
    for name in ("Extra one", "Extra two", "Extra three"):
        GroupTwoFactorPolicy.objects.create(group=Group.objects.create(name=name), required=True)
    # Session, user, the filtered and the full count, the page of groups joined to their
    # policies, the user's groups (the menu's role) and the unread notifications: none per group.
    assert queries() == before == 7
