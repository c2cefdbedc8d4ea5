"""The admin site: accounts and roles for administrators; the audit trail read-only."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken

from r2p import services
from r2p.models import AuditEvent, User
from r2p.roles import ROLES_BY_NAME

admin.site.site_header = "r2p administration"
admin.site.site_title = "r2p administration"


class UserAdminForm(UserChangeForm):
    """The same rules as `r2p_user create`: one role, and the fields that role needs."""

    def clean(self) -> dict:
        data = super().clean()
        groups = list(data.get("groups") or [])
        if len(groups) != 1 or groups[0].name not in ROLES_BY_NAME:
            self.add_error("groups", "Choose exactly one role.")
            return data
        data["member_state"] = (data.get("member_state") or "").strip().upper()
        problems = services.user_fields_validate(
            role=ROLES_BY_NAME[groups[0].name],
            member_state=data["member_state"],
            organisation=data.get("organisation") or "",
        )
        for field, messages in problems.items():
            for message in messages:
                self.add_error(field, message)
        return data


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserAdminForm
    list_display = ("username", "get_full_name", "role", "clearance", "member_state", "is_active")
    list_filter = ("groups", "clearance", "is_active")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("first_name", "last_name", "email")}),
        (
            _("Role and clearance"),
            {"fields": ("groups", "clearance", "member_state", "organisation")},
        ),
        (_("Status"), {"fields": ("is_active", "is_staff", "last_login", "date_joined")}),
    )
    readonly_fields = ("last_login", "date_joined")
    filter_horizontal = ("groups",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._changed = list(form.changed_data)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        services.user_changes_record(
            created=not change,
            user=obj,
            changed_fields=getattr(self, "_changed", []),
            actor=request.user,
            roles=[g.name for g in obj.groups.all()],
        )


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("id", "occurred_at", "actor_username", "action", "object_type", "object_id")
    list_filter = ("action",)
    search_fields = ("actor_username", "object_id")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Tokens are issued with `manage.py r2p_token create`, which prints the key once. Here an
# administrator sees them by their public prefix and revokes them, through the audited service.
admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class AuthTokenAdmin(admin.ModelAdmin):
    list_display = ("token_key", "user", "created", "expiry")
    list_select_related = ("user",)
    search_fields = ("token_key", "user__username")
    fields = ("token_key", "user", "created", "expiry")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        services.token_revoke(token_key=obj.token_key, revoked_by=request.user)

    def delete_queryset(self, request, queryset):
        for token_key in queryset.values_list("token_key", flat=True):
            services.token_revoke(token_key=token_key, revoked_by=request.user)
