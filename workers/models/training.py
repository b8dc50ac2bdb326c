"""Pre-departure orientation (Prakas 046, policy 7.1, 15.4): curricula, certified trainers,
sessions, attendance, and each worker's certificate."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from migration_portal.core.models import BaseModel

from ..querysets import CertificateQuerySet, ReferenceTrainingQuerySet, TrainingQuerySet, WorkerChildQuerySet


def certificate_number() -> str:
    """PDO-YYYY-XXXXXXXX: non-guessable, unambiguous characters, safe to print and read aloud."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return f"PDO-{timezone.localdate():%Y}-" + "".join(secrets.choice(alphabet) for _ in range(8))


class Curriculum(BaseModel):
    """A version of the national pre-departure orientation, general or for one destination."""

    title = models.CharField(_("title"), max_length=200)
    country = models.ForeignKey(
        "reference.Country", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("destination"), help_text=_("Empty for the general version."),
    )
    version = models.PositiveSmallIntegerField(_("version"))
    hours = models.PositiveSmallIntegerField(_("hours"), default=24)
    is_current = models.BooleanField(_("current"), default=True)

    objects = ReferenceTrainingQuerySet.as_manager()

    class Meta:
        verbose_name = _("curriculum")
        verbose_name_plural = _("curricula")
        ordering = ["country__name", "-version"]
        constraints = [models.UniqueConstraint(fields=["country", "version"], name="workers_curriculum_version_unique")]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class CurriculumModule(models.Model):
    """A module of a curriculum (rights at work, culture, money, health, getting help...)."""

    curriculum = models.ForeignKey(Curriculum, on_delete=models.CASCADE, related_name="modules", verbose_name=_("curriculum"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=200)
    title_km = models.CharField(_("title in Khmer"), max_length=200, blank=True)
    hours = models.PositiveSmallIntegerField(_("hours"), default=2)

    objects = ReferenceTrainingQuerySet.as_manager()

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")
        ordering = ["curriculum", "order"]

    def __str__(self) -> str:
        return self.title


class Trainer(BaseModel):
    """A trainer certified by MOLVT to deliver the orientation; the certificate has a validity."""

    name = models.CharField(_("name"), max_length=120)
    name_km = models.CharField(_("name in Khmer"), max_length=120, blank=True)
    certificate_number = models.CharField(_("trainer certificate number"), max_length=40, unique=True)
    certified_on = models.DateField(_("certified on"))
    certified_until = models.DateField(_("certified until"))
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.SET_NULL, null=True, blank=True, related_name="trainers", verbose_name=_("agency")
    )

    objects = ReferenceTrainingQuerySet.as_manager()

    class Meta:
        verbose_name = _("certified trainer")
        verbose_name_plural = _("certified trainers")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(certified_until__gt=F("certified_on")), name="workers_trainer_dates")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.certificate_number})"

    def certified_on_date(self, day) -> bool:
        return self.certified_on <= day <= self.certified_until


class TrainingSession(BaseModel):
    """One delivery of the orientation by an agency (or the ministry) with one trainer."""

    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="training_sessions", verbose_name=_("agency")
    )
    curriculum = models.ForeignKey(Curriculum, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("curriculum"))
    trainer = models.ForeignKey(Trainer, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("trainer"))
    province = models.ForeignKey("reference.Province", on_delete=models.PROTECT, related_name="+", verbose_name=_("province"))
    place = models.CharField(_("place"), max_length=200)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    completed = models.BooleanField(_("completion recorded"), default=False, editable=False)

    objects = TrainingQuerySet.as_manager()

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="workers_session_dates",
                violation_error_message=_("A session must end on or after the day it starts."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.curriculum} {self.starts_on} ({self.place})"


class Attendance(models.Model):
    """A worker enrolled in a session, and whether they completed it."""

    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("session"))
    worker = models.ForeignKey("workers.Worker", on_delete=models.PROTECT, related_name="attendances", verbose_name=_("worker"))
    completed = models.BooleanField(_("completed"), default=False)
    hours_attended = models.PositiveSmallIntegerField(_("hours attended"), default=0)

    objects = WorkerChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["session", "worker"], name="workers_attendance_once")]

    def __str__(self) -> str:
        return f"{self.worker} @ {self.session}"


class Certificate(BaseModel):
    """A worker's pre-departure orientation certificate: a condition of departure.

    Its number is public-verifiable. A certificate is valid only if its trainer was
    certified on the session's dates; otherwise it is issued as not valid, with the reason.
    """

    number = models.CharField(_("certificate number"), max_length=24, unique=True, default=certificate_number, editable=False)
    worker = models.ForeignKey("workers.Worker", on_delete=models.PROTECT, related_name="certificates", verbose_name=_("worker"))
    session = models.ForeignKey(TrainingSession, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("session"))
    issued_on = models.DateField(_("issued on"))
    is_valid = models.BooleanField(_("valid"), default=True, editable=False)
    invalid_reason = models.CharField(_("why not valid"), max_length=200, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("revoked by")
    )

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("orientation certificate")
        verbose_name_plural = _("orientation certificates")
        ordering = ["-issued_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["worker", "session"], name="workers_certificate_once")]

    def __str__(self) -> str:
        return self.number
