"""Forms of the pre-departure training pages (Prakas 046). They parse and check input;
``workers.training`` writes. Every choice (curricula, trainers, workers) comes in
already scoped by the view, so a posted id outside the user's scope is simply an
invalid choice."""

from __future__ import annotations

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from ..models import Attendance, Trainer

DATE_WIDGET = {"type": "date"}
# More than any orientation lasts (the national curriculum is about 24 hours): a cap
# that catches a typing slip before it reaches the database.
MAX_HOURS = 500


def trainer_covers(trainer: Trainer, starts_on: date, ends_on: date) -> bool:
    """The same rule ``session_complete`` applies: certified on the first and the last day."""
    return trainer.certified_on_date(starts_on) and trainer.certified_on_date(ends_on)


class TrainerChoiceField(forms.ModelChoiceField):
    """Each trainer with their certificate number and validity, so the agency chooses knowingly."""

    def label_from_instance(self, trainer: Trainer) -> str:
        label = _("%(name)s (%(number)s), certified %(start)s to %(end)s") % {
            "name": f"{trainer.name} {trainer.name_km}".strip(),
            "number": trainer.certificate_number,
            "start": date_format(trainer.certified_on, "Y-m-d"),
            "end": date_format(trainer.certified_until, "Y-m-d"),
        }
        if trainer.certified_until < timezone.localdate():
            label = _("%(label)s: EXPIRED") % {"label": label}
        return label


class CurriculumChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, curriculum) -> str:
        destination = curriculum.country.localized_name if curriculum.country_id else _("general (any destination)")
        return _("%(title)s v%(version)s, %(destination)s, %(hours)s hours") % {
            "title": curriculum.title,
            "version": curriculum.version,
            "destination": destination,
            "hours": curriculum.hours,
        }


class SessionForm(forms.Form):
    """A new session. A trainer whose certification does not cover the dates is
    allowed by the service, but its certificates would be issued NOT VALID and would
    not count for departure: the form stops and asks for an explicit confirmation."""

    curriculum = CurriculumChoiceField(
        label=_("Curriculum"),
        queryset=None,
        help_text=_("The current version of the national orientation: the general one or the one for the destination."),
        error_messages={
            "required": _("Choose the curriculum."),
            "invalid_choice": _("This curriculum version is not in use; choose a current one."),
        },
    )
    trainer = TrainerChoiceField(
        label=_("Trainer"),
        queryset=None,
        help_text=_("A trainer certified by the Ministry. Their certification must cover every day of the session."),
        error_messages={"required": _("Choose the trainer."), "invalid_choice": _("Choose a certified trainer from the list.")},
    )
    province = forms.ModelChoiceField(label=_("Province"), queryset=None, error_messages={"required": _("Choose the province.")})
    place = forms.CharField(
        label=_("Place"),
        max_length=200,
        help_text=_("The training centre and its address."),
        error_messages={"required": _("Say where the session is held.")},
    )
    starts_on = forms.DateField(
        label=_("First day"),
        widget=forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"),
        error_messages={"required": _("Give the first day."), "invalid": _("Enter a date such as 2025-03-01.")},
    )
    ends_on = forms.DateField(
        label=_("Last day"),
        widget=forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"),
        error_messages={"required": _("Give the last day."), "invalid": _("Enter a date such as 2025-03-03.")},
    )
    accept_not_valid = forms.BooleanField(
        label=_("I understand that certificates from this session will be NOT VALID and will not count for departure."),
        required=False,
    )

    def __init__(self, *args, curricula, trainers, provinces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["curriculum"].queryset = curricula
        self.fields["trainer"].queryset = trainers
        self.fields["province"].queryset = provinces
        self.trainer_not_covering = False

    def clean(self):
        data = super().clean()
        trainer, starts_on, ends_on = data.get("trainer"), data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("A session must end on or after the day it starts."))
            return data
        if trainer and starts_on and ends_on and not trainer_covers(trainer, starts_on, ends_on):
            self.trainer_not_covering = True
            if not data.get("accept_not_valid"):
                self.add_error(
                    "trainer",
                    _(
                        "%(name)s is certified from %(start)s to %(end)s, which does not cover the session's dates. "
                        "Certificates from this session would be NOT VALID and would not count for departure. "
                        "Choose another trainer, change the dates, or tick the box below to go on anyway."
                    )
                    % {
                        "name": trainer.name,
                        "start": date_format(trainer.certified_on, "Y-m-d"),
                        "end": date_format(trainer.certified_until, "Y-m-d"),
                    },
                )
        return data


