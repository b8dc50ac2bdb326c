"""Reading a monthly report's figures from an uploaded CSV or XLSX file.

The file is read whole and every row checked before anything is saved; any bad
row rejects the file, with a message naming the row and the column. Saving goes
through ``services.report_save``, which replaces the figures in one transaction.
"""

from __future__ import annotations

import csv
import io

import tablib
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from migration_portal.reference.choices import Sex
from migration_portal.reference.models import Country, Sector

from .services import LineInput

COLUMNS = ["country", "sector", "sex", "recruited", "trained", "deployed", "returned", "abroad_end"]
MAX_ROWS = 2000
MAX_BYTES = 2 * 1024 * 1024


def template_csv() -> str:
    """A blank file with the expected header and one example row."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerow(["TH", "CON", "M", 10, 10, 8, 2, 120])
    return out.getvalue()


def _load(upload) -> tablib.Dataset:
    name = (getattr(upload, "name", "") or "").lower()
    if getattr(upload, "size", 0) and upload.size > MAX_BYTES:
        raise ValidationError({"file": _("The file is larger than 2 MB.")})
    raw = upload.read()
    try:
        if name.endswith(".xlsx"):
            return tablib.Dataset().load(io.BytesIO(raw), format="xlsx")
        if name.endswith(".csv"):
            text = raw.decode("utf-8-sig")
            return tablib.Dataset().load(text, format="csv")
    except UnicodeDecodeError:
        raise ValidationError({"file": _("The CSV file is not UTF-8 text. Save it as 'CSV UTF-8' and try again.")})
    except Exception:  # noqa: BLE001 - a malformed file of any kind gets one clear message
        raise ValidationError({"file": _("The file could not be read. Upload a CSV or XLSX file made from the template.")})
    raise ValidationError({"file": _("Upload a .csv or .xlsx file.")})


def report_lines_from_file(upload) -> list[LineInput]:
    """Parse and check every row; raise one ValidationError listing each bad row."""
    data = _load(upload)
    headers = [str(h or "").strip().lower() for h in (data.headers or [])]
    missing = [c for c in COLUMNS if c not in headers]
    if missing:
        raise ValidationError({"file": _("Missing column(s): %(cols)s. The first row must be: %(header)s.") % {
            "cols": ", ".join(missing), "header": ", ".join(COLUMNS)}})
    if data.height > MAX_ROWS:
        raise ValidationError({"file": _("The file has more than %(n)d rows.") % {"n": MAX_ROWS}})
    countries = {c.code.upper(): c.pk for c in Country.objects.all()} | {c.name.upper(): c.pk for c in Country.objects.all()}
    sectors = {s.code.upper(): s.pk for s in Sector.objects.all()} | {s.name.upper(): s.pk for s in Sector.objects.all()}
    sexes = {"M": Sex.MALE, "MALE": Sex.MALE, "F": Sex.FEMALE, "FEMALE": Sex.FEMALE}
    index = {h: i for i, h in enumerate(headers)}
    lines, errors, seen = [], [], {}
    for n, row in enumerate(data, start=2):  # row 1 is the header
        values = {c: row[index[c]] for c in COLUMNS}
        if all(v in (None, "") for v in values.values()):
            continue
        row_errors = []
        country = countries.get(str(values["country"] or "").strip().upper())
        if country is None:
            row_errors.append(_("row %(row)d, column country: unknown country '%(value)s'") % {"row": n, "value": values["country"]})
        sector = sectors.get(str(values["sector"] or "").strip().upper())
        if sector is None:
            row_errors.append(_("row %(row)d, column sector: unknown sector '%(value)s'") % {"row": n, "value": values["sector"]})
        sex = sexes.get(str(values["sex"] or "").strip().upper())
        if sex is None:
            row_errors.append(_("row %(row)d, column sex: write M or F, not '%(value)s'") % {"row": n, "value": values["sex"]})
        figures = {}
        for col in COLUMNS[3:]:
            raw = values[col]
            try:
                number = int(str(raw).strip()) if raw not in (None, "") else 0
                if isinstance(raw, float) and raw != int(raw):
                    raise ValueError
            except (TypeError, ValueError):
                row_errors.append(_("row %(row)d, column %(col)s: '%(value)s' is not a whole number") % {"row": n, "col": col, "value": raw})
                continue
            if number < 0:
                row_errors.append(_("row %(row)d, column %(col)s: cannot be negative") % {"row": n, "col": col})
            figures[col] = number
        if not row_errors:
            key = (country, sector, sex)
            if key in seen:
                row_errors.append(_("row %(row)d: repeats row %(first)d (same country, sector and sex)") % {"row": n, "first": seen[key]})
            seen[key] = n
        if row_errors:
            errors.extend(row_errors)
            continue
        lines.append(LineInput(country_id=country, sector_id=sector, sex=sex, **figures))
    if errors:
        raise ValidationError({"file": errors})
    if not lines:
        raise ValidationError({"file": _("The file has no rows of figures.")})
    return lines
