from django.db import models
from django.utils.translation import gettext_lazy as _


class Education(models.TextChoices):
    NONE = "none", _("No schooling")
    PRIMARY = "primary", _("Primary")
    LOWER_SECONDARY = "lower_secondary", _("Lower secondary")
    UPPER_SECONDARY = "upper_secondary", _("Upper secondary")
    VOCATIONAL = "vocational", _("Technical or vocational")
    TERTIARY = "tertiary", _("University")


class Channel(models.TextChoices):
    AGENCY = "agency", _("Licensed recruitment agency")
    G2G = "g2g", _("Government-to-government (e.g. EPS through MTOSB)")
    IRREGULAR = "irregular", _("Irregular (no agency, no documents)")


class DeploymentStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    TRAINED = "trained", _("Pre-departure training done")
    CONTRACT_APPROVED = "contract_approved", _("Contracts approved")
    DEPARTED = "departed", _("Departed")
    ABROAD = "abroad", _("Working abroad")
    RETURNED = "returned", _("Returned")
    CANCELLED = "cancelled", _("Cancelled")


# The deployment lifecycle. Every change goes through
# workers.services.deployment_transition, which reads this table and then the rules.
DEPLOYMENT_TRANSITIONS: dict[str, set[str]] = {
    DeploymentStatus.REGISTERED: {DeploymentStatus.TRAINED, DeploymentStatus.CANCELLED, DeploymentStatus.ABROAD},
    DeploymentStatus.TRAINED: {DeploymentStatus.CONTRACT_APPROVED, DeploymentStatus.CANCELLED},
    DeploymentStatus.CONTRACT_APPROVED: {DeploymentStatus.DEPARTED, DeploymentStatus.CANCELLED},
    DeploymentStatus.DEPARTED: {DeploymentStatus.ABROAD, DeploymentStatus.RETURNED},
    DeploymentStatus.ABROAD: {DeploymentStatus.RETURNED},
    DeploymentStatus.RETURNED: set(),
    DeploymentStatus.CANCELLED: set(),
}
PRE_DEPARTURE = (DeploymentStatus.REGISTERED, DeploymentStatus.TRAINED, DeploymentStatus.CONTRACT_APPROVED)
OUT_OF_COUNTRY = (DeploymentStatus.DEPARTED, DeploymentStatus.ABROAD)


class LegalStatus(models.TextChoices):
    REGULAR = "regular", _("Regular")
    OVERSTAYED = "overstayed", _("Overstayed")
    IRREGULAR = "irregular", _("Irregular")
    REGULARISED = "regularised", _("Regularised")


class JobOrderStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted for vetting")
    APPROVED = "approved", _("Vetted and approved")
    REJECTED = "rejected", _("Rejected")


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class PlacementArticle(models.TextChoices):
    """Mandatory articles of the job-placement service contract (Prakas 253)."""

    PARTIES = "parties", _("Identity of the worker and the agency")
    JOB = "job", _("Job, employer and workplace abroad")
    WAGE = "wage", _("Wage, overtime and benefits")
    DURATION = "duration", _("Contract duration and renewal")
    FEES = "fees", _("Service fees, amounts and payment schedule")
    TRAINING = "training", _("Pre-departure training")
    COSTS = "costs", _("Travel, documents and medical costs and who pays them")
    RIGHTS = "rights", _("Worker's rights and how to complain")
    REPATRIATION = "repatriation", _("Repatriation in case of end, illness or abuse")
    DISPUTES = "disputes", _("Settlement of disputes")


class KeyProtection(models.TextChoices):
    """Key protections every employment contract must contain (policy 3.2)."""

    DAYS_OFF = "days_off", _("Weekly days off")
    HOURS = "hours", _("Working hours")
    SOCIAL_SECURITY = "social_security", _("Social security and its portability")
    SKILLS = "skills", _("Skills certification")
    MINIMUM_WAGE = "minimum_wage", _("At least the minimum wage")
    CONDITIONS = "conditions", _("Decent working and living conditions")


class ReturnReason(models.TextChoices):
    COMPLETED = "completed", _("Contract completed")
    ENDED_EARLY = "ended_early", _("Contract ended early")
    DEPORTED = "deported", _("Deported")
    CRISIS = "crisis", _("Crisis or evacuation")
    ABUSE = "abuse", _("Abuse or exploitation")
    ILLNESS = "illness", _("Illness or injury")


class ReferralKind(models.TextChoices):
    JOB_PLACEMENT = "job_placement", _("Job placement (NEA job centre)")
    SKILLS_RECOGNITION = "skills_recognition", _("Recognition of skills and prior learning")
    VOCATIONAL_TRAINING = "vocational_training", _("Vocational training")
    ENTERPRISE = "enterprise", _("Enterprise and financial services")
    SAVINGS_REFUND = "savings_refund", _("Refund of savings-fund contributions")
    PSYCHOSOCIAL = "psychosocial", _("Psychosocial support")
    HEALTH = "health", _("Health care")
    LEGAL = "legal", _("Legal aid")
    FAMILY = "family", _("Family reunification")


class ReferralOutcome(models.TextChoices):
    PENDING = "", _("No outcome yet")
    ACHIEVED = "achieved", _("Achieved")
    PARTLY = "partly", _("Partly achieved")
    NOT_ACHIEVED = "not_achieved", _("Not achieved")
    DECLINED = "declined", _("Declined by the returnee")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open: awaiting assessment")
    ASSESSED = "assessed", _("Assessed: referrals under way")
    CLOSED = "closed", _("Closed")
