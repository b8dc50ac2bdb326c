"""Forms of the worker register's pages. They parse and type the input; every rule
lives in ``workers.services``, whose ValidationError comes back on the field it names
(``add_service_errors``). Status fields never appear here: a deployment changes
state only through ``TransitionForm`` and ``services.deployment_transition``."""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

from migration_portal.core.filters import MAX_POSITIONS
from migration_portal.reference.choices import Sex

from ..choices import DeploymentStatus, Education, KeyProtection, LegalStatus, PlacementArticle
from ..models import Worker
from ..pii import mask

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXTAREA = forms.Textarea(attrs={"rows": 3})
CURRENCY = {"max_length": 3, "min_length": 3, "widget": forms.TextInput(attrs={"size": 4, "style": "max-width:6rem"})}


# The terms an employment contract is compared on with its job order (services.contract_differences).
DIFFERENCE_LABELS = {
    "employer": _("Employer"),
    "position": _("Position"),
    "monthly_wage": _("Monthly wage"),
    "wage_currency": _("Wage currency"),
    "hours_per_week": _("Hours per week"),
    "duration_months": _("Duration (months)"),
}


def add_service_errors(form: forms.BaseForm, exc: ValidationError, *, fallback: str | None = None) -> None:
    """Put a service's ValidationError on the form: beside the field it names, else at the top
    (prefixed with the name the service used, so no message loses its subject)."""
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(fallback, message)
        return
    for name, messages in exc.message_dict.items():
        target = name if name in form.fields else fallback
        for message in messages:
            form.add_error(target, message)


def error_codes(exc: ValidationError) -> set[str]:
    """The codes of a service's errors ('duplicate', 'possible_duplicate', ...)."""
    if hasattr(exc, "error_dict"):
        return {e.code for errors in exc.error_dict.values() for e in errors if e.code}
    return {e.code for e in exc.error_list if e.code}


def duplicate_messages(exc: ValidationError, duplicates) -> dict[str, list[str]]:
    """The service's duplicate messages name the other record by reference; say instead
    what this user may know: the records they may open (listed beside the message), or
    only that one exists elsewhere. Other errors keep the service's words."""
    out: dict[str, list[str]] = {}
    items = exc.error_dict.items() if hasattr(exc, "error_dict") else [(NON_FIELD_ERRORS, exc.error_list)]
    for name, errors in items:
        for error in errors:
            if error.code == "duplicate":
                if duplicates.visible:
                    message = _("A worker with this number is already registered: open the record shown.")
                else:
                    message = _("A worker with this number is already registered, in records you cannot see. "
                                "Ask the Ministry if you need it.")
            elif error.code == "possible_duplicate":
                message = _("A worker with the same name and date of birth is already registered. If this is a "
                            "different person, confirm it and register again.")
            else:
                message = " ".join(error.messages)
            out.setdefault(name, []).append(str(message))
    return out


# --- Workers --------------------------------------------------------------------------------


IDENTIFIERS = ("national_id", "passport_number", "phone", "next_of_kin_phone")


