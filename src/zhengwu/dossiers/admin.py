"""Admin of dossiers and archives.

Retention rules (保管期限) are editable here (audited). Packages, checks and disposals are
view-only: they change only through :mod:`zhengwu.dossiers.services` (signed manifest,
four-properties test, four-eyes disposal)."""

from __future__ import annotations

from django.contrib import admin

from zhengwu.dossiers.models import ArchiveCheck, ArchivePackage, DisposalRequest, RetentionRule
from zhengwu.kernel.admin_audit import AuditedAdmin, ReadOnlyAdmin, ReadOnlyInline


@admin.register(RetentionRule)
class RetentionRuleAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("item_type", "case_type", "years", "note", "updated_at")
    list_filter = ("item_type",)


class CheckInline(ReadOnlyInline):
    model = ArchiveCheck
    fields = ("checked_at", "ok", "authenticity_ok", "integrity_ok", "usability_ok", "security_ok")


class DisposalInline(ReadOnlyInline):
    model = DisposalRequest
    fields = ("status", "proposed_by", "proposed_at", "decided_by", "decided_at")


@admin.register(ArchivePackage)
class ArchivePackageAdmin(ReadOnlyAdmin):
    list_display = (
        "case_number", "item_name", "status", "retention_until", "last_check_ok", "archived_at",
    )  # fmt: skip
    list_filter = ("status", "last_check_ok", "item_type")
    search_fields = ("case_number",)
    hidden_fields = ("applicant_index", "build_token")
    inlines = (CheckInline, DisposalInline)


@admin.register(ArchiveCheck)
class ArchiveCheckAdmin(ReadOnlyAdmin):
    list_display = ("package", "checked_at", "ok", "checked_by")
    list_filter = ("ok",)
    list_select_related = ("package",)


@admin.register(DisposalRequest)
class DisposalRequestAdmin(ReadOnlyAdmin):
    list_display = ("package", "status", "proposed_at", "decided_at")
    list_filter = ("status",)
    list_select_related = ("package",)
