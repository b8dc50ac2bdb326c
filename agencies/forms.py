"""Forms of the agencies portal pages. They parse and check input; the services write."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

from migration_portal.reference.choices import Sex

from .models import MAX_FIGURE, Advertisement, MonthlyReportLine
from .services import LineInput

FIGURE_ERRORS = {
    "min_value": _("cannot be negative."),
    "invalid": _("must be a whole number."),
    "max_value": _("is too large."),
}


class MonthField(forms.DateField):
    """A month, typed as YYYY-MM (the browser's month picker sends that); read as its first day."""

    widget = forms.DateInput(attrs={"type": "month", "placeholder": "YYYY-MM"}, format="%Y-%m")

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m", "%Y-%m-%d", "%m/%Y"])
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace(day=1) if value else value


class ReportCreateForm(forms.Form):
    period = MonthField(
        label=_("Month reported"),
        help_text=_("A month that has ended, as YYYY-MM (for example 2025-01)."),
        error_messages={
            "required": _("Choose the month you report on."),
            "invalid": _("Enter the month as YYYY-MM, for example 2025-01."),
        },
    )


class ReportFiguresForm(forms.Form):
    """The report's own figures, and the version the page was loaded at."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    complaints_received = forms.IntegerField(
        label=_("Complaints received this month"), min_value=0, max_value=MAX_FIGURE, initial=0,
        error_messages={"required": _("Give the number of complaints (0 if none)."), **FIGURE_ERRORS},
    )
    fees_charged = forms.DecimalField(
        label=_("Fees charged to workers this month (USD)"), min_value=0, max_digits=12, decimal_places=2, initial=0,
        error_messages={
            "required": _("Give the fees charged (0 if none)."),
            "min_value": _("cannot be negative."),
            "invalid": _("must be an amount such as 1250.00."),
        },
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


def _figure(label) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, required=False, min_value=0, max_value=MAX_FIGURE, error_messages=FIGURE_ERRORS,
        widget=forms.NumberInput(attrs={"min": 0, "step": 1, "inputmode": "numeric"}),
    )


class ReportLineForm(forms.Form):
    """One line: destination x sector x sex and the month's five figures. A wholly blank row is ignored."""

    country = forms.TypedChoiceField(label=_("Destination"), coerce=int, required=False, empty_value=None)
    sector = forms.TypedChoiceField(label=_("Sector"), coerce=int, required=False, empty_value=None)
    sex = forms.ChoiceField(label=_("Sex"), required=False, choices=[("", "---------"), *Sex.choices])
    recruited = _figure(_("Recruited"))
    trained = _figure(_("Trained"))
    deployed = _figure(_("Deployed"))
    returned = _figure(_("Returned"))
    abroad_end = _figure(_("Abroad at month end"))

    KEYS = ("country", "sector", "sex")

    def __init__(self, *args, country_choices=(), sector_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Choices are loaded once for the whole formset (no query per row).
        self.fields["country"].choices = [("", "---------"), *country_choices]
        self.fields["sector"].choices = [("", "---------"), *sector_choices]

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not any(data.get(k) for k in self.KEYS) and not any(data.get(f) for f in MonthlyReportLine.FIGURES)

    def clean(self):
        data = super().clean()
        if self.is_blank():
            return data
        messages = {
            "country": _("Choose the destination."),
            "sector": _("Choose the sector."),
            "sex": _("Choose the sex."),
        }
        for key, message in messages.items():
            if not data.get(key) and key not in self.errors:
                self.add_error(key, message)
        return data

    def line_input(self) -> LineInput:
        data = self.cleaned_data
        return LineInput(
            country_id=data["country"], sector_id=data["sector"], sex=data["sex"],
            **{f: data.get(f) or 0 for f in MonthlyReportLine.FIGURES},
        )


class BaseLineFormSet(forms.BaseFormSet):
    """The lines of a report; rows are numbered from 1 as on the page."""

    def _kept(self):
        for number, form in enumerate(self.forms, start=1):
            if self.can_delete and self._should_delete_form(form):
                continue
            if not getattr(form, "cleaned_data", None) or form.is_blank():
                continue
            yield number, form

    def clean(self):
        if any(self.errors):
            return
        first_row: dict[tuple, int] = {}
        problems = []
        for number, form in self._kept():
            key = tuple(form.cleaned_data[k] for k in ReportLineForm.KEYS)
            if key in first_row:
                message = _("Row %(row)d repeats row %(first)d: the same destination, sector and sex.") % {
                    "row": number, "first": first_row[key]}
                form.add_error(None, message)
                problems.append(message)
            else:
                first_row[key] = number
        if problems:
            raise ValidationError(problems)

    def lines(self) -> list[LineInput]:
        return [form.line_input() for _number, form in self._kept()]

    def error_summary(self) -> list[str]:
        """Every error of every row, naming the row and the column."""
        if not self.is_bound or not self.total_error_count():  # total_error_count() runs the validation once
            return []
        out = []
        for number, form in enumerate(self.forms, start=1):
            if self.can_delete and self._should_delete_form(form):
                continue
            for name, errors in form.errors.items():
                for error in errors:
                    if name == NON_FIELD_ERRORS:
                        continue  # the formset lists repeats itself, once
                    label = form.fields[name].label if name in form.fields else name
                    out.append(_("Row %(row)d, %(column)s: %(error)s") % {"row": number, "column": label, "error": error})
        out.extend(self.non_form_errors())
        return out


LineFormSet = forms.formset_factory(
    ReportLineForm, formset=BaseLineFormSet, extra=3, can_delete=True, max_num=600, validate_max=True
)


class ReportUploadForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        help_text=_("Replaces every line of this report. Nothing is saved if any row is wrong."),
        error_messages={"required": _("Choose a file to upload."), "empty": _("The file is empty.")},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )


class ReportSubmitForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


CURRENCY = re.compile(r"^[A-Z]{3}$")
CURRENCY_MESSAGE = _("Write the three-letter currency code, such as USD or THB.")


class AdvertisementForm(forms.ModelForm):
    """What an agency asks to advertise. The service checks the licence and the destination."""

    class Meta:
        model = Advertisement
        fields = [
            "title", "country", "sector", "occupation", "positions_male", "positions_female", "monthly_wage",
            "wage_currency", "worker_fee", "fee_currency", "text", "media", "valid_from", "valid_until",
        ]
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "valid_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "text": forms.Textarea(attrs={"rows": 6}),
        }
        help_texts = {
            "country": _("Only the destinations your licence authorises."),
            "worker_fee": _("Everything the worker will pay the agency; 0 if nothing."),
            "media": _("Newspaper, radio, Facebook page, leaflets..."),
        }

    def __init__(self, *args, countries, sectors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].queryset = countries
        self.fields["sector"].queryset = sectors
        self.fields["country"].error_messages["invalid_choice"] = _(
            "Your agency is not authorised to recruit for this destination."
        )
        for name in ("wage_currency", "fee_currency"):
            self.fields[name].error_messages["max_length"] = CURRENCY_MESSAGE

    def _currency(self, name: str) -> str:
        value = (self.cleaned_data.get(name) or "").strip().upper()
        if not CURRENCY.match(value):
            raise ValidationError(CURRENCY_MESSAGE)
        return value

    def clean_wage_currency(self):
        return self._currency("wage_currency")

    def clean_fee_currency(self):
        return self._currency("fee_currency")


def add_service_errors(form: forms.BaseForm, exc: ValidationError, *, fallback: str | None = None) -> None:
    """Show a service's ValidationError on the form: next to the field it names, else on ``fallback``
    (a field name, or None for the form's own errors)."""
    if hasattr(exc, "error_dict"):
        for name, messages in exc.message_dict.items():
            target = name if name in form.fields else fallback
            for message in messages:
                if target is None and name not in (NON_FIELD_ERRORS, fallback):
                    message = f"{name}: {message}"
                form.add_error(target, message)
    else:
        for message in exc.messages:
            form.add_error(fallback, message)
