"""Django admin for accounts. Personal data is shown masked; the ID search is exact.

OpenID Connect clients ("registered clients") are managed in django-oauth-toolkit's own
admin ("Applications"); see ``zhengwu.accounts.oidc`` for the settings a client needs.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from zhengwu.accounts import selectors
from zhengwu.accounts.models import (
    ApiToken,
    CitizenProfile,
    Enterprise,
    EnterpriseMembership,
    StaffProfile,
    StaffRoleGrant,
    User,
    WindowClerkCertificate,
)
from zhengwu.kernel.admin_audit import AuditedAdmin, admin_actor
from zhengwu.kernel.audit import audit_record
from zhengwu.kernel.errors import InvalidInput
from zhengwu.kernel.masking import MaskKind, mask


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    list_display = ("username", "display_name", "kind", "is_active", "locked_until", "last_login")
    list_filter = ("kind", "is_active", "is_superuser", "elderly_mode")
    search_fields = ("username", "display_name")
    readonly_fields = (
        "public_id",
        "masked_phone",
        "failed_login_count",
        "last_failed_login_at",
        "last_login",
        "date_joined",
    )
    fieldsets = (
        (None, {"fields": ("username", "password", "public_id")}),
        (
            "资料 Profile",
            {
                "fields": (
                    "display_name",
                    "kind",
                    "masked_phone",
                    "email",
                    "elderly_mode",
                    "language",
                )
            },
        ),
        (
            "登录 Login",
            {
                "fields": (
                    "is_active",
                    "failed_login_count",
                    "last_failed_login_at",
                    "locked_until",
                    "last_login",
                    "date_joined",
                )
            },
        ),
        ("Django 管理权限", {"fields": ("is_staff", "is_superuser", "groups", "user_permissions")}),
    )

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        # Django's password page saves the form itself, past save_model: record it here.
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                user = User.objects.get(pk=id)
                audit_record(
                    action="admin.password_changed",
                    object_type=user._meta.label_lower,
                    object_id=str(user.pk),
                    actor=admin_actor(request),
                    after={"password": "(changed)"},
                    channel="admin",
                )
        return response

    @admin.display(description="手机号 Phone")
    def masked_phone(self, obj: User) -> str:
        return mask(obj.phone, MaskKind.PHONE) if obj.phone else ""


@admin.register(CitizenProfile)
class CitizenProfileAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("id", "masked_name", "masked_id_number", "birth_date", "sex", "user")
    readonly_fields = (
        "masked_id_number",
        "birth_date",
        "sex",
        "birth_region_code",
        "created_at",
        "updated_at",
    )
    fields = (
        "user",
        "real_name",
        "masked_id_number",
        "birth_date",
        "sex",
        "birth_region_code",
        "created_at",
        "updated_at",
    )
    search_fields = ("real_name",)
    search_help_text = "输入完整身份证号精确查找，或姓名 / Full ID number (exact) or name"
    raw_id_fields = ("user",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # created through the services (validation, blind index, audit)

    @admin.display(description="姓名 Name")
    def masked_name(self, obj: CitizenProfile) -> str:
        return mask(obj.real_name, MaskKind.NAME)

    @admin.display(description="身份证号 ID number")
    def masked_id_number(self, obj: CitizenProfile) -> str:
        return mask(obj.id_number, MaskKind.CITIZEN_ID)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        term = search_term.strip()
        if len(term) in (15, 18) and term[:17].isdigit():
            try:
                found = selectors.citizen_by_id_number(term)
            except InvalidInput:
                return queryset.none(), False
            return queryset.filter(pk=found.pk if found else None), False
        return super().get_search_results(request, queryset, search_term)


class MembershipInline(admin.TabularInline):
    model = EnterpriseMembership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Enterprise)
class EnterpriseAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("name", "uscc", "masked_legal_representative", "active")
    search_fields = ("name", "uscc")
    inlines = [MembershipInline]
    raw_id_fields = ("region",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("uscc",) if obj else ()

    @admin.display(description="法定代表人 Legal representative")
    def masked_legal_representative(self, obj: Enterprise) -> str:
        return mask(obj.legal_representative_name, MaskKind.NAME)


@admin.register(EnterpriseMembership)
class EnterpriseMembershipAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("user", "enterprise", "role", "created_at")
    list_filter = ("role",)
    raw_id_fields = ("user", "enterprise")


class RoleInline(admin.TabularInline):
    model = StaffRoleGrant
    extra = 1


class CertificateInline(admin.TabularInline):
    model = WindowClerkCertificate
    extra = 0


@admin.register(StaffProfile)
class StaffProfileAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("user", "department", "job_title", "roles", "active")
    list_filter = ("active", "role_grants__role", "department")
    search_fields = ("user__username", "user__display_name")
    inlines = [RoleInline, CertificateInline]
    raw_id_fields = ("user",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return (
            super()
            .get_queryset(request)
            .select_related("user", "department")
            .prefetch_related("role_grants")
        )

    @admin.display(description="角色 Roles")
    def roles(self, obj: StaffProfile) -> str:
        return ", ".join(g.get_role_display() for g in obj.role_grants.all())


@admin.register(WindowClerkCertificate)
class WindowClerkCertificateAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("number", "staff", "issued_on", "expires_on", "status")
    list_filter = ("status",)
    search_fields = ("number",)
    raw_id_fields = ("staff",)


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin, admin.ModelAdmin):
    """Only the hash is stored; a token can be revoked here but never read."""

    list_display = ("name", "user", "prefix", "scopes", "expires_at", "revoked_at", "last_used_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "user__username")
    readonly_fields = (
        "user",
        "name",
        "prefix",
        "token_hash",
        "scopes",
        "created_at",
        "expires_at",
        "last_used_at",
    )
    fields = (*readonly_fields, "revoked_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tokens are created by their owner, who sees the secret once


# Registered OpenID Connect clients and permission groups are changed in the admin too:
# re-register their own admin classes with the audit mixin.
def _audited(model: type, base: type) -> None:
    admin.site.unregister(model)
    admin.site.register(model, type(base.__name__, (AuditedAdmin, base), {"__module__": __name__}))


def _audit_third_party_admins() -> None:
    from django.contrib.auth.admin import GroupAdmin
    from django.contrib.auth.models import Group
    from oauth2_provider.admin import ApplicationAdmin
    from oauth2_provider.models import get_application_model

    _audited(get_application_model(), ApplicationAdmin)
    _audited(Group, GroupAdmin)


_audit_third_party_admins()
