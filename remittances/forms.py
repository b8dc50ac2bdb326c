"""Forms of the remittance pages and the admin's import page. They parse and check input;
the services write."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from migration_portal.reference.choices import Sex

from .choices import Audience, ReceiveMethod, RemittanceChannel, RemittanceSource

# No one sends more than this in one transfer, in any currency (JPY 1,000,000,000 is
# about USD 6.7 million); the cap keeps a typing slip from overflowing the columns.
MAX_AMOUNT = Decimal("1000000000")

AMOUNT_ERRORS = {
    "invalid": _("Enter the amount as a number, for example 7000."),
    "min_value": _("Enter an amount more than zero."),
    "max_value": _("This amount is too large."),
    "max_digits": _("This amount is too large."),
    "max_decimal_places": _("Use at most two decimals."),
    "max_whole_digits": _("This amount is too large."),
}


def add_service_errors(form: forms.BaseForm, exc: ValidationError, *, fallback: str | None = None) -> None:
    """Show a service's ValidationError next to the field it names, else on ``fallback``."""
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


class MonthField(forms.DateField):
    """A month, typed as YYYY-MM (the browser's month picker sends that); read as its first day."""

    widget = forms.DateInput(attrs={"type": "month", "placeholder": "YYYY-MM"}, format="%Y-%m")

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m", "%Y-%m-%d", "%m/%Y"])
        kwargs.setdefault("error_messages", {"invalid": _("Enter the month as YYYY-MM, for example 2025-01.")})
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace(day=1) if value else value


# --- The public comparison ------------------------------------------------------------------


