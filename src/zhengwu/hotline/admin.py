"""Admin of the hotline: read-mostly.

Tickets and everything that happens to them change only through
:mod:`zhengwu.hotline.services` (one transaction, audit entry, ticket event), so those models
are view-only here. Configuration rows are editable: topics (Open311 services), time-limit
rules and routing rules. Knowledge entries go through their review workflow and routing
models through training, so both are view-only. Caller phone and name are shown masked
only, and not at all for anonymous reports. Every admin mixes in ``AuditedAdmin`` first.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest

from zhengwu.hotline.models import (
    Attachment,
    Callback,
    ClassifierModel,
    DailyStat,
    EmergencyTransfer,
    Extension,
    KnowledgeEntry,
    Open311Client,
    RoutingRule,
    Supervision,
    ThreeWayCall,
    Ticket,
    TicketCounter,
    TicketEvent,
    TimeLimitRule,
    Topic,
    WorkOrder,
)
from zhengwu.kernel.admin_audit import AuditedAdmin, ReadOnlyAdmin, ReadOnlyInline
from zhengwu.kernel.errors import DomainError
from zhengwu.kernel.masking import MaskKind, mask


class WorkOrderInline(ReadOnlyInline):
    model = WorkOrder
    fk_name = "ticket"
    fields = ("department", "role", "round", "status", "sign_due_at", "due_at", "signed_at")


class TicketEventInline(ReadOnlyInline):
    model = TicketEvent
    fk_name = "ticket"
    fields = ("at", "kind", "actor_label", "department", "note", "public")


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ("name", "content_type", "size", "sha256", "created_at")


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = (
        "number",
        "channel",
        "category",
        "priority",
        "status",
        "masked_phone",
        "department",
        "street",
        "received_at",
        "due_at",
        "return_count",
    )
    list_filter = ("status", "channel", "category", "priority", "answered_directly", "anonymous")
    search_fields = ("number", "address", "origin_ref")
    list_select_related = ("department", "street")
    date_hierarchy = "received_at"
    masked_fields = ("masked_phone", "masked_name")
    hidden_fields = ("caller_phone_index",)
    inlines = (AttachmentInline, WorkOrderInline, TicketEventInline)

    @admin.display(description="来电号码 Caller phone")
    def masked_phone(self, obj: Ticket) -> str:
        if obj.anonymous or not obj.caller_phone:
            return ""
        return mask(obj.caller_phone, MaskKind.PHONE)

    @admin.display(description="来电人 Caller")
    def masked_name(self, obj: Ticket) -> str:
        if obj.anonymous or not obj.caller_name:
            return ""
        return mask(obj.caller_name, MaskKind.NAME)


@admin.register(WorkOrder)
class WorkOrderAdmin(ReadOnlyAdmin):
    list_display = (
        "ticket",
        "department",
        "role",
        "round",
        "status",
        "sign_due_at",
        "due_at",
        "supervision_level",
    )
    list_filter = ("status", "role", "supervision_level")
    search_fields = ("ticket__number",)
    list_select_related = ("ticket", "department")


@admin.register(TicketEvent)
class TicketEventAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "kind", "at", "actor_label", "department", "public")
    list_filter = ("kind", "public")
    search_fields = ("ticket__number", "actor_label")
    list_select_related = ("ticket", "department")


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "name", "content_type", "size", "created_at")
    search_fields = ("ticket__number", "sha256")
    list_select_related = ("ticket",)


@admin.register(Extension)
class ExtensionAdmin(ReadOnlyAdmin):
    list_display = ("order", "days", "status", "requested_at", "decided_at")
    list_filter = ("status",)
    search_fields = ("order__ticket__number",)
    list_select_related = ("order", "order__ticket")


@admin.register(Supervision)
class SupervisionAdmin(ReadOnlyAdmin):
    list_display = (
        "order",
        "kind",
        "department",
        "recipient_role",
        "created_at",
        "acknowledged_at",
    )
    list_filter = ("kind", "recipient_role")
    search_fields = ("order__ticket__number",)
    list_select_related = ("order", "order__ticket", "department")


@admin.register(Callback)
class CallbackAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "round", "result", "on_time", "at")
    list_filter = ("result", "on_time")
    search_fields = ("ticket__number",)
    list_select_related = ("ticket",)


@admin.register(EmergencyTransfer)
class EmergencyTransferAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "line", "at", "outbox_message_id")
    list_filter = ("line",)
    search_fields = ("ticket__number",)
    list_select_related = ("ticket",)


@admin.register(ThreeWayCall)
class ThreeWayCallAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "started_at", "ended_at")
    search_fields = ("ticket__number",)
    list_select_related = ("ticket",)


@admin.register(TicketCounter)
class TicketCounterAdmin(ReadOnlyAdmin):
    list_display = ("day", "last")


@admin.register(KnowledgeEntry)
class KnowledgeEntryAdmin(ReadOnlyAdmin):
    list_display = ("question", "department", "status", "version", "use_count", "updated_at")
    list_filter = ("status",)
    search_fields = ("question", "keywords")
    list_select_related = ("department",)


@admin.register(ClassifierModel)
class ClassifierModelAdmin(ReadOnlyAdmin):
    list_display = ("version", "algorithm", "trained_on", "evaluated_on", "active", "created_at")
    list_filter = ("active",)
    hidden_fields = ("payload",)  # a pickled pipeline is of no use to a reader
    actions = ("activate",)

    @admin.action(description="启用所选版本 / activate the selected version")
    def activate(self, request: HttpRequest, queryset: Any) -> None:
        from zhengwu.hotline import routing

        versions = list(queryset.values_list("version", flat=True)[:2])
        if len(versions) != 1:
            self.message_user(
                request, "请只选择一个版本 / select exactly one version", messages.ERROR
            )
            return
        try:
            routing.model_activate(version=versions[0], by=request.user)
        except DomainError as exc:
            self.message_user(request, f"{exc.message} / {exc.message_en}", messages.ERROR)
            return
        self.message_user(
            request, f"已启用 {versions[0]} / {versions[0]} is now active", messages.SUCCESS
        )


@admin.register(Open311Client)
class Open311ClientAdmin(ReadOnlyAdmin):
    list_display = ("name", "key_prefix", "active", "created_at")
    hidden_fields = ("key_hash",)


@admin.register(DailyStat)
class DailyStatAdmin(ReadOnlyAdmin):
    list_display = ("day", "category", "department", "street", "received", "closed")
    list_filter = ("category",)
    date_hierarchy = "day"


# --- configuration (editable, audited) ---------------------------------------------------------


@admin.register(Topic)
class TopicAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("code", "name", "category", "group", "department", "active", "sort_order")
    list_filter = ("category", "active", "group")
    search_fields = ("code", "name", "keywords")
    list_select_related = ("department",)


@admin.register(TimeLimitRule)
class TimeLimitRuleAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("category", "priority", "sign_hours", "limit", "unit", "callback_days")
    list_filter = ("category", "priority", "unit")


@admin.register(RoutingRule)
class RoutingRuleAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("kind", "pattern", "department", "emergency_line", "priority", "active")
    list_filter = ("kind", "active", "emergency_line")
    search_fields = ("pattern", "note")
    list_select_related = ("department",)
    readonly_fields = ("created_by", "created_at")
