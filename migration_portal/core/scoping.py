"""The one scoping mechanism: who may see which rows.

Every model's queryset derives from :class:`ScopedQuerySet` and says how its rows
relate to an agency and to a province. ``visible_to(user)`` resolves the user's
scope and filters accordingly. It fails closed: a queryset that has not said how
it relates to an agency returns no rows to an agency user, and an unknown or
anonymous user gets nothing.

The admin (``ScopedAdminMixin``), the portal pages (``ScopedObjectMixin``) and the
API (``ScopedViewSetMixin``) all start from ``visible_to``; the test suite checks
that every registered admin and API view goes through one of those bases.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.db import models


class Role(StrEnum):
    MINISTRY = "ministry"
    PROVINCE = "province"
    AGENCY = "agency"
    NONE = "none"


# Ministry groups (Department of Employment and Manpower). Names are stable keys;
# labels are translated where shown.
LICENSING = "Licensing officers"
INSPECTION = "Inspectors"
COMPLAINTS = "Complaints officers"
STATISTICS = "Statisticians"
DIRECTORS = "Directors"
MINISTRY_GROUPS = (LICENSING, INSPECTION, COMPLAINTS, STATISTICS, DIRECTORS)
PROVINCIAL_OFFICERS = "Provincial officers"
AGENCY_USERS = "Agency users"


@dataclass(frozen=True)
class Scope:
    role: Role
    agency_id: int | None = None
    province_id: int | None = None
    groups: frozenset[str] = frozenset()
    is_superuser: bool = False
    user_id: int | None = None
    # The user's groups whose members must sign in with a second factor (read in the
    # same query as the groups, so the two-factor check adds no query to a request).
    second_factor_groups: frozenset[str] = frozenset()

    def in_group(self, *names: str) -> bool:
        return self.is_superuser or bool(self.groups.intersection(names))


NO_SCOPE = Scope(role=Role.NONE)


def scope_for(user) -> Scope:
    """The scope of a user, computed once per user object."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_SCOPE
    cached = getattr(user, "_portal_scope", None)
    if cached is not None:
        return cached
    rows = list(user.groups.values_list("name", "two_factor_policy__required")) if user.pk else []
    groups = frozenset(name for name, _required in rows)
    second = frozenset(name for name, required in rows if required)
    if user.agency_id:
        scope = Scope(Role.AGENCY, agency_id=user.agency_id, groups=groups, user_id=user.pk, second_factor_groups=second)
    elif user.province_id:
        scope = Scope(Role.PROVINCE, province_id=user.province_id, groups=groups, user_id=user.pk, second_factor_groups=second)
    elif user.is_superuser or user.is_staff:
        scope = Scope(
            Role.MINISTRY, groups=groups, is_superuser=user.is_superuser, user_id=user.pk, second_factor_groups=second
        )
    else:
        scope = NO_SCOPE
    user._portal_scope = scope
    return scope


class ScopedQuerySet(models.QuerySet):
    """Base queryset of every portal model.

    Subclasses set ``agency_field`` and ``province_field`` to the lookup that
    leads from a row to its agency and province, or override the ``for_*``
    methods when the rule is richer (a province sees workers from it *or*
    returning to it). ``None`` means "this role sees none of these rows".
    """

    agency_field: str | None = None
    province_field: str | None = None
    # True for rows that describe other rows (events): never themselves described.
    about_other_rows: bool = False

    def visible_to(self, user) -> ScopedQuerySet:
        scope = scope_for(user)
        if scope.role is Role.MINISTRY:
            return self.for_ministry(scope)
        if scope.role is Role.AGENCY:
            return self.for_agency(scope.agency_id)
        if scope.role is Role.PROVINCE:
            return self.for_province(scope.province_id)
        return self.none()

    def for_ministry(self, scope: Scope) -> ScopedQuerySet:
        return self.all()

    def for_agency(self, agency_id: int) -> ScopedQuerySet:
        if self.agency_field is None:
            return self.none()
        return self.filter(**{self.agency_field: agency_id})

    def for_province(self, province_id: int) -> ScopedQuerySet:
        if self.province_field is None:
            return self.none()
        return self.filter(**{self.province_field: province_id})


class ReferenceQuerySet(ScopedQuerySet):
    """Reference data (provinces, countries, sectors): every signed-in user reads all of it."""

    def for_agency(self, agency_id: int) -> ScopedQuerySet:
        return self.all()

    def for_province(self, province_id: int) -> ScopedQuerySet:
        return self.all()


def visible(model_or_qs, user) -> ScopedQuerySet:
    """``visible_to`` for a model class or a queryset; refuses one that is not scoped."""
    qs = model_or_qs._default_manager.all() if isinstance(model_or_qs, type) else model_or_qs
    if not isinstance(qs, ScopedQuerySet):
        raise TypeError(f"{qs.model.__name__} has no scoped queryset; refusing to list it.")
    return qs.visible_to(user)


def about_visible_subjects(user, *, among=None, content_type_field: str = "content_type", object_id_field: str = "object_id",
                           text_ids: bool = False) -> models.Q:
    """The filter for rows that describe another row (a change-log entry, a timeline event).

    Such a row is visible exactly when the row it describes is: its model's
    ``visible_to(user)`` holds the described row, and the user may view that model
    at all (its ``view_`` or ``change_`` permission). A restricted complaint's entries
    are therefore its handlers' alone. Superusers see every row; a model without a
    scoped queryset, or a described row that is gone, is seen by superusers only
    (fails closed). The candidates are every model with a scoped queryset, or
    ``among``; ``text_ids`` when the object id is stored as text.
    """
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType
    from django.db.models.functions import Cast

    nothing = models.Q(pk__in=[])
    scope = scope_for(user)
    if scope.is_superuser:
        return models.Q()
    if scope.role is Role.NONE:
        return nothing
    candidates = [
        m for m in (apps.get_models() if among is None else among)
        if isinstance(m._default_manager.all(), ScopedQuerySet) and not m._default_manager.all().about_other_rows
        and (user.has_perm(f"{m._meta.app_label}.view_{m._meta.model_name}")
             or user.has_perm(f"{m._meta.app_label}.change_{m._meta.model_name}"))
    ]
    if not candidates:
        return nothing
    content_types = ContentType.objects.get_for_models(*candidates, for_concrete_models=False)
    condition = nothing
    for model in candidates:
        rows = model._default_manager.all().visible_to(user)
        on_type = models.Q(**{f"{content_type_field}_id": content_types[model].pk})
        if not rows.query.where:  # every row of the model: no need to list them
            condition |= on_type
            continue
        ids = rows.annotate(_subject_id=Cast("pk", models.CharField())).values("_subject_id") if text_ids else rows.values("pk")
        condition |= on_type & models.Q(**{f"{object_id_field}__in": ids})
    return condition
