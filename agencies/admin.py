from django.contrib import admin

from migration_portal.core.admin_base import PortalModelAdmin

from .models import Agency


@admin.register(Agency)
class AgencyAdmin(PortalModelAdmin):
    list_display = ("name", "licence_number", "licence_status")
    search_fields = ("name", "name_km", "licence_number")
