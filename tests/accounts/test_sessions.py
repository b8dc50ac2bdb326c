"""Idle sessions end; a user or an administrator can end every session of an account."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from migration_portal.accounts.models import ApiToken
from migration_portal.accounts.services import api_token_create
from migration_portal.core.models import Event

from ..sessions import sign_in

pytestmark = pytest.mark.django_db
START = datetime(2026, 12, 1, 8, 0, tzinfo=ZoneInfo("Asia/Phnom_Penh"))


def signed_in(client) -> bool:
    response = client.get(reverse("notifications"))
    return response.status_code == 200


def login(user) -> Client:
    """Signed in as the portal signs in: password, and the second factor where it is required."""
    return sign_in(Client(), user)


@pytest.mark.parametrize(
    ("idle", "still_in"), [(timedelta(hours=8) - timedelta(minutes=1), True), (timedelta(hours=8, minutes=1), False)]
)
def test_staff_session_ends_after_a_working_day_idle(settings, licensing_officer, idle, still_in):
    settings.SESSION_IDLE_TIMEOUT = 8 * 60 * 60
    with time_machine.travel(START, tick=False) as clock:
        client = login(licensing_officer)
        assert signed_in(client)
        clock.shift(idle)
        assert signed_in(client) is still_in


@pytest.mark.parametrize("user_fixture", ["officer_a", "superuser"])
def test_government_accounts_use_the_staff_limit(settings, request, user_fixture):
    settings.SESSION_IDLE_TIMEOUT = 60 * 60
    user = request.getfixturevalue(user_fixture)
    with time_machine.travel(START, tick=False) as clock:
        client = login(user)
        client.get(reverse("home"))
        clock.shift(timedelta(minutes=61))
        assert not signed_in(client)


def test_activity_slides_the_limit(settings, complaints_officer):
    settings.SESSION_IDLE_TIMEOUT = 8 * 60 * 60
    with time_machine.travel(START, tick=False) as clock:
        client = login(complaints_officer)
        for _ in range(3):  # a request every 7 hours keeps the session for 21 hours
            clock.shift(timedelta(hours=7))
            assert signed_in(client)


def test_agency_users_have_their_own_longer_limit(settings, agency_user_a):
    settings.SESSION_IDLE_TIMEOUT = 8 * 60 * 60
    settings.SESSION_IDLE_TIMEOUT_AGENCY = 24 * 60 * 60
    with time_machine.travel(START, tick=False) as clock:
        client = login(agency_user_a)
        assert signed_in(client)
        clock.shift(timedelta(hours=23))
        assert signed_in(client)
        clock.shift(timedelta(hours=24, minutes=1))
        assert not signed_in(client)


def test_last_activity_is_written_at_most_once_a_minute(licensing_officer):
    with time_machine.travel(START, tick=False) as clock:
        client = login(licensing_officer)
        key = client.session.session_key
        stored = Session.objects.get(session_key=key).session_data
        # Signing in counts as activity: the first request after it writes nothing.
        client.get(reverse("notifications"))
        assert Session.objects.get(session_key=key).session_data == stored
        clock.shift(timedelta(seconds=30))
        client.get(reverse("notifications"))
        assert Session.objects.get(session_key=key).session_data == stored
        clock.shift(timedelta(seconds=31))
        client.get(reverse("notifications"))
        assert Session.objects.get(session_key=key).session_data != stored


def test_sign_out_everywhere_ends_every_session_and_revokes_tokens(agency_user_a, agency_user_b):
    laptop, phone, other = login(agency_user_a), login(agency_user_a), login(agency_user_b)
    api_token_create(user=agency_user_a, name="sync", days=30)
    api_token_create(user=agency_user_b, name="theirs", days=30)
    page = laptop.get(reverse("sign-out-everywhere"))
    assert page.status_code == 200
    # Without the confirmation box nothing happens.
    refused = laptop.post(reverse("sign-out-everywhere"), {})
    assert refused.status_code == 400 and signed_in(phone)
    done = laptop.post(reverse("sign-out-everywhere"), {"confirm": "yes"})
    assert done.status_code == 302 and done["Location"] == reverse("login")
    assert not signed_in(laptop) and not signed_in(phone)
    assert signed_in(other)
    assert not ApiToken.objects.filter(user=agency_user_a).exists()
    assert ApiToken.objects.filter(user=agency_user_b).count() == 1
    assert Event.objects.filter(code="signed_out_everywhere", object_id=str(agency_user_a.pk)).exists()
    # Signing in again works, and the new session lives.
    agency_user_a.refresh_from_db()
    again = login(agency_user_a)
    assert signed_in(again)


def test_sign_out_everywhere_needs_a_signed_in_user_and_a_post():
    response = Client().post(reverse("sign-out-everywhere"), {"confirm": "yes"})
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_sessions_from_before_the_generation_existed_stay_valid(agency_user_a):
    # Generation 0 keeps Django's own session hash: deploying this signs nobody out.
    from django.contrib.auth.base_user import AbstractBaseUser

    assert agency_user_a.session_epoch == 0
    assert agency_user_a.get_session_auth_hash() == AbstractBaseUser.get_session_auth_hash(agency_user_a)


def test_admin_action_signs_out_a_compromised_account(superuser, agency_user_a, agency_user_b):
    victim, bystander = login(agency_user_a), login(agency_user_b)
    api_token_create(user=agency_user_a, name="stolen", days=30)
    admin = login(superuser)
    response = admin.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "sign_out_everywhere", "_selected_action": [agency_user_a.pk]},
    )
    assert response.status_code == 302
    assert not signed_in(victim) and signed_in(bystander)
    assert not ApiToken.objects.filter(user=agency_user_a).exists()
    event = Event.objects.get(code="signed_out_everywhere", object_id=str(agency_user_a.pk))
    assert event.actor == superuser and event.data["by_administrator"] is True
    assert signed_in(admin)


def test_only_administrators_may_sign_out_someone_else(agency_user_a, agency_user_b):
    from django.core.exceptions import PermissionDenied

    from migration_portal.accounts.services import user_sign_out_everywhere

    with pytest.raises(PermissionDenied):
        user_sign_out_everywhere(user=agency_user_b, actor=agency_user_a)
