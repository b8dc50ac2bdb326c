from django.db import models
from django.utils.translation import gettext_lazy as _


class ComplainantType(models.TextChoices):
    WORKER = "worker", _("The worker")
    FAMILY = "family", _("A family member on the worker's behalf")
    REPRESENTATIVE = "representative", _("A representative (union, NGO, lawyer)")


class LodgedAt(models.TextChoices):
    PROVINCE = "province", _("Provincial department of labour")
    RESOURCE_CENTRE = "mrc", _("Migrant Worker Resource Centre")
    EMBASSY = "embassy", _("Embassy or labour attaché abroad")
    CHECKPOINT = "checkpoint", _("On return, at a border checkpoint")


class Channel(models.TextChoices):
    WALK_IN = "walk_in", _("Walk-in")
    PHONE = "phone", _("Phone or hotline")
    LETTER = "letter", _("Letter")
    ONLINE = "online", _("Online")


class RespondentKind(models.TextChoices):
    AGENCY = "agency", _("Licensed recruitment agency")
    BROKER = "broker", _("Unlicensed broker")
    EMPLOYER = "employer", _("Employer abroad")


class Ground(models.TextChoices):
    """The grounds of a complaint (Prakas 249; 2020 grievance guideline)."""

    FEES = "fees", _("Fees and costs")
    DELAY = "delay", _("Delay in deployment")
    DECEPTION = "deception", _("Deception about the job")
    WAGES = "wages", _("Unpaid or underpaid wages")
    CONDITIONS = "conditions", _("Working conditions")
    ABUSE = "abuse", _("Abuse or violence")
    DOCUMENTS = "documents", _("Documents withheld")
    SUBSTITUTION = "substitution", _("Contract substitution")
    REPATRIATION = "repatriation", _("Repatriation")


class TraffickingIndicator(models.TextChoices):
    """ILO indicators of forced labour and trafficking an officer can tick at intake."""

    DECEPTION = "deception", _("Deceptive recruitment")
    RESTRICTED_MOVEMENT = "movement", _("Restricted movement or confinement")
    ISOLATION = "isolation", _("Isolation")
    VIOLENCE = "violence", _("Physical or sexual violence")
    THREATS = "threats", _("Intimidation and threats")
    DOCUMENTS = "documents", _("Retention of identity documents")
    WAGES = "wages", _("Withholding of wages")
    DEBT = "debt", _("Debt bondage")
    CONDITIONS = "conditions", _("Abusive working and living conditions")
    OVERTIME = "overtime", _("Excessive overtime")
    MINOR = "minor", _("The person was a child when recruited")


class Stage(models.TextChoices):
    RECEIVED = "received", _("Received")
    ASSESSMENT = "assessment", _("Under assessment")
    SCHEDULED = "scheduled", _("Conciliation scheduled")
    HELD = "held", _("Conciliation held")
    SETTLED = "settled", _("Settled")
    REFERRED = "referred", _("Not settled: referred")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CLOSED = "closed", _("Closed")


# The handling process. Every change goes through complaints.services.complaint_transition.
STAGE_TRANSITIONS: dict[str, set[str]] = {
    Stage.RECEIVED: {Stage.ASSESSMENT, Stage.WITHDRAWN},
    Stage.ASSESSMENT: {Stage.SCHEDULED, Stage.REFERRED, Stage.WITHDRAWN, Stage.CLOSED},
    Stage.SCHEDULED: {Stage.HELD, Stage.WITHDRAWN},
    Stage.HELD: {Stage.SCHEDULED, Stage.SETTLED, Stage.REFERRED, Stage.WITHDRAWN},
    Stage.SETTLED: {Stage.CLOSED},
    Stage.REFERRED: {Stage.CLOSED},
    Stage.WITHDRAWN: {Stage.CLOSED},
    Stage.CLOSED: set(),
}
OPEN_STAGES = (Stage.RECEIVED, Stage.ASSESSMENT, Stage.SCHEDULED, Stage.HELD)
RESOLVED_STAGES = (Stage.SETTLED, Stage.REFERRED, Stage.WITHDRAWN, Stage.CLOSED)

# Time limits per stage (days) until ministry staff set their own.
DEFAULT_STAGE_DAYS = {Stage.RECEIVED: 3, Stage.ASSESSMENT: 14, Stage.SCHEDULED: 21, Stage.HELD: 14}


class ReferredTo(models.TextChoices):
    COURT = "court", _("Court")
    ARBITRATION = "arbitration", _("Arbitration Council")
    POLICE = "police", _("Police / prosecution")


class Payer(models.TextChoices):
    AGENCY = "agency", _("The recruitment agency")
    EMPLOYER = "employer", _("The employer abroad")
    BROKER = "broker", _("The broker")


class DrawdownStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed to the ministry")
    APPROVED = "approved", _("Approved and paid from the deposit")
    REJECTED = "rejected", _("Rejected")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft for tripartite review")
    PUBLISHED = "published", _("Approved and published")
