"""Sign-in: failed logins are throttled; passwords follow Django's validators."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


def test_five_failures_lock_the_account_even_for_the_right_password(settings):
    settings.AXES_FAILURE_LIMIT = 5
    UserFactory(username="clerk", password="correct-horse-battery")
    client = Client(REMOTE_ADDR="10.1.2.3")
    url = reverse("login")
    for _ in range(4):
        response = client.post(url, {"username": "clerk", "password": "wrong-password"})
        assert response.status_code == 200 and "didn" in response.content.decode()
    locked = client.post(url, {"username": "clerk", "password": "wrong-password"})
    assert locked.status_code == 429
    again = client.post(url, {"username": "clerk", "password": "correct-horse-battery"})
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_right_password_signs_in():
    UserFactory(username="clerk2", password="correct-horse-battery")
    client = Client()
    response = client.post(reverse("login"), {"username": "clerk2", "password": "correct-horse-battery"})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


@pytest.mark.parametrize("weak", ["short", "12345678901", "password1234"])
def test_weak_passwords_are_refused(weak):
    with pytest.raises(ValidationError):
        validate_password(weak)


def test_api_refuses_anonymous(client):
    assert client.get("/api/").status_code in (401, 403)
