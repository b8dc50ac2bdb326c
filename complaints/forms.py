"""Forms of the complaint pages: intake, the case's actions, the agency's response, the
public status check, and the admin's decision forms.

Forms parse and check the shape of input; the rules are the services'. A service's
ValidationError comes back beside the field it names (``add_service_errors``). Every
form acting on a case carries the ``version`` the user read, so an edit made meanwhile by
another officer is caught, said plainly, and the user's input stays in the form.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from migration_portal.reference.choices import Sex

from .choices import (
    STAGE_TRANSITIONS,
    Channel,
    ComplainantType,
    Ground,
    LodgedAt,
    Payer,
    ReferredTo,
    RespondentKind,
    Stage,
    TraffickingIndicator,
)
from .models import ALLOWED_ATTACHMENT_TYPES, MAX_ATTACHMENT_BYTES, Complaint

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TEXTAREA = forms.Textarea(attrs={"rows": 3})
CURRENCIES = [(c, c) for c in ("USD", "KHR", "THB", "MYR", "KRW", "JPY", "SGD", "HKD", "SAR", "KWD", "QAR")]

STALE_CODE = "stale"

# Labels for what a service names that is not a field of the form it is shown on.
SERVICE_NAMES = {
    "grounds": _("Grounds"),
    "respondents": _("Respondents"),
    "instalments": _("Instalments"),
    "stage": _("Stage"),
    "assigned_officer": _("Officer"),
    "to_province": _("Transfer to"),
    "scheduled_for": _("Date and time"),
    "payer_agency": _("Paying agency"),
    "decision_note": _("Note"),
    "received_on": _("Received on"),
    "file": _("File"),
}


def service_message_label(name: str) -> str:
    return str(SERVICE_NAMES.get(name, name.replace("_", " ").capitalize()))


def add_service_errors(form: forms.BaseForm, exc: ValidationError, *, field_map: dict | None = None) -> None:
    """Show a service's ValidationError on ``form``: beside the field it names (through
    ``field_map`` when the form calls it otherwise), else above the form, prefixed with
    what it is about, so no message loses its subject."""
    field_map = field_map or {}
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for name, messages in exc.message_dict.items():
        target = field_map.get(name, name)
        for message in messages:
            if target in form.fields:
                form.add_error(target, message)
            elif name == NON_FIELD_ERRORS:
                form.add_error(None, message)
            else:
                form.add_error(None, f"{service_message_label(name)}: {message}")


def is_stale(exc: ValidationError) -> bool:
    errors = exc.error_list if not hasattr(exc, "error_dict") else [e for v in exc.error_dict.values() for e in v]
    return any(getattr(e, "code", None) == STALE_CODE for e in errors)


def form_is_stale(form: forms.BaseForm) -> bool:
    """The form's own version check failed (``CaseForm.clean``)."""
    return any(e.code == STALE_CODE for e in form.errors.as_data().get(NON_FIELD_ERRORS, []))


def stale_error(complaint: Complaint) -> ValidationError:
    """The same words as the services' own check (``services._lock``)."""
    return ValidationError(
        _("Another officer changed this case while you were working on it (now version %(v)d). Reload the page: "
          "your changes were not saved.") % {"v": complaint.version},
        code=STALE_CODE,
    )


# --- The case's actions ------------------------------------------------------------------------


