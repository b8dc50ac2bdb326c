"""How long can an upload hold a request? Prints, per upload route, the time of the worst files
it can be sent: the largest accepted and the largest refused. Not part of the default run
(``RUN_BENCHMARKS=1``); no figure is asserted, only that each answer is not a 500."""

from __future__ import annotations

import os
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from agencies.uploads import COLUMNS as REPORT_COLUMNS
from remittances.services import OFFER_COLUMNS
from workers.imports import COLUMNS as WORKER_COLUMNS
from workers.returns_import import COLUMNS as RETURN_COLUMNS

from ..agencies.test_pages import make_report, months_ago
from .spreadsheet_files import many_rows, xlsx_bytes, zip_bomb

pytestmark = [
    pytest.mark.benchmark,
    pytest.mark.skipif(os.environ.get("RUN_BENCHMARKS") != "1", reason="set RUN_BENCHMARKS=1 (times the worst uploads)"),
]


def _csv(columns, row, n) -> bytes:
    line = ",".join(str(v) for v in row) + "\n"
    return (",".join(columns) + "\n" + line * n).encode()


def test_the_longest_request_an_upload_can_cause(client_for, agency_a, agency_user_a, officer_a, superuser, capsys):
    report_row = ["TH", "CON", "M", 1, 1, 1, 0, 1]
    worker_row = ["Sok Dara", "", "M", "1998-04-12", "", "", "", "", "Prey Veng", "", "", "", "primary", "", "", "", "", "", ""]
    return_row = ["Sok Dara", "", "M", "1995-04-12", "", "", "", "02", "2026-11-01", "crisis", "TH", "", "yes"]
    offer_row = ["Wing", "TH", "1", "1", "1", "USD", "same_day", "cash", "2026-11-01"]
    cases = [
        ("monthly report", "100,000 rows x 8 columns (the review's file)", "f.xlsx",
         xlsx_bytes(many_rows(REPORT_COLUMNS, report_row, 100_000))),
        ("monthly report", "100,000 rows of one cell (under the unpacked limit)", "f.xlsx",
         xlsx_bytes(many_rows(REPORT_COLUMNS, ["x"], 100_000))),
        ("monthly report", "2,000 rows (the cap), checked in full", "f.xlsx",
         xlsx_bytes(many_rows(REPORT_COLUMNS, report_row, 2000))),
        ("monthly report", "2 MB CSV", "f.csv", _csv(REPORT_COLUMNS, report_row, 2 * 1024 * 1024 // 25)[: 2 * 1024 * 1024]),
        ("monthly report", "zip bomb, 200 MB unpacked", "f.xlsx", zip_bomb(200)),
        ("worker import", "20,000 rows (the cap): inspected, queued", "f.xlsx",
         xlsx_bytes(many_rows(WORKER_COLUMNS, worker_row, 20_000))),
        ("worker import", "100,000 rows: refused by the count", "f.xlsx",
         xlsx_bytes(many_rows(WORKER_COLUMNS, worker_row, 100_000))),
        ("worker import", "10 MB CSV (over the row cap)", "f.csv", _csv(WORKER_COLUMNS, worker_row, 10 * 1024 * 1024 // 60)),
        ("returns import", "300,000 rows CSV (the cap): inspected, queued", "f.csv", _csv(RETURN_COLUMNS, return_row, 300_000)),
        ("returns import", "300,000 rows workbook: inspected, queued", "f.xlsx",
         xlsx_bytes(many_rows(RETURN_COLUMNS, return_row, 300_000))),
        ("remittance offers", "5,000 rows (the cap), checked in full", "f.csv", _csv(OFFER_COLUMNS, offer_row, 5000)),
    ]
    report = make_report(agency_a, months_ago(1))
    posts = {
        "monthly report": (agency_user_a, f"/agency/reports/{report.pk}/upload/", {"version": report.version}),
        "worker import": (agency_user_a, "/agency/workers/import/", {}),
        "returns import": (officer_a, "/province/returns/import/", {}),
        "remittance offers": (superuser, "/admin/remittances/offer/import/", {}),
    }
    lines = []
    for route, what, name, raw in cases:
        user, url, data = posts[route]
        client = client_for(user)
        client.raise_request_exception = False
        started = time.perf_counter()
        response = client.post(url, {**data, "file": SimpleUploadedFile(name, raw)})
        elapsed = time.perf_counter() - started
        assert response.status_code < 500, (route, what)
        lines.append(f"{route:18} {what:55} {len(raw) / 1e6:7.1f} MB  {response.status_code}  {elapsed:6.2f} s")
    with capsys.disabled():
        print("\n" + "\n".join(lines))
