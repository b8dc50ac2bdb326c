"""The one scoping mechanism, checked on the model layer."""

import pytest

from agencies.models import Agency, DepositEntry
from migration_portal.accounts.models import User
from migration_portal.core.scoping import Role, scope_for, visible
from migration_portal.reference.models import Province


@pytest.mark.django_db
class TestScopeFor:
    def test_roles(self, agency_user_a, officer_a, licensing_officer, superuser):
        assert scope_for(agency_user_a).role is Role.AGENCY
        assert scope_for(officer_a).role is Role.PROVINCE
        assert scope_for(licensing_officer).role is Role.MINISTRY
        assert scope_for(superuser).role is Role.MINISTRY

    def test_anonymous_and_inactive_see_nothing(self, agency_a, agency_user_a):
        from django.contrib.auth.models import AnonymousUser

        assert scope_for(AnonymousUser()).role is Role.NONE
        agency_user_a.is_active = False
        agency_user_a._portal_scope = None
        assert not visible(Agency, agency_user_a).exists()

    def test_user_without_binding_or_staff_sees_nothing(self, agency_a):
        plain = User.objects.create_user("plain", password="x-very-long-password")
        assert scope_for(plain).role is Role.NONE
        assert not visible(DepositEntry, plain).exists()


@pytest.mark.django_db
def test_agency_user_sees_only_own_rows(agency_a, agency_b, agency_user_a):
    assert list(visible(Agency, agency_user_a)) == [agency_a]
    assert set(visible(DepositEntry, agency_user_a).values_list("agency", flat=True)) == {agency_a.pk}


@pytest.mark.django_db
def test_reference_data_readable_by_every_role(agency_user_a, officer_a):
    assert visible(Province, agency_user_a).count() == 25
    assert visible(Province, officer_a).count() == 25


def test_unscoped_queryset_is_refused():
    from django.contrib.auth.models import Group

    with pytest.raises(TypeError):
        visible(Group, None)
