"""Forms of the agencies admin's intermediate pages and record pages.

They parse and type what the officer typed; the rules live in agencies.services,
whose ValidationError is mapped back onto these fields (``add_service_errors``).
Fields a service checks (a reason, a reference, a positive amount) are therefore
optional here, so the officer reads the service's own message.
"""

from __future__ import annotations

from django import forms
from django.contrib.admin.widgets import AdminDateWidget, AutocompleteSelect, FilteredSelectMultiple
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

from .choices import (
    LICENCE_TRANSITIONS,
    ChecklistResult,
    DepositEntryKind,
    InspectionReason,
    LicenceStatus,
    SanctionKind,
)
from .models import Agency, Inspection, Sanction

TEXTAREA = forms.Textarea(attrs={"rows": 3, "cols": 60})


class PortalForm(forms.Form):
    """Required fields' labels in bold, as on the admin's own forms."""

    required_css_class = "required"


def add_service_errors(form: forms.Form, exc: ValidationError, *, field_map: dict | None = None, prefix: str = "") -> None:
    """Put a service's ValidationError on the form: on the field it names when the form
    has it, else at the top. ``prefix`` names the record when an action ran on several."""
    field_map = field_map or {}
    items = exc.message_dict.items() if hasattr(exc, "error_dict") else [(NON_FIELD_ERRORS, exc.messages)]
    for key, msgs in items:
        field = field_map.get(key, key)
        if field not in form.fields:
            field = None
        for msg in msgs:
            text = f"{prefix}: {msg}" if prefix else msg
            form.add_error(field, text)


def agency_autocomplete(admin_site) -> AutocompleteSelect:
    """The admin's search-as-you-type widget for choosing an agency (no full list rendered)."""
    return AutocompleteSelect(Sanction._meta.get_field("agency"), admin_site)


class AgencyChoiceMixin:
    """Adds an agency field (autocomplete, limited to the rows the user may see)."""

    def add_agency_field(self, agencies, admin_site, initial=None) -> None:
        field = forms.ModelChoiceField(queryset=agencies, label=_("Agency"), initial=initial)
        field.widget = agency_autocomplete(admin_site)
        field.widget.choices = field.choices
        field.widget.is_required = True
        self.fields = {"agency": field, **self.fields}


# --- Licence ---------------------------------------------------------------------


# Suspension and cancellation are decisions with a reference (Prakas 251): they are
# recorded as sanctions, which change the licence in the same transaction.
SANCTION_ONLY = {LicenceStatus.SUSPENDED, LicenceStatus.CANCELLED}


def licence_targets(current: str) -> list[tuple[str, str]]:
    """The states this page may move a licence to from ``current``."""
    targets = set(LICENCE_TRANSITIONS[current]) - SANCTION_ONLY
    if current == LicenceStatus.SUSPENDED:
        targets.discard(LicenceStatus.ACTIVE)  # lifted through the suspension itself
    return [(value, label) for value, label in LicenceStatus.choices if value in targets]


