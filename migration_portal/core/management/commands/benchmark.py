"""``manage.py benchmark``: how the worker register's pages, API and admin behave at national scale.

Run it against a dedicated PostgreSQL database (docs/benchmarks.md), optionally
generating the data first (``--generate --workers 1300000 --deployments 2000000``).
For each case it makes the real request through Django's test client, as a ministry
superuser, an agency user or a provincial officer, and prints:

- the request's time (median of ``--runs`` after ``--warmup`` unmeasured runs);
- the time of the same SQL run raw through ``connection.cursor`` (every query the
  request made, as the ORM produced it), and of its heaviest query alone;
- the number of queries, and the most rows one of them read from the register's big
  tables (a page of 25 rows should not need hundreds of thousands);
- the top node of the heaviest query's plan (EXPLAIN ANALYZE) and the scans below
  it, with the index each uses; a sequential scan of a table of millions is flagged.

It measures; it changes nothing but its own three users (bench_ministry, bench_agency,
bench_province), which it creates if they are missing. SQLite is refused: the
figures would say nothing about production.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from dataclasses import asdict, dataclass, field

from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext

from migration_portal.accounts.models import User
from migration_portal.accounts.two_factor.services import client_session_verify
from migration_portal.core.admin_base import EstimatedCountPaginator
from migration_portal.core.scoping import AGENCY_USERS, PROVINCIAL_OFFICERS
from migration_portal.reference.models import Country, Province

BIG_TABLES = ("workers_worker", "workers_deployment", "workers_returnrecord", "workers_joborder")
HUGE_TABLES = ("workers_worker", "workers_deployment", "workers_returnrecord")  # millions of rows: never read in full
ROWS = re.compile(r"actual time=[\d.]+\.\.[\d.]+ rows=(\d+) loops=(\d+)")
REMOVED = re.compile(r"Rows Removed by (?:Filter|Index Recheck): (\d+)")


@dataclass
class Case:
    label: str
    role: str
    url: str


@dataclass
class Result:
    label: str
    role: str
    url: str
    status: int = 0
    request_ms: float = 0.0
    sql_ms: float = 0.0
    heaviest_ms: float = 0.0
    rows_read: int = 0
    queries: int = 0
    heaviest_sql: str = ""
    plan_top: str = ""
    scans: list[str] = field(default_factory=list)
    full_scans: list[str] = field(default_factory=list)
    statements: list[dict] = field(default_factory=list)
    skipped: str = ""


def _readable(sql: str) -> str:
    """The SELECT a request ran, ready to run again raw; '' for anything else (savepoints, writes).
    A server-side cursor (QuerySet.iterator() on PostgreSQL) is logged as DECLARE ... FOR SELECT."""
    text = sql.strip()
    if text.upper().startswith("DECLARE") and " FOR SELECT " in text.upper():
        text = text[text.upper().index(" FOR SELECT ") + len(" FOR ") :]
    return text if text.upper().startswith(("SELECT", "WITH")) else ""


def _rows_read(plan: list[str]) -> int:
    """Rows the scans of the big tables read: what each produced plus what its filter threw away
    (EXPLAIN ANALYZE gives both per loop), so a count over a whole table shows as such."""
    total, loops, counting = 0, 1, False
    for line in plan:
        text = _node(line)
        if text.startswith(("Filter:", "Rows Removed", "Index Cond:", "Recheck Cond:", "Heap ", "Buffers:", "Sort ")):
            removed = REMOVED.search(text)
            if counting and removed:
                total += int(removed.group(1)) * loops
            continue
        counting = " Scan " in f" {text}" and any(f" {t} " in f" {text} " for t in HUGE_TABLES)
        found = ROWS.search(text)
        loops = int(found.group(2)) if found else 1
        if counting and found:
            total += int(found.group(1)) * loops
    return total


def _node(line: str) -> str:
    return line.strip().removeprefix("->").strip()


def _median_ms(fn, runs: int, warmup: int) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


class Command(BaseCommand):
    help = (
        "Time the worker register's pages, API and admin at scale on PostgreSQL, beside the raw SQL they run, "
        "with query counts and query plans. Use a dedicated database (docs/benchmarks.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--generate", action="store_true", help="Generate the data first (workers.generator).")
        parser.add_argument("--workers", type=int, default=1_300_000)
        parser.add_argument("--deployments", type=int, default=2_000_000)
        parser.add_argument("--batch", type=int, default=20_000)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--runs", type=int, default=5, help="Measured runs per case (the median is shown).")
        parser.add_argument("--warmup", type=int, default=2, help="Unmeasured runs before measuring.")
        parser.add_argument("--only", default="", help="Run only the cases whose label contains this text.")
        parser.add_argument("--json", dest="json_path", default="", help="Also write the results to this JSON file.")

    def handle(self, *args, generate, workers, deployments, batch, seed, runs, warmup, only, json_path, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "The benchmark measures PostgreSQL (its indexes, planner and COPY); this database is "
                f"{connection.vendor}. Point DATABASE_URL at a dedicated PostgreSQL database, for example "
                "postgres://postgres@127.0.0.1:5432/mp_bench, and see docs/benchmarks.md."
            )
        if generate:
            from workers.generator import Plan
            from workers.generator import generate as generate_data

            generate_data(
                Plan(workers=workers, deployments=deployments, batch=batch, seed=seed), log=lambda line: self.stdout.write(line)
            )
        self._describe_database()
        self._check_admin()
        users = self._users()
        samples = self._samples(users)
        cases = [c for c in self._cases(samples) if only.lower() in c.label.lower()]
        clients = {}
        for role, user in users.items():
            client = Client(SERVER_NAME="localhost")  # ALLOWED_HOSTS has no "testserver" outside the test runner
            client.force_login(user)
            client_session_verify(client, user)  # staff owe a second factor, as after the code page
            clients[role] = client
        self.stdout.write(f"\n{len(cases)} cases, median of {runs} runs after {warmup} warm-up runs.\n")
        header = (
            f"{'case':<46} {'role':<9} {'request':>9} {'all SQL':>9} {'heaviest':>9} {'rows read':>10} {'queries':>7}"
            "  plan of the heaviest query"
        )
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        results = []
        for case in cases:
            result = self._measure(case, clients[case.role], runs, warmup)
            results.append(result)
            self._print_row(result)
        self._print_details(results)
        if json_path:
            with open(json_path, "w", encoding="utf-8") as fh:
                json.dump([asdict(r) for r in results], fh, ensure_ascii=False, indent=2)
            self.stdout.write(f"\nResults written to {json_path}")

    # -- set-up -------------------------------------------------------------------------------

    def _describe_database(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            version = cursor.fetchone()[0].split(" on ")[0]
            cursor.execute(
                "SELECT relname, reltuples::bigint, pg_size_pretty(pg_total_relation_size(oid)) FROM pg_class "
                "WHERE relname = ANY(%s) ORDER BY relname",
                [list(BIG_TABLES)],
            )
            sizes = cursor.fetchall()
            settings_rows = []
            for name in ("shared_buffers", "work_mem", "effective_cache_size", "random_page_cost", "jit"):
                cursor.execute(f"SHOW {name}")
                settings_rows.append(f"{name}={cursor.fetchone()[0]}")
        self.stdout.write(f"Database: {connection.settings_dict['NAME']} on {version}; {', '.join(settings_rows)}")
        for name, rows, size in sizes:
            self.stdout.write(f"  {name:<24} ~{rows:>12,} rows  {size}")

    def _check_admin(self) -> None:
        from workers.models import Worker

        worker_admin = admin.site._registry.get(Worker)
        if worker_admin is None:
            self.stdout.write(self.style.WARNING("The Worker admin is not registered: its changelist cases are skipped."))
            return
        paginator = worker_admin.get_paginator(None, Worker.objects.none(), 10).__class__
        if issubclass(paginator, EstimatedCountPaginator) and not worker_admin.show_full_result_count:
            self.stdout.write("Worker admin: EstimatedCountPaginator, show_full_result_count=False (no full-table COUNT).")
        else:
            self.stdout.write(
                self.style.WARNING(
                    f"Worker admin paginator is {paginator.__name__} "
                    f"(show_full_result_count={worker_admin.show_full_result_count}): "
                    "the unfiltered changelist counts the whole table."
                )
            )

    def _users(self) -> dict[str, User]:
        from agencies.models import Agency
        from workers.models import Worker

        ministry, _ = User.objects.get_or_create(username="bench_ministry", defaults={"is_staff": True, "is_superuser": True})
        biggest = (
            Worker.objects.exclude(registered_by_agency=None)
            .values("registered_by_agency")
            .annotate(n=Count("pk"))
            .order_by("-n")
            .first()
        )
        agency = Agency.objects.get(pk=biggest["registered_by_agency"]) if biggest else Agency.objects.order_by("pk").first()
        if agency is None:
            raise CommandError("There is no agency: generate the data first (--generate).")
        agency_user, _ = User.objects.get_or_create(username="bench_agency", defaults={"agency": agency})
        if agency_user.agency_id != agency.pk:
            agency_user.agency = agency
            agency_user.save(update_fields=["agency"])
        agency_user.groups.add(Group.objects.get(name=AGENCY_USERS))
        province = Province.objects.get(code="01")  # Banteay Meanchey: the most workers
        officer, _ = User.objects.get_or_create(username="bench_province", defaults={"province": province})
        officer.groups.add(Group.objects.get(name=PROVINCIAL_OFFICERS))
        self.stdout.write(
            f"Users: bench_ministry (superuser), bench_agency ({agency.name}, "
            f"{biggest['n'] if biggest else 0:,} workers registered), bench_province ({province.name})."
        )
        return {"ministry": ministry, "agency": agency_user, "province": officer}

    def _samples(self, users) -> dict:
        from workers.models import Worker

        # A worker of the agency, read through the ORM (which decrypts): its identifiers are searched by hash.
        sample = (
            Worker.objects.filter(registered_by_agency=users["agency"].agency_id)
            .exclude(national_id_hash="")
            .exclude(passport_hash="")
            .order_by("-pk")
            .first()
        )
        if sample is None:
            raise CommandError("No worker with a national ID and a passport: generate the data first (--generate).")
        given = sample.name_latin.split()[-1]
        return {
            "latin_part": given[1:-1].lower(),  # part of a given name, lower case: "reypo" of "Sreypov"
            "khmer_part": sample.name_km.split()[-1] if sample.name_km else "",
            "national_id": sample.national_id,
            "passport": sample.passport_number,
            "province": "01",
            "province_id": Province.objects.get(code="01").pk,
            "destination": "KR",
            "agency_id": users["agency"].agency_id,
            "country_id": Country.objects.get(code="TH").pk,
        }

    def _cases(self, s: dict) -> list[Case]:
        admin_url = "/admin/workers/worker/"
        return [
            Case("worker list page", "ministry", "/workers/"),
            Case("worker list page", "agency", "/workers/"),
            Case("worker list page", "province", "/workers/"),
            Case("worker API list", "ministry", "/api/workers/"),
            Case("worker API list", "agency", "/api/workers/"),
            Case("search Latin name (partial), page", "ministry", f"/workers/?q={s['latin_part']}"),
            Case("search Latin name (partial), API", "agency", f"/api/workers/?q={s['latin_part']}"),
            Case("search Khmer name, page", "ministry", f"/workers/?q={s['khmer_part']}"),
            Case("search Khmer name, API", "agency", f"/api/workers/?q={s['khmer_part']}"),
            Case("exact national ID (hash), page", "ministry", f"/workers/?national_id={s['national_id']}"),
            Case("exact passport (hash), API", "agency", f"/api/workers/?passport={s['passport']}"),
            Case("filter by province, page", "ministry", f"/workers/?province={s['province']}"),
            Case("filter by province, API", "agency", f"/api/workers/?province={s['province']}"),
            Case("filter destination + sex, API", "ministry", f"/api/workers/?destination={s['destination']}&sex=F"),
            Case("filter by agency, page", "ministry", f"/workers/?agency={s['agency_id']}"),
            Case("deployment list page", "ministry", "/deployments/"),
            Case("deployments abroad in Thailand, API", "ministry", "/api/deployments/?destination=TH&status=abroad"),
            Case("admin changelist, unfiltered", "ministry", admin_url),
            Case("admin changelist, by province", "ministry", f"{admin_url}?home_province__id__exact={s['province_id']}"),
            Case("admin changelist, by sex", "ministry", f"{admin_url}?sex__exact=F"),
            Case("admin changelist, search Latin name", "ministry", f"{admin_url}?q={s['latin_part']}"),
            Case("admin changelist, search passport", "ministry", f"{admin_url}?q={s['passport']}"),
        ]

    # -- measuring -----------------------------------------------------------------------------

    def _measure(self, case: Case, client: Client, runs: int, warmup: int) -> Result:
        result = Result(case.label, case.role, case.url)
        response = client.get(case.url)
        result.status = response.status_code
        if response.status_code != 200:
            result.skipped = f"HTTP {response.status_code}"
            return result
        result.request_ms = _median_ms(lambda: client.get(case.url), runs, warmup)
        with CaptureQueriesContext(connection) as ctx:
            client.get(case.url)
        result.queries = len(ctx.captured_queries)
        statements = [_readable(q["sql"]) for q in ctx.captured_queries]
        statements = [sql for sql in statements if sql]
        # The same SQL, raw: every statement of the request in turn, then each alone with its plan.
        with connection.cursor() as cursor:

            def run_all():
                for sql in statements:
                    cursor.execute(sql)
                    if cursor.description:
                        cursor.fetchall()

            result.sql_ms = _median_ms(run_all, runs, 1)
            for sql in statements:

                def run_one(sql=sql):
                    cursor.execute(sql)
                    cursor.fetchall()

                ms = _median_ms(run_one, max(min(runs, 3), 1), 1)
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plan = [row[0] for row in cursor.fetchall()]
                scans = [_node(line) for line in plan if " Scan " in f" {_node(line)}"]
                rows_read = _rows_read(plan)
                result.statements.append(
                    {"ms": round(ms, 2), "sql": sql, "top": plan[0].strip(), "scans": scans, "rows_read": rows_read}
                )
                result.rows_read = max(result.rows_read, rows_read)
                # A table of millions read in full: the sign of a missing or unusable index.
                result.full_scans.extend(
                    scan.split("  (")[0]
                    for scan in scans
                    if scan.startswith(("Seq Scan on", "Parallel Seq Scan on"))
                    and any(f" {t} " in f" {scan} " for t in HUGE_TABLES)
                )
            if result.statements:
                heaviest = max(result.statements, key=lambda st: st["ms"])
                result.heaviest_ms, result.heaviest_sql = heaviest["ms"], heaviest["sql"]
                result.plan_top, result.scans = heaviest["top"], heaviest["scans"]
        return result

    def _print_row(self, r: Result) -> None:
        if r.skipped:
            self.stdout.write(f"{r.label:<46} {r.role:<9} skipped: {r.skipped}")
            return
        node = r.plan_top.split("  (")[0]
        flag = "  FULL SCAN: " + "; ".join(sorted(set(r.full_scans))) if r.full_scans else ""
        self.stdout.write(
            f"{r.label:<46} {r.role:<9} {r.request_ms:8.1f}ms {r.sql_ms:8.1f}ms {r.heaviest_ms:8.1f}ms "
            f"{r.rows_read:>10,} {r.queries:>7}  {node}{flag}"
        )

    def _print_details(self, results: list[Result]) -> None:
        self.stdout.write(
            "\nPlans: for each case, every query that reads the register (EXPLAIN ANALYZE): "
            "its raw time, the plan's top node, and each scan with the index it uses."
        )
        for r in results:
            if r.skipped:
                continue
            self.stdout.write(f"\n{r.label} [{r.role}] {r.url}")
            for st in r.statements:
                if not any(f'"{t}"' in st["sql"] for t in BIG_TABLES):
                    continue  # sessions, users, permissions, notifications: small tables
                self.stdout.write(f"  {st['ms']:8.2f} ms  {st['rows_read']:>10,} rows  {st['sql'][:100]}...")
                self.stdout.write(f"              {st['top']}")
                for scan in st["scans"]:
                    self.stdout.write(f"                {scan}")
