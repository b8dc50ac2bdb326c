"""Password reset: one answer for every address, links that work once and briefly, throttled."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from ..factories import UserFactory

pytestmark = pytest.mark.django_db
START = timezone.datetime(2026, 12, 1, 9, 0, tzinfo=timezone.get_fixed_timezone(7 * 60))


def ask(client, email, path=None):
    # The mail is queued on commit; run the callbacks as the end of a real request would.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(path or reverse("password_reset"), {"email": email})


def link_in(message) -> str:
    return re.search(r"https?://\S+/password/reset/\S+/\S+/", message.body).group(0)


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def test_unknown_and_known_addresses_get_the_same_answer_and_only_the_known_one_gets_mail(
    django_assert_num_queries, monkeypatch
):
    from migration_portal.accounts.tasks import send_password_reset

    user = UserFactory(username="clerk", email="clerk@agency.example", password="Old-Password-2026!")
    queued = []
    # The request path alone (the worker sends the mail): record what it queues.
    monkeypatch.setattr(send_password_reset, "apply_async", lambda args, **kw: queued.append(args))
    client = Client()
    # The same single query on both paths: the active accounts with this address.
    with django_assert_num_queries(1):
        unknown = ask(client, "nobody@agency.example")
    assert queued == []
    with django_assert_num_queries(1):
        known = ask(client, "Clerk@Agency.example")
    assert queued == [(user.pk, "en")]
    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"] == reverse("password_reset_done")
    def page(url):  # the CSRF token of the language form differs on every page
        return re.sub(rb'value="[A-Za-z0-9]{64}"', b"", client.get(url).content)

    assert page(unknown["Location"]) == page(known["Location"])
    monkeypatch.undo()
    ask(client, "nobody@agency.example")
    assert mail.outbox == []
    ask(client, "clerk@agency.example")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["clerk@agency.example"]


def test_inactive_accounts_and_accounts_without_a_password_get_no_mail():
    UserFactory(username="gone", email="gone@agency.example", is_active=False)
    nopass = UserFactory(username="sso", email="sso@agency.example")
    nopass.set_unusable_password()
    nopass.save()
    client = Client()
    assert ask(client, "gone@agency.example").status_code == 302
    assert ask(client, "sso@agency.example").status_code == 302
    assert mail.outbox == []


def test_the_link_works_once():
    user = UserFactory(username="clerk", email="clerk@agency.example", password="Old-Password-2026!")
    client = Client()
    ask(client, "clerk@agency.example")
    link = path_of(link_in(mail.outbox[0]))
    form = client.get(link, follow=True)
    assert form.status_code == 200 and b"new_password1" in form.content
    set_url = form.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": "Brand-New-Pass-42", "new_password2": "Brand-New-Pass-42"})
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    user.refresh_from_db()
    assert user.check_password("Brand-New-Pass-42")
    # The same link again, in a fresh browser: refused.
    again = Client().get(link, follow=True)
    assert b"new_password1" not in again.content
    assert "no longer works" in again.content.decode()


@pytest.mark.parametrize(("minutes_later", "works"), [(59, True), (61, False)])
def test_the_link_expires_after_the_configured_time(settings, minutes_later, works):
    settings.PASSWORD_RESET_TIMEOUT = 60 * 60
    UserFactory(username="clerk", email="clerk@agency.example")
    with time_machine.travel(START, tick=False) as clock:
        ask(Client(), "clerk@agency.example")
        link = path_of(link_in(mail.outbox[0]))
        clock.shift(timedelta(minutes=minutes_later))
        page = Client().get(link, follow=True)
    assert (b"new_password1" in page.content) is works


def test_mail_is_in_the_language_of_the_page_and_links_to_the_configured_site(settings):
    settings.PORTAL = {**settings.PORTAL, "SITE_URL": "https://portal.example.gov.kh"}
    UserFactory(username="clerk", email="clerk@agency.example")
    ask(Client(), "clerk@agency.example", path="/km" + reverse("password_reset"))
    assert link_in(mail.outbox[0]).startswith("https://portal.example.gov.kh/")
    from django.utils import translation

    with translation.override("km"):
        from django.utils.translation import gettext

        subject = gettext("Labour Migration Portal: choose a new password")
    assert mail.outbox[0].subject == subject


def test_requests_are_throttled_per_address_of_mail(settings):
    settings.PASSWORD_RESET_RATE_PER_EMAIL = 3
    UserFactory(username="clerk", email="clerk@agency.example")
    with time_machine.travel(START, tick=False):
        for n in range(3):
            assert ask(Client(REMOTE_ADDR=f"10.0.0.{n}"), "clerk@agency.example").status_code == 302
        refused = ask(Client(REMOTE_ADDR="10.0.0.9"), "clerk@agency.example")
        assert refused.status_code == 429 and "Too many reset requests" in refused.content.decode()
        # The same count for an address without an account: the refusal reveals nothing.
        for _ in range(3):
            ask(Client(REMOTE_ADDR="10.0.1.1"), "nobody@agency.example")
        assert ask(Client(REMOTE_ADDR="10.0.1.2"), "nobody@agency.example").status_code == 429
    assert len(mail.outbox) == 3


def test_requests_are_throttled_per_client_address(settings):
    settings.PASSWORD_RESET_RATE_PER_ADDRESS = 2
    client = Client(REMOTE_ADDR="10.9.9.9")
    with time_machine.travel(START, tick=False):
        assert ask(client, "a@agency.example").status_code == 302
        assert ask(client, "b@agency.example").status_code == 302
        assert ask(client, "c@agency.example").status_code == 429
        assert ask(Client(REMOTE_ADDR="10.9.9.8"), "c@agency.example").status_code == 302


def test_login_pages_offer_the_reset_link():
    assert reverse("password_reset") in Client().get(reverse("login")).content.decode()
    assert reverse("admin_password_reset") in Client().get(reverse("admin:login")).content.decode()
    assert Client().get(reverse("admin_password_reset")).status_code == 200


def test_bad_email_is_a_form_error_not_a_500():
    response = Client().post(reverse("password_reset"), {"email": "not-an-address"})
    assert response.status_code == 200 and 'class="error-summary"' in response.content.decode()
