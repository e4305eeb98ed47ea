"""Every change made in the Django admin goes into the audit log.

The admin writes models directly, past the services that normally record the audit entry,
so each ``ModelAdmin`` of the platform mixes in :class:`AuditedAdmin`: additions, changes
(only the fields that changed), deletions (one by one and in bulk) and inline rows are
recorded with the administrator as actor and channel ``admin``, in the admin's transaction.
Secrets and encrypted personal data never enter the log in clear: they appear as
``"(changed)"`` / ``"(set)"``.
"""

from __future__ import annotations

import datetime
import decimal
import re
import uuid
from collections.abc import Mapping
from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.http import HttpRequest

from zhengwu.kernel.actors import Actor
from zhengwu.kernel.audit import audit_record
from zhengwu.kernel.fields import EncryptedTextField

_SECRET_NAME = re.compile(r"password|secret|token|hash|auth_header|private", re.IGNORECASE)
HIDDEN = "(set)"


def admin_actor(request: HttpRequest) -> Actor:
    user = request.user
    return Actor(
        "user",
        str(user.pk),
        user.get_username(),
        role="superuser" if getattr(user, "is_superuser", False) else "admin-site",
        channel="admin",
    )


def _is_secret(field: models.Field[Any, Any]) -> bool:
    return isinstance(field, EncryptedTextField) or bool(_SECRET_NAME.search(field.name))


def _plain(value: Any) -> Any:
    """A JSON-safe rendering of a field value for the log."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime.date | datetime.datetime | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset | models.QuerySet):
        return [_plain(v) for v in value]
    return str(value)


def _field(obj: models.Model, name: str) -> models.Field[Any, Any] | None:
    try:
        field = obj._meta.get_field(name)
    except Exception:  # a form-only field (e.g. the admin's password widgets)
        return None
    return field if isinstance(field, models.Field) else None


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The object's concrete field values, secrets hidden."""
    values: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        raw = field.value_from_object(obj)
        values[field.name] = (
            (HIDDEN if raw not in (None, "") else raw) if _is_secret(field) else (_plain(raw))
        )
    return values


def _changes(obj: models.Model, form: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name in getattr(form, "changed_data", []):
        field = _field(obj, name)
        if field is None or _is_secret(field):
            before[name], after[name] = "(changed)", "(changed)"
            continue
        before[name] = _plain(form.initial.get(name))
        after[name] = _plain(form.cleaned_data.get(name))
    return before, after


def _record(
    request: HttpRequest,
    action: str,
    obj: models.Model,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    audit_record(
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        actor=admin_actor(request),
        before=before,
        after=after,
        channel="admin",
    )


class AuditedAdmin:
    """Mix in before ``admin.ModelAdmin`` (or Django's ``UserAdmin``)."""

    # An address typed without a scheme means https, never plain http (Django 6's default).
    formfield_overrides: Mapping[type[models.Field[Any, Any]], Mapping[str, Any]] = {
        models.URLField: {"assume_scheme": "https"}
    }

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)  # type: ignore[misc]
            if change:
                before, after = _changes(obj, form)
                if before or after:
                    _record(request, "admin.changed", obj, before=before, after=after)
            else:
                _record(request, "admin.added", obj, after=snapshot(obj))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            _record(request, "admin.deleted", obj, before=snapshot(obj))
            super().delete_model(request, obj)  # type: ignore[misc]

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        with transaction.atomic():
            for obj in queryset:
                _record(request, "admin.deleted", obj, before=snapshot(obj))
            super().delete_queryset(request, queryset)  # type: ignore[misc]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        with transaction.atomic():
            # Deleting clears an instance's pk, so deleted inline rows are recorded first.
            for inline_form in getattr(formset, "deleted_forms", []):
                if inline_form.instance.pk is not None:
                    obj = inline_form.instance
                    _record(request, "admin.deleted", obj, before=snapshot(obj))
            super().save_formset(request, form, formset, change)  # type: ignore[misc]
            for obj in formset.new_objects:
                _record(request, "admin.added", obj, after=snapshot(obj))
            for obj, _changed in formset.changed_objects:
                _record(request, "admin.changed", obj, after=snapshot(obj))


# --- read-only admin pages for records that only services change ---------------------------


def plain_fields(model: Any, exclude: tuple[str, ...] = ()) -> list[str]:
    """The model's fields that may be shown as they are (not encrypted, not excluded)."""
    return [
        f.name
        for f in model._meta.concrete_fields
        if not isinstance(f, EncryptedTextField) and f.name not in exclude
    ]


class ReadOnlyAdmin(AuditedAdmin, admin.ModelAdmin):
    """View-only: no adding, changing or deleting (state changes go through the services).

    ``masked_fields`` name methods showing encrypted values masked; ``hidden_fields`` are
    plain fields of no use to a reader (digests, pickles)."""

    list_per_page = 50
    show_full_result_count = False  # counting millions of rows on every page is wasteful
    masked_fields: tuple[str, ...] = ()
    hidden_fields: tuple[str, ...] = ()

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return plain_fields(self.model, self.hidden_fields) + list(self.masked_fields)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.get_fields(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    extra = 0
    can_delete = False
    show_change_link = True

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return list(self.fields or plain_fields(self.model))

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