class LicenceChangeForm(PortalForm):
    to_status = forms.ChoiceField(label=_("New licence state"))
    reason = forms.CharField(label=_("Reason"), widget=TEXTAREA, required=False)
    reference = forms.CharField(label=_("Decision reference"), max_length=80, required=False)
    effective_date = forms.DateField(label=_("Effective"), widget=AdminDateWidget, required=False)
    licence_number = forms.CharField(
        label=_("Licence number"),
        max_length=40,
        required=False,
        help_text=_("When granting a licence: the number MOLVT issues."),
    )
    expires = forms.DateField(
        label=_("Licence expires"),
        widget=AdminDateWidget,
        required=False,
        help_text=_("When granting or renewing: the end date (three years if left empty)."),
    )

    def __init__(self, *args, agency: Agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.agency = agency
        self.fields["to_status"].choices = licence_targets(agency.licence_status)
        if agency.licence_number:
            self.fields["licence_number"].initial = agency.licence_number

    def clean_licence_number(self):
        number = self.cleaned_data["licence_number"].strip()
        if number and Agency.objects.filter(licence_number=number).exclude(pk=self.agency.pk).exists():
            raise ValidationError(_("Another agency holds licence number %(number)s.") % {"number": number})
        return number or None


# --- Guarantee deposit -------------------------------------------------------------


class DepositEntryForm(AgencyChoiceMixin, PortalForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=DepositEntryKind.choices, initial=DepositEntryKind.TOP_UP)
    amount = forms.DecimalField(label=_("Amount (USD)"), max_digits=12, decimal_places=2)
    entry_date = forms.DateField(label=_("Date"), widget=AdminDateWidget, required=False)
    reference = forms.CharField(label=_("Bank or decision reference"), max_length=80, required=False)
    reason = forms.CharField(
        label=_("Reason"),
        widget=TEXTAREA,
        required=False,
        help_text=_("For a drawdown: which workers it compensates, and why."),
    )

    def __init__(self, *args, agencies=None, admin_site=None, initial_agency=None, **kwargs):
        super().__init__(*args, **kwargs)
        if agencies is not None:
            self.add_agency_field(agencies, admin_site, initial_agency)


# --- Sanctions and rewards -----------------------------------------------------------


class SanctionDecideForm(AgencyChoiceMixin, PortalForm):
    kind = forms.ChoiceField(label=_("Decision"), choices=SanctionKind.choices)
    reason = forms.CharField(label=_("Reason"), widget=TEXTAREA, required=False)
    reference = forms.CharField(label=_("Decision reference"), max_length=80, required=False)
    decided_on = forms.DateField(label=_("Decided on"), widget=AdminDateWidget, required=False)
    effective_until = forms.DateField(
        label=_("Suspended until"),
        widget=AdminDateWidget,
        required=False,
        help_text=_("For a suspension: the date it ends."),
    )

    def __init__(self, *args, agencies=None, admin_site=None, initial_agency=None, **kwargs):
        super().__init__(*args, **kwargs)
        if agencies is not None:
            self.add_agency_field(agencies, admin_site, initial_agency)


class ReasonForm(PortalForm):
    """One reason, for transitions that need nothing else (lift, cancel, refuse)."""

    reason = forms.CharField(label=_("Reason"), widget=TEXTAREA, required=False)


class NoteForm(PortalForm):
    """The note to an agency whose report is returned for correction."""

    note = forms.CharField(label=_("What must be corrected"), widget=TEXTAREA, required=False)


class ConfirmForm(PortalForm):
    """A confirmation with nothing to type (approve and publish)."""


# --- Inspections ----------------------------------------------------------------------


class InspectionScheduleForm(AgencyChoiceMixin, PortalForm):
    scheduled_for = forms.DateField(label=_("Planned date"), widget=AdminDateWidget)
    reason = forms.ChoiceField(label=_("Reason"), choices=InspectionReason.choices, initial=InspectionReason.ROUTINE)
    reason_detail = forms.CharField(label=_("Why now"), widget=TEXTAREA, required=False)
    inspectors = forms.ModelMultipleChoiceField(
        label=_("Inspectors"),
        queryset=None,
        required=False,
        widget=FilteredSelectMultiple(_("inspectors"), is_stacked=False),
    )

    def __init__(self, *args, inspectors, agencies=None, admin_site=None, initial_agency=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspectors"].queryset = inspectors
        if agencies is not None:
            self.add_agency_field(agencies, admin_site, initial_agency)


class InspectionRecordForm(PortalForm):
    """What the inspectors found: a result and a note for every checklist item, the date,
    the findings, and up to ``ACTION_ROWS`` follow-up actions with their deadlines."""

    ACTION_ROWS = 5

    conducted_on = forms.DateField(label=_("Date of inspection"), widget=AdminDateWidget)
    findings = forms.CharField(label=_("Findings"), widget=forms.Textarea(attrs={"rows": 5, "cols": 80}), required=False)

    def __init__(self, *args, inspection: Inspection, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.inspection = inspection
        self.items = list(items)
        result_choices = [("", "---------"), *ChecklistResult.choices]
        for item in self.items:
            self.fields[f"result_{item.pk}"] = forms.ChoiceField(label=item.code, choices=result_choices, required=False)
            self.fields[f"note_{item.pk}"] = forms.CharField(
                label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 1, "cols": 40})
            )
        for i in range(self.ACTION_ROWS):
            self.fields[f"action_{i}"] = forms.CharField(
                label=_("Action required"), required=False, widget=forms.TextInput(attrs={"size": 60})
            )
            self.fields[f"action_due_{i}"] = forms.DateField(label=_("Due"), required=False, widget=AdminDateWidget)

    def item_rows(self):
        return [(item, self[f"result_{item.pk}"], self[f"note_{item.pk}"]) for item in self.items]

    def action_rows(self):
        return [(self[f"action_{i}"], self[f"action_due_{i}"]) for i in range(self.ACTION_ROWS)]

    def clean(self):
        data = super().clean()
        for i in range(self.ACTION_ROWS):
            text, due = (data.get(f"action_{i}") or "").strip(), data.get(f"action_due_{i}")
            if text and not due:
                self.add_error(f"action_due_{i}", _("Give the deadline of this action."))
            if due and not text:
                self.add_error(f"action_{i}", _("Say what the agency must do."))
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        results = {item.pk: data[f"result_{item.pk}"] for item in self.items if data.get(f"result_{item.pk}")}
        notes = {item.pk: data[f"note_{item.pk}"] for item in self.items if data.get(f"note_{item.pk}")}
        actions = [
            (data[f"action_{i}"].strip(), data[f"action_due_{i}"])
            for i in range(self.ACTION_ROWS)
            if (data.get(f"action_{i}") or "").strip()
        ]
        return {
            "conducted_on": data["conducted_on"],
            "results": results,
            "notes": notes,
            "findings": data.get("findings", ""),
            "actions": actions,
        }


# --- Checklists -------------------------------------------------------------------------


class ChecklistVersionForm(PortalForm):
    notes = forms.CharField(label=_("What will change"), widget=TEXTAREA, required=False)


__all__ = [
    "ChecklistVersionForm",
    "ConfirmForm",
    "DepositEntryForm",
    "InspectionRecordForm",
    "InspectionScheduleForm",
    "LicenceChangeForm",
    "NoteForm",
    "ReasonForm",
    "SanctionDecideForm",
    "add_service_errors",
    "licence_targets",
]
