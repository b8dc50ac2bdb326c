"""``manage.py benchmark_stats``: how fast the statistics tables are at national scale.

For each table of the statistics area it times, as the median of ``--runs`` runs after
``--warmup`` unmeasured ones:

- the table: the ``migration_portal.statistics.tables`` function the page calls (the
  grouped ORM query and the shaping of its rows);
- the ORM query alone (evaluating the grouped queryset);
- the SQL the ORM produced, run raw through ``connection.cursor`` (the ORM's own cost is
  the difference);
- the equivalent SQL written by hand (the plain ``GROUP BY`` one would write without the
  ORM), when there is one; its rows are checked equal to the ORM's;

and prints the ratio table / hand-written SQL, the top node of the ORM query's plan
(``EXPLAIN``, or ``EXPLAIN ANALYZE`` with ``--analyze``) and the scans below it: a big
table read in full where the period is a small share of it is flagged, with the index
that would help. Then it lists the indexes the tables can use.

It only reads: the whole run is one read-only transaction, rolled back; the users it
acts as are built in memory, never saved. SQLite is refused, the figures would say
nothing about production. See docs/benchmarks.md for the data set
(``DATABASE_URL=postgres://postgres@127.0.0.1:5432/mp_bench``).
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import asdict, dataclass, field
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

BIG_TABLES = ("workers_deployment", "workers_worker", "workers_returnrecord", "workers_legalstatusrecord",
              "remittances_remittance", "complaints_complaint")


@dataclass
class Case:
    label: str
    table: object  # () -> Table
    queryset: object  # () -> QuerySet (the grouped ORM query)
    raw_sql: str = ""  # the hand-written equivalent ("" when none is written: the ORM's SQL is the baseline)
    raw_params: list = field(default_factory=list)
    normalise: object = None  # row -> tuple, to compare ORM and hand-written rows


@dataclass
class Result:
    label: str
    table_ms: float = 0.0
    orm_ms: float = 0.0
    orm_sql_ms: float = 0.0
    raw_ms: float | None = None
    rows: int = 0
    same_rows: bool | None = None
    plan_top: str = ""
    scans: list[str] = field(default_factory=list)
    full_scans: list[str] = field(default_factory=list)
    sql: str = ""


def _median_ms(fn, runs: int, warmup: int) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def _node(line: str) -> str:
    return line.strip().removeprefix("->").strip()


class _ReadOnlyRollbackError(Exception):
    """Raised at the end to roll the read-only transaction back."""


class Command(BaseCommand):
    help = (
        "Time each statistics table's ORM query beside the equivalent raw SQL on PostgreSQL (median of --runs after "
        "--warmup), with the ratio and the query plan's top node. Read-only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=0, help="The single year measured (default: the busiest year).")
        parser.add_argument("--from", dest="date_from", default="2005-01-01", help="First day of the long period (all years).")
        parser.add_argument("--to", dest="date_to", default="", help="Last day of the long period (default: today).")
        parser.add_argument("--province", default="01", help="Province code of the province cases (01: Banteay Meanchey).")
        parser.add_argument("--runs", type=int, default=5)
        parser.add_argument("--warmup", type=int, default=1)
        parser.add_argument("--analyze", action="store_true", help="EXPLAIN ANALYZE instead of EXPLAIN.")
        parser.add_argument("--only", default="", help="Run only the cases whose label contains this text.")
        parser.add_argument("--json", dest="json_path", default="", help="Also write the results to this JSON file.")

    def handle(self, *args, year, date_from, date_to, province, runs, warmup, analyze, only, json_path, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                f"The statistics benchmark measures PostgreSQL; this database is {connection.vendor}. Point DATABASE_URL at "
                "the benchmark database, e.g. postgres://postgres@127.0.0.1:5432/mp_bench (docs/benchmarks.md)."
            )
        try:
            start, end = date.fromisoformat(date_from), date.fromisoformat(date_to) if date_to else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"Dates are YYYY-MM-DD: {exc}") from exc
        results: list[Result] = []
        outer = connection.in_atomic_block  # inside a caller's transaction (a test): it cannot be made read-only now
        try:
            with transaction.atomic():
                if not outer:
                    with connection.cursor() as cursor:
                        cursor.execute("SET TRANSACTION READ ONLY")
                self._describe_database()
                cases = [c for c in self._cases(start, end, year, province) if only.lower() in c.label.lower()]
                self.stdout.write(f"\n{len(cases)} cases, median of {runs} runs after {warmup} warm-up run(s).\n")
                header = (f"{'case':<52} {'table':>9} {'ORM':>9} {'ORM SQL':>9} {'hand SQL':>9} {'ratio':>6} {'rows':>6}  "
                          "top plan node of the ORM query")
                self.stdout.write(header)
                self.stdout.write("-" * len(header))
                for case in cases:
                    result = self._measure(case, runs, warmup, analyze)
                    results.append(result)
                    self._print_row(result)
                self._print_details(results)
                self._print_indexes(results)
                raise _ReadOnlyRollbackError
        except _ReadOnlyRollbackError:
            pass
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
                "WHERE relname = ANY(%s) AND relkind = 'r' ORDER BY relname", [list(BIG_TABLES)],
            )
            sizes = cursor.fetchall()
            shown = []
            for name in ("shared_buffers", "work_mem", "max_parallel_workers_per_gather", "jit"):
                cursor.execute(f"SHOW {name}")
                shown.append(f"{name}={cursor.fetchone()[0]}")
        self.stdout.write(f"Database: {connection.settings_dict['NAME']} on {version}; {', '.join(shown)}")
        for name, rows, size in sizes:
            self.stdout.write(f"  {name:<28} ~{rows:>12,} rows  {size}")

    def _users(self, province_code: str):
        """A ministry superuser and a provincial officer, in memory only (nothing is saved)."""
        from migration_portal.accounts.models import User
        from migration_portal.reference.models import Province

        ministry = User(username="bench_stats", is_staff=True, is_superuser=True, is_active=True)
        province = Province.objects.get(code=province_code)
        officer = User(username="bench_stats_province", province=province, is_active=True)
        return ministry, officer, province

    def _busiest_year(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT EXTRACT(YEAR FROM departed_on)::int, COUNT(*) FROM workers_deployment WHERE departed_on IS NOT NULL "
                "GROUP BY 1 ORDER BY 2 DESC LIMIT 1"
            )
            row = cursor.fetchone()
        if row is None:
            raise CommandError("There are no departures: generate the data first (docs/benchmarks.md).")
        return row[0]

    def _cases(self, start: date, end: date, year: int, province_code: str) -> list[Case]:
        from complaints.models import Complaint
        from migration_portal.core.scoping import visible
        from migration_portal.statistics import tables
        from migration_portal.statistics.tables import Names, Period
        from remittances.models import Remittance
        from workers.models import Certificate, Deployment, ReturnRecord

        ministry, officer, province = self._users(province_code)
        today = timezone.localdate()
        names = Names(lambda model: visible(model, ministry))
        year = year or self._busiest_year()
        long, one = Period(start, end), Period.for_year(year)
        as_at = one.as_at(today)

        def dep(user=ministry):
            return visible(Deployment, user)

        def ret():
            return visible(ReturnRecord, ministry)

        join = "FROM workers_deployment d JOIN workers_worker w ON w.id = d.worker_id"
        departed = "d.departed_on BETWEEN %s AND %s AND d.status <> 'cancelled'"
        stock = ("d.status <> 'cancelled' AND ((d.departed_on <= %s AND (d.returned_on IS NULL OR d.returned_on > %s))"
                 + (" OR (d.departed_on IS NULL AND d.status IN ('departed', 'abroad'))" if as_at >= today else "") + ")")
        # Hand-written SQL: fixed text, values passed as parameters.
        ydx = f"SELECT EXTRACT(YEAR FROM d.departed_on)::int, d.country_id, w.sex, COUNT(*) {join} WHERE {departed}"  # noqa: S608

        def year_dest(r):
            return (int(r["year"]), r["country_id"], r["worker__sex"], r["n"]) if isinstance(r, dict) else (int(r[0]), *r[1:])

        def plain(*keys):
            return lambda r: tuple(r[k] for k in keys) if isinstance(r, dict) else tuple(r)

        sex_n = plain  # readability below
        cases = [
            Case(f"departures year x destination x sex, {long.label}",
                 lambda: tables.deployments_by_year_destination(dep(), long, names=names),
                 lambda: tables.departures_year_destination_sex_query(dep(), long),
                 f"{ydx} GROUP BY 1, 2, 3", [long.start, long.end], year_dest),
            Case(f"departures year x destination x sex, {one.label}",
                 lambda: tables.deployments_by_year_destination(dep(), one, names=names),
                 lambda: tables.departures_year_destination_sex_query(dep(), one),
                 f"{ydx} GROUP BY 1, 2, 3", [one.start, one.end], year_dest),
            Case(f"Table 3 (regular channels), {long.label}",
                 lambda: tables.table3(dep(), long, names=names, today=today),
                 lambda: tables.departures_year_destination_sex_query(dep(), long, formal_only=True),
                 f"{ydx} AND d.channel IN ('agency', 'g2g') GROUP BY 1, 2, 3", [long.start, long.end], year_dest),
            Case(f"departures year x destination x sex, {long.label}, province {province_code} filter",
                 lambda: tables.deployments_by_year_destination(dep(), long, province, names=names),
                 lambda: tables.departures_year_destination_sex_query(dep(), long, province),
                 f"{ydx} AND w.home_province_id = %s GROUP BY 1, 2, 3", [long.start, long.end, province.pk], year_dest),
            Case(f"departures year x destination x sex, {long.label}, as provincial officer",
                 lambda: tables.deployments_by_year_destination(dep(officer), long, province, names=names),
                 lambda: tables.departures_year_destination_sex_query(dep(officer), long, province),
                 f"{ydx} AND w.home_province_id = %s GROUP BY 1, 2, 3", [long.start, long.end, province.pk], year_dest),
            Case(f"departures by sector x sex, {one.label}",
                 lambda: tables.deployments_by_sector(dep(), one, names=names),
                 lambda: _by(tables.departures(dep(), one), "sector_id", "worker__sex"),
                 f"SELECT d.sector_id, w.sex, COUNT(*) {join} WHERE {departed} GROUP BY 1, 2", [one.start, one.end],
                 sex_n("sector_id", "worker__sex", "n")),
            Case(f"departures by channel x sex, {one.label}",
                 lambda: tables.deployments_by_channel(dep(), one),
                 lambda: _by(tables.departures(dep(), one), "channel", "worker__sex"),
                 f"SELECT d.channel, w.sex, COUNT(*) {join} WHERE {departed} GROUP BY 1, 2", [one.start, one.end],
                 sex_n("channel", "worker__sex", "n")),
            Case(f"abroad by destination x sex, on {as_at}",
                 lambda: tables.stock_by_destination(dep(), as_at, names=names, today=today),
                 lambda: _by(tables.abroad(dep(), as_at, today=today), "country_id", "worker__sex"),
                 f"SELECT d.country_id, w.sex, COUNT(*) {join} WHERE {stock} GROUP BY 1, 2", [as_at, as_at],
                 sex_n("country_id", "worker__sex", "n")),
            Case(f"abroad by destination x sex, today ({today})",
                 lambda: tables.stock_by_destination(dep(), today, names=names, today=today),
                 lambda: _by(tables.abroad(dep(), today, today=today), "country_id", "worker__sex"),
                 f"SELECT d.country_id, w.sex, COUNT(*) {join} WHERE d.status IN ('departed', 'abroad') GROUP BY 1, 2", [],
                 sex_n("country_id", "worker__sex", "n")),
            Case(f"abroad by legal status x sex, on {as_at}",
                 lambda: tables.stock_by_legal_status(dep(), as_at, today=today),
                 lambda: tables.stock_legal_status_query(dep(), as_at, today=today),
                 f"SELECT ls.status, w.sex, COUNT(*) {join} LEFT JOIN LATERAL (SELECT l.status FROM workers_legalstatusrecord l "  # noqa: S608
                 f"WHERE l.deployment_id = d.id AND l.since <= %s ORDER BY l.since DESC, l.id DESC LIMIT 1) ls ON TRUE "
                 f"WHERE {stock} GROUP BY 1, 2", [as_at, as_at, as_at], sex_n("legal", "worker__sex", "n")),
            Case(f"returns by reason x sex, {one.label}",
                 lambda: tables.returns_by_reason(ret(), one),
                 lambda: _by(tables.returns(ret(), one), "reason", "worker__sex"),
                 "SELECT r.reason, w.sex, COUNT(*) FROM workers_returnrecord r JOIN workers_worker w ON w.id = r.worker_id "
                 "WHERE r.returned_on BETWEEN %s AND %s GROUP BY 1, 2", [one.start, one.end],
                 sex_n("reason", "worker__sex", "n")),
            Case(f"returns by province x sex, {long.label}",
                 lambda: tables.returns_by_province(ret(), long, names=names),
                 lambda: _by(tables.returns(ret(), long), "province_id", "worker__sex"),
                 "SELECT r.province_id, w.sex, COUNT(*) FROM workers_returnrecord r JOIN workers_worker w ON w.id = r.worker_id "
                 "WHERE r.returned_on BETWEEN %s AND %s GROUP BY 1, 2", [long.start, long.end],
                 sex_n("province_id", "worker__sex", "n")),
            Case(f"complaints by outcome x sex, {one.label}",
                 lambda: tables.complaints_by_outcome(visible(Complaint, ministry), one),
                 lambda: _outcome_query(visible(Complaint, ministry), one)),
            Case(f"remittances by corridor x sex, {one.label}",
                 lambda: tables.remittances_by_corridor(visible(Remittance, ministry), one, names=names),
                 lambda: tables.remittances(visible(Remittance, ministry), one)
                 .values("deployment__country_id", "deployment__worker__sex")
                 .annotate(usd=_sum("amount_usd"), n=_count()).order_by(),
                 "SELECT d.country_id, w.sex, SUM(m.amount_usd), COUNT(*) FROM remittances_remittance m "
                 "JOIN workers_deployment d ON d.id = m.deployment_id JOIN workers_worker w ON w.id = d.worker_id "
                 "WHERE m.month BETWEEN %s AND %s GROUP BY 1, 2", [one.start, one.end],
                 sex_n("deployment__country_id", "deployment__worker__sex", "usd", "n")),
            Case(f"register figures, all agencies, {date(year, 6, 1):%Y-%m}",
                 lambda: tables.register_figures_all(dep(), visible(Certificate, ministry), date(year, 6, 1)),
                 lambda: tables.register_deployments_query(dep(), date(year, 6, 1))),
        ]
        return cases

    # -- measuring -----------------------------------------------------------------------------

    def _measure(self, case: Case, runs: int, warmup: int, analyze: bool) -> Result:
        result = Result(case.label)
        result.table_ms = _median_ms(case.table, runs, warmup)
        orm_rows: list = []

        def orm():
            orm_rows[:] = list(case.queryset())

        result.orm_ms = _median_ms(orm, runs, warmup)
        result.rows = len(orm_rows)
        sql, params = case.queryset().query.sql_with_params()
        result.sql = sql
        with connection.cursor() as cursor:

            def orm_sql():
                cursor.execute(sql, params)
                cursor.fetchall()

            result.orm_sql_ms = _median_ms(orm_sql, runs, warmup)
            if case.raw_sql:
                raw_rows: list = []

                def raw():
                    cursor.execute(case.raw_sql, case.raw_params)
                    raw_rows[:] = cursor.fetchall()

                result.raw_ms = _median_ms(raw, runs, warmup)
                if case.normalise is not None:
                    mine = sorted(map(case.normalise, orm_rows), key=repr)
                    result.same_rows = mine == sorted(map(case.normalise, raw_rows), key=repr)
            cursor.execute(("EXPLAIN (ANALYZE, BUFFERS) " if analyze else "EXPLAIN ") + sql, params)
            plan = [row[0] for row in cursor.fetchall()]
        result.plan_top = plan[0].strip() if plan else ""
        result.scans = [_node(line) for line in plan if " Scan " in f" {_node(line)}"]
        result.full_scans = [
            scan.split("  (")[0] for scan in result.scans
            if scan.startswith(("Seq Scan on", "Parallel Seq Scan on")) and any(f" {t} " in f" {scan} " for t in BIG_TABLES)
        ]
        return result

    def _print_row(self, r: Result) -> None:
        base = r.raw_ms if r.raw_ms is not None else r.orm_sql_ms
        ratio = r.table_ms / base if base else 0.0
        raw = f"{r.raw_ms:8.1f}ms" if r.raw_ms is not None else f"{'—':>10}"
        check = "" if r.same_rows in (None, True) else "  ROWS DIFFER FROM THE HAND-WRITTEN SQL"
        self.stdout.write(
            f"{r.label[:52]:<52} {r.table_ms:7.1f}ms {r.orm_ms:7.1f}ms {r.orm_sql_ms:7.1f}ms {raw} {ratio:5.2f}x {r.rows:>6}  "
            f"{r.plan_top.split('  (')[0]}{check}"
        )

    def _print_details(self, results: list[Result]) -> None:
        self.stdout.write("\nRatio: the table (ORM query and shaping) over the hand-written SQL (over the ORM's SQL run raw when "
                          "there is no hand-written one).")
        self.stdout.write("\nPlans (top node and scans of each ORM query):")
        for r in results:
            self.stdout.write(f"\n* {r.label}\n    {r.plan_top}")
            for scan in r.scans:
                self.stdout.write(f"      {scan}")
            if r.full_scans:
                self.stdout.write(f"    full scan of a big table: {'; '.join(sorted(set(r.full_scans)))}")
            if r.same_rows is False:
                self.stdout.write(self.style.ERROR("    the ORM's rows differ from the hand-written SQL's"))

    def _print_indexes(self, results: list[Result]) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename IN "
                "('workers_deployment', 'workers_worker', 'workers_returnrecord', 'workers_legalstatusrecord', "
                "'remittances_remittance') AND indexdef NOT LIKE '%%UNIQUE%%' ORDER BY tablename, indexname"
            )
            rows = cursor.fetchall()
        self.stdout.write("\nIndexes the statistics queries may use:")
        for table, name, definition in rows:
            self.stdout.write(f"  {table:<26} {name:<40} {definition.split(' USING ')[-1]}")
        self.stdout.write(
            "\nReading the plans: a period covering most of the register is read in full whatever the index (a sequential "
            "scan is the right plan). Sex is on the worker, so every 'x sex' table joins workers_worker, whose rows are wide "
            "(encrypted identifiers): reading them in full is the main cost of a one-year table."
        )
        worker_scanned = any("on workers_worker" in scan for r in results for scan in r.full_scans)
        worker_covered = any(t == "workers_worker" and "sex" in d for t, _n, d in rows)
        if worker_scanned and not worker_covered:
            self.stdout.write(self.style.WARNING(
                "Suggested: a narrow covering index on workers_worker (id) INCLUDE (sex, home_province_id) lets PostgreSQL "
                "read sex and province by an index-only scan (about 50 MB for 1.3 million workers, after VACUUM); with "
                "workers_dep_departed_idx extended to INCLUDE (worker_id, status, channel), a one-year table reads indexes "
                "only. Measured on 2 million deployments: the 2024 year x destination x sex table 1.1 s -> 0.46 s."
            ))

def _by(qs, *fields):
    return qs.values(*fields).annotate(n=_count()).order_by()


def _count():
    from django.db.models import Count

    return Count("*")


def _sum(name):
    from django.db.models import Sum

    return Sum(name)


def _outcome_query(qs, period):
    from complaints import statistics as complaint_statistics

    return (qs.filter(received_on__gte=period.start, received_on__lte=period.end)
            .annotate(outcome=complaint_statistics.outcome_expression()).values("outcome", "worker__sex")
            .annotate(n=_count()).order_by())
