"""Roles as Django groups, and the permissions each carries.

This table is the reviewed source of truth: after every ``migrate`` the groups
are brought in line with it (missing permissions added, stray ones removed).
Row scope (which agency, which province) is not here but in ``visible_to``.
"""

from django.contrib.auth.models import Group, Permission

from migration_portal.core.scoping import (
    AGENCY_USERS,
    COMPLAINTS,
    DIRECTORS,
    INSPECTION,
    LICENSING,
    PROVINCIAL_OFFICERS,
    STATISTICS,
)

VIEW = ("view",)
ALL = ("view", "add", "change", "delete")
EDIT = ("view", "add", "change")

REFERENCE_READ = {
    "reference.province": VIEW,
    "reference.country": VIEW,
    "reference.sector": VIEW,
    "reference.checkpoint": VIEW,
}
AGENCY_READ = {
    "agencies.agency": VIEW,
    "agencies.licencechange": VIEW,
    "agencies.depositentry": VIEW,
    "agencies.representative": VIEW,
    "agencies.sanction": VIEW,
    "agencies.inspection": VIEW,
    "agencies.inspectionresult": VIEW,
    "agencies.inspectionaction": VIEW,
    "agencies.checklisttemplate": VIEW,
    "agencies.checklistitem": VIEW,
    "agencies.advertisement": VIEW,
    "agencies.monthlyreport": VIEW,
    "agencies.monthlyreportline": VIEW,
    "core.backgroundjob": VIEW,
    "core.event": VIEW,
}

WORKER_READ = {
    "workers.worker": VIEW,
    "workers.deployment": VIEW,
    "workers.joborder": VIEW,
    "workers.employer": VIEW,
    "workers.legalstatusrecord": VIEW,
    "workers.placementcontract": VIEW,
    "workers.employmentcontract": VIEW,
    "workers.sendingsuspension": VIEW,
    "workers.curriculum": VIEW,
    "workers.curriculummodule": VIEW,
    "workers.trainer": VIEW,
    "workers.trainingsession": VIEW,
    "workers.attendance": VIEW,
    "workers.certificate": VIEW,
    "workers.returnrecord": VIEW,
    "workers.reintegrationcase": VIEW,
    "workers.referral": VIEW,
    "workers.workcertificate": VIEW,
    "workers.reportdifference": VIEW,
}

COMPLAINT_MODELS = (
    "complaint", "complaintground", "respondent", "attachment", "conciliationmeeting", "settlement", "instalment",
    "payment", "drawdownproposal", "agencyresponse", "legalaidreferral", "transfer",
)
COMPLAINT_READ = {f"complaints.{m}": VIEW for m in COMPLAINT_MODELS} | {
    "complaints.stagetimelimit": VIEW,
    "complaints.annualreport": VIEW,
}
COMPLAINT_HANDLE = {f"complaints.{m}": EDIT for m in COMPLAINT_MODELS} | {
    "complaints.complaint": (*EDIT, "handle_complaint", "transfer_complaint"),
    "complaints.stagetimelimit": VIEW,
    "complaints.annualreport": VIEW,
}

REMITTANCE_READ = {
    "remittances.provider": VIEW,
    "remittances.corridor": VIEW,
    "remittances.exchangerate": VIEW,
    "remittances.offer": VIEW,
    "remittances.remittance": VIEW,
    "remittances.literacysession": VIEW,
    "remittances.literacyattendance": VIEW,
}
REMITTANCE_FIELD = {
    "remittances.literacysession": EDIT,
    "remittances.literacyattendance": ALL,
}

