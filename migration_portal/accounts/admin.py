from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from migration_portal.core.admin_base import ScopedAdminMixin

from .models import User


@admin.register(User)
class UserAdmin(ScopedAdminMixin, DjangoUserAdmin):
    list_display = ("username", "get_full_name", "email", "agency", "province", "is_staff", "is_active")
    list_filter = ("is_staff", "is_active", "groups", "province")
    list_select_related = ("agency", "province")
    search_fields = ("username", "first_name", "last_name", "email")
    autocomplete_fields = ("agency",)
    show_full_result_count = False
    fieldsets = DjangoUserAdmin.fieldsets + (
        (_("Portal binding"), {"fields": ("agency", "province", "phone", "language")}),
    )
    add_fieldsets = DjangoUserAdmin.add_fieldsets + (
        (_("Portal binding"), {"fields": ("email", "agency", "province", "groups")}),
    )
