"""The national-scale data generator, on a small size: consistent rows, identifiers that decrypt
and hash like the services', the shape of the seeds, and the same data for the same seed.

On PostgreSQL these run the COPY path; on SQLite the bulk_create path."""

import io
import json
from collections import Counter
from datetime import date
from itertools import pairwise

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count

from agencies.models import Agency
from workers import generator
from workers.choices import OUT_OF_COUNTRY, PRE_DEPARTURE, Channel, DeploymentStatus, JobOrderStatus, ReturnReason
from workers.models import Deployment, JobOrder, ReturnRecord, Worker
from workers.pii import pii_hash

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 30)


def build(workers=300, deployments=500, seed=7, batch=120) -> generator.Report:
    return generator.generate(generator.Plan(workers=workers, deployments=deployments, batch=batch, seed=seed, today=TODAY))


@pytest.fixture
def data():
    return build()


def test_sizes_and_agencies(data):
    assert (Worker.objects.count(), Deployment.objects.count()) == (300, 500)
    assert data.workers == 300 and data.deployments == 500 and data.returns == ReturnRecord.objects.count() > 0
    assert data.agencies_created == 20 and Agency.objects.count() == 20  # "create some if fewer than 20"
    assert data.method == ("PostgreSQL COPY" if connection.vendor == "postgresql" else "bulk_create")


def test_every_deployment_is_consistent(data):
    worker_ids = set(Worker.objects.values_list("pk", flat=True))
    under_way = Counter()
    for d in Deployment.objects.select_related("job_order", "worker"):
        assert d.worker_id in worker_ids
        assert d.created >= d.worker.created  # registered before they were deployed
        if d.status in PRE_DEPARTURE or d.status == DeploymentStatus.CANCELLED:
            assert d.departed_on is None and d.returned_on is None
        else:
            assert d.departed_on is not None and d.departed_on <= TODAY
        if d.status == DeploymentStatus.RETURNED:
            assert d.returned_on is not None and d.departed_on < d.returned_on <= TODAY
        else:
            assert d.returned_on is None
        if d.status in (*PRE_DEPARTURE, *OUT_OF_COUNTRY):
            under_way[d.worker_id] += 1
        if d.channel == Channel.AGENCY:
            order = d.job_order
            assert d.agency_id and order.agency_id == d.agency_id and order.status == JobOrderStatus.APPROVED
            assert (order.country_id, order.sector_id) == (d.country_id, d.sector_id)
            assert order.valid_from <= d.created.date() <= order.valid_until
            assert d.sector.code != "FSH"  # no fishers through agencies
        else:
            assert d.agency_id is None and d.job_order_id is None
        if d.channel == Channel.G2G:
            assert d.country.code == "KR"
        if d.contract_start and d.contract_end:
            assert d.contract_end > d.contract_start
    assert max(under_way.values(), default=0) <= 1  # one deployment under way at most (the service's rule)


def test_a_workers_deployments_do_not_overlap(data):
    by_worker: dict[int, list] = {}
    for d in Deployment.objects.exclude(departed_on=None).order_by("departed_on"):
        by_worker.setdefault(d.worker_id, []).append(d)
    for deployments in by_worker.values():
        for earlier, later in pairwise(deployments):
            assert earlier.returned_on is not None and earlier.returned_on < later.departed_on


def test_job_orders_cover_what_was_drawn(data):
    used = Counter()
    for order_id, sex, n in (Deployment.objects.exclude(job_order=None).counted()
                             .values("job_order_id", "worker__sex").annotate(n=Count("pk"))
                             .values_list("job_order_id", "worker__sex", "n")):
        used[(order_id, sex)] = n
    for order in JobOrder.objects.filter(ref__startswith="GEN-"):
        assert order.positions_male >= used[(order.pk, "M")] and order.positions_female >= used[(order.pk, "F")]
        assert order.positions_male + order.positions_female > 0


def test_returns_match_their_deployment(data):
    for r in ReturnRecord.objects.select_related("deployment", "worker"):
        assert r.deployment.worker_id == r.worker_id and r.deployment.status == DeploymentStatus.RETURNED
        assert r.returned_on == r.deployment.returned_on and r.province_id == r.worker.home_province_id
        assert r.country_id == r.deployment.country_id and r.reason in ReturnReason.values
        assert not r.needs_assistance  # history: no reintegration case is opened for it


def test_identifiers_decrypt_and_hashes_match(data):
    workers = list(Worker.objects.all())
    with_id = [w for w in workers if w.national_id]
    assert len(with_id) > 0.8 * len(workers)
    for w in workers:
        assert w.national_id_hash == pii_hash(w.national_id, kind="national_id")
        assert w.passport_hash == pii_hash(w.passport_number, kind="passport")
        assert w.phone_hash == pii_hash(w.phone, kind="phone")
        if w.national_id:
            assert w.national_id.isdigit() and len(w.national_id) == 9
        if w.passport_number:
            assert w.passport_number.startswith("N") and len(w.passport_number) == 8
    assert len({w.national_id for w in with_id}) == len(with_id)
    with connection.cursor() as cursor:  # encrypted at rest with the fields' own key
        cursor.execute("SELECT national_id FROM workers_worker WHERE national_id IS NOT NULL")
        stored = [row[0] for row in cursor.fetchall()]
    assert stored and all(not value.isdigit() and value.startswith("gAAAA") for value in stored)
    # A generated worker is found like any other: by the keyed hash of the number.
    sample = with_id[0]
    assert Worker.objects.get(national_id_hash=pii_hash(sample.national_id, kind="national_id")) == sample


