"""The filters of the statistics pages: a period (a year, or a from/to range), a province (the
worker's home province; forced for a provincial officer), and per page a few options.

Input that cannot be read (``year=abc``, a date that does not exist, a range the wrong way
round, an unknown province) is a form error shown beside the field, never a server error.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .tables import Period

FIRST_YEAR = 2000
LAST_YEAR = 2100
MAX_YEARS = 30  # a range longer than this is refused: no table is meant to be that wide


def clean_recorded_year(year: int | None) -> int | None:
    """A year that has begun: the register holds no figures for a year still to come, and a
    page that showed an empty table for 2099 would look like a year with nothing in it."""
    if year is not None and year > timezone.localdate().year:
        raise ValidationError(
            _("There are no figures for %(year)d yet: choose %(last)d or earlier.")
            % {"year": year, "last": timezone.localdate().year},
            code="future",
        )
    return year


class ProvinceField(forms.ChoiceField):
    """A province chosen by its code, from the rows ``Names`` already loaded (no extra query)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, required=False, **kwargs)
        self.rows: dict[str, object] = {}

    def set_provinces(self, provinces) -> None:
        self.rows = {p.code: p for p in sorted(provinces, key=lambda p: p.localized_name)}
        self.choices = [("", _("All provinces"))] + [(code, p.localized_name) for code, p in self.rows.items()]

    def clean(self, value):
        code = super().clean(value)
        return self.rows.get(code) if code else None


class StatisticsForm(forms.Form):
    """The base of every filter form: the province, forced for a provincial officer."""

    province = ProvinceField(label=_("Home province"))

    def __init__(self, data, *, provinces, forced_province=None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["province"].set_provinces(provinces)
        self.forced_province = forced_province
        if forced_province is not None:
            field = self.fields["province"]
            field.disabled = True
            field.help_text = _("Your province's figures only.")
            self.initial["province"] = forced_province.code

    def clean(self):
        data = super().clean()
        if self.forced_province is not None:
            data["province"] = self.forced_province
        return data

    def query(self) -> dict[str, str]:
        """The cleaned filters as query-string values (downloads repeat them exactly)."""
        out = {}
        for name, value in self.cleaned_data.items():
            if name == "province":
                if value is not None and self.forced_province is None:
                    out[name] = value.code
            elif isinstance(value, date):
                out[name] = value.isoformat()
            elif isinstance(value, bool):
                out[name] = "1" if value else ""
            elif value not in (None, ""):
                out[name] = str(value)
        return {k: v for k, v in out.items() if v != ""}


class PeriodForm(StatisticsForm):
    year = forms.IntegerField(
        label=_("Year"), required=False, min_value=FIRST_YEAR, max_value=LAST_YEAR,
        error_messages={"invalid": _("Enter a year as four digits, for example 2024.")},
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                error_messages={"invalid": _("Enter a date as YYYY-MM-DD.")})
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                              error_messages={"invalid": _("Enter a date as YYYY-MM-DD.")})

    def clean_year(self):
        return clean_recorded_year(self.cleaned_data.get("year"))

    def clean_date_from(self):
        start = self.cleaned_data.get("date_from")
        if start is not None and start > timezone.localdate():
            raise ValidationError(_("The range starts in the future: there are no figures for it yet."), code="future")
        return start

    field_order = ["year", "date_from", "date_to", "province"]

    def clean(self):
        data = super().clean()
        year, start, end = data.get("year"), data.get("date_from"), data.get("date_to")
        if self.errors:
            return data
        if year is not None and (start or end):
            raise ValidationError(_("Give a year, or a range of dates, not both."), code="both")
        if year is None and not (start and end):
            if start or end:
                raise ValidationError(_("Give both the first and the last day of the range."), code="half")
            raise ValidationError(_("Give a year, or a range of dates."), code="none")
        if year is not None:
            data["period"] = Period.for_year(year)
            return data
        if start > end:
            self.add_error("date_to", _("The last day must not be before the first."))
            return data
        if not (start.year >= FIRST_YEAR and end.year <= LAST_YEAR):
            raise ValidationError(_("Choose dates between %(a)d and %(b)d.") % {"a": FIRST_YEAR, "b": LAST_YEAR}, code="range")
        if end.year - start.year >= MAX_YEARS:
            raise ValidationError(_("Choose a range of at most %(n)d years.") % {"n": MAX_YEARS}, code="long")
        data["period"] = Period(start, end)
        return data

    def query(self):
        out = super().query()
        out.pop("period", None)
        return out


class ChannelChoice:
    ALL = "all"
    FORMAL = "formal"
    CHOICES = [
        (ALL, _("All channels, irregular included")),
        (FORMAL, _("Regular channels only (agencies and government-to-government)")),
    ]


class DeploymentForm(PeriodForm):
    channels = forms.ChoiceField(label=_("Channels"), choices=ChannelChoice.CHOICES, required=False)


class Table3Form(PeriodForm):
    channels = forms.ChoiceField(label=_("Channels"), choices=ChannelChoice.CHOICES, required=False)
    layout = forms.ChoiceField(
        label=_("Layout"), required=False,
        choices=[("seed", _("As published: years across")), ("years_down", _("A row per year"))],
    )


class YearForm(StatisticsForm):
    """One calendar year (the international export)."""

    year = forms.IntegerField(
        label=_("Year"), min_value=FIRST_YEAR, max_value=LAST_YEAR,
        error_messages={"invalid": _("Enter a year as four digits, for example 2024."), "required": _("Choose the year.")},
    )
    channels = forms.ChoiceField(label=_("Channels"), choices=ChannelChoice.CHOICES, required=False)
    field_order = ["year", "channels", "province"]

    def clean_year(self):
        return clean_recorded_year(self.cleaned_data.get("year"))

    def clean(self):
        data = super().clean()
        if data.get("year") is not None:
            data["period"] = Period.for_year(data["year"])
        return data

    def query(self):
        out = super().query()
        out.pop("period", None)
        return out


class MonthField(forms.DateField):
    input_formats = ["%Y-%m"]
    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    default_error_messages = {"invalid": _("Enter a month as YYYY-MM, for example 2024-03.")}

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace(day=1) if value else value


class MonthForm(StatisticsForm):
    """One month (agencies' reports against the register). Reports are not per province."""

    month = MonthField(label=_("Month"), error_messages={"required": _("Choose the month.")})
    field_order = ["month"]

    def __init__(self, data, **kwargs):
        super().__init__(data, **kwargs)
        del self.fields["province"]

    def clean(self):
        data = forms.Form.clean(self)
        month = data.get("month")
        if month is not None and not FIRST_YEAR <= month.year <= LAST_YEAR:
            self.add_error("month", _("Choose a month between %(a)d and %(b)d.") % {"a": FIRST_YEAR, "b": LAST_YEAR})
        data["province"] = None
        return data

    def query(self):
        month = self.cleaned_data.get("month")
        return {"month": month.strftime("%Y-%m")} if month else {}

