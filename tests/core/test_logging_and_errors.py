"""Logs (JSON lines in production, printed once, UTC), error reports (scrubbed) and the
database settings an operator writes."""

import json
import logging
import logging.config

import pytest
from django.conf import settings as django_settings

from migration_portal import sentry
from migration_portal.logging import build_logging
from migration_portal.settings.base import database_from_env


@pytest.fixture
def configured(capsys):
    """Apply a logging configuration for one test, and put the suite's back afterwards."""

    def apply(fmt):
        logging.config.dictConfig(build_logging(fmt, "INFO"))

    yield apply
    logging.config.dictConfig(django_settings.LOGGING)


def test_a_django_line_is_printed_once_in_development(configured, capsys, settings):
    settings.DEBUG = True  # Django's own console handler prints only when DEBUG
    # Django's own default configuration gives the "django" logger a console handler
    # of its own (when DEBUG); with the root's as well, every line came out twice.
    from django.utils.log import DEFAULT_LOGGING

    logging.config.dictConfig(DEFAULT_LOGGING)
    configured("plain")
    logging.getLogger("django.request").warning("one line only")
    logging.getLogger("celery.worker").warning("and this one")
    err = capsys.readouterr().err
    assert err.count("one line only") == 1
    assert err.count("and this one") == 1


def test_production_lines_are_json_in_utc_with_a_request_id(configured, capsys):
    from django_guid import set_guid

    configured("json")
    set_guid("a1b2c3d4e5f60718293a4b5c6d7e8f90")
    try:
        logging.getLogger("agencies.tasks").info("reminders sent: %d", 3)
    finally:
        set_guid(None)
    # Every line is a JSON object (django-guid logs the ID change too); ours is one of them.
    records = [json.loads(line) for line in capsys.readouterr().err.strip().splitlines()]
    (record,) = [r for r in records if r["logger"] == "agencies.tasks"]
    assert record["message"] == "reminders sent: 3"
    assert record["level"] == "INFO" and record["logger"] == "agencies.tasks"
    assert record["request_id"] == "a1b2c3d4e5f60718293a4b5c6d7e8f90"
    assert record["timestamp"].endswith("+00:00")


def test_plain_timestamps_are_utc_too(configured, capsys):
    configured("plain")
    logging.getLogger("x").warning("hello")
    line = capsys.readouterr().err.strip()
    assert line.split(" ")[0].endswith("Z") and "[-]" in line


def test_an_unknown_log_format_is_refused():
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        build_logging("xml")


def test_the_request_id_reaches_the_tasks_a_request_queues():
    from django_guid.integrations import CeleryIntegration

    assert any(isinstance(i, CeleryIntegration) for i in django_settings.DJANGO_GUID["INTEGRATIONS"])
    assert "django_guid.middleware.guid_middleware" in django_settings.MIDDLEWARE


def test_sentry_sends_nothing_without_a_dsn():
    import sentry_sdk

    assert sentry.init_sentry("") is False
    assert not sentry_sdk.get_client().is_active()


def test_error_reports_drop_bodies_and_mask_identity_numbers():
    event = {
        "request": {
            "url": "https://portal.example.gov.kh/province/workers/new/",
            "data": {"national_id": "123456789", "narrative": "she was beaten"},
            "cookies": {"sessionid": "abc"},
            "query_string": "q=N1234567",
            "headers": {"Cookie": "sessionid=abc", "User-Agent": "Firefox", "X-Request-ID": "r1"},
        },
        "user": {"username": "officer"},
        "exception": {"values": [{"type": "IntegrityError", "value": "duplicate (national_id)=(123456789) passport N1234567"}]},
        "logentry": {"message": "worker %s phone +855 12 345 678", "params": ["123 456 789"]},
        "extra": {"passport_number": "N1234567", "count": 3},
    }
    out = sentry.scrub_event(event, {})
    assert "data" not in out["request"] and "cookies" not in out["request"] and "query_string" not in out["request"]
    assert out["request"]["headers"] == {"User-Agent": "Firefox", "X-Request-ID": "r1"}
    assert "user" not in out
    text = json.dumps(out)
    for secret in ("123456789", "N1234567", "345 678", "123 456 789", "she was beaten"):
        assert secret not in text
    assert out["extra"]["count"] == 3
    assert "IntegrityError" in text


def test_scrubbing_leaves_ordinary_text_alone():
    assert sentry.scrub_text("Report for 2026-11 has 12 workers") == "Report for 2026-11 has 12 workers"
    assert sentry.scrub_text("ID 010203040") == "ID [Filtered]"


@pytest.mark.parametrize("password", ["p@ss/w:rd", "plain", "a:b@c/d?e#f"])
def test_database_from_its_parts_takes_any_password(monkeypatch, password):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("POSTGRES_HOST", "db")
    monkeypatch.setenv("POSTGRES_DB", "portal")
    monkeypatch.setenv("POSTGRES_USER", "portal")
    monkeypatch.setenv("POSTGRES_PASSWORD", password)
    config = database_from_env()
    assert (config["HOST"], config["PORT"], config["NAME"], config["USER"], config["PASSWORD"]) == (
        "db", 5432, "portal", "portal", password
    )
    assert config["ENGINE"] == "django.db.backends.postgresql"


def test_a_percent_encoded_database_url_gives_the_password_back(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://portal:p%40ss%2Fw%3Ard@db:5432/portal")
    monkeypatch.setenv("POSTGRES_HOST", "ignored")
    config = database_from_env()
    assert (config["PASSWORD"], config["HOST"], config["NAME"]) == ("p@ss/w:rd", "db", "portal")


def test_without_any_database_setting_production_stops(monkeypatch):
    import environ

    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("POSTGRES_HOST", raising=False)
    with pytest.raises(environ.ImproperlyConfigured, match="DATABASE_URL"):
        database_from_env()
    assert database_from_env(default="sqlite:///x.db")["ENGINE"] == "django.db.backends.sqlite3"
