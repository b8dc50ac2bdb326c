"""The API keeps its word: Schemathesis fuzzes every operation of /api/schema/.

For each operation the schema describes, Schemathesis builds requests from it (the
schema's own examples, then a few generated ones, valid and invalid), sends them to
the portal in-process (Django's WSGI application, the test database) as a given
persona, and checks each answer against the schema:

- ``not_a_server_error``: no 5xx, whatever the input;
- ``status_code_conformance``: the status is one the operation documents;
- ``content_type_conformance``: the content type is the documented one (JSON, or a PDF);
- ``response_schema_conformance``: the body matches the documented shape, errors included;
- ``negative_data_rejection``: input the schema calls invalid is refused (4xx), not
  silently accepted.

It runs as three personas over a small realistic world (two agencies with reports,
inspections, advertisements, workers abroad and returned, certificates, complaints,
remittances and a market of offers): an agency's user, a provincial officer and a
superuser (ministry staff who may do everything, so every write is reached). Each
request runs in a savepoint rolled back afterwards, so every case meets the same world.

Bounded and reproducible: a fixed seed, derandomized generation, a few examples per
operation, no example database, no stateful phase; see ``FUZZ_CONFIG``. No operation
is excluded (``SKIPPED`` is empty, and the test fails if an operation of the schema
was not fuzzed).
"""

from __future__ import annotations

import time

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.db import transaction
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok
from schemathesis.pytest.lazy import get_all_tests
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from migration_portal.accounts.services import api_token_create

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]

FUZZ_CONFIG = {
    "seed": 20261201,
    "generation": {
        "max-examples": 5,  # per operation and phase: a few minutes for the whole API and three personas
        "deterministic": True,  # derandomized: the same cases on every run, in CI and on a laptop
        "database": "none",  # no example database on disk: nothing carried from one run to the next
    },
    "phases": {
        "examples": {"enabled": True},
        "fuzzing": {"enabled": True},
        # The coverage phase alone sends ~55 cases per operation (9 minutes for one persona);
        # the stateful phase chains operations, which the per-case rollback below undoes.
        "coverage": {"enabled": False},
        "stateful": {"enabled": False},
    },
}

# Operations not fuzzed, each with its reason. Empty: every operation is fuzzed.
SKIPPED: dict[str, str] = {}

PERSONAS = ["agency_user_a", "officer_a", "superuser"]


def load_schema():
    """The schema as a client reads it, from /api/schema/, with the application to call."""
    return schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json", WSGIHandler(), config=SchemathesisConfig.from_dict(FUZZ_CONFIG)
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_api_keeps_its_word(request, world, in_process_requests, persona):
    user = request.getfixturevalue(persona)
    headers = {"Authorization": f"Token {api_token_create(user=user, name='fuzz', days=30)[1]}"}
    schema = load_schema()
    cases = 0

    def check(case):
        nonlocal cases
        cases += 1
        with transaction.atomic():
            case.call_and_validate(headers=headers, checks=CHECKS)
            transaction.set_rollback(True)  # every case meets the same world

    started = time.monotonic()
    fuzzed, findings = [], []
    # Schemathesis' own pytest integration (@schema.parametrize) renames pytest's nodes
    # through an attribute pytest 9 no longer has; its builder of one Hypothesis test per
    # operation, which that integration uses, is called here directly instead.
    for result in get_all_tests(schema=schema, test_func=check, settings=None, given_kwargs=None):
        assert isinstance(result, Ok), f"the schema itself is wrong: {result.err()}"
        operation, test = result.ok()
        if operation.label in SKIPPED:
            continue
        fuzzed.append(operation.label)
        try:
            test()
        except FailureGroup as failures:
            findings.append(f"{operation.label}\n{failures}")
    seconds = time.monotonic() - started
    print(f"\n{persona}: {len(fuzzed)} operations, {cases} cases, {seconds:.0f} s, {len(findings)} with findings")

    assert not findings, f"{len(findings)} operations broke the contract:\n\n" + "\n\n".join(findings)
    everything = {op.ok().label for op in schema.get_all_operations()}
    assert set(fuzzed) | set(SKIPPED) == everything
    assert len(fuzzed) >= 140  # every operation of the API, not a filtered few
    assert cases >= 3 * len(fuzzed)