def test_workers_look_like_cambodian_migrants(data):
    workers = list(Worker.objects.select_related("home_province"))
    men = sum(w.sex == "M" for w in workers) / len(workers)
    assert 0.5 < men < 0.72  # ~60% men overall
    for w in workers:
        family, *given = w.name_latin.split()
        assert family in {f for f, _km in generator.FAMILY_NAMES} and given
        assert w.name_km and w.name_km.split()[0] in {km for _f, km in generator.FAMILY_NAMES}
    provinces = Counter(w.home_province.code for w in workers)
    assert provinces.most_common(1)[0][0] in {"01", "02", "14", "03", "17", "21"}  # the border and sending provinces
    deployments = Deployment.objects.select_related("country", "sector", "worker")
    destinations = Counter(d.country.code for d in deployments)
    assert destinations.most_common(1)[0][0] == "TH"
    domestic = [d.worker.sex for d in deployments if d.sector.code == "DOM"]
    assert all(sex == "F" for sex in domestic)  # women dominate domestic work (here: all of it)
    assert not any(d.country.code == "MY" and d.sector.code == "DOM" and d.created.date() > date(2011, 10, 15)
                   for d in deployments)  # the Malaysia suspension holds
    channels = Counter(d.channel for d in deployments)
    assert channels[Channel.IRREGULAR] > 0 and channels[Channel.AGENCY] > 0
    years = Counter(d.departed_on.year for d in deployments if d.departed_on)
    assert min(years) >= 2004 and max(years) <= TODAY.year


def test_the_same_seed_gives_the_same_people():
    def snapshot():
        return sorted(
            Worker.objects.values_list("name_latin", "name_km", "sex", "date_of_birth", "home_province_id", "ref")
        ), sorted(
            Deployment.objects.values_list("worker__ref", "country_id", "sector_id", "channel", "status", "departed_on",
                                           "returned_on", "agency_id", "ref")
        ), sorted(w.national_id or "" for w in Worker.objects.all())

    build(workers=60, deployments=90, seed=11, batch=25)
    first = snapshot()
    ReturnRecord.objects.all().delete()
    Deployment.objects.all().delete()
    Worker.objects.all().delete()
    JobOrder.objects.filter(ref__startswith="GEN-").delete()
    build(workers=60, deployments=90, seed=11, batch=40)  # another batch size: the same data
    assert snapshot() == first
    ReturnRecord.objects.all().delete()
    Deployment.objects.all().delete()
    Worker.objects.all().delete()
    build(workers=60, deployments=90, seed=12, batch=25)
    assert snapshot()[0] != first[0]


def test_a_second_run_adds_new_people():
    build(workers=50, deployments=60, seed=1)
    build(workers=50, deployments=60, seed=1)
    assert Worker.objects.count() == 100
    ids = [w.national_id for w in Worker.objects.all() if w.national_id]
    assert len(set(ids)) == len(ids)  # identifier numbers continue after the last worker


def test_fewer_deployments_than_workers():
    build(workers=40, deployments=25, seed=3)
    assert Worker.objects.count() == 40 and Deployment.objects.count() == 25
    assert Deployment.objects.values("worker").distinct().count() == 25


def test_the_command_prints_progress_and_timings():
    out = io.StringIO()
    call_command("generate_data", workers=40, deployments=60, batch=20, seed=5, today=TODAY, stdout=out)
    text = out.getvalue()
    assert "Generating 40 workers and 60 deployments in batches of 20" in text
    assert text.count("workers/s") == 2 and "men " in text and "time: " in text and "encryption: " in text
    assert Worker.objects.count() == 40


def test_the_command_refuses_production_settings(settings):
    settings.SETTINGS_MODULE = "migration_portal.settings.production"
    with pytest.raises(CommandError, match="production settings"):
        call_command("generate_data", workers=5)


def test_the_benchmark_runs_on_postgresql(tmp_path):
    """A smoke run on a small register: every case answers, with its queries and plan (no time is checked)."""
    if connection.vendor != "postgresql":
        pytest.skip("the benchmark needs PostgreSQL")
    build(workers=120, deployments=180, seed=9)
    out, path = io.StringIO(), tmp_path / "bench.json"
    call_command("benchmark", runs=1, warmup=0, json_path=str(path), stdout=out)
    text = out.getvalue()
    assert "EstimatedCountPaginator" in text and "Plans:" in text
    results = json.loads(path.read_text())
    assert len(results) == 22 and all(r["status"] == 200 and not r["skipped"] for r in results), [
        (r["label"], r["status"]) for r in results if r["status"] != 200]
    for r in results:
        assert r["queries"] > 0 and r["plan_top"] and r["statements"]


def test_the_benchmark_refuses_sqlite_politely():
    if connection.vendor == "postgresql":
        pytest.skip("on PostgreSQL the benchmark runs (docs/benchmarks.md); the refusal is for SQLite")
    with pytest.raises(CommandError, match="dedicated PostgreSQL database"):
        call_command("benchmark")
