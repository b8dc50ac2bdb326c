"""The worker register's records under the field-level change log (django-auditlog).

Identifiers are masked in the log itself, so the audit trail is no back door to them.
"""

from auditlog.registry import auditlog

from .models import (
    Certificate,
    Deployment,
    EmploymentContract,
    JobOrder,
    LegalStatusRecord,
    PlacementContract,
    ReintegrationCase,
    Referral,
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
    mask_fields=["national_id", "passport_number", "phone", "next_of_kin_phone"],
)
for model in (
    Deployment, JobOrder, LegalStatusRecord, PlacementContract, EmploymentContract, SendingSuspension, Trainer,
    TrainingSession, Certificate, ReturnRecord, ReintegrationCase, Referral, WorkCertificate,
):
    auditlog.register(model, exclude_fields=["updated"])
