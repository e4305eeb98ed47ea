"""Admin of the e-licence register.

- Licence types are editable by administrators (the schema is validated like the API does).
- Issuer keys: listed without private material; "add" registers another issuer's public key
  (foreign, verify-only) through :func:`services.register_foreign_key`; an action rotates
  the signing key of the selected issuers.
- Licences and their status history are read-only here: issuance and status changes go
  through the services (signature, audit, events, outbox). Holder data is shown masked.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from zhengwu.kernel.admin_audit import AuditedAdmin, ReadOnlyAdmin, ReadOnlyInline, admin_actor
from zhengwu.kernel.errors import DomainError
from zhengwu.kernel.masking import MaskKind, mask
from zhengwu.licences import services
from zhengwu.licences.models import IssuerKey, Licence, LicenceType, StatusChange


class LicenceTypeForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = LicenceType
        fields = (
            "code", "name", "name_en", "defining_body", "defining_body_code", "holder_kind",
            "metadata_schema", "validity_years", "template", "replaces", "common", "active",
        )  # fmt: skip

    def clean_metadata_schema(self) -> Any:
        try:
            return services.validate_schema(self.cleaned_data.get("metadata_schema") or [])
        except DomainError as error:
            raise ValidationError(f"{error.message}（{error.field}）") from error

    def clean_code(self) -> str:
        code = str(self.cleaned_data.get("code") or "").strip().upper()
        if self.instance.pk and code != self.instance.code:
            raise ValidationError("证照类型代码不能修改 / the type code cannot be changed")
        if len(code) != 21 or not code[18:].isdigit():
            raise ValidationError("应为定义机构的统一社会信用代码加 3 位数字")
        return code


@admin.register(LicenceType)
class LicenceTypeAdmin(AuditedAdmin, admin.ModelAdmin):  # type: ignore[type-arg]
    form = LicenceTypeForm
    list_display = ("code", "name", "defining_body", "holder_kind", "validity_years", "active")
    list_filter = ("holder_kind", "active", "common")
    search_fields = ("code", "name", "defining_body")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # licences refer to their type; deactivate instead


class ForeignKeyForm(forms.ModelForm):  # type: ignore[type-arg]
    """Registers another issuer's public key (the only way to add a key here)."""

    key_id = forms.CharField(
        label="密钥标识", required=False, max_length=16, help_text="空：由公钥计算"
    )

    class Meta:
        model = IssuerKey
        fields = ("issuer_code", "issuer_name", "key_id", "public_key_pem")

    request: HttpRequest | None = None
    registered: IssuerKey | None = None

    def validate_unique(self) -> None:  # the service decides (idempotent / conflict)
        return None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors or self.request is None:
            return data
        try:
            self.registered = services.register_foreign_key(
                issuer_code=data.get("issuer_code", ""),
                issuer_name=data.get("issuer_name", ""),
                public_key_pem=data.get("public_key_pem", ""),
                key_id=data.get("key_id") or "",
                actor=admin_actor(self.request),
                user=self.request.user,
            )
        except DomainError as error:
            field = error.field if error.field in self.fields else None
            self.add_error(field, f"{error.message} / {error.message_en}")
        return data


@admin.register(IssuerKey)
class IssuerKeyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("key_id", "issuer_name", "issuer_code", "foreign", "active", "created_at")
    list_filter = ("foreign", "active")
    search_fields = ("issuer_code", "issuer_name", "key_id")
    actions = ("rotate",)
    readonly = (
        "issuer_code", "issuer_name", "key_id", "public_key_pem", "foreign", "active",
        "created_at", "retired_at", "created_by",
    )  # fmt: skip

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = type("BoundForeignKeyForm", (ForeignKeyForm,), {"request": request})
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ("issuer_code", "issuer_name", "key_id", "public_key_pem")
        return self.readonly  # never the private key

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if obj is None else self.readonly

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # old public keys verify old licences

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        key = form.registered  # registered (and audited) by the service in the form's clean
        obj.pk, obj.key_id = key.pk, key.key_id

    @admin.action(description="更换所选签发机构的签名密钥 / rotate the signing key")
    def rotate(self, request: HttpRequest, queryset: Any) -> None:
        codes = sorted(set(queryset.filter(foreign=False).values_list("issuer_code", flat=True)))
        for code in codes:
            try:
                key = services.rotate_issuer_key(
                    code, actor=admin_actor(request), user=request.user
                )
            except DomainError as error:
                self.message_user(request, f"{code}: {error.message}", messages.ERROR)
            else:
                self.message_user(request, f"{code}: {key.key_id}", messages.SUCCESS)


class StatusChangeInline(ReadOnlyInline):
    model = StatusChange
    fields = ("at", "from_status", "to_status", "reason", "actor_label")


@admin.register(Licence)
class LicenceAdmin(ReadOnlyAdmin):
    list_display = ("identifier", "type_name", "number", "issuer_name", "status", "issue_date")
    list_filter = ("status", "source", "type_code")
    search_fields = ("identifier", "number")
    hidden_fields = ("holder_index", "verified_seal", "qr_token")
    masked_fields = ("holder_name_masked", "holder_code_masked")
    inlines = (StatusChangeInline,)

    @admin.display(description="持证主体")
    def holder_name_masked(self, obj: Licence) -> str:
        if obj.holder_code_type == "001":
            return str(obj.holder_name)
        return mask(obj.holder_name, MaskKind.NAME)

    @admin.display(description="持证主体代码")
    def holder_code_masked(self, obj: Licence) -> str:
        if obj.holder_code_type == "001":
            return str(obj.holder_code)
        return mask(obj.holder_code, MaskKind.CITIZEN_ID)


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin):
    list_display = ("licence", "from_status", "to_status", "actor_label", "at")
    list_filter = ("to_status",)
