"""Shared models: the abstract base, the event timeline, notifications and background jobs."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .scoping import Role, ScopedQuerySet, about_visible_subjects, scope_for


class BaseModel(models.Model):
    """Timestamps every portal row carries."""

    created = models.DateTimeField(_("created"), default=timezone.now, editable=False, db_index=False)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class EventQuerySet(ScopedQuerySet):
    """An event is seen by ministry staff who may see the record it is about (a restricted
    complaint's steps by its handlers only); agencies and provinces read timelines only
    on the pages of records already read through their scope."""

    about_other_rows = True

    def visible_to(self, user):
        if scope_for(user).role is not Role.MINISTRY:
            return self.none()
        return self.filter(about_visible_subjects(user, text_ids=True))


class Event(models.Model):
    """One step in the life of a governance record: who did what to it, and when.

    Services write events; nothing edits or deletes them. The admin shows them
    read-only beside the field-level change log kept by django-auditlog.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, verbose_name=_("record type"))
    object_id = models.CharField(_("record id"), max_length=64)
    code = models.CharField(_("event"), max_length=64)
    message = models.TextField(_("message"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    created = models.DateTimeField(_("when"), default=timezone.now)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "created"], name="core_event_subject_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.created:%Y-%m-%d %H:%M}"


class NotificationQuerySet(ScopedQuerySet):
    def for_agency(self, agency_id):
        return self.none()

    def visible_to(self, user):
        # Everyone sees their own notifications, whatever their role.
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """A message to one user, shown in the portal and sent by e-mail once.

    ``dedupe_key`` is unique: a task that runs twice, or is retried, finds the
    row already there and sends nothing the second time.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    dedupe_key = models.CharField(_("key"), max_length=200)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                name="core_notification_once",
                violation_error_message=_("This notification was already sent."),
            )
        ]
        indexes = [models.Index(fields=["recipient", "read_at", "created"], name="core_notif_inbox_idx")]

    def __str__(self) -> str:
        return self.subject


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class BackgroundJobQuerySet(ScopedQuerySet):
    agency_field = "agency"
    province_field = "province"


class BackgroundJob(models.Model):
    """A long job started by a person (an import, an export, a report), with its progress and errors."""

    kind = models.CharField(_("kind"), max_length=64)
    status = models.CharField(_("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveIntegerField(_("rows done"), default=0)
    total = models.PositiveIntegerField(_("rows"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    file = models.FileField(_("file"), upload_to="jobs/%Y/%m/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("started by")
    )
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("agency")
    )
    province = models.ForeignKey(
        "reference.Province", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("province")
    )
    created = models.DateTimeField(_("started"), default=timezone.now)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = BackgroundJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=JobStatus.values), name="core_job_status_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def percent(self) -> int:
        return int(100 * self.progress / self.total) if self.total else (100 if self.finished else 0)