class WorkerForm(forms.Form):
    """Register or edit a worker. On edit the identifiers start empty (they are never
    sent to the browser unmasked); an empty identifier keeps the one on record."""

    name_latin = forms.CharField(label=_("Name in Latin letters"), max_length=120)
    name_km = forms.CharField(label=_("Name in Khmer"), max_length=120, required=False,
                              widget=forms.TextInput(attrs={"lang": "km", "class": "km"}))
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, widget=forms.RadioSelect)
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=DATE)
    national_id = forms.CharField(label=_("National ID number"), max_length=32, required=False,
                                  widget=forms.TextInput(attrs={"autocomplete": "off"}))
    passport_number = forms.CharField(label=_("Passport number"), max_length=32, required=False,
                                      widget=forms.TextInput(attrs={"autocomplete": "off"}))
    passport_expiry = forms.DateField(label=_("Passport expiry"), required=False, widget=DATE)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False,
                            widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}))
    home_province = forms.ModelChoiceField(label=_("Home province"), queryset=None)
    district = forms.CharField(label=_("District"), max_length=80, required=False)
    commune = forms.CharField(label=_("Commune"), max_length=80, required=False)
    village = forms.CharField(label=_("Village"), max_length=80, required=False)
    next_of_kin_name = forms.CharField(label=_("Next of kin"), max_length=120, required=False)
    next_of_kin_relation = forms.CharField(label=_("Relation"), max_length=40, required=False)
    next_of_kin_phone = forms.CharField(label=_("Next of kin's phone"), max_length=32, required=False,
                                        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}))
    education = forms.ChoiceField(label=_("Education"), choices=[("", "—"), *Education.choices], required=False)
    skills = forms.CharField(label=_("Skills and experience"), required=False, widget=TEXTAREA)
    confirm_not_duplicate = forms.BooleanField(
        label=_("I have checked: this is a different person from the record(s) shown above."), required=False,
    )

    def __init__(self, *args, provinces, worker: Worker | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home_province"].queryset = provinces
        self.worker = worker
        if worker is not None:
            del self.fields["confirm_not_duplicate"]
            for name in IDENTIFIERS:
                current = getattr(worker, name)
                field = self.fields[name]
                field.help_text = (
                    _("On record: %(masked)s. Leave empty to keep it.") % {"masked": worker_masked(worker, name)}
                    if current else _("None on record.")
                )

    def fields_for_service(self) -> dict:
        """The cleaned values under the model's names; on edit, empty identifiers are left out."""
        data = {k: v for k, v in self.cleaned_data.items() if k != "confirm_not_duplicate"}
        if self.worker is not None:
            for name in IDENTIFIERS:
                if not data.get(name):
                    data.pop(name, None)
        return data


def worker_masked(worker: Worker, name: str) -> str:
    return mask(getattr(worker, name))


# --- Job orders ---------------------------------------------------------------------------------


class JobOrderForm(forms.Form):
    ref = forms.CharField(label=_("Demand letter reference"), max_length=40,
                          help_text=_("The reference on the employer's demand letter."))
    employer = forms.ModelChoiceField(label=_("Employer abroad"), queryset=None, required=False,
                                      help_text=_("Choose the employer, or give a new one below."))
    new_employer_name = forms.CharField(label=_("New employer: name"), max_length=200, required=False)
    new_employer_address = forms.CharField(label=_("New employer: address"), required=False, widget=TEXTAREA)
    new_employer_registration = forms.CharField(label=_("New employer: registration abroad"), max_length=80, required=False)
    country = forms.ModelChoiceField(label=_("Destination"), queryset=None)
    sector = forms.ModelChoiceField(label=_("Sector"), queryset=None)
    occupation = forms.CharField(label=_("Occupation"), max_length=120)
    positions_male = forms.IntegerField(label=_("Positions for men"), min_value=0, max_value=MAX_POSITIONS, initial=0)
    positions_female = forms.IntegerField(label=_("Positions for women"), min_value=0, max_value=MAX_POSITIONS, initial=0)
    monthly_wage = forms.DecimalField(label=_("Monthly wage"), min_value=0, max_digits=12, decimal_places=2)
    wage_currency = forms.CharField(label=_("Wage currency"), **CURRENCY, help_text=_("ISO code, e.g. THB, KRW, MYR."))
    hours_per_week = forms.IntegerField(label=_("Hours per week"), min_value=1, max_value=168)
    contract_months = forms.IntegerField(label=_("Contract length (months)"), min_value=1, max_value=120)
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE)
    valid_until = forms.DateField(label=_("Valid until"), widget=DATE)

    def __init__(self, *args, employers, countries, sectors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employer"].queryset = employers
        self.fields["country"].queryset = countries
        self.fields["sector"].queryset = sectors

    def clean_wage_currency(self):
        return self.cleaned_data["wage_currency"].upper()

    def clean(self):
        data = super().clean()
        if not data.get("employer") and not (data.get("new_employer_name") or "").strip():
            self.add_error("employer", _("Choose the employer, or give the name of a new one."))
        return data

    def order_fields_for_service(self) -> dict:
        skip = {"employer", "new_employer_name", "new_employer_address", "new_employer_registration"}
        return {k: v for k, v in self.cleaned_data.items() if k not in skip}


# --- Deployments -------------------------------------------------------------------------------


class AgencyDeploymentForm(forms.Form):
    """A deployment through the agency: it draws on one of its approved, unexpired job orders."""

    job_order = forms.ModelChoiceField(label=_("Job order"), queryset=None,
                                       help_text=_("Only your approved job orders that have not expired."))
    occupation = forms.CharField(label=_("Occupation"), max_length=120, required=False,
                                 help_text=_("Leave empty to take the job order's."))
    contract_start = forms.DateField(label=_("Contract starts"), required=False, widget=DATE)
    contract_end = forms.DateField(label=_("Contract ends"), required=False, widget=DATE)
    fees_paid = forms.DecimalField(label=_("Recruitment fees paid by the worker"), min_value=0, max_digits=12,
                                   decimal_places=2, initial=0)
    fees_currency = forms.CharField(label=_("Fee currency"), initial="USD", **CURRENCY)
    wages_to_bank = forms.BooleanField(label=_("Wages paid into a bank account"), required=False)

    def __init__(self, *args, job_orders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["job_order"].queryset = job_orders
        self.fields["job_order"].label_from_instance = lambda o: (
            f"{o.ref}: {o.employer.name}, {o.occupation} ({o.country.localized_name}, {o.sector.localized_name}), "
            + str(_("until %(date)s") % {"date": o.valid_until.isoformat()})
        )

    def fields_for_service(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("job_order")
        data["fees_currency"] = data["fees_currency"].upper()
        if not data.get("occupation"):
            data.pop("occupation")
        return data


class IrregularDeploymentForm(forms.Form):
    """A migration without an agency or documents, recorded by a provincial officer
    (e.g. when a returnee or their family comes to the department)."""

    country = forms.ModelChoiceField(label=_("Destination"), queryset=None)
    sector = forms.ModelChoiceField(label=_("Sector"), queryset=None)
    occupation = forms.CharField(label=_("Occupation"), max_length=120, required=False)
    contract_start = forms.DateField(label=_("Started work on"), required=False, widget=DATE)
    fees_paid = forms.DecimalField(label=_("Paid to a broker or smuggler"), min_value=0, max_digits=12, decimal_places=2,
                                   initial=0)
    fees_currency = forms.CharField(label=_("Currency"), initial="USD", **CURRENCY)

    def __init__(self, *args, countries, sectors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].queryset = countries
        self.fields["sector"].queryset = sectors

    def fields_for_service(self) -> dict:
        data = dict(self.cleaned_data)
        data["fees_currency"] = data["fees_currency"].upper()
        return data


class TransitionForm(forms.Form):
    """One transition button. ``version`` is the deployment's version when the page was
    read: a transition on a page someone else changed meanwhile is refused."""

    to_status = forms.ChoiceField(choices=DeploymentStatus.choices, widget=forms.HiddenInput)
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    on_date = forms.DateField(label=_("On"), required=False, widget=DATE)
    checkpoint = forms.ModelChoiceField(label=_("Checkpoint"), queryset=None, required=False)
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, checkpoints, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["checkpoint"].queryset = checkpoints


class LegalStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Legal status"), choices=LegalStatus.choices)
    since = forms.DateField(label=_("Since"), widget=DATE)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PlacementContractForm(forms.Form):
    signed_on = forms.DateField(label=_("Signed on"), widget=DATE)
    articles = forms.MultipleChoiceField(
        label=_("Mandatory articles the contract contains (Prakas 253)"), choices=PlacementArticle.choices,
        widget=forms.CheckboxSelectMultiple, required=False,
    )
    service_fee = forms.DecimalField(label=_("Service fee"), min_value=0, max_digits=12, decimal_places=2, initial=0)
    fee_currency = forms.CharField(label=_("Fee currency"), initial="USD", **CURRENCY)

    def clean_fee_currency(self):
        return self.cleaned_data["fee_currency"].upper()


class EmploymentContractForm(forms.Form):
    employer_name = forms.CharField(label=_("Employer"), max_length=200)
    position = forms.CharField(label=_("Position"), max_length=120)
    monthly_wage = forms.DecimalField(label=_("Monthly wage"), min_value=0, max_digits=12, decimal_places=2)
    wage_currency = forms.CharField(label=_("Wage currency"), **CURRENCY)
    hours_per_week = forms.IntegerField(label=_("Hours per week"), min_value=1, max_value=168)
    duration_months = forms.IntegerField(label=_("Duration (months)"), min_value=1, max_value=120)
    signed_on = forms.DateField(label=_("Signed on"), widget=DATE)
    protections = forms.MultipleChoiceField(
        label=_("Key protections the contract contains (policy 3.2)"), choices=KeyProtection.choices,
        widget=forms.CheckboxSelectMultiple, required=False,
    )

    def clean_wage_currency(self):
        return self.cleaned_data["wage_currency"].upper()


__all__ = [
    "DIFFERENCE_LABELS",
    "AgencyDeploymentForm",
    "EmploymentContractForm",
    "IrregularDeploymentForm",
    "JobOrderForm",
    "LegalStatusForm",
    "PlacementContractForm",
    "TransitionForm",
    "WorkerForm",
    "add_service_errors",
    "duplicate_messages",
    "error_codes",
]
