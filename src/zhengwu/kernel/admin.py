"""Django admin for the kernel tables.

Each section is self-contained (its own imports) because several parts of the kernel keep
their admin here.
"""

from __future__ import annotations

# Each section keeps its own imports (distinct names), so later sections import after
# earlier code: E402 is expected in this file.
# ruff: noqa: E402
# --- working-day calendar (kernel.workdays, kernel.calendar_io) ---------------------------
# Rows follow kernel.workdays' representation: holidays on weekdays, adjusted working days
# on weekends. Every change bumps the year's stamp and emits calendar.year_loaded, so the
# per-process calendar caches refresh and provisional deadlines are recomputed.
from functools import cache
from typing import Any

from django import forms, http
from django.contrib import admin
from django.contrib.messages import constants as message_levels
from django.core.exceptions import PermissionDenied
from django.db import models
from django.template import engines
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from zhengwu.kernel.admin_audit import AuditedAdmin, admin_actor
from zhengwu.kernel.calendar_io import load_calendar_file
from zhengwu.kernel.errors import FieldError, InvalidInput
from zhengwu.kernel.models import CalendarYear, CalendarYearSource, HolidayCalendar
from zhengwu.kernel.workdays import calendar_changed

_WEEKDAYS = ("一 Mon", "二 Tue", "三 Wed", "四 Thu", "五 Fri", "六 Sat", "日 Sun")

# Inline templates keep this admin section self-contained (no template files to ship).
_CHANGE_LIST_TEMPLATE = """{% extends "admin/change_list.html" %}
{% block object-tools-items %}
<li><a href="{% url 'admin:kernel_calendaryear_import' %}" class="addlink">
从文件导入年度日历 / Import a year from a file</a></li>
{{ block.super }}
{% endblock %}"""

_IMPORT_TEMPLATE = """{% extends "admin/base_site.html" %}
{% block breadcrumbs %}<div class="breadcrumbs">
<a href="{% url 'admin:index' %}">首页 / Home</a> &rsaquo;
<a href="{% url 'admin:kernel_calendaryear_changelist' %}">{{ opts.verbose_name_plural }}</a>
&rsaquo; {{ title }}</div>{% endblock %}
{% block content %}
<p>上传 CSV 或 xlsx 文件，列为 日期(date)、类别(kind：休/holiday 或 班/workday)、名称(name)。
只列出放假的工作日和调休上班的周末；文件全部正确才会导入，并替换该年度的全部记录。<br>
Upload a CSV or xlsx file with the columns date, kind (holiday/休 or workday/班) and name.
List only weekdays off and weekend working days. Nothing is written unless every row is
valid; a successful import replaces all of that year's rows.</p>
{% if errors %}<p class="errornote">文件有 {{ errors|length }} 处错误，未导入任何记录 /
{{ errors|length }} error(s); nothing was imported.</p>
<ul class="errorlist">{% for e in errors %}
<li>{% if e.field %}[{{ e.field }}] {% endif %}{{ e.message }}<br>{{ e.message_en }}</li>
{% endfor %}</ul>{% endif %}
<form method="post" enctype="multipart/form-data">{% csrf_token %}
{{ form.as_p }}
<div class="submit-row">
<input type="submit" class="default" value="校验并导入 / Validate and import"></div>
</form>
{% endblock %}"""


@cache
def _template(source: str) -> Any:
    return engines["django"].from_string(source)


class HolidayCalendarForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = HolidayCalendar
        fields = ("date", "kind", "name")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, kind = data.get("date"), data.get("kind")
        if day is not None and kind == "workday" and day.weekday() < 5:
            self.add_error(
                "kind",
                "调休上班日只能是星期六或星期日 / an adjusted working day must be a weekend day",
            )
        if day is not None and kind == "holiday" and day.weekday() >= 5:
            self.add_error(
                "kind",
                "周末本来休息，只需登记放假的工作日 / "
                "weekends are rest days: list weekdays off only",
            )
        return data


@admin.register(HolidayCalendar)
class HolidayCalendarAdmin(AuditedAdmin, admin.ModelAdmin):  # type: ignore[type-arg]
    form = HolidayCalendarForm
    list_display = ("date", "weekday", "kind", "name", "year")
    list_filter = ("year", "kind")
    search_fields = ("name",)
    date_hierarchy = "date"
    ordering = ("date",)

    @admin.display(description="星期 / weekday")
    def weekday(self, obj: HolidayCalendar) -> str:
        return _WEEKDAYS[obj.date.weekday()]

    def save_model(
        self, request: http.HttpRequest, obj: HolidayCalendar, form: Any, change: bool
    ) -> None:
        old_year = HolidayCalendar.objects.filter(pk=obj.pk).values_list("year", flat=True).first()
        obj.year = obj.date.year
        super().save_model(request, obj, form, change)
        for year in {obj.year, old_year}:
            if year is not None:
                calendar_changed(int(year))

    def delete_model(self, request: http.HttpRequest, obj: HolidayCalendar) -> None:
        super().delete_model(request, obj)
        calendar_changed(obj.year)

    def delete_queryset(
        self, request: http.HttpRequest, queryset: models.QuerySet[HolidayCalendar]
    ) -> None:
        years = set(queryset.values_list("year", flat=True))
        super().delete_queryset(request, queryset)
        for year in sorted(years):
            calendar_changed(year)


