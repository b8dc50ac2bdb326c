"""The worker register's records under the field-level change log (django-auditlog).

Identifiers are masked in the log itself, so the audit trail is no back door to them;
so is the free text of a reintegration case (the needs identified, the assessment notes,
the outcome notes of its referrals): "[masked]" when changed, never the words.
"""

from auditlog.registry import auditlog

from migration_portal.core.audit import MASK_CALLABLE

from .models import (
    Certificate,
    Deployment,
    EmploymentContract,
    JobOrder,
    LegalStatusRecord,
    PlacementContract,
    Referral,
    ReintegrationCase,
    ReturnRecord,
    SendingSuspension,
    Trainer,
    TrainingSession,
    WorkCertificate,
    Worker,
)

auditlog.register(
    Worker,
    exclude_fields=["national_id_hash", "passport_hash", "phone_hash", "updated"],
    mask_fields=["national_id", "passport_number", "phone", "next_of_kin_phone", "next_of_kin_name"],
)
# model: the free-text fields whose values the change log masks
MASKED_FIELDS = {
    ReintegrationCase: ["needs", "assessment_notes"],
    Referral: ["outcome_note"],
    LegalStatusRecord: ["note"],
}
for model in (
    Deployment, JobOrder, PlacementContract, EmploymentContract, SendingSuspension, Trainer,
    TrainingSession, Certificate, ReturnRecord, WorkCertificate,
):
    auditlog.register(model, exclude_fields=["updated"])
for model, fields in MASKED_FIELDS.items():
    auditlog.register(model, exclude_fields=["updated"], mask_fields=fields, mask_callable=MASK_CALLABLE)
