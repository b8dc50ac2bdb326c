"""Personal API tokens: made and revoked by their owner, stored as a digest, with an end date and last use."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from migration_portal.accounts.models import ApiToken
from migration_portal.accounts.services import api_token_create, api_token_revoke

from ..sessions import sign_in

pytestmark = pytest.mark.django_db
START = datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("Asia/Phnom_Penh"))
API_URL = "/api/agencies/"


def refused(response) -> bool:
    # Session authentication comes first, so DRF answers 403 rather than 401 (no challenge header).
    return response.status_code == 403 and "Invalid token" in response.json()["detail"]


def api(token: str | None) -> APIClient:
    client = APIClient()
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def login(user) -> Client:
    """Signed in as the portal signs in: password, and the second factor where it is required."""
    return sign_in(Client(), user)


def test_owner_makes_a_token_in_the_portal_sees_it_once_and_it_works(agency_user_a):
    client = login(agency_user_a)
    response = client.post(reverse("api-tokens"), {"name": "Monthly report sync", "days": 30})
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("no-store")
    clear = response.context["clear_token"]
    assert clear in response.content.decode()
    token = ApiToken.objects.get(user=agency_user_a)
    # Only a digest is stored: the token is nowhere in the table.
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apitoken")
        assert not any(clear in str(value) for row in cursor.fetchall() for value in row)
    assert token.name == "Monthly report sync"
    # The list shows the start of the token, never the token.
    listing = client.get(reverse("api-tokens")).content.decode()
    assert "Monthly report sync" in listing and clear not in listing and clear[:7] in listing
    assert api(clear).get(API_URL).status_code == 200


@pytest.mark.parametrize(("days", "ok"), [(0, False), (1, True), (365, True), (366, False), ("x", False)])
def test_the_lifetime_is_between_one_day_and_the_maximum(agency_user_a, days, ok):
    response = login(agency_user_a).post(reverse("api-tokens"), {"name": "t", "days": days})
    assert (response.status_code == 200) is ok
    assert ApiToken.objects.filter(user=agency_user_a).exists() is ok
    if not ok:
        assert response.status_code == 400 and 'class="error"' in response.content.decode()


def test_the_service_refuses_a_lifetime_above_the_maximum_too(agency_user_a, settings):
    settings.API_TOKEN_MAX_DAYS = 10
    with pytest.raises(ValidationError):
        api_token_create(user=agency_user_a, name="t", days=11)
    api_token_create(user=agency_user_a, name="t", days=10)


@pytest.mark.parametrize(
    ("age", "works"), [(timedelta(days=30) - timedelta(minutes=1), True), (timedelta(days=30, minutes=1), False)]
)
def test_an_expired_token_is_refused(agency_user_a, age, works):
    with time_machine.travel(START, tick=False) as clock:
        _token, clear = api_token_create(user=agency_user_a, name="t", days=30)
        clock.shift(age)
        response = api(clear).get(API_URL)
    assert (response.status_code == 200) is works
    assert refused(response) is not works


def test_a_revoked_token_is_refused(agency_user_a):
    token, clear = api_token_create(user=agency_user_a, name="t", days=30)
    assert api(clear).get(API_URL).status_code == 200
    response = login(agency_user_a).post(reverse("api-token-revoke", args=[token.pk]))
    assert response.status_code == 302
    assert refused(api(clear).get(API_URL))


def test_a_wrong_token_is_refused(agency_user_a):
    _token, clear = api_token_create(user=agency_user_a, name="t", days=30)
    assert refused(api(clear[:-1] + ("0" if clear[-1] != "0" else "1")).get(API_URL))


def test_a_user_sees_and_revokes_only_their_own_tokens(agency_user_a, agency_user_b):
    mine, _ = api_token_create(user=agency_user_a, name="mine", days=30)
    theirs, their_clear = api_token_create(user=agency_user_b, name="theirs", days=30)
    client = login(agency_user_a)
    listing = client.get(reverse("api-tokens")).content.decode()
    assert "mine" in listing and "theirs" not in listing
    assert client.post(reverse("api-token-revoke", args=[theirs.pk])).status_code == 404
    assert api(their_clear).get(API_URL).status_code == 200
    with pytest.raises(PermissionDenied):
        api_token_revoke(token=theirs, actor=agency_user_a)
    assert list(ApiToken.objects.visible_to(agency_user_a)) == [mine]


def test_an_administrator_sees_and_revokes_anyones_token(superuser, licensing_officer, agency_user_b):
    token, clear = api_token_create(user=agency_user_b, name="theirs", days=30)
    admin = login(superuser)
    page = admin.get(reverse("admin:accounts_apitoken_changelist"))
    assert page.status_code == 200 and "theirs" in page.content.decode()
    response = admin.post(
        reverse("admin:accounts_apitoken_changelist"), {"action": "revoke", "_selected_action": [token.pk]}
    )
    assert response.status_code == 302
    assert refused(api(clear).get(API_URL))
    # Ministry staff who are not administrators see nobody's tokens there.
    assert login(licensing_officer).get(reverse("admin:accounts_apitoken_changelist")).status_code == 403


def test_token_list_queries_do_not_grow_with_tokens(agency_user_a, django_assert_num_queries):
    client = login(agency_user_a)
    api_token_create(user=agency_user_a, name="one", days=30)
    client.get(reverse("api-tokens"))  # the first request records the session's activity
    # the session, the user, the user's groups (role), unread notifications, the tokens
    with django_assert_num_queries(5) as first:
        client.get(reverse("api-tokens"))
    for n in range(5):
        api_token_create(user=agency_user_a, name=f"t{n}", days=30)
    with django_assert_num_queries(len(first.captured_queries)):
        client.get(reverse("api-tokens"))


def test_last_use_is_recorded_at_most_once_a_minute(agency_user_a):
    with time_machine.travel(START, tick=False) as clock:
        token, clear = api_token_create(user=agency_user_a, name="t", days=30)
        assert token.last_used_at is None
        api(clear).get(API_URL)
        token.refresh_from_db()
        assert token.last_used_at == START
        clock.shift(timedelta(seconds=59))
        api(clear).get(API_URL)
        token.refresh_from_db()
        assert token.last_used_at == START
        clock.shift(timedelta(seconds=2))
        api(clear).get(API_URL)
        token.refresh_from_db()
        assert token.last_used_at == START + timedelta(seconds=61)


def test_the_token_list_needs_a_signed_in_user():
    response = Client().get(reverse("api-tokens"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_tokens_of_drf_authtoken_move_to_digests_and_keep_working(agency_user_a):
    """The migration that retires DRF's authtoken table (keys in clear)."""
    import importlib
    import types

    from django.apps import apps

    migration = importlib.import_module("migration_portal.accounts.migrations.0004_move_drf_tokens_to_api_tokens")
    old_key = "0123456789abcdef0123456789abcdef01234567"  # a DRF key: 40 hex characters
    created = "timestamp with time zone" if connection.vendor == "postgresql" else "datetime"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, user_id bigint, created {created})")
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, %s, %s)", [old_key, agency_user_a.pk, START])
    # The migration needs only these two things of its schema editor.
    editor = types.SimpleNamespace(connection=connection, execute=lambda sql: connection.cursor().execute(sql))
    migration.move_tokens(apps, editor)
    assert "authtoken_token" not in connection.introspection.table_names()
    token = ApiToken.objects.get(user=agency_user_a)
    assert old_key not in token.digest and token.expiry is not None
    assert api(old_key).get(API_URL).status_code == 200


def test_admin_token_changelist_queries_do_not_grow_with_tokens(superuser, agency_user_a, django_assert_max_num_queries):
    admin = login(superuser)
    url = reverse("admin:accounts_apitoken_changelist")
    api_token_create(user=agency_user_a, name="one", days=30)
    admin.get(url)  # the first request records the session's activity
    with CaptureQueriesContext(connection) as one:
        assert admin.get(url).status_code == 200
    for n in range(10):
        api_token_create(user=agency_user_a, name=f"t{n}", days=30)
    # session, user, the rows with their owners joined, the count, the date hierarchy: no per-row query
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert admin.get(url).status_code == 200