# model label -> actions (the default model permissions) and extra codenames.
ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    LICENSING: {
        **REFERENCE_READ,
        **AGENCY_READ,
        **WORKER_READ,
        **COMPLAINT_READ,
        **REMITTANCE_READ,
        "workers.worker": (*VIEW, "view_worker_identifiers"),
        "workers.deployment": (*VIEW, "transition_deployment", "accept_substitution"),
        "workers.joborder": (*VIEW, "vet_joborder"),
        "workers.employer": EDIT,
        "workers.placementcontract": (*VIEW, "review_contract"),
        "workers.employmentcontract": VIEW,
        "workers.sendingsuspension": ALL,
        "workers.curriculum": ALL,
        "workers.curriculummodule": ALL,
        "workers.trainer": ALL,
        "workers.certificate": (*VIEW, "change_certificate"),
        "agencies.agency": (*ALL, "change_licence"),
        "agencies.depositentry": EDIT,
        "agencies.representative": ALL,
        "agencies.sanction": (*EDIT, "decide_sanction"),
        "agencies.advertisement": (*VIEW, "review_advertisement"),
        "agencies.monthlyreport": (*VIEW, "review_monthlyreport"),
        "auditlog.logentry": VIEW,
    },
    INSPECTION: {
        **REFERENCE_READ,
        **AGENCY_READ,
        **WORKER_READ,
        "agencies.inspection": (*EDIT, "approve_inspection"),
        "agencies.inspectionresult": EDIT,
        "agencies.inspectionaction": ALL,
        "agencies.checklisttemplate": EDIT,
        "agencies.checklistitem": ALL,
        "auditlog.logentry": VIEW,
    },
    COMPLAINTS: {
        **REFERENCE_READ,
        **AGENCY_READ,
        **WORKER_READ,
        **COMPLAINT_HANDLE,
        "complaints.stagetimelimit": EDIT,
        "complaints.annualreport": EDIT,
        "workers.worker": (*EDIT, "view_worker_identifiers"),
        "workers.returnrecord": EDIT,
        "workers.reintegrationcase": EDIT,
        "workers.referral": EDIT,
    },
    STATISTICS: {
        **REFERENCE_READ,
        **AGENCY_READ,
        **WORKER_READ,
        **COMPLAINT_READ,
        **REMITTANCE_READ,
        "complaints.annualreport": EDIT,
        "remittances.provider": ALL,
        "remittances.corridor": EDIT,
        "remittances.exchangerate": ALL,
        "remittances.offer": ALL,
        "remittances.remittance": EDIT,
        **REMITTANCE_FIELD,
        "reference.province": EDIT,
        "reference.country": EDIT,
        "reference.sector": EDIT,
    },
    DIRECTORS: {
        **REFERENCE_READ,
        **AGENCY_READ,
        **WORKER_READ,
        **COMPLAINT_READ,
        "complaints.complaint": (*VIEW, "transfer_complaint", "approve_drawdown"),
        **REMITTANCE_READ,
        # Approving a drawdown writes it in the agency's deposit ledger.
        "agencies.depositentry": EDIT,
        "complaints.drawdownproposal": (*VIEW, "change_drawdownproposal"),
        "complaints.annualreport": (*VIEW, "change_annualreport", "approve_annualreport"),
        "complaints.stagetimelimit": EDIT,
        "workers.worker": (*VIEW, "view_worker_identifiers"),
        "workers.deployment": (*VIEW, "accept_substitution"),
        "workers.sendingsuspension": ALL,
        "agencies.sanction": (*EDIT, "decide_sanction"),
        "agencies.inspection": (*VIEW, "approve_inspection"),
        "agencies.agency": (*VIEW, "change_licence"),
        "auditlog.logentry": VIEW,
        # The log of who read or exported personal data: directors only (core.AccessLogQuerySet).
        "core.accesslog": VIEW,
    },
    PROVINCIAL_OFFICERS: {
        **REFERENCE_READ,
        "agencies.agency": VIEW,
        "core.backgroundjob": VIEW,
        "workers.worker": (*EDIT, "view_worker_identifiers"),
        # Irregular migrations met at intake or on return are recorded by the province.
        "workers.deployment": (*EDIT, "transition_deployment"),
        "workers.legalstatusrecord": EDIT,
        "workers.sendingsuspension": VIEW,
        "workers.certificate": VIEW,
        "workers.trainingsession": VIEW,
        "workers.attendance": VIEW,
        "workers.curriculum": VIEW,
        "workers.curriculummodule": VIEW,
        "workers.trainer": VIEW,
        "workers.returnrecord": EDIT,
        "workers.reintegrationcase": EDIT,
        "workers.referral": EDIT,
        "workers.workcertificate": EDIT,
        **COMPLAINT_HANDLE,
        **REMITTANCE_FIELD,
        "remittances.remittance": VIEW,
        "remittances.provider": VIEW,
        "remittances.offer": VIEW,
        "remittances.corridor": VIEW,
    },
    AGENCY_USERS: {
        **REFERENCE_READ,
        "agencies.agency": VIEW,
        "agencies.depositentry": VIEW,
        "agencies.representative": VIEW,
        "agencies.sanction": VIEW,
        "agencies.inspection": VIEW,
        "agencies.inspectionresult": VIEW,
        "agencies.inspectionaction": VIEW,
        "agencies.advertisement": (*EDIT, "submit_advertisement"),
        "agencies.monthlyreport": (*EDIT, "submit_monthlyreport"),
        "agencies.monthlyreportline": ALL,
        "core.backgroundjob": VIEW,
        "workers.worker": EDIT,
        "workers.deployment": (*EDIT, "transition_deployment"),
        "workers.joborder": EDIT,
        "workers.employer": EDIT,
        "workers.legalstatusrecord": EDIT,
        "workers.placementcontract": EDIT,
        "workers.employmentcontract": EDIT,
        "workers.sendingsuspension": VIEW,
        "workers.curriculum": VIEW,
        "workers.curriculummodule": VIEW,
        "workers.trainer": VIEW,
        "workers.trainingsession": EDIT,
        "workers.attendance": EDIT,
        "workers.certificate": VIEW,
        "workers.returnrecord": EDIT,
        "workers.workcertificate": VIEW,
        "workers.reportdifference": VIEW,
        "complaints.complaint": VIEW,
        "complaints.complaintground": VIEW,
        "complaints.respondent": VIEW,
        "complaints.attachment": VIEW,
        "complaints.conciliationmeeting": VIEW,
        "complaints.settlement": VIEW,
        "complaints.instalment": VIEW,
        "complaints.payment": VIEW,
        "complaints.agencyresponse": EDIT,
        **REMITTANCE_FIELD,
        "remittances.remittance": EDIT,
        "remittances.provider": VIEW,
        "remittances.offer": VIEW,
        "remittances.corridor": VIEW,
        "remittances.exchangerate": VIEW,
    },
}


