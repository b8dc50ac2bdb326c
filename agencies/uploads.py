"""Reading a monthly report's figures from an uploaded CSV or XLSX file.

The file is streamed through ``migration_portal.core.spreadsheets`` (type by content,
the zip directory and the row cap checked while reading, formulas refused; limits in
``settings.PORTAL["UPLOADS"]["monthly_report"]``) and every row checked before anything
is saved; any bad row rejects the file, with a message naming the row and the column. Saving goes
through ``services.report_save``, which replaces the figures in one transaction.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from migration_portal.core.spreadsheets import UploadLimits, csv_content, read_table
from migration_portal.reference.choices import Sex
from migration_portal.reference.models import Country, Sector

from .models import MAX_FIGURE
from .services import LineInput

COLUMNS = ["country", "sector", "sex", "recruited", "trained", "deployed", "returned", "abroad_end"]
UPLOAD_KIND = "monthly_report"


def template_csv() -> str:
    """A blank file with the expected header and one example row."""
    return csv_content([COLUMNS, ["TH", "CON", "M", 10, 10, 8, 2, 120]], lineterminator="\r\n")


def report_lines_from_file(upload) -> list[LineInput]:
    """Parse and check every row; raise one ValidationError listing each bad row."""
    table = read_table(upload.read(), getattr(upload, "name", "") or "", UploadLimits.named(UPLOAD_KIND))
    headers = [h.lower() for h in table.headers]
    missing = [c for c in COLUMNS if c not in headers]
    if missing:
        table.close()
        raise ValidationError({"file": _("Missing column(s): %(cols)s. The first row must be: %(header)s.") % {
            "cols": ", ".join(missing), "header": ", ".join(COLUMNS)}})
    countries = {c.code.upper(): c.pk for c in Country.objects.all()} | {c.name.upper(): c.pk for c in Country.objects.all()}
    sectors = {s.code.upper(): s.pk for s in Sector.objects.all()} | {s.name.upper(): s.pk for s in Sector.objects.all()}
    sexes = {"M": Sex.MALE, "MALE": Sex.MALE, "F": Sex.FEMALE, "FEMALE": Sex.FEMALE}
    index = {h: i for i, h in enumerate(headers)}
    lines, errors, seen = [], [], {}
    for n, row in table.rows():  # the row cap and the formula check apply while reading
        values = {c: row[index[c]] for c in COLUMNS}
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
            elif number > MAX_FIGURE:
                row_errors.append(_("row %(row)d, column %(col)s: %(value)s is more than %(max)s") % {
                    "row": n, "col": col, "value": number, "max": f"{MAX_FIGURE:,}"})
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