class CaseForm(forms.Form):
    """A form acting on one case, carrying the version of the case the user read.

    Services that take ``version`` check it under the row lock; for the others the form
    checks it against the case as read on this request, so a step taken meanwhile by
    another officer (a stage change, a transfer, an assignment) is caught either way."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, complaint: Complaint, **kwargs):
        self.complaint = complaint
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("version", complaint.version)
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if data.get("version") is not None and data["version"] != self.complaint.version:
            raise stale_error(self.complaint)
        return data


class AssignForm(CaseForm):
    officer = forms.ModelChoiceField(label=_("Officer"), queryset=None, empty_label=None)

    def __init__(self, *args, officers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = officers
        self.fields["officer"].label_from_instance = lambda u: u.get_full_name() or u.username


class TransferForm(CaseForm):
    to_province = forms.ModelChoiceField(
        label=_("Transfer to"), queryset=None, required=False,
        empty_label=_("The Ministry (Migrant Worker Resource Centre, Phnom Penh)"),
    )
    reason = forms.CharField(label=_("Reason"), widget=TEXTAREA, max_length=2000)

    def __init__(self, *args, provinces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_province"].queryset = provinces


class TransitionForm(CaseForm):
    to_stage = forms.ChoiceField(label=_("Move the case to"))
    reason = forms.CharField(label=_("Reason or note"), widget=TEXTAREA, required=False, max_length=2000,
                             help_text=_("Required when the complainant withdraws."))
    referred_to = forms.ChoiceField(label=_("Referred to (when not settled)"), required=False,
                                    choices=[("", "—"), *ReferredTo.choices])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = [s for s in Stage if s in STAGE_TRANSITIONS[self.complaint.stage]]
        self.fields["to_stage"].choices = [(s.value, s.label) for s in allowed]


class MeetingScheduleForm(CaseForm):
    scheduled_for = forms.DateTimeField(label=_("Date and time"), widget=DATETIME,
                                        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"])
    place = forms.CharField(label=_("Place"), max_length=200)
    participants = forms.CharField(label=_("Participants"), widget=TEXTAREA, required=False)


class MeetingRecordForm(CaseForm):
    minutes = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 4}))
    agreement_reached = forms.BooleanField(label=_("An agreement was reached"), required=False)
    agency_response = forms.CharField(label=_("The respondent's position"), widget=TEXTAREA, required=False)
    participants = forms.CharField(label=_("Participants"), widget=TEXTAREA, required=False)


class SettlementForm(CaseForm):
    amount = forms.DecimalField(label=_("Compensation agreed"), min_value=Decimal("0"), max_digits=12, decimal_places=2)
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCIES, initial="USD")
    payer = forms.ChoiceField(label=_("Who pays"), choices=Payer.choices)
    payer_agency = forms.TypedChoiceField(label=_("Paying agency"), required=False, coerce=int, empty_value=None)
    agreed_on = forms.DateField(label=_("Agreed on"), widget=DATE)
    terms = forms.CharField(label=_("Other terms"), widget=TEXTAREA, required=False)

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.agencies = {a.pk: a for a in agencies}
        self.fields["payer_agency"].choices = [("", "—")] + [(a.pk, _agency_label(a)) for a in agencies]
        self.fields["agreed_on"].initial = timezone.localdate()

    def clean_payer_agency(self):
        pk = self.cleaned_data.get("payer_agency")
        return self.agencies.get(pk) if pk else None


class InstalmentForm(forms.Form):
    due_on = forms.DateField(label=_("Due on"), widget=DATE, required=False)
    amount = forms.DecimalField(label=_("Amount"), min_value=Decimal("0.01"), max_digits=12, decimal_places=2, required=False)

    def clean(self):
        data = super().clean()
        if bool(data.get("due_on")) != bool(data.get("amount")):
            raise ValidationError(_("Give both the date and the amount of the instalment, or neither."))
        return data


InstalmentFormSet = forms.formset_factory(InstalmentForm, extra=4, max_num=24)


def instalments_of(formset) -> list[tuple]:
    return [(f.cleaned_data["due_on"], f.cleaned_data["amount"]) for f in formset.forms
            if f.cleaned_data.get("due_on") and f.cleaned_data.get("amount")]


class PaymentForm(CaseForm):
    amount = forms.DecimalField(label=_("Amount paid"), min_value=Decimal("0.01"), max_digits=12, decimal_places=2)
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE)
    method = forms.CharField(label=_("How"), max_length=60, required=False, help_text=_("Cash, bank transfer, mobile wallet..."))
    reference = forms.CharField(label=_("Receipt or reference"), max_length=80, required=False)


class DrawdownForm(CaseForm):
    amount = forms.DecimalField(label=_("Amount to pay from the deposit (USD)"), min_value=Decimal("0.01"), max_digits=12,
                                decimal_places=2)
    reason = forms.CharField(label=_("How the agency failed to pay"), widget=TEXTAREA, max_length=2000)


class LegalAidForm(CaseForm):
    partner = forms.CharField(label=_("Legal aid partner"), max_length=200)
    referred_on = forms.DateField(label=_("Referred on"), widget=DATE, required=False)


class LegalAidResultForm(CaseForm):
    result = forms.CharField(label=_("Result"), widget=TEXTAREA)
    result_on = forms.DateField(label=_("Result on"), widget=DATE, required=False)


def check_upload(file) -> None:
    """The type and size the service accepts, checked early (the service also checks the content)."""
    name = (file.name or "").lower()
    ext = name.rsplit(".", 1)[-1] if "." in name else ""
    if ext not in ALLOWED_ATTACHMENT_TYPES:
        raise ValidationError(_("Upload a PDF, a photo (JPG, PNG, WEBP, HEIC) or a Word document."), code="type")
    if file.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(_("The file is larger than 5 MB."), code="size")


class AttachmentForm(CaseForm):
    file = forms.FileField(label=_("File"), help_text=_("PDF, JPG, PNG, WEBP, HEIC or DOCX, up to 5 MB."))
    description = forms.CharField(label=_("What it is"), max_length=200, help_text=_("e.g. contract, receipt, photo of injury"))
    share_with_agency = forms.BooleanField(label=_("Share with the respondent agency"), required=False)

    def clean_file(self):
        file = self.cleaned_data["file"]
        check_upload(file)
        return file


# --- Intake ----------------------------------------------------------------------------------------


def _agency_label(agency) -> str:
    return f"{agency.name} / {agency.name_km}" if agency.name_km else agency.name


class WorkerSearchForm(forms.Form):
    """Find the worker in the register: name and date of birth, or an ID, passport or phone number."""

    name = forms.CharField(label=_("Name (Latin or Khmer)"), max_length=120, required=False)
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=DATE, required=False)
    identifier = forms.CharField(label=_("or: national ID, passport or phone number"), max_length=32, required=False,
                                 widget=forms.TextInput(attrs={"autocomplete": "off"}))

    def clean(self):
        data = super().clean()
        if not data.get("identifier") and not (data.get("name") and data.get("date_of_birth")):
            raise ValidationError(_("Search by name and date of birth, or by an ID, passport or phone number."))
        return data


class NewWorkerForm(forms.Form):
    """The worker recorded on the spot: the few fields needed, irregular workers included."""

    name_latin = forms.CharField(label=_("Name in Latin letters"), max_length=120)
    name_km = forms.CharField(label=_("Name in Khmer"), max_length=120, required=False,
                              widget=forms.TextInput(attrs={"lang": "km"}))
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, widget=forms.RadioSelect)
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=DATE)
    home_province = forms.ModelChoiceField(label=_("Home province"), queryset=None)
    national_id = forms.CharField(label=_("National ID number"), max_length=32, required=False,
                                  widget=forms.TextInput(attrs={"autocomplete": "off"}))
    passport_number = forms.CharField(label=_("Passport number"), max_length=32, required=False,
                                      widget=forms.TextInput(attrs={"autocomplete": "off"}))
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False,
                            widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}))
    confirm_not_duplicate = forms.BooleanField(
        label=_("I have checked: this is a different person from the worker with the same name and date of birth."),
        required=False,
    )

    def __init__(self, *args, provinces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home_province"].queryset = provinces

    def fields_for_service(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "confirm_not_duplicate"}


WORKER_EXISTING, WORKER_NEW = "existing", "new"


class IntakeForm(forms.Form):
    """The complaint itself: who lodges it, where and how, grounds, what happened, the claim, trafficking signs."""

    worker_mode = forms.ChoiceField(
        label=_("The worker"), widget=forms.RadioSelect, initial=WORKER_NEW,
        choices=[(WORKER_EXISTING, _("The worker found in the register (chosen above)")),
                 (WORKER_NEW, _("A worker not in the register: record them now (below)"))],
    )
    worker_was_irregular = forms.BooleanField(label=_("The worker migrated irregularly (no agency or no documents)"),
                                              required=False)
    complainant_type = forms.ChoiceField(label=_("Lodged by"), choices=ComplainantType.choices, widget=forms.RadioSelect,
                                         initial=ComplainantType.WORKER)
    complainant_name = forms.CharField(label=_("Complainant's name (if not the worker)"), max_length=120, required=False)
    complainant_relation = forms.CharField(label=_("Relation to the worker"), max_length=60, required=False,
                                           help_text=_("e.g. mother, husband, union, NGO"))
    complainant_phone = forms.CharField(label=_("Complainant's phone"), max_length=32, required=False,
                                        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}))
    received_on = forms.DateField(label=_("Received on"), widget=DATE)
    lodged_at = forms.ChoiceField(label=_("Where lodged"), choices=LodgedAt.choices)
    lodged_province = forms.ModelChoiceField(label=_("Province of intake"), queryset=None)
    lodged_checkpoint = forms.ModelChoiceField(label=_("Checkpoint (if lodged on return)"), queryset=None, required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.WALK_IN)
    country = forms.ModelChoiceField(label=_("Country of work"), queryset=None, required=False)
    grounds = forms.MultipleChoiceField(
        label=_("Grounds"), choices=Ground.choices, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one ground.")},
    )
    narrative = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 6}),
                                error_messages={"required": _("Write down what the complainant says happened.")})
    confidential_notes = forms.CharField(label=_("Confidential notes"), widget=TEXTAREA, required=False,
                                         help_text=_("Never shown to the agency."))
    amount_claimed = forms.DecimalField(label=_("Amount claimed"), min_value=Decimal("0"), max_digits=12, decimal_places=2,
                                        initial=Decimal("0"))
    claim_currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCIES, initial="USD")
    trafficking_indicators = forms.MultipleChoiceField(
        label=_("Signs of trafficking or forced labour"), choices=TraffickingIndicator.choices,
        widget=forms.CheckboxSelectMultiple, required=False,
    )

    def __init__(self, *args, provinces, checkpoints, countries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lodged_province"].queryset = provinces
        self.fields["lodged_checkpoint"].queryset = checkpoints
        self.fields["country"].queryset = countries
        self.fields["received_on"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        if data.get("lodged_at") == LodgedAt.CHECKPOINT and not data.get("lodged_checkpoint"):
            self.add_error("lodged_checkpoint", _("Choose the checkpoint where the complaint was lodged."))
        if data.get("complainant_type") in (ComplainantType.FAMILY, ComplainantType.REPRESENTATIVE) and not data.get(
                "complainant_name"):
            self.add_error("complainant_name", _("Give the name of the person lodging the complaint."))
        return data

    def fields_for_service(self) -> dict:
        keys = ("received_on", "complainant_type", "complainant_name", "complainant_relation", "complainant_phone",
                "worker_was_irregular", "lodged_at", "lodged_province", "lodged_checkpoint", "channel", "country", "narrative",
                "confidential_notes", "amount_claimed", "claim_currency")
        return {k: self.cleaned_data[k] for k in keys}


class RespondentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Against"), required=False, choices=[("", "—"), *RespondentKind.choices])
    agency = forms.TypedChoiceField(label=_("Licensed agency"), required=False, coerce=int, empty_value=None)
    name = forms.CharField(label=_("Name (broker or employer)"), max_length=200, required=False)
    details = forms.CharField(label=_("Details (address, phone, where met)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, agency_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [("", "—"), *agency_choices]

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not (data.get("kind") or data.get("agency") or data.get("name") or data.get("details"))

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if not kind and (data.get("agency") or data.get("name") or data.get("details")):
            self.add_error("kind", _("Say who this respondent is: an agency, a broker or an employer."))
        elif kind == RespondentKind.AGENCY and not data.get("agency"):
            self.add_error("agency", _("Choose the agency from the register."))
        elif kind in (RespondentKind.BROKER, RespondentKind.EMPLOYER) and not data.get("name"):
            self.add_error("name", _("Give the name of the broker or employer."))
        return data


class BaseRespondentFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        if all(f.is_blank() for f in self.forms):
            raise ValidationError(_("Name at least one respondent: an agency, a broker or an employer."))

    def respondents(self, agencies: dict) -> list[dict]:
        out = []
        for form in self.forms:
            if form.is_blank():
                continue
            data = form.cleaned_data
            agency = agencies.get(data["agency"]) if data["kind"] == RespondentKind.AGENCY else None
            out.append({"kind": data["kind"], "agency": agency, "name": data["name"], "details": data["details"]})
        return out


RespondentFormSet = forms.formset_factory(RespondentForm, formset=BaseRespondentFormSet, extra=3, max_num=10)


class IntakeAttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"), required=False)
    description = forms.CharField(label=_("What it is"), max_length=200, required=False)
    share_with_agency = forms.BooleanField(label=_("Share with the agency"), required=False)

    def clean(self):
        data = super().clean()
        file = data.get("file")
        if file:
            try:
                check_upload(file)
            except ValidationError as exc:
                self.add_error("file", exc)
            if not (data.get("description") or "").strip():
                self.add_error("description", _("Say what the file is (e.g. 'contract', 'receipt')."))
        return data


IntakeAttachmentFormSet = forms.formset_factory(IntakeAttachmentForm, extra=3, max_num=10)


def attachments_of(formset) -> list[dict]:
    return [
        {"file": f.cleaned_data["file"], "description": f.cleaned_data["description"],
         "share_with_agency": f.cleaned_data["share_with_agency"]}
        for f in formset.forms if f.cleaned_data.get("file")
    ]


# --- The agency, the public --------------------------------------------------------------------------


class AgencyResponseForm(forms.Form):
    text = forms.CharField(label=_("Your response"), widget=forms.Textarea(attrs={"rows": 6}), max_length=10000)


class PublicStatusForm(forms.Form):
    ref = forms.CharField(label=_("Complaint reference"), max_length=16,
                          widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "C26-XXXXXXX",
                                                        "autocapitalize": "characters"}))
    date_of_birth = forms.DateField(label=_("The worker's date of birth"), widget=DATE)


# --- Admin --------------------------------------------------------------------------------------------


class ConfirmForm(forms.Form):
    """A bare confirmation: the CSRF token is the only field."""


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))


class DecisionNoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), required=False)


class RejectNoteForm(forms.Form):
    note = forms.CharField(label=_("Why the drawdown is rejected"), widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))