class CompareForm(forms.Form):
    """Where the money is sent from, how much, and how it should arrive. Read from the query string."""

    corridor = forms.ChoiceField(
        label=_("Sending money from"),
        error_messages={
            "required": _("Choose the country you send money from."),
            "invalid_choice": _("We have no information on sending money from “%(value)s”. Choose a country from the list."),
        },
    )
    amount = forms.DecimalField(
        label=_("Amount to send"), required=False, min_value=Decimal("0.01"), max_value=MAX_AMOUNT, max_digits=14,
        decimal_places=2, error_messages=AMOUNT_ERRORS,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=_("In the currency of the country you send from. Empty: the equivalent of USD 200."),
    )
    method = forms.ChoiceField(
        label=_("How the money should arrive"), required=False,
        choices=[("", _("Any way")), *ReceiveMethod.choices],
        error_messages={"invalid_choice": _("Choose how the money should arrive from the list.")},
    )

    def __init__(self, *args, corridors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.corridors = {c.country.code: c for c in corridors}
        self.fields["corridor"].choices = [("", _("Choose a country"))] + [
            (c.country.code, f"{c.country.localized_name} ({c.currency})") for c in corridors
        ]

    def clean_corridor(self):
        return self.corridors[self.cleaned_data["corridor"]]

    def add_prefix(self, field_name):  # short, readable query strings: ?corridor=TH&amount=7000
        return field_name


# --- Remittances recorded by agencies ---------------------------------------------------------


class RemittanceForm(forms.Form):
    """One month's money sent home by the worker of a deployment."""

    month = MonthField(label=_("Month sent"), help_text=_("As YYYY-MM, for example 2025-01."),
                       error_messages={"required": _("Choose the month."),
                                       "invalid": _("Enter the month as YYYY-MM, for example 2025-01.")})
    amount = forms.DecimalField(label=_("Amount"), min_value=Decimal("0.01"), max_value=MAX_AMOUNT, max_digits=12,
                                decimal_places=2, error_messages={"required": _("Give the amount sent."), **AMOUNT_ERRORS},
                                widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    currency = forms.ChoiceField(label=_("Currency"))
    channel = forms.ChoiceField(label=_("Channel"), choices=RemittanceChannel.choices, widget=forms.RadioSelect,
                                error_messages={"required": _("Choose formal or informal.")})
    provider = forms.ModelChoiceField(label=_("Provider"), required=False, queryset=None,
                                      empty_label=_("Not known / informal"),
                                      help_text=_("The bank, operator or wallet used, for a formal transfer."))
    source = forms.ChoiceField(label=_("Source of the figure"), choices=RemittanceSource.choices,
                               initial=RemittanceSource.AGENCY)

    def __init__(self, *args, currencies=("USD",), providers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [(c, c) for c in currencies]
        self.fields["provider"].queryset = providers

    def clean_month(self):
        month = self.cleaned_data["month"]
        if month > timezone.localdate():
            raise ValidationError(_("This month has not come yet."))
        return month

    def clean(self):
        data = super().clean()
        if data.get("channel") == RemittanceChannel.INFORMAL and data.get("provider"):
            self.add_error("provider", _("An informal transfer has no provider: leave it empty or choose formal."))
        return data


class DeploymentSearchForm(forms.Form):
    q = forms.CharField(label=_("Worker's name"), required=False, max_length=100)


class SummaryForm(forms.Form):
    """The months a summary covers (both included); by default the last twelve ended months."""

    start = MonthField(label=_("From month"), required=False)
    end = MonthField(label=_("To month"), required=False)

    def period(self):
        this_month = timezone.localdate().replace(day=1)
        default_end = (this_month - timedelta(days=1)).replace(day=1)
        default_start = default_end.replace(year=default_end.year - 1 + default_end.month // 12,
                                            month=default_end.month % 12 + 1)
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        start = data.get("start") or default_start
        end = data.get("end") or default_end
        return start, end

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise ValidationError(_("The first month must come before the last."))
        return data


# --- Financial literacy -----------------------------------------------------------------------

TOPICS = [
    ("budget", _("Budgeting and saving")),
    ("remit", _("Sending money home safely and cheaply")),
    ("compare", _("Comparing remittance providers")),
    ("accounts", _("Bank accounts and mobile wallets")),
    ("debt", _("Loans and debt")),
    ("fraud", _("Avoiding fraud and scams")),
    ("invest", _("Planning for return: investment and business")),
]


class LiteracySessionForm(forms.Form):
    province = forms.ModelChoiceField(label=_("Province"), queryset=None, error_messages={"required": _("Choose the province.")})
    held_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                              error_messages={"required": _("Give the date of the session."),
                                              "invalid": _("Enter the date as YYYY-MM-DD.")})
    place = forms.CharField(label=_("Place"), max_length=200, error_messages={"required": _("Say where the session was held.")})
    partner = forms.CharField(label=_("Trainer or partner"), max_length=200,
                              error_messages={"required": _("Name the trainer or partner organisation.")})
    audience = forms.ChoiceField(label=_("Audience"), choices=Audience.choices, widget=forms.RadioSelect,
                                 error_messages={"required": _("Choose workers, returnees or families.")})
    topic_list = forms.MultipleChoiceField(label=_("Topics"), choices=TOPICS, required=False, widget=forms.CheckboxSelectMultiple)
    other_topics = forms.CharField(label=_("Other topics"), required=False, max_length=500)

    def __init__(self, *args, provinces=None, fixed_province=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].queryset = provinces
        if fixed_province is not None:
            self.fields["province"].initial = fixed_province.pk
            self.fields["province"].disabled = True

    def clean(self):
        data = super().clean()
        labels = dict(TOPICS)
        topics = [str(labels[t]) for t in data.get("topic_list", [])]
        if data.get("other_topics"):
            topics.append(data["other_topics"].strip())
        data["topics"] = "; ".join(topics)
        return data

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {"province": d["province"], "held_on": d["held_on"], "place": d["place"], "partner": d["partner"],
                "audience": d["audience"], "topics": d["topics"]}


class AttendeeWorkerForm(forms.Form):
    worker = forms.ModelChoiceField(queryset=None, widget=forms.HiddenInput,
                                    error_messages={"invalid_choice": _("This worker is not one you may record.")})

    def __init__(self, *args, workers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = workers


class AttendeeFamilyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120, error_messages={"required": _("Give the person's name.")})
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, widget=forms.RadioSelect,
                            error_messages={"required": _("Choose the person's sex.")})
    relation = forms.CharField(label=_("Relation to a migrant worker"), max_length=60,
                               help_text=_("For example: mother, spouse, son."),
                               error_messages={"required": _("Say how they are related to a migrant worker.")})


class WorkerSearchForm(forms.Form):
    q = forms.CharField(label=_("Worker's name"), required=False, max_length=100)


# --- The admin's import ------------------------------------------------------------------------


class OfferImportForm(forms.Form):
    file = forms.FileField(label=_("File (.csv or .xlsx)"),
                           help_text=_("Columns: provider, corridor (country code), fee_fixed, fee_percent, "
                                       "fx_margin_percent, receive_currency, speed, receive_methods, observed_on."))
