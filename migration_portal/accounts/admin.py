from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from migration_portal.core.admin_base import ScopedAdminMixin

from . import services
from .models import ApiToken, User


@admin.register(User)
class UserAdmin(ScopedAdminMixin, DjangoUserAdmin):
    list_display = ("username", "get_full_name", "email", "agency", "province", "is_staff", "is_active")
    list_filter = ("is_staff", "is_active", "groups", "province")
    list_select_related = ("agency", "province")
    search_fields = ("username", "first_name", "last_name", "email")
    autocomplete_fields = ("agency",)
    show_full_result_count = False
    actions = ["sign_out_everywhere"]
    fieldsets = DjangoUserAdmin.fieldsets + (
        (_("Portal binding"), {"fields": ("agency", "province", "phone", "language")}),
    )
    add_fieldsets = DjangoUserAdmin.add_fieldsets + (
        (_("Portal binding"), {"fields": ("email", "agency", "province", "groups")}),
    )

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
