from django.contrib import admin

from migration_portal.core.admin_base import PortalModelAdmin

from .models import Checkpoint, Country, Province, Sector


@admin.register(Province)
class ProvinceAdmin(PortalModelAdmin):
    list_display = ("code", "name", "name_km")
    search_fields = ("code", "name", "name_km")


@admin.register(Country)
class CountryAdmin(PortalModelAdmin):
    list_display = ("code", "name", "name_km", "currency", "has_agreement")
    list_filter = ("has_agreement",)
    search_fields = ("code", "name", "name_km")


@admin.register(Sector)
class SectorAdmin(PortalModelAdmin):
    list_display = ("code", "name", "name_km")
    search_fields = ("code", "name", "name_km")


@admin.register(Checkpoint)
class CheckpointAdmin(PortalModelAdmin):
    list_display = ("code", "name", "name_km", "province")
    list_select_related = ("province",)
    search_fields = ("code", "name", "name_km")
