from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static import admin as _otp_static_admin  # noqa: F401
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp import admin as _otp_totp_admin  # noqa: F401
from django_otp.plugins.otp_totp.models import TOTPDevice

from migration_portal.core.admin_base import ScopedAdminMixin
from migration_portal.core.scoping import MINISTRY_GROUPS

from . import services
from .models import ApiToken, GroupTwoFactorPolicy, User
from .two_factor.services import two_factor_reset


class UnusedAccountFilter(admin.SimpleListFilter):
    """Active accounts nobody has signed in to for 90 days (or ever, 90 days after creation)."""

    title = _("use")
    parameter_name = "unused"

    def lookups(self, request, model_admin):
        return [("90", _("Not used for 90 days"))]

    def queryset(self, request, queryset):
        if self.value() == "90":
            return queryset.filter(services.inactive_q(services.INACTIVE_DAYS))
        return queryset


class AccountImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))
    send_invitations = forms.BooleanField(label=_("E-mail each person an invitation to choose a password"), required=False,
                                          initial=True)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 1024 * 1024:
            raise ValidationError(_("The file is larger than 1 MB."))
        return upload


# django-otp's own device admins are imported above (before autodiscovery reaches them)
# so they can be taken off: they would show each user's TOTP secret and QR code. Users
# manage their devices on their own page; administrators reset them from the user list.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


@admin.register(User)
class UserAdmin(ScopedAdminMixin, DjangoUserAdmin):
    list_display = ("username", "get_full_name", "email", "agency", "province", "is_staff", "is_active", "last_login")
    list_filter = (UnusedAccountFilter, "is_staff", "is_active", "groups", "province")
    list_select_related = ("agency", "province")
    search_fields = ("username", "first_name", "last_name", "email")
    autocomplete_fields = ("agency",)
    show_full_result_count = False
    actions = ["send_invitations", "deactivate", "sign_out_everywhere", "reset_two_factor"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Portal binding"), {"fields": ("agency", "province", "phone", "language")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Portal binding"), {"fields": ("email", "agency", "province", "groups")}),
    )

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="accounts_user_import"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        errors = []
        form = AccountImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                result = services.accounts_import(actor=request.user, data=form.cleaned_data["file"].read())
            except ValidationError as exc:
                errors = exc.messages
            else:
                errors = result.errors
                if not errors:
                    if form.cleaned_data["send_invitations"]:
                        for user in result.created:
                            services.account_invite(actor=request.user, user=user)
                    self.message_user(
                        request,
                        ngettext("%(count)d account created.", "%(count)d accounts created.", len(result.created))
                        % {"count": len(result.created)},
                        messages.SUCCESS,
                    )
                    return redirect("admin:accounts_user_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "errors": errors,
            "columns": ", ".join(services.IMPORT_COLUMNS),
            "title": _("Import accounts"),
        }
        return TemplateResponse(request, "admin/accounts/user/import.html", context)

    @admin.action(description=_("Send an invitation to choose a password"), permissions=["change"])
    def send_invitations(self, request, queryset):
        sent = 0
        for user in queryset:
            try:
                services.account_invite(actor=request.user, user=user)
            except ValidationError as exc:
                self.message_user(request, exc.messages[0], messages.WARNING)
            else:
                sent += 1
        self.message_user(request, ngettext("%(count)d invitation sent.", "%(count)d invitations sent.", sent) % {"count": sent})

    @admin.action(description=_("Deactivate (the person has left)"), permissions=["change"])
    def deactivate(self, request, queryset):
        count = services.accounts_deactivate(actor=request.user, users=list(queryset))
        self.message_user(request, ngettext("%(count)d account deactivated.", "%(count)d accounts deactivated.", count)
                          % {"count": count})

    @admin.action(description=_("Sign out everywhere and revoke API tokens (compromised account)"), permissions=["change"])
    def sign_out_everywhere(self, request, queryset):
        tokens = 0
        users = list(queryset)
        for user in users:
            tokens += services.user_sign_out_everywhere(user=user, actor=request.user)
        self.message_user(
            request,
            ngettext(
                "%(users)d user signed out everywhere; %(tokens)d API tokens revoked.",
                "%(users)d users signed out everywhere; %(tokens)d API tokens revoked.",
                len(users),
            )
            % {"users": len(users), "tokens": tokens},
            messages.SUCCESS,
        )


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


@admin.register(ApiToken)
class ApiTokenAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Every user's API tokens, for an administrator to revoke. Tokens are made by their owners only."""

    list_display = ("name", "user", "token_prefix", "created", "expiry", "last_used_at")
    list_select_related = ("user",)
    list_filter = ("expiry",)
    search_fields = ("name", "user__username", "token_key")
    date_hierarchy = "created"
    show_full_result_count = False
    readonly_fields = ("name", "user", "token_prefix", "created", "expiry", "last_used_at")
    fields = readonly_fields
    actions = ["revoke"]

    @admin.display(description=_("token begins"))
    def token_prefix(self, obj):
        return f"{obj.token_key[:7]}…"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=_("Revoke the selected tokens"), permissions=["delete"])
    def revoke(self, request, queryset):
        count = 0
        for token in queryset.select_related("user"):
            services.api_token_revoke(token=token, actor=request.user)
            count += 1
        self.message_user(request, ngettext("%d token revoked.", "%d tokens revoked.", count) % count, messages.SUCCESS)

    def delete_model(self, request, obj):
        services.api_token_revoke(token=obj, actor=request.user)



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
