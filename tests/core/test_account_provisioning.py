"""Provisioning accounts: CSV import (all rows or none), invitations, deactivation, disuse."""

import re
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from migration_portal.accounts.models import ApiToken, User
from migration_portal.accounts.services import api_token_create
from migration_portal.core.scoping import AGENCY_USERS, LICENSING, PROVINCIAL_OFFICERS

from ..factories import UserFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
HEADER = "username,email,first_name,last_name,role,province_code,agency_licence,language\n"


def upload(client, text, invite=True):
    data = {"file": SimpleUploadedFile("accounts.csv", text.encode("utf-8"), content_type="text/csv")}
    if invite:
        data["send_invitations"] = "on"
    return client.post(reverse("admin:accounts_user_import"), data)


@pytest.fixture
def admin_client(client_for, superuser):
    return client_for(superuser)


def test_import_creates_every_row_with_its_binding_and_role(
    admin_client, province_a, agency_a, django_capture_on_commit_callbacks
):
    agency_a.licence_number = "MOLVT-0042"
    agency_a.save()
    csv = HEADER + (
        f"officer.kampot,kampot@molvt.gov.kh,Sok,Chea,province,{province_a.code},,km\n"
        "staff.angkor,staff@angkor.example,Dara,Kim,agency,,MOLVT-0042,\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(admin_client, csv)
    assert response.status_code == 302, response.content.decode()[:2000]
    officer = User.objects.get(username="officer.kampot")
    staff = User.objects.get(username="staff.angkor")
    assert officer.province == province_a and officer.agency is None and officer.language == "km"
    assert staff.agency == agency_a and staff.province is None and staff.language == "en"
    assert list(officer.groups.values_list("name", flat=True)) == [PROVINCIAL_OFFICERS]
    assert list(staff.groups.values_list("name", flat=True)) == [AGENCY_USERS]
    assert not officer.has_usable_password() and not staff.has_usable_password()
    assert sorted(m.to[0] for m in mail.outbox) == ["kampot@molvt.gov.kh", "staff@angkor.example"]


def test_import_without_invitations_sends_nothing(admin_client, province_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload(admin_client, HEADER + f"officer.x,x@molvt.gov.kh,A,B,province,{province_a.code},,en\n", invite=False)
    assert User.objects.filter(username="officer.x").exists()
    assert mail.outbox == []


def test_one_bad_row_creates_nothing_and_every_error_is_named(admin_client, province_a):
    UserFactory(username="taken", email="taken@molvt.gov.kh")
    csv = HEADER + (
        f"good.one,good@molvt.gov.kh,A,B,province,{province_a.code},,en\n"
        "taken,new@molvt.gov.kh,A,B,province,99,,en\n"
        "dup.mail,TAKEN@molvt.gov.kh,A,B,agency,,NO-SUCH,fr\n"
        f"good.one,other@molvt.gov.kh,A,B,director,{province_a.code},,en\n"
        "no.mail,not-an-address,A,B,province,12,,en\n"
    )
    before = User.objects.count()
    response = upload(admin_client, csv)
    assert response.status_code == 200
    assert User.objects.count() == before
    errors = response.context["errors"]
    assert "Row 3, username: already in use" in errors
    assert "Row 3, province_code: no province with this code" in errors
    assert "Row 4, email: already in use" in errors
    assert "Row 4, agency_licence: no agency with this licence number" in errors
    assert "Row 4, language: must be 'en' or 'km'" in errors
    assert "Row 5, username: already in use" in errors
    assert "Row 5, role: must be 'province' or 'agency'" in errors
    assert "Row 6, email: not a valid e-mail address" in errors
    assert not any(e.startswith("Row 2,") for e in errors)
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("username,email\nx,y@z.org\n", "Missing columns: first_name"),
        (HEADER, "The file has no rows."),
    ],
)
def test_a_file_of_the_wrong_shape_is_refused_with_a_message(admin_client, content, message):
    response = upload(admin_client, content)
    assert response.status_code == 200
    assert any(message in e for e in response.context["errors"])


def test_a_file_that_is_not_utf8_is_refused(admin_client):
    data = {"file": SimpleUploadedFile("a.csv", "username\n\xe9".encode("latin-1"))}
    response = admin_client.post(reverse("admin:accounts_user_import"), data)
    assert response.status_code == 200
    assert any("UTF-8" in e for e in response.context["errors"])


def test_only_those_who_may_add_users_can_import(client_for, db):
    licensing = UserFactory(username="lic", is_staff=True, groups=[LICENSING])
    assert client_for(licensing).get(reverse("admin:accounts_user_import")).status_code == 403