def _codenames(model_label: str, actions: tuple[str, ...]) -> list[tuple[str, str]]:
    app_label, model = model_label.split(".")
    out = []
    for action in actions:
        codename = f"{action}_{model}" if action in ("view", "add", "change", "delete") else action
        out.append((app_label, codename))
    return out


def sync_roles(app_config=None, **kwargs) -> None:
    """Create the role groups and set their permissions to exactly those in the table.

    post_migrate is sent once per installed app; permissions exist for every app only
    when the last one's signal arrives, so the sync runs then (once per migrate).
    """
    from django.apps import apps

    if app_config is not None and app_config.label != list(apps.get_app_configs())[-1].label:
        return
    by_key = {
        (p.content_type.app_label, p.codename): p for p in Permission.objects.select_related("content_type")
    }
    for group_name, models in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=group_name)
        wanted = set()
        for model_label, actions in models.items():
            for key in _codenames(model_label, actions):
                if key in by_key:  # a model of an app not migrated yet is skipped this time
                    wanted.add(by_key[key].pk)
        group.permissions.set(wanted)


def permission_names(group_name: str) -> set[str]:
    """'app_label.codename' strings a group should hold (for tests and docs)."""
    names = set()
    for model_label, actions in ROLE_PERMISSIONS[group_name].items():
        names.update(f"{a}.{c}" for a, c in _codenames(model_label, actions))
    return names
