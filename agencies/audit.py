"""The agencies' governance records whose every change is attributable (django-auditlog)."""

from auditlog.registry import auditlog

from .models import (
    Advertisement,
    Agency,
    ChecklistItem,
    ChecklistTemplate,
    DepositEntry,
    Inspection,
    InspectionAction,
    InspectionResult,
    MonthlyReport,
    MonthlyReportLine,
    Representative,
    Sanction,
)

auditlog.register(Agency, m2m_fields={"authorised_countries"})
for model in (
    Representative,
    DepositEntry,
    Sanction,
    ChecklistTemplate,
    ChecklistItem,
    InspectionResult,
    InspectionAction,
    Advertisement,
    MonthlyReport,
    MonthlyReportLine,
):
    auditlog.register(model)
auditlog.register(Inspection, m2m_fields={"inspectors"})
