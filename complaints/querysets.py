"""Row scope for complaints.

A province sees the cases it handles; an agency sees only cases naming it as
respondent, never the restricted ones; a case flagged for trafficking or forced
labour is restricted to its handlers, whatever their role (superusers apart).
"""

from django.db.models import Exists, OuterRef, Q

from migration_portal.core.scoping import Role, ScopedQuerySet, scope_for


class ComplaintQuerySet(ScopedQuerySet):
    def _handled_by(self, user_id):
        from .models import Complaint

        return Exists(Complaint.handlers.through.objects.filter(complaint=OuterRef("pk"), user_id=user_id))

    def visible_to(self, user):
        scope = scope_for(user)
        if scope.role is Role.MINISTRY:
            if scope.is_superuser:
                return self.all()
            return self.filter(Q(restricted=False) | self._handled_by(scope.user_id))
        if scope.role is Role.PROVINCE:
            return self.filter(current_province=scope.province_id).filter(Q(restricted=False) | self._handled_by(scope.user_id))
        if scope.role is Role.AGENCY:
            from .models import Respondent

            return self.filter(restricted=False).filter(
                Exists(Respondent.objects.filter(complaint=OuterRef("pk"), agency=scope.agency_id))
            )
        return self.none()

    def open(self):
        from .choices import OPEN_STAGES

        return self.filter(stage__in=OPEN_STAGES)

    def for_list(self):
        return self.select_related("worker", "current_province", "assigned_officer")


class ComplaintChildQuerySet(ScopedQuerySet):
    """Meetings, settlements, payments, responses...: the scope of their complaint."""

    complaint_path = "complaint"

    def visible_to(self, user):
        from .models import Complaint

        return self.filter(**{f"{self.complaint_path}__in": Complaint.objects.visible_to(user).values("pk")})


class SettlementChildQuerySet(ComplaintChildQuerySet):
    complaint_path = "settlement__complaint"


class AttachmentQuerySet(ComplaintChildQuerySet):
    """An agency sees only the attachments the officer chose to share with it."""

    def visible_to(self, user):
        qs = super().visible_to(user)
        if scope_for(user).role is Role.AGENCY:
            qs = qs.filter(share_with_agency=True)
        return qs


class HandlersOnlyQuerySet(ComplaintChildQuerySet):
    """Legal-aid referrals and internal notes: never shown to the agency."""

    def visible_to(self, user):
        if scope_for(user).role is Role.AGENCY:
            return self.none()
        return super().visible_to(user)


class StageLimitQuerySet(ScopedQuerySet):
    def for_agency(self, agency_id):
        return self.all()

    def for_province(self, province_id):
        return self.all()


class AnnualReportQuerySet(ScopedQuerySet):
    """Published reports are public; drafts are for ministry staff."""

    def for_agency(self, agency_id):
        return self.filter(status="published")

    def for_province(self, province_id):
        return self.filter(status="published")
