"""Admin of the catalogue. Every change is audited (``AuditedAdmin``); versions other than
drafts are read-only here, because a published version is immutable and changes go through
the change-control services (workbench or API)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from zhengwu.catalog.choices import EDITABLE_STATUSES
from zhengwu.catalog.models import (
    Bundle,
    BundleMember,
    Item,
    ItemVersion,
    LifeEvent,
    SearchSynonym,
    VersionEvent,
)
from zhengwu.kernel.admin_audit import AuditedAdmin


@admin.register(LifeEvent)
class LifeEventAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("code", "name", "audience", "parent", "sort_order")
    list_filter = ("audience",)
    search_fields = ("code", "name")


@admin.register(Item)
class ItemAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("basic_code", "name", "item_type", "level")
    search_fields = ("basic_code", "name")
    list_filter = ("item_type", "level")


class VersionEventInline(admin.TabularInline):
    model = VersionEvent
    extra = 0
    can_delete = False
    readonly_fields = (
        "action",
        "from_status",
        "to_status",
        "actor_label",
        "comment",
        "occurred_at",
    )
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ItemVersion)
class ItemVersionAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = (
        "name",
        "implementation_code",
        "version",
        "status",
        "department",
        "effective_from",
    )
    list_filter = ("status", "change_kind")
    search_fields = ("name", "implementation_code")
    raw_id_fields = ("item", "department", "based_on")
    inlines = (VersionEventInline,)

    def _locked(self, obj: Any) -> bool:
        return obj is not None and obj.status not in EDITABLE_STATUSES

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        workflow = (
            "status",
            "change_kind",
            "based_on",
            "effective_from",
            "published_at",
            "superseded_at",
            "content_digest",
            "implementation_code",
            "version",
        )
        if self._locked(obj):
            return [f.name for f in self.model._meta.concrete_fields] + ["life_events"]
        return workflow

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if self._locked(obj):
            return False
        return super().has_delete_permission(request, obj)


class BundleMemberInline(admin.TabularInline):
    model = BundleMember
    extra = 0
    raw_id_fields = ("item",)


@admin.register(Bundle)
class BundleAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("code", "name", "audience", "lead_department", "promised_limit", "active")
    search_fields = ("code", "name")
    inlines = (BundleMemberInline,)


class ExpansionsField(forms.CharField):
    """The expansions as text, one per line (or separated by commas / 、), stored as a list."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        seen: dict[str, None] = {}
        for part in re.split(r"[\n,，、;；]+", text):
            if part.strip():
                seen[part.strip()] = None
        return list(seen)


class SearchSynonymForm(forms.ModelForm):
    expansions = ExpansionsField(
        label="同义扩展 / expansions",
        help_text=(
            "搜索含有「用语」时，同时按这些词查找：每行一个（也可用逗号或顿号分隔），"
            "写事项名称中的词，如「上户口」→ 出生登记、户口迁移。保存后最迟几秒内生效。 / "
            "A query containing the term is also searched with these words: one per line "
            "(or separated by commas), words of the items' names, e.g. 上户口 → 出生登记, "
            "户口迁移. Search picks up a change within seconds of saving."
        ),
    )

    class Meta:
        model = SearchSynonym
        fields = ("term", "expansions", "note")
        help_texts = {
            "term": "市民的说法，如「开饭馆」 / what citizens say, e.g. 开饭馆",
        }


@admin.register(SearchSynonym)
class SearchSynonymAdmin(AuditedAdmin, admin.ModelAdmin):
    form = SearchSynonymForm
    list_display = ("term", "expansions", "note")
    search_fields = ("term",)
