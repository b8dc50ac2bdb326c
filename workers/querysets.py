"""Row scope for the worker register.

An agency sees the workers it registered or deployed; a province sees workers from
that province or returning to it. Existence is tested with EXISTS subqueries, not
joins, so no DISTINCT is needed and the plan stays index-driven at scale.
"""

from django.db.models import Exists, OuterRef, Q

from migration_portal.core.scoping import ScopedQuerySet

from .choices import OUT_OF_COUNTRY, DeploymentStatus


class WorkerQuerySet(ScopedQuerySet):
    def for_agency(self, agency_id):
        from .models import Deployment

        return self.filter(
            Q(registered_by_agency=agency_id) | Exists(Deployment.objects.filter(worker=OuterRef("pk"), agency=agency_id))
        )

    def for_province(self, province_id):
        from .models import ReturnRecord

        # From the province, returning to it, or registered by its officers (an irregular
        # migrant from elsewhere met at intake stays visible to the officer who recorded them).
        return self.filter(
            Q(home_province=province_id)
            | Q(registered_by__province=province_id)
            | Exists(ReturnRecord.objects.filter(worker=OuterRef("pk"), province=province_id))
        )

    def for_list(self):
        return self.select_related("home_province")


class DeploymentQuerySet(ScopedQuerySet):
    agency_field = "agency"

    def for_province(self, province_id):
        from .models import ReturnRecord

        # An uncorrelated IN (not EXISTS per row) keeps PostgreSQL's plan parallel on
        # 2 million deployments (docs/benchmarks.md); the rows are the same.
        return self.filter(
            Q(worker__home_province=province_id)
            | Q(pk__in=ReturnRecord.objects.filter(province=province_id, deployment__isnull=False).values("deployment_id"))
        )

    def abroad(self):
        return self.filter(status__in=OUT_OF_COUNTRY)

    def counted(self):
        """Deployments that happened or are under way (not cancelled)."""
        return self.exclude(status=DeploymentStatus.CANCELLED)

    def for_list(self):
        return self.select_related("worker", "worker__home_province", "agency", "country", "sector")


class WorkerChildQuerySet(ScopedQuerySet):
    """Rows that hang off a worker (legal status history, attendance...): the worker's scope."""

    worker_path = "worker"

    def for_agency(self, agency_id):
        from .models import Worker

        return self.filter(**{f"{self.worker_path}__in": Worker.objects.for_agency(agency_id).values("pk")})

    def for_province(self, province_id):
        from .models import Worker

        return self.filter(**{f"{self.worker_path}__in": Worker.objects.for_province(province_id).values("pk")})


class DeploymentChildQuerySet(ScopedQuerySet):
    """Contracts and legal-status records: the scope of their deployment."""

    agency_field = "deployment__agency"

    def for_province(self, province_id):
        from .models import Deployment

        return self.filter(deployment__in=Deployment.objects.for_province(province_id).values("pk"))


class JobOrderQuerySet(ScopedQuerySet):
    agency_field = "agency"


class EmployerQuerySet(ScopedQuerySet):
    """Employers abroad are shared reference for agencies (several agencies serve one employer)."""

    def for_agency(self, agency_id):
        return self.all()


class SuspensionQuerySet(ScopedQuerySet):
    """Sending suspensions are public policy: everyone signed in reads them."""

    def for_agency(self, agency_id):
        return self.all()

    def for_province(self, province_id):
        return self.all()

    def in_force(self, on):
        return self.filter(starts_on__lte=on).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))


class TrainingQuerySet(ScopedQuerySet):
    """Sessions: the agency that ran them; provinces see sessions held in them."""

    agency_field = "agency"
    province_field = "province"


class CertificateQuerySet(WorkerChildQuerySet):
    pass


class ReferenceTrainingQuerySet(ScopedQuerySet):
    """Curricula and certified trainers: read by every signed-in role."""

    def for_agency(self, agency_id):
        return self.all()

    def for_province(self, province_id):
        return self.all()


class ReturnQuerySet(ScopedQuerySet):
    def for_agency(self, agency_id):
        return self.filter(Q(deployment__agency=agency_id) | Q(assisting_agency=agency_id))

    def for_province(self, province_id):
        # Returning to it, from it, or received at one of its border checkpoints (Poipet's
        # reception staff follow the returnees they registered, wherever they go home).
        return self.filter(Q(province=province_id) | Q(worker__home_province=province_id) | Q(checkpoint__province=province_id))


class CaseQuerySet(ScopedQuerySet):
    """Reintegration cases belong to the province that handles them; agencies see none."""

    province_field = "province"


class ReferralQuerySet(ScopedQuerySet):
    province_field = "case__province"
