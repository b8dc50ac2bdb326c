"""Complaint records under the field-level change log.

The log records who changed what and when, but never a victim's account in clear:
the free text of a case (what happened, confidential notes, trafficking indicators,
the complainant's name and phone, respondent details, attachment descriptions, meeting
minutes and positions, settlement terms, the agency's answer, legal-aid results) is
written as "[masked]" (changed) or empty, and an attachment is named by its number,
not its description. docs/security.md, "Change log and restricted cases", lists them.
"""

from auditlog.registry import auditlog

from migration_portal.core.audit import MASK_CALLABLE, redact_repr

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

# model: the fields whose values the change log masks
MASKED_FIELDS = {
    Complaint: ["narrative", "confidential_notes", "trafficking_indicators", "complainant_name", "complainant_phone"],
    Respondent: ["details"],
    Attachment: ["description"],
    ConciliationMeeting: ["participants", "agency_response", "minutes"],
    Settlement: ["terms"],
    AgencyResponse: ["text"],
    LegalAidReferral: ["result"],
}

auditlog.register(Complaint, exclude_fields=["updated"], mask_fields=MASKED_FIELDS[Complaint], mask_callable=MASK_CALLABLE,
                  m2m_fields={"handlers"})
for model in (Respondent, Attachment, ConciliationMeeting, Settlement, Instalment, Payment, DrawdownProposal, AgencyResponse,
              LegalAidReferral, StageTimeLimit, AnnualReport):
    auditlog.register(model, exclude_fields=["updated"], mask_fields=MASKED_FIELDS.get(model, []), mask_callable=MASK_CALLABLE)
redact_repr(Attachment)
