from migration_portal.core.scoping import ScopedQuerySet


class PublicQuerySet(ScopedQuerySet):
    """Providers, offers and exchange rates are public information."""

    def for_agency(self, agency_id):
        return self.all()

    def for_province(self, province_id):
        return self.all()


class RemittanceQuerySet(ScopedQuerySet):
    agency_field = "deployment__agency"
    province_field = "deployment__worker__home_province"


class LiteracySessionQuerySet(ScopedQuerySet):
    agency_field = "agency"
    province_field = "province"


class LiteracyAttendanceQuerySet(ScopedQuerySet):
    agency_field = "session__agency"
    province_field = "session__province"
