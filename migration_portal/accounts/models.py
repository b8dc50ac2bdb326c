"""People who sign in: ministry staff, provincial officers and agency users."""

from django.contrib.auth.models import AbstractUser, Group, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from migration_portal.core.scoping import Role, ScopedQuerySet, scope_for


class UserQuerySet(ScopedQuerySet):
    agency_field = "agency"
    province_field = "province"


class PortalUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """A person with a login. Bound to one agency, or one province, or neither (ministry staff)."""

    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("agency"),
        help_text=_("For recruitment agency staff: the agency they work for."),
    )
    province = models.ForeignKey(
        "reference.Province",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="officers",
        verbose_name=_("province"),
        help_text=_("For officers of a provincial department: their province."),
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=[("en", "English"), ("km", "ភាសាខ្មែរ")], default="en"
    )

    objects = PortalUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~(models.Q(agency__isnull=False) & models.Q(province__isnull=False)),
                name="accounts_user_one_binding",
                violation_error_message=_("A user belongs to an agency or to a province, not both."),
            )
        ]

    @property
    def role(self) -> Role:
        return scope_for(self).role

    @property
    def is_ministry(self) -> bool:
        return self.role is Role.MINISTRY

    @property
    def is_agency_user(self) -> bool:
        return self.role is Role.AGENCY

    @property
    def is_provincial_officer(self) -> bool:
        return self.role is Role.PROVINCE


class GroupTwoFactorPolicy(models.Model):
    """Whether the members of one group must confirm their sign-in with a second factor.

    Ministry staff and superusers always must; this lets the ministry require it of
    another group too (a province's officers, say). Edited on the group's admin page.
    """

    group = models.OneToOneField(
        Group, on_delete=models.CASCADE, primary_key=True, related_name="two_factor_policy", verbose_name=_("group")
    )
    required = models.BooleanField(
        _("members of this group must use a second factor"),
        default=False,
        help_text=_("When ticked, members must sign in with a code from an authenticator app or a backup code."),
    )

    class Meta:
        verbose_name = _("two-factor sign-in policy")
        verbose_name_plural = _("two-factor sign-in policies")

    def __str__(self) -> str:
        return str(self.group)
