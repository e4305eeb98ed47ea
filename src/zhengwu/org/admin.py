from __future__ import annotations

from django.contrib import admin

from zhengwu.kernel.admin_audit import AuditedAdmin
from zhengwu.org.models import Department, Region


@admin.register(Region)
class RegionAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("code", "name", "level", "community_kind", "parent", "active")
    list_filter = ("level", "community_kind", "active")
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)


@admin.register(Department)
class DepartmentAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("name", "short_name", "uscc", "kind", "level", "region", "active")
    list_filter = ("kind", "level", "active")
    search_fields = ("name", "short_name", "uscc")
    raw_id_fields = ("region", "parent")

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        # The credit code is validated by the service; edits in the admin would bypass it.
        return ("uscc",) if obj else ()