class CalendarImportForm(forms.Form):
    file = forms.FileField(label="文件 / file (CSV, xlsx)")
    year = forms.IntegerField(
        label="年度 / year",
        required=False,
        min_value=1900,
        max_value=2200,
        help_text="留空则按文件中的日期确定 / leave empty to take it from the dates",
    )
    note = forms.CharField(label="说明 / note", required=False, max_length=200)


@admin.register(CalendarYear)
class CalendarYearAdmin(AuditedAdmin, admin.ModelAdmin):  # type: ignore[type-arg]
    """A row here declares a year's schedule complete; deadlines past the last one are
    provisional. Add one by hand only after entering every holiday of that year."""

    list_display = ("year", "source", "loaded_at", "holiday_count", "workday_count", "note")
    list_filter = ("source",)
    readonly_fields = ("source", "loaded_at")
    fields = ("year", "source", "note", "loaded_at")
    ordering = ("-year",)

    @property
    def change_list_template(self) -> Any:  # type: ignore[override]
        return _template(_CHANGE_LIST_TEMPLATE)

    @admin.display(description="放假日 / holidays")
    def holiday_count(self, obj: CalendarYear) -> int:
        return HolidayCalendar.objects.filter(year=obj.year, kind="holiday").count()

    @admin.display(description="调休上班日 / workdays")
    def workday_count(self, obj: CalendarYear) -> int:
        return HolidayCalendar.objects.filter(year=obj.year, kind="workday").count()

    def save_model(
        self, request: http.HttpRequest, obj: CalendarYear, form: Any, change: bool
    ) -> None:
        if not change:
            obj.source = CalendarYearSource.ADMIN
        super().save_model(request, obj, form, change)
        calendar_changed(obj.year)

    def delete_model(self, request: http.HttpRequest, obj: CalendarYear) -> None:
        super().delete_model(request, obj)
        calendar_changed(obj.year)

    def delete_queryset(
        self, request: http.HttpRequest, queryset: models.QuerySet[CalendarYear]
    ) -> None:
        years = list(queryset.values_list("year", flat=True))
        super().delete_queryset(request, queryset)
        for year in years:
            calendar_changed(year)

    def get_urls(self) -> list[URLPattern]:  # type: ignore[override]
        extra = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="kernel_calendaryear_import",
            )
        ]
        return extra + super().get_urls()

    def import_view(self, request: http.HttpRequest) -> http.HttpResponse:
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        errors: list[FieldError] = []
        form = CalendarImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = load_calendar_file(
                    upload,
                    year=form.cleaned_data["year"],
                    filename=upload.name,
                    note=form.cleaned_data["note"],
                    actor=admin_actor(request),
                )
            except InvalidInput as error:
                errors = error.errors or [
                    FieldError(error.field, error.code, error.message, error.message_en)
                ]
            else:
                self.message_user(
                    request,
                    f"已导入 {result.year} 年：{result.holidays} 个放假日，"
                    f"{result.workdays} 个调休上班日 / Imported {result.year}: "
                    f"{result.holidays} holidays, {result.workdays} workdays",
                    message_levels.SUCCESS,
                )
                for warning in result.warnings:
                    self.message_user(
                        request, f"{warning.message} / {warning.message_en}", message_levels.WARNING
                    )
                return http.HttpResponseRedirect(reverse("admin:kernel_calendaryear_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "从文件导入年度日历 / Import a year from a file",
            "form": form,
            "errors": errors,
        }
        return TemplateResponse(request, _template(_IMPORT_TEMPLATE), context)


# --- audit log and outbox (kernel.audit, kernel.outbox) ----------------------------------
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from zhengwu.kernel.models import AuditEntry, OutboxEndpoint, OutboxMessage
from zhengwu.kernel.outbox import outbox_retry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: the audit log is append-only, and its hash chain would expose any edit."""

    list_display = (
        "occurred_at",
        "action",
        "object_type",
        "object_id",
        "actor_label",
        "actor_role",
        "channel",
        "chain",
        "sequence",
    )
    list_filter = ("action", "object_type", "channel", "actor_type")
    search_fields = ("object_id", "actor_id", "request_id", "action")
    date_hierarchy = "occurred_at"
    ordering = ("-occurred_at", "-id")
    show_full_result_count = False  # a COUNT(*) over the whole log on every page is costly

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False


@admin.register(OutboxEndpoint)
class OutboxEndpointAdmin(AuditedAdmin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "url", "active", "timeout_seconds")
    list_filter = ("active",)
    search_fields = ("name", "url")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(AuditedAdmin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Messages are written by services only; here they are inspected and retried."""

    list_display = (
        "id",
        "topic",
        "endpoint",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
        "delivered_at",
    )
    list_filter = ("status", "endpoint", "topic")
    search_fields = ("idempotency_key", "topic", "endpoint")
    readonly_fields = tuple(field.name for field in OutboxMessage._meta.fields)
    ordering = ("-id",)
    actions = ("retry_now",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: OutboxMessage | None = None) -> bool:
        return False

    @admin.action(description="立即重试 / retry now")
    def retry_now(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        count = outbox_retry(
            message_ids=list(queryset.values_list("id", flat=True)), actor=admin_actor(request)
        )
        self.message_user(
            request,
            f"{count} 条消息已重新排队 / {count} messages queued for delivery"
            " (delivered messages are never resent)",
            messages.SUCCESS,
        )
