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
    # Set only once the mail server has accepted the message; until then the sweep
    # (core.tasks.resend_unsent_emails) tries again, up to a limit of failed attempts.
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(_("failed e-mail attempts"), default=0)
    email_failed_at = models.DateTimeField(_("last e-mail failure"), null=True, blank=True)

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
        indexes = [
            models.Index(fields=["recipient", "read_at", "created"], name="core_notif_inbox_idx"),
            # The e-mail sweep reads only the few not yet sent.
            models.Index(fields=["created"], condition=models.Q(emailed_at__isnull=True), name="core_notif_unsent_idx"),
        ]

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
    # When the job was last put on the queue, and when a worker last claimed it: the
    # sweep (core.tasks.requeue_jobs) sends again a job queued too long ago and returns
    # to the queue a job whose worker died while running it (see core/jobs.py).
    queued_at = models.DateTimeField(_("queued"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed by a worker"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
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
        # The sweep's two questions: queued since when, running since when.
        indexes = [models.Index(fields=["status", "queued_at"], name="core_job_sweep_idx")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def percent(self) -> int:
        return int(100 * self.progress / self.total) if self.total else (100 if self.finished else 0)


class AccessKind(models.TextChoices):
    READ = "read", _("Opened a restricted case")
    EXPORT = "export", _("Exported personal data")
    IDENTIFIERS = "identifiers", _("Unmasked identity numbers")


class AccessChannel(models.TextChoices):
    PAGE = "page", _("Portal page")
    ADMIN = "admin", _("Admin")
    API = "api", _("API")


class AccessLogQuerySet(ScopedQuerySet):
    """Directors (and superusers) read the access log; nobody else, whatever their role.

    Agency users and provincial officers see none of it (no agency or province field),
    and among ministry staff only the Directors group passes."""

    def for_ministry(self, scope):
        from .scoping import DIRECTORS

        return self.all() if scope.in_group(DIRECTORS) else self.none()

    # Append-only: a bulk edit or delete through the ORM is refused as well.
    def update(self, **kwargs):
        raise TypeError("The access log is append-only.")

    def delete(self):
        raise TypeError("The access log is append-only.")


class AccessLog(models.Model):
    """One read or export of personal data: who, when, what, through which channel.

    Written by ``core.access.access_record`` (opening a restricted complaint, unmasking a
    worker's identity numbers, downloading a certificate or any other export of personal
    data); never edited or deleted (the queryset and ``save`` refuse it, and on PostgreSQL
    a trigger does too). Separate from the change log (django-auditlog), which records
    writes. It holds references and counts, never identity numbers or narratives.
    """

    created = models.DateTimeField(_("when"), default=timezone.now, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("who"), editable=False
    )
    kind = models.CharField(_("kind"), max_length=16, choices=AccessKind.choices, editable=False)
    channel = models.CharField(_("channel"), max_length=8, choices=AccessChannel.choices, editable=False)
    what = models.CharField(_("what"), max_length=64, editable=False,
                            help_text=_("The page, export or part read (e.g. complaint, attachment, certificate PDF)."))
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("record type"),
        editable=False,
    )
    object_id = models.CharField(_("record id"), max_length=64, blank=True, editable=False)
    label = models.CharField(_("record"), max_length=80, blank=True, editable=False,
                             help_text=_("The record's reference or number, never a name or an identity number."))
    filters = models.JSONField(_("filters"), default=dict, blank=True, editable=False)
    rows = models.PositiveIntegerField(_("rows"), null=True, blank=True, editable=False)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data access log")
        ordering = ["-created", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=AccessKind.values), name="core_access_kind_valid"),
            models.CheckConstraint(condition=models.Q(channel__in=AccessChannel.values), name="core_access_channel_valid"),
        ]
        indexes = [
            models.Index(fields=["content_type", "object_id", "created"], name="core_access_subject_idx"),
            models.Index(fields=["user", "created"], name="core_access_user_idx"),
            models.Index(fields=["created"], name="core_access_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.label or self.what} {self.created:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The access log is append-only.")
