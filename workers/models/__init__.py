from .deployments import (
    Deployment,
    EmploymentContract,
    Employer,
    JobOrder,
    LegalStatusRecord,
    PlacementContract,
    SendingSuspension,
)
from .people import Worker
from .reporting import ReportDifference
from .returns import ReintegrationCase, Referral, ReturnRecord, WorkCertificate
from .training import Attendance, Certificate, Curriculum, CurriculumModule, Trainer, TrainingSession

__all__ = [
    "Attendance",
    "Certificate",
    "Curriculum",
    "CurriculumModule",
    "Deployment",
    "Employer",
    "EmploymentContract",
    "JobOrder",
    "LegalStatusRecord",
    "PlacementContract",
    "ReintegrationCase",
    "ReportDifference",
    "Referral",
    "ReturnRecord",
    "SendingSuspension",
    "Trainer",
    "TrainingSession",
    "WorkCertificate",
    "Worker",
]
