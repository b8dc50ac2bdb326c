"""Forms and FilterSets for return and reintegration. They parse and check input; the services write.

The FilterSets serve both the portal pages and the API, so a filter means the
same thing everywhere. Choices of reference data are passed in by the view
(read once, through ``visible``), never queried per field.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from migration_portal.reference.choices import Sex
from migration_portal.reference.models import Checkpoint, Country, Province

from ..choices import CaseStatus, ReferralKind, ReferralOutcome, ReturnReason
from ..jobs import assessment_overdue_q
from ..models import ReintegrationCase, ReturnRecord, WorkCertificate

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def add_service_errors(form: forms.BaseForm, exc: ValidationError, *, fallback: str | None = None) -> None:
    """Show a service's ValidationError on the form: next to the field it names, else on
    ``fallback`` (a field name, or None for the form's own errors). Error codes are kept
    (a page may react to ``possible_duplicate``)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            target = name if name in form.fields else fallback
            for error in errors:
                if target is None and name not in (NON_FIELD_ERRORS, fallback):
                    form.add_error(None, ValidationError(f"{name}: {error.messages[0]}", code=error.code))
                else:
                    form.add_error(target, error)
    else:
        for message in exc.messages:
            form.add_error(fallback, message)


def _choices(qs) -> list[tuple[int, str]]:
    return [(o.pk, str(o)) for o in qs]


# --- Finding the returnee in the register --------------------------------------------------


class WorkerSearchForm(forms.Form):
    """Find a returnee: by national ID or passport number (exact, through the keyed hash),
    or by name and date of birth."""

    identifier = forms.CharField(label=_("National ID or passport number"), required=False, max_length=32)
    name_latin = forms.CharField(label=_("Name in Latin letters"), required=False, max_length=120)
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=DATE)

    def clean(self):
        data = super().clean()
        if not data.get("identifier") and not (data.get("name_latin") and data.get("date_of_birth")):
            raise ValidationError(_("Give a national ID or passport number, or the name and the date of birth."))
        return data