def test_the_import_page_shows_the_expected_columns(admin_client):
    response = admin_client.get(reverse("admin:accounts_user_import"))
    assert response.status_code == 200
    assert "username, email, first_name, last_name, role, province_code, agency_licence, language" in response.content.decode()


def invite(user, django_capture_on_commit_callbacks):
    from migration_portal.accounts.services import account_invite

    with django_capture_on_commit_callbacks(execute=True):
        account_invite(actor=None, user=user)
    (message,) = [m for m in mail.outbox if m.to == [user.email]]
    return re.search(r"https?://\S+/invitation/\S+/", message.body).group(0)


def test_the_invitation_link_sets_the_password_once_and_lands_on_the_portal(
    client, province_a, django_capture_on_commit_callbacks
):
    user = UserFactory(username="new.officer", province=province_a, groups=[PROVINCIAL_OFFICERS])
    user.set_unusable_password()
    user.save()
    link = invite(user, django_capture_on_commit_callbacks)
    path = link.split("://", 1)[1].split("/", 1)[1]

    response = client.get("/" + path)
    assert response.status_code == 302  # Django swaps the token for a session-held one
    form_url = response["Location"]
    response = client.post(form_url, {"new_password1": "Kampot-River-2026!", "new_password2": "Kampot-River-2026!"})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    user.refresh_from_db()
    assert user.check_password("Kampot-River-2026!")
    assert client.session["_auth_user_id"] == str(user.pk)

    # The same link again: used up.
    other = client.__class__()
    response = other.get("/" + path, follow=True)
    assert response.context["validlink"] is False


def test_no_invitation_for_an_inactive_account_or_one_without_email(db):
    from django.core.exceptions import ValidationError

    from migration_portal.accounts.services import account_invite

    for user in (UserFactory(username="gone", is_active=False), UserFactory(username="nomail", email="")):
        with pytest.raises(ValidationError):
            account_invite(actor=None, user=user)


def test_the_invitation_action_sends_one_per_selected_account(admin_client, django_capture_on_commit_callbacks):
    a, b = UserFactory(username="a1"), UserFactory(username="b1")
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("admin:accounts_user_changelist"),
                          {"action": "send_invitations", "_selected_action": [a.pk, b.pk]})
    assert sorted(m.to[0] for m in mail.outbox) == [a.email, b.email]


def test_deactivation_closes_the_account_and_its_api_token(admin_client, superuser, client_for):
    leaver = UserFactory(username="leaver", groups=[PROVINCIAL_OFFICERS])
    api_token_create(user=leaver, name='script', days=30)
    leaver_client = client_for(leaver)
    response = admin_client.post(reverse("admin:accounts_user_changelist"),
                                 {"action": "deactivate", "_selected_action": [leaver.pk, superuser.pk]})
    assert response.status_code == 302
    leaver.refresh_from_db()
    superuser.refresh_from_db()
    assert not leaver.is_active
    assert superuser.is_active  # never oneself
    assert not ApiToken.objects.filter(user=leaver).exists()
    # The open session ends with the account.
    assert leaver_client.get(reverse("notifications")).status_code == 302


@pytest.fixture
def usage():
    with time_machine.travel(NOW, tick=False):
        recent = UserFactory(username="recent", last_login=NOW - timedelta(days=89, hours=23))
        stale = UserFactory(username="stale", last_login=NOW - timedelta(days=90, minutes=1))
        never = UserFactory(username="never", last_login=None)
        User.objects.filter(pk=never.pk).update(date_joined=NOW - timedelta(days=91))
        new = UserFactory(username="new", last_login=None)
        User.objects.filter(pk=new.pk).update(date_joined=NOW - timedelta(days=10))
        gone = UserFactory(username="gone", last_login=NOW - timedelta(days=200), is_active=False)
        yield {"recent": recent, "stale": stale, "never": never, "new": new, "gone": gone}


def test_the_admin_filter_lists_accounts_unused_for_90_days(admin_client, usage, django_assert_num_queries):
    with time_machine.travel(NOW, tick=False):
        url = reverse("admin:accounts_user_changelist") + "?unused=90"
        # session, user, then the changelist: the page of users with their agency and
        # province, the group filter's choices, the province filter's choices, and the
        # paginator's "has more" check.
        with django_assert_num_queries(8):
            response = admin_client.get(url)
    assert response.status_code == 200
    shown = {u.username for u in response.context["cl"].result_list}
    assert shown == {"stale", "never"}


def test_the_inactive_accounts_command_lists_the_same(usage):
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("inactive_accounts", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert lines[0].startswith("username,email")
    assert sorted(line.split(",")[0] for line in lines[1:]) == ["never", "stale"]

