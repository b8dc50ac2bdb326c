"""Lockout (django-axes) counts failures per username across addresses, and per address and username."""

import pytest
from django.test import Client
from django.urls import reverse

from ..factories import UserFactory

pytestmark = pytest.mark.django_db
LIMIT = 5


WRONG = "wrong-password"


def attempt(address: str, username: str, password: str = WRONG):
    return Client(REMOTE_ADDR=address).post(reverse("login"), {"username": username, "password": password})


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT


def test_failures_from_many_addresses_lock_the_username():
    UserFactory(username="clerk", password="correct-horse-battery")
    for n in range(LIMIT - 1):
        assert attempt(f"10.0.0.{n}", "clerk").status_code == 200
    assert attempt("10.0.0.99", "clerk").status_code == 429
    # Locked from an address that never failed, even with the right password.
    assert attempt("192.168.7.7", "clerk", "correct-horse-battery").status_code == 429


def test_one_failure_short_of_the_limit_does_not_lock():
    UserFactory(username="clerk", password="correct-horse-battery")
    for n in range(LIMIT - 1):
        attempt(f"10.0.0.{n}", "clerk")
    assert attempt("10.0.0.200", "clerk", "correct-horse-battery").status_code == 302


def test_a_locked_user_does_not_lock_another_user_on_the_same_address():
    UserFactory(username="clerk", password="correct-horse-battery")
    UserFactory(username="colleague", password="another-good-password")
    for _ in range(LIMIT):
        attempt("10.5.5.5", "clerk")
    assert attempt("10.5.5.5", "clerk", "correct-horse-battery").status_code == 429
    assert attempt("10.5.5.5", "colleague", "another-good-password").status_code == 302


def test_failures_spread_over_usernames_from_one_address_lock_none_of_them():
    for name in ("u1", "u2", "u3"):
        UserFactory(username=name, password="correct-horse-battery")
    for _ in range(LIMIT - 1):
        for name in ("u1", "u2", "u3"):
            attempt("10.6.6.6", name)
    for name in ("u1", "u2", "u3"):
        assert attempt("10.6.6.6", name, "correct-horse-battery").status_code == 302
