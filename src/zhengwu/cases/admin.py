"""Admin of case handling: read-mostly.

Cases change only through :mod:`zhengwu.cases.services` (one transaction, audit, timeline,
step record, notices), so every case model is view-only here; the one exception is
``ProcessBinding`` (which BPMN process an item runs), a configuration row. Every admin mixes
in ``AuditedAdmin`` first. Encrypted personal data (ID numbers, phone, addresses) is never
shown in clear: only masked.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from zhengwu.cases.models import (
    Blob,
    Case,
    CaseEvent,
    CaseFile,
    CaseMaterial,
    CaseNumberCounter,
    CaseStep,
    CaseTask,
    Commitment,
    Complaint,
    Correction,
    CreditRecord,
    Delivery,
    Extension,
    Handover,
    Message,
    Notice,
    Payment,
    ProcessBinding,
    ProcessDefinition,
    SpecialProcedure,
    Supervision,
    Transfer,
)
from zhengwu.kernel.admin_audit import AuditedAdmin, ReadOnlyAdmin, ReadOnlyInline
from zhengwu.kernel.masking import MaskKind, mask


class CaseMaterialInline(ReadOnlyInline):
    model = CaseMaterial
    fields = ("key", "name", "required", "source", "paper_originals", "paper_copies", "owed_until")


class CaseStepInline(ReadOnlyInline):
    model = CaseStep
    fields = ("step_label", "action", "handler_label", "department", "opinion", "ended_at")


class CaseTaskInline(ReadOnlyInline):
    model = CaseTask
    fields = ("step_label", "department", "role", "assignee", "due_on", "closed_at")


class CaseEventInline(ReadOnlyInline):
    model = CaseEvent
    fields = ("occurred_at", "code", "message", "public")


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = (
        "number",
        "item_name",
        "applicant_name",
        "masked_id_number",
        "status",
        "warning_level",
        "department",
        "received_on",
        "promised_due",
    )
    list_filter = ("status", "warning_level", "channel", "kind", "case_type")
    search_fields = ("number", "applicant_name", "item_name", "implementation_code")
    list_select_related = ("department",)
    masked_fields = (
        "masked_id_number",
        "masked_phone",
        "masked_address",
        "masked_agent_id_number",
    )
    inlines = (CaseMaterialInline, CaseTaskInline, CaseStepInline, CaseEventInline)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # The engine state is a large JSON document of no use to a reader of the admin.
        return [f for f in super().get_fields(request, obj) if f != "engine_state"]

    @admin.display(description="证件号码 ID number")
    def masked_id_number(self, obj: Case) -> str:
        if obj.applicant_id_type == "001":  # a credit code is public registration data
            return obj.applicant_id_number
        return mask(obj.applicant_id_number, MaskKind.CITIZEN_ID)

    @admin.display(description="联系电话 Phone")
    def masked_phone(self, obj: Case) -> str:
        return mask(obj.applicant_phone, MaskKind.PHONE) if obj.applicant_phone else ""

    @admin.display(description="联系地址 Address")
    def masked_address(self, obj: Case) -> str:
        return mask(obj.applicant_address, MaskKind.ADDRESS)

    @admin.display(description="代办人身份证号 Agent ID number")
    def masked_agent_id_number(self, obj: Case) -> str:
        return mask(obj.agent_id_number, MaskKind.CITIZEN_ID)


@admin.register(CaseMaterial)
class CaseMaterialAdmin(ReadOnlyAdmin):
    list_display = ("case", "key", "name", "source", "paper_originals", "paper_copies")
    list_filter = ("source", "deficiency_allowed")
    search_fields = ("case__number", "key", "name")
    list_select_related = ("case",)


@admin.register(CaseFile)
class CaseFileAdmin(ReadOnlyAdmin):
    list_display = ("id", "material", "filename", "blob", "uploaded_at")
    search_fields = ("material__case__number", "filename", "blob__sha256")
    list_select_related = ("material", "blob")


@admin.register(Blob)
class BlobAdmin(ReadOnlyAdmin):
    list_display = ("sha256", "file_type", "content_type", "size", "created_at")
    list_filter = ("file_type",)
    search_fields = ("sha256",)


@admin.register(CaseStep)
class CaseStepAdmin(ReadOnlyAdmin):
    list_display = ("case", "step_label", "action", "handler_label", "department", "ended_at")
    list_filter = ("action",)
    search_fields = ("case__number", "step", "handler_label")
    list_select_related = ("case", "department")


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ("case", "code", "message", "public", "occurred_at")
    list_filter = ("public", "code")
    search_fields = ("case__number", "code", "message")
    list_select_related = ("case",)


@admin.register(CaseTask)
class CaseTaskAdmin(ReadOnlyAdmin):
    list_display = (
        "case",
        "step_label",
        "department",
        "role",
        "assignee",
        "due_on",
        "warning_level",
        "closed_at",
    )
    list_filter = ("role", "warning_level")
    search_fields = ("case__number", "step", "step_label")
    list_select_related = ("case", "department", "assignee")


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ("number", "kind", "case", "issued_at", "pdf")
    list_filter = ("kind",)
    search_fields = ("number", "case__number")
    list_select_related = ("case",)


@admin.register(Correction)
class CorrectionAdmin(ReadOnlyAdmin):
    list_display = ("case", "requested_by", "requested_at", "resolved_at")
    search_fields = ("case__number",)
    list_select_related = ("case", "requested_by")


@admin.register(SpecialProcedure)
class SpecialProcedureAdmin(ReadOnlyAdmin):
    list_display = ("case", "kind", "started_on", "ended_on")
    list_filter = ("kind",)
    search_fields = ("case__number", "reason")
    list_select_related = ("case",)


@admin.register(Extension)
class ExtensionAdmin(ReadOnlyAdmin):
    list_display = ("case", "days", "status", "requested_by", "decided_by", "requested_at")
    list_filter = ("status",)
    search_fields = ("case__number", "reason")
    list_select_related = ("case", "requested_by", "decided_by")


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("order_no", "case", "amount", "method", "status", "receipt_no", "paid_at")
    list_filter = ("method", "status")
    search_fields = ("order_no", "receipt_no", "case__number")
    list_select_related = ("case",)


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("case", "method", "tracking_no", "identity_checked", "delivered_at")
    list_filter = ("method",)
    search_fields = ("case__number", "tracking_no")
    list_select_related = ("case",)
    masked_fields = ("masked_address",)

    @admin.display(description="寄送地址 Address")
    def masked_address(self, obj: Delivery) -> str:
        return mask(obj.address, MaskKind.ADDRESS)


@admin.register(Commitment)
class CommitmentAdmin(ReadOnlyAdmin):
    list_display = ("case", "signed_name", "status", "verify_department", "verify_due")
    list_filter = ("status",)
    search_fields = ("case__number", "signed_name")
    list_select_related = ("case", "verify_department")


@admin.register(CreditRecord)
class CreditRecordAdmin(ReadOnlyAdmin):
    list_display = ("case", "subject_name", "kind", "recorded_at")
    list_filter = ("kind",)
    search_fields = ("case__number", "subject_name")
    list_select_related = ("case",)


@admin.register(Supervision)
class SupervisionAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "kind", "case", "department", "detail")
    list_filter = ("kind",)
    search_fields = ("case__number", "detail")
    list_select_related = ("case", "department")


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ("case", "direction", "tracking_no", "status", "sent_at", "received_at")
    list_filter = ("direction", "status")
    search_fields = ("case__number", "tracking_no")
    list_select_related = ("case",)


@admin.register(Handover)
class HandoverAdmin(ReadOnlyAdmin):
    list_display = ("case", "from_user", "to_user", "handed_at")
    search_fields = ("case__number", "reason")
    list_select_related = ("case", "from_user", "to_user")


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    list_display = ("id", "case", "implementation_code", "status", "due_on", "created_at")
    list_filter = ("status",)
    search_fields = ("case__number", "implementation_code", "text")
    list_select_related = ("case",)


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ("user", "title", "case", "created_at", "read_at")
    search_fields = ("title", "case__number")
    list_select_related = ("user", "case")


@admin.register(ProcessDefinition)
class ProcessDefinitionAdmin(ReadOnlyAdmin):
    list_display = ("key", "version", "name", "digest", "created_at")
    list_filter = ("key",)
    search_fields = ("key", "name")


@admin.register(CaseNumberCounter)
class CaseNumberCounterAdmin(ReadOnlyAdmin):
    list_display = ("scope", "day", "last")
    search_fields = ("scope",)


class ProcessBindingForm(forms.ModelForm):
    """The process is chosen among the shipped BPMN processes."""

    class Meta:
        model = ProcessBinding
        fields = ("implementation_code", "process_key", "note")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from zhengwu.cases.services import SHIPPED_PROCESSES

        self.fields["process_key"] = forms.ChoiceField(
            label=self.fields["process_key"].label,
            choices=[(key, f"{key} · {name}") for key, (_file, name) in SHIPPED_PROCESSES.items()],
        )

    def clean_implementation_code(self) -> str:
        return self.cleaned_data["implementation_code"].strip().upper()


@admin.register(ProcessBinding)
class ProcessBindingAdmin(AuditedAdmin, admin.ModelAdmin):
    """Editable: which process an item runs. Running cases keep the process they started
    with (a case pins its ``ProcessDefinition``)."""

    form = ProcessBindingForm
    list_display = ("implementation_code", "process_key", "note")
    list_filter = ("process_key",)
    search_fields = ("implementation_code", "note")
