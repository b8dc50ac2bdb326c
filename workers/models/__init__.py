from .deployments import (
    Deployment,
    Employer,
    EmploymentContract,
    JobOrder,
    LegalStatusRecord,
    PlacementContract,
    SendingSuspension,
)
from .people import Worker
from .reporting import ReportDifference
from .returns import Referral, ReintegrationCase, ReturnRecord, WorkCertificate
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
    "Referral",
    "ReintegrationCase",
    "ReportDifference",
    "ReturnRecord",
    "SendingSuspension",
    "Trainer",
    "TrainingSession",
    "WorkCertificate",
    "Worker",
]
