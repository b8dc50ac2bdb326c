"""The migrant worker: a person who will be, is, or has been in paid work abroad."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedCharField

from migration_portal.core.fields import EncryptedCharField as FreeTextEncryptedCharField
from migration_portal.core.models import BaseModel
from migration_portal.reference.choices import Sex

from ..choices import Education
from ..pii import mask
from ..querysets import WorkerQuerySet


class Worker(BaseModel):
    """A migrant worker, regular or irregular, with or without an agency (policy definition).

    National ID, passport and phone numbers are encrypted; the ``*_hash`` columns
    beside them hold a keyed hash for exact lookup and duplicate detection.
    """

    #: Fields holding personal identifiers: they drive masking and the read log.
    SENSITIVE_FIELDS = ("national_id", "passport_number", "phone", "next_of_kin_phone")
    #: Lookup hash column -> (encrypted field, kind for pii_hash); `rehash_identifiers` reads it.
    PII_HASH_FIELDS = {
        "national_id_hash": ("national_id", "national_id"),
        "passport_hash": ("passport_number", "passport"),
        "phone_hash": ("phone", "phone"),
    }

    ref = models.UUIDField(_("reference"), default=uuid.uuid4, unique=True, editable=False)
    name_km = models.CharField(_("name in Khmer"), max_length=120, blank=True)
    name_latin = models.CharField(_("name in Latin letters"), max_length=120)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    date_of_birth = models.DateField(_("date of birth"))
    national_id = EncryptedCharField(_("national ID number"), max_length=32, blank=True, null=True)
    national_id_hash = models.CharField(max_length=64, blank=True, editable=False)
    passport_number = EncryptedCharField(_("passport number"), max_length=32, blank=True, null=True)
    passport_hash = models.CharField(max_length=64, blank=True, editable=False)
    passport_expiry = models.DateField(_("passport expiry"), null=True, blank=True)
    phone = EncryptedCharField(_("phone"), max_length=32, blank=True, null=True)
    phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    home_province = models.ForeignKey(
        "reference.Province", on_delete=models.PROTECT, related_name="+", verbose_name=_("home province")
    )
    district = models.CharField(_("district"), max_length=80, blank=True)
    commune = models.CharField(_("commune"), max_length=80, blank=True)
    village = models.CharField(_("village"), max_length=80, blank=True)
    next_of_kin_name = FreeTextEncryptedCharField(_("next of kin"), max_length=120, blank=True)
    next_of_kin_relation = models.CharField(_("relation"), max_length=40, blank=True)
    next_of_kin_phone = EncryptedCharField(_("next of kin's phone"), max_length=32, blank=True, null=True)
    education = models.CharField(_("education"), max_length=20, choices=Education.choices, blank=True)
    skills = models.TextField(_("skills and experience"), blank=True)
    registered_by_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="registered_workers",
        verbose_name=_("registered by agency"),
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("registered by")
    )
    # Set when a person confirms that a flagged possible duplicate is a different person.
    duplicate_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("duplicate warning overridden by"),
    )

    objects = WorkerQuerySet.as_manager()

    class Meta:
        verbose_name = _("migrant worker")
        verbose_name_plural = _("migrant workers")
        ordering = ["-created", "-id"]
        permissions = [("view_worker_identifiers", _("Can see national ID, passport and phone numbers unmasked"))]
        constraints = [
            models.CheckConstraint(condition=Q(sex__in=Sex.values), name="workers_worker_sex_valid"),
            models.UniqueConstraint(
                fields=["national_id_hash"], condition=~Q(national_id_hash=""), name="workers_worker_unique_national_id",
                violation_error_message=_("A worker with this national ID is already registered."),
            ),
            models.UniqueConstraint(
                fields=["passport_hash"], condition=~Q(passport_hash=""), name="workers_worker_unique_passport",
                violation_error_message=_("A worker with this passport number is already registered."),
            ),
        ]
        indexes = [
            models.Index(fields=["date_of_birth", "name_latin"], name="workers_worker_dob_name_idx"),
            models.Index(fields=["phone_hash"], name="workers_worker_phone_idx"),
            models.Index(fields=["home_province", "-created"], name="workers_worker_province_idx"),
            models.Index(fields=["registered_by_agency", "-created"], name="workers_worker_agency_idx"),
            models.Index(fields=["-created", "-id"], name="workers_worker_recent_idx"),
            # The "by sex" statistics join every deployment to its worker: this narrow index
            # lets PostgreSQL read sex and province without touching the wide (encrypted) rows.
            models.Index(fields=["id", "sex", "home_province"], name="workers_worker_sex_idx"),
            # Trigram indexes on the names (PostgreSQL only) are created in migration 0002.
        ]

    def __str__(self) -> str:
        return f"{self.name_latin} ({self.date_of_birth:%Y-%m-%d})"

    @property
    def display_name(self) -> str:
        return f"{self.name_km} / {self.name_latin}" if self.name_km else self.name_latin

    @property
    def masked_national_id(self) -> str:
        return mask(self.national_id)

    @property
    def masked_passport(self) -> str:
        return mask(self.passport_number)

    @property
    def masked_phone(self) -> str:
        return mask(self.phone)
