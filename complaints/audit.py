"""Complaint records under the field-level change log; the complainant's phone is masked there."""

from auditlog.registry import auditlog

from .models import (
    AgencyResponse,
    AnnualReport,
    Attachment,
    Complaint,
    ConciliationMeeting,
    DrawdownProposal,
    Instalment,
    LegalAidReferral,
    Payment,
    Respondent,
    Settlement,
    StageTimeLimit,
)

auditlog.register(Complaint, exclude_fields=["updated"], mask_fields=["complainant_phone"], m2m_fields={"handlers"})
for model in (Respondent, Attachment, ConciliationMeeting, Settlement, Instalment, Payment, DrawdownProposal, AgencyResponse,
              LegalAidReferral, StageTimeLimit, AnnualReport):
    auditlog.register(model, exclude_fields=["updated"])
