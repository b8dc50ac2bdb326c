from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static import admin as _otp_static_admin  # noqa: F401
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp import admin as _otp_totp_admin  # noqa: F401
from django_otp.plugins.otp_totp.models import TOTPDevice

from migration_portal.core.admin_base import ScopedAdminMixin
from migration_portal.core.scoping import MINISTRY_GROUPS

from .models import GroupTwoFactorPolicy, User
from .two_factor.services import two_factor_reset

# django-otp's own device admins are imported above (before autodiscovery reaches them)
# so they can be taken off: they would show each user's TOTP secret and QR code. Users
# manage their devices on their own page; administrators reset them from the user list.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


@admin.register(User)
class UserAdmin(ScopedAdminMixin, DjangoUserAdmin):
    list_display = ("username", "get_full_name", "email", "agency", "province", "is_staff", "is_active")
    list_filter = ("is_staff", "is_active", "groups", "province")
    list_select_related = ("agency", "province")
    search_fields = ("username", "first_name", "last_name", "email")
    autocomplete_fields = ("agency",)
    show_full_result_count = False
    actions = ["reset_two_factor"]
    fieldsets = (*DjangoUserAdmin.fieldsets, (_("Portal binding"), {"fields": ("agency", "province", "phone", "language")}))
    add_fieldsets = (*DjangoUserAdmin.add_fieldsets, (_("Portal binding"), {"fields": ("email", "agency", "province", "groups")}))

    @admin.action(description=_("Reset two-factor sign-in (the user sets it up again)"), permissions=["change"])
    def reset_two_factor(self, request, queryset):
        reset = sum(two_factor_reset(user=user, actor=request.user) for user in queryset)
        self.message_user(
            request,
            ngettext(
                "Two-factor sign-in reset for %(count)d user.",
                "Two-factor sign-in reset for %(count)d users.",
                reset,
            )
            % {"count": reset},
            messages.SUCCESS if reset else messages.WARNING,
        )


class GroupTwoFactorPolicyInline(admin.StackedInline):
    model = GroupTwoFactorPolicy
    can_delete = False
    verbose_name_plural = _("two-factor sign-in")


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin):
    inlines = [GroupTwoFactorPolicyInline]
    list_display = ("name", "second_factor_required")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("two_factor_policy")

    @admin.display(boolean=True, description=_("second factor required"))
    def second_factor_required(self, obj) -> bool:
        # The ministry's groups require it whatever the flag says (two_factor.services).
        policy = getattr(obj, "two_factor_policy", None)
        return obj.name in MINISTRY_GROUPS or bool(policy and policy.required)
