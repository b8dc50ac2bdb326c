"""People who sign in: ministry staff, provincial officers and agency users."""

from django.contrib.auth.models import AbstractUser, Group, UserManager
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken, AuthTokenManager

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

    session_epoch = models.PositiveIntegerField(
        _("session generation"),
        default=0,
        editable=False,
        help_text=_("Raised to end every session of this user at once (sign out everywhere)."),
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

    def _get_session_auth_hash(self, secret=None) -> str:
        """The hash every session of this user carries, checked on each request by Django.

        Django derives it from the password hash, so a password change ends the other
        sessions. The session generation is mixed in as well: raising it ("sign out
        everywhere") ends every session at once, without reading the session table.
        Generation 0 keeps Django's own value, so sessions alive before this existed stay valid.
        """
        if not self.session_epoch:
            return super()._get_session_auth_hash(secret=secret)
        key_salt = "migration_portal.accounts.User.session_auth_hash"
        value = f"{self.password}:{self.session_epoch}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()


class ApiTokenQuerySet(ScopedQuerySet):
    def visible_to(self, user) -> "ApiTokenQuerySet":
        """Superusers see every token (to revoke a compromised one); everyone else their own."""
        scope = scope_for(user)
        if scope.role is Role.NONE:
            return self.none()
        if scope.is_superuser:
            return self.all()
        return self.filter(user_id=scope.user_id)

    def owned_by(self, user) -> "ApiTokenQuerySet":
        """A user's own tokens: the only ones the portal pages list or revoke, whoever asks."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user_id=user.pk)

    def live(self) -> "ApiTokenQuerySet":
        return self.filter(expiry__gt=timezone.now())


class ApiTokenManager(AuthTokenManager.from_queryset(ApiTokenQuerySet)):
    """knox's manager (``create`` makes the token and stores its digest) with the queryset above."""


class ApiToken(AbstractAuthToken):
    """A personal API token: a program acting as its owner through the API.

    Only the SHA-512 digest of the token is stored (django-rest-knox); the token itself
    is shown once, when it is made. Every token has an end date; revoking deletes it.
    """

    # The digest stays unique but is not the key: URLs name a token by its number, never its digest.
    id = models.BigAutoField(primary_key=True)
    digest = models.CharField(_("digest"), max_length=128, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=100, help_text=_("What the token is for, e.g. the program that uses it."))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    objects = ApiTokenManager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expiry__isnull=False),
                name="accounts_apitoken_has_expiry",
                violation_error_message=_("Every API token has an end date."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.token_key[:7]}…)"

    @property
    def is_expired(self) -> bool:
        return self.expiry is not None and self.expiry <= timezone.now()


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
