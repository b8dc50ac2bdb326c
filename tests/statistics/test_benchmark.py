"""``manage.py benchmark_stats`` runs end to end (on PostgreSQL) and changes nothing.
No timing is asserted: the command prints figures, the test checks it measures the right thing."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from workers.models import Deployment

pytestmark = pytest.mark.django_db


def test_refuses_sqlite():
    if connection.vendor == "postgresql":
        pytest.skip("runs on PostgreSQL: see the test below")
    with pytest.raises(CommandError, match="measures PostgreSQL"):
        call_command("benchmark_stats", runs=1, warmup=0)


def test_measures_every_table_beside_the_hand_written_sql(records):
    if connection.vendor != "postgresql":
        pytest.skip("the benchmark measures PostgreSQL")
    before = Deployment.objects.count()
    out = io.StringIO()
    call_command("benchmark_stats", runs=1, warmup=0, year=2014, date_from="2013-01-01", date_to="2015-12-31", province="02",
                 stdout=out)
    text = out.getvalue()
    for label in ("departures year x destination x sex, 2014", "Table 3 (regular channels)", "abroad by legal status x sex",
                  "returns by reason x sex, 2014", "complaints by outcome x sex", "remittances by corridor x sex",
                  "register figures, all agencies, 2014-06", "as provincial officer"):
        assert label in text, label
    assert "ROWS DIFFER" not in text  # every ORM query returns what the hand-written SQL returns
    assert "GroupAggregate" in text or "HashAggregate" in text
    assert "Indexes the statistics queries may use" in text
    assert Deployment.objects.count() == before