class EnrolForm(forms.Form):
    """Workers to enrol: the agency's own workers not yet in the session."""

    workers = forms.ModelMultipleChoiceField(
        label=_("Workers"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Tick at least one worker to enrol."),
            "invalid_choice": _("One of the workers chosen is not among your workers, or is already enrolled."),
            "invalid_pk_value": _("One of the workers chosen is not among your workers, or is already enrolled."),
        },
    )

    def __init__(self, *args, workers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workers"].queryset = workers


class CompletionForm(forms.Form):
    """Who completed the session, with the hours each attended, and the issue date.

    One checkbox and one hours field per enrolled worker, named by the worker's id
    (``done_<id>``, ``hours_<id>``), so the page is a plain table."""

    issued_on = forms.DateField(
        label=_("Certificates issued on"),
        widget=forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"),
        error_messages={"required": _("Give the issue date."), "invalid": _("Enter a date such as 2025-03-04.")},
    )

    def __init__(self, *args, attendances: list[Attendance], default_hours: int, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("issued_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.attendances = attendances
        for a in attendances:
            # Labels name the worker, so the error summary says whose row is wrong.
            name = a.worker.name_latin
            self.fields[f"done_{a.worker_id}"] = forms.BooleanField(
                label=_("%(name)s completed") % {"name": name}, required=False, initial=True
            )
            self.fields[f"hours_{a.worker_id}"] = forms.IntegerField(
                label=_("Hours attended by %(name)s") % {"name": name},
                min_value=0,
                max_value=MAX_HOURS,
                initial=default_hours,
                widget=forms.NumberInput(attrs={"min": 0, "max": MAX_HOURS, "step": 1, "inputmode": "numeric"}),
                error_messages={
                    "required": _("Give the hours (0 if absent)."),
                    "invalid": _("must be a whole number."),
                    "min_value": _("cannot be negative."),
                    "max_value": _("is too large."),
                },
            )

    def rows(self):
        """(attendance, completed field, hours field) for the template."""
        return [(a, self[f"done_{a.worker_id}"], self[f"hours_{a.worker_id}"]) for a in self.attendances]

    def clean(self):
        data = super().clean()
        for a in self.attendances:
            if data.get(f"done_{a.worker_id}") and data.get(f"hours_{a.worker_id}") == 0:
                self.add_error(f"hours_{a.worker_id}", _("A worker who completed the session attended some hours."))
        return data

    def completed_ids(self) -> set[int]:
        return {a.worker_id for a in self.attendances if self.cleaned_data.get(f"done_{a.worker_id}")}

    def hours(self) -> dict[int, int]:
        return {a.worker_id: self.cleaned_data[f"hours_{a.worker_id}"] for a in self.attendances}


def add_service_errors(form: forms.BaseForm, exc: ValidationError, *, fallback: str | None = None) -> None:
    """A service's ValidationError on the form: beside the field it names when the form has
    that field, else on ``fallback`` (None: the form's own errors, prefixed by the name)."""
    if hasattr(exc, "error_dict"):
        for name, messages in exc.message_dict.items():
            target = name if name in form.fields else fallback
            for message in messages:
                form.add_error(target, message)
    else:
        for message in exc.messages:
            form.add_error(fallback, message)