class WorkerOnTheSpotForm(forms.Form):
    """A returnee who is in no record yet (most irregular migrants): recorded with the return."""

    name_latin = forms.CharField(label=_("Name in Latin letters"), max_length=120)
    name_km = forms.CharField(label=_("Name in Khmer"), max_length=120, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=DATE)
    national_id = forms.CharField(label=_("National ID number"), max_length=32, required=False)
    passport_number = forms.CharField(label=_("Passport number"), max_length=32, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    home_province = forms.TypedChoiceField(label=_("Home province"), coerce=int)
    confirm_not_duplicate = forms.BooleanField(
        label=_("I checked: this is a different person from the registered worker with the same name and date of birth"),
        required=False,
    )

    def __init__(self, *args, provinces=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home_province"].choices = provinces

    def worker_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("confirm_not_duplicate", None)
        data["home_province_id"] = data.pop("home_province")
        return data


class ReturnForm(forms.Form):
    """The return itself."""

    returned_on = forms.DateField(label=_("Date of return"), widget=DATE, initial=timezone.localdate)
    reason = forms.ChoiceField(label=_("Reason for return"), choices=[("", "---------"), *ReturnReason.choices])
    country = forms.TypedChoiceField(label=_("Returned from (country)"), coerce=int)
    checkpoint = forms.TypedChoiceField(label=_("Border checkpoint or airport"), coerce=int, required=False, empty_value=None)
    province = forms.TypedChoiceField(label=_("Returning to province"), coerce=int)
    assisting_agency = forms.TypedChoiceField(
        label=_("Assisting agency"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("The recruitment agency that arranged or helped the return, if any."),
    )
    documents = forms.CharField(
        label=_("Documents held"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: passport, border pass, deportation paper, none."),
    )
    needs_assistance = forms.BooleanField(
        label=_("Needs reintegration assistance"),
        required=False,
        initial=True,
        help_text=_("A reintegration case is opened for the province."),
    )

    def __init__(self, *args, countries=(), checkpoints=(), provinces=(), agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", "---------"), *countries]
        self.fields["checkpoint"].choices = [("", "---------"), *checkpoints]
        self.fields["province"].choices = provinces
        if agencies is None:  # an agency registering: the agency is itself
            del self.fields["assisting_agency"]
        else:
            self.fields["assisting_agency"].choices = [("", "---------"), *agencies]


def reference_choices(user) -> dict:
    """Countries, checkpoints and provinces for the return forms: three queries."""
    from migration_portal.core.scoping import visible

    return {
        "countries": _choices(visible(Country, user).order_by("name")),
        "checkpoints": _choices(visible(Checkpoint, user).order_by("name")),
        "provinces": _choices(visible(Province, user).order_by("name")),
    }


# --- The reintegration case -------------------------------------------------------------------


class AssessmentForm(forms.Form):
    needs = forms.MultipleChoiceField(
        label=_("Needs identified"), choices=ReferralKind.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    notes = forms.CharField(label=_("Assessment notes"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    assessed_on = forms.DateField(label=_("Assessed on"), widget=DATE, initial=timezone.localdate)

    def clean_assessed_on(self):
        value = self.cleaned_data["assessed_on"]
        if value > timezone.localdate():
            raise ValidationError(_("This date is in the future."))
        return value


class ReferralForm(forms.Form):
    kind = forms.ChoiceField(label=_("Service"), choices=[("", "---------"), *ReferralKind.choices])
    partner = forms.CharField(
        label=_("Partner"),
        max_length=200,
        help_text=_("For example: NEA job centre Battambang, a provincial training centre, an NGO, a clinic."),
    )
    referred_on = forms.DateField(label=_("Referred on"), widget=DATE, initial=timezone.localdate)


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[("", "---------"), *[c for c in ReferralOutcome.choices if c[0]]])
    outcome_on = forms.DateField(label=_("Outcome on"), widget=DATE, initial=timezone.localdate)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CloseForm(forms.Form):
    note = forms.CharField(label=_("Closing note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CertificateForm(forms.Form):
    occupation = forms.CharField(label=_("Work done abroad"), max_length=120)
    issued_on = forms.DateField(label=_("Issued on"), widget=DATE, initial=timezone.localdate)
    worked_from = forms.DateField(
        label=_("Work abroad began on"),
        widget=DATE,
        required=False,
        help_text=_("Only when no departure is recorded (irregular migration): from the worker's documents."),
    )


# --- Bulk import and expected returns ------------------------------------------------------------


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File of returnees (CSV or XLSX)"))


class ExpectedReturnsForm(forms.Form):
    days = forms.IntegerField(label=_("Contracts ending within (days)"), min_value=1, max_value=365, required=False)


# --- FilterSets (pages and API) ------------------------------------------------------------------


class ReturnFilterSet(filters.FilterSet):
    returned_after = filters.DateFilter(field_name="returned_on", lookup_expr="gte", label=_("Returned on or after"), widget=DATE)
    returned_before = filters.DateFilter(
        field_name="returned_on", lookup_expr="lte", label=_("Returned on or before"), widget=DATE
    )
    reason = filters.ChoiceFilter(choices=ReturnReason.choices, label=_("Reason"))
    country = filters.CharFilter(field_name="country__code", lookup_expr="iexact", label=_("Returned from (ISO country code)"))
    province = filters.CharFilter(field_name="province__code", lookup_expr="exact", label=_("Returning to (province code)"))
    checkpoint = filters.CharFilter(field_name="checkpoint__code", lookup_expr="iexact", label=_("Checkpoint code"))
    needs_assistance = filters.BooleanFilter(label=_("Needs assistance"))

    class Meta:
        model = ReturnRecord
        fields = ["returned_after", "returned_before", "reason", "country", "province", "checkpoint", "needs_assistance"]


class ReturnPageFilterSet(ReturnFilterSet):
    """The page's version: countries and checkpoints as drop-downs of codes."""

    reason = filters.ChoiceFilter(choices=ReturnReason.choices, label=_("Reason"), empty_label=_("All reasons"))
    country = filters.ChoiceFilter(field_name="country__code", label=_("Returned from"), empty_label=_("All countries"))
    checkpoint = filters.ChoiceFilter(field_name="checkpoint__code", label=_("Checkpoint"), empty_label=_("All checkpoints"))

    class Meta(ReturnFilterSet.Meta):
        fields = ["returned_after", "returned_before", "reason", "country", "checkpoint"]

    def __init__(self, *args, countries=(), checkpoints=(), **kwargs):
        super().__init__(*args, **kwargs)
        # The page is one province's (or agency's) own list: no province or assistance filter.
        for name in ("province", "needs_assistance"):
            self.filters.pop(name, None)
        self.filters["country"].extra["choices"] = countries
        self.filters["checkpoint"].extra["choices"] = checkpoints


class CaseFilterSet(filters.FilterSet):
    status = filters.ChoiceFilter(choices=CaseStatus.choices, label=_("Status"))
    province = filters.CharFilter(field_name="province__code", lookup_expr="exact", label=_("Province code"))
    overdue = filters.BooleanFilter(method="filter_overdue", label=_("Assessment overdue"))

    class Meta:
        model = ReintegrationCase
        fields = ["status", "province", "overdue"]

    def filter_overdue(self, qs, name, value):
        if value is None:
            return qs
        return qs.filter(assessment_overdue_q()) if value else qs.exclude(assessment_overdue_q())


class WorkCertificateFilterSet(filters.FilterSet):
    issued_after = filters.DateFilter(field_name="issued_on", lookup_expr="gte", label=_("Issued on or after"))
    issued_before = filters.DateFilter(field_name="issued_on", lookup_expr="lte", label=_("Issued on or before"))

    class Meta:
        model = WorkCertificate
        fields = ["issued_after", "issued_before"]
