"""The one intake list administrators maintain by hand: regional arrangements."""

from django.contrib import admin

from cases.models import RegionalArrangement


@admin.register(RegionalArrangement)
class RegionalArrangementAdmin(admin.ModelAdmin):
    list_display = ("acronym", "name", "active")
    list_filter = ("active",)
    search_fields = ("acronym", "name")

    def has_delete_permission(self, request, obj=None) -> bool:
        # Referrals point at these; retire an entry (active = no) instead.
        return False
