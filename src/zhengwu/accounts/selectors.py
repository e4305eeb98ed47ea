"""Reads of the accounts domain, already restricted to what the viewer may see.

``access_*`` functions fetch *and* authorise in one call (Zulip style): what the viewer may
not see is reported as ``NotFound``, so its existence does not leak.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from zhengwu.accounts import policies
from zhengwu.accounts.choices import (
    CertificateStatus,
    IdentityKind,
    MembershipRole,
    StaffRole,
)
from zhengwu.accounts.models import (
    ApiToken,
    CitizenProfile,
    Enterprise,
    EnterpriseMembership,
    StaffProfile,
    User,
    WindowClerkCertificate,
)
from zhengwu.kernel.actors import ANONYMOUS, Actor
from zhengwu.kernel.crypto import blind_index
from zhengwu.kernel.errors import NotFound
from zhengwu.kernel.fastread import RowReader, fetch_one, quote
from zhengwu.kernel.identifiers import parse_citizen_id
from zhengwu.kernel.masking import MaskKind, mask

# Session key holding the enterprise the user currently acts for (absent: personal).
IDENTITY_SESSION_KEY = "zhengwu_identity_enterprise"
ID_NUMBER_PURPOSE = "citizen_id_number"
PHONE_PURPOSE = "user_phone"

_NOT_FOUND = ("未找到", "Not found")


# --- identities (身份切换) --------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """One identity a user can act as: themself, or an enterprise they belong to."""

    kind: str  # IdentityKind
    label: str
    enterprise_id: int | None = None
    uscc: str = ""
    role: str = ""  # MembershipRole for enterprise identities

    @property
    def key(self) -> str:
        return "personal" if self.enterprise_id is None else f"enterprise:{self.enterprise_id}"

    @property
    def role_label(self) -> str:
        return MembershipRole(self.role).label if self.role else ""


def user_identities(user: Any) -> list[Identity]:
    """The identities ``user`` may switch between: personal first, then each enterprise."""
    if not policies.is_authenticated(user):
        return []
    identities = [Identity(kind=IdentityKind.PERSONAL, label=str(user))]
    memberships = (
        EnterpriseMembership.objects.filter(user_id=user.pk, enterprise__active=True)
        .select_related("enterprise")
        .order_by("enterprise__name", "id")
    )
    identities += [
        Identity(
            kind=IdentityKind.ENTERPRISE,
            label=m.enterprise.name,
            enterprise_id=m.enterprise_id,
            uscc=m.enterprise.uscc,
            role=m.role,
        )
        for m in memberships
    ]
    return identities


def current_identity(user: Any, session: Any) -> Identity | None:
    """The identity stored in the session, re-checked against the memberships."""
    if not policies.is_authenticated(user):
        return None
    enterprise_id = session.get(IDENTITY_SESSION_KEY) if session is not None else None
    identities = user_identities(user)
    if enterprise_id is not None:
        for identity in identities:
            if identity.enterprise_id == enterprise_id:
                return identity
    return identities[0]


# --- actors -----------------------------------------------------------------------------------


def actor_for(user: Any, *, channel: str = "", token: ApiToken | None = None) -> Actor:
    """The kernel's ``Actor`` for an account (or the anonymous actor)."""
    if not policies.is_authenticated(user):
        return Actor(ANONYMOUS.type, ANONYMOUS.id, ANONYMOUS.label, channel=channel)
    roles = sorted(policies.staff_roles(user))
    role = ",".join(roles) or user.kind
    if token is not None:
        return Actor("token", str(token.pk), f"{user.username}/{token.name}", role, channel)
    return Actor("user", str(user.pk), user.username, role, channel)


# --- users --------------------------------------------------------------------------------


def access_user_by_id(viewer: Any, user_id: int) -> User:
    """The user, if ``viewer`` may see it (self or administrator); else ``NotFound``."""
    if not policies.may_view_user(viewer, user_id):
        raise NotFound(*_NOT_FOUND, field="id")
    user = (
        User.objects.filter(pk=user_id).select_related("citizen_profile", "staff_profile").first()
    )
    if user is None:
        raise NotFound(*_NOT_FOUND, field="id")
    return user


def active_user_by_id(user_id: int) -> User | None:
    """System lookup for other domains (a scanned code names an account): active users only."""
    return User.objects.filter(pk=user_id, is_active=True).first()


def users_visible_to(viewer: Any) -> QuerySet[User]:
    if policies.may_manage_users(viewer):
        return User.objects.all().order_by("id")
    if policies.is_authenticated(viewer):
        return User.objects.filter(pk=viewer.pk)
    return User.objects.none()


def user_by_phone(phone: str) -> User | None:
    return User.objects.filter(
        phone_index=blind_index(phone.strip(), purpose=PHONE_PURPOSE)
    ).first()


# --- citizens ------------------------------------------------------------------------------


def citizen_by_id_number(value: str) -> CitizenProfile | None:
    """Exact lookup through the blind index; the value is validated and normalised first.

    Raises ``InvalidInput`` (field ``id_number``) for a malformed number. Callers that show
    the result must mask it (``citizen_id_number_for``).
    """
    parsed = parse_citizen_id(value, field="id_number")
    index = blind_index(parsed.value, purpose=ID_NUMBER_PURPOSE)
    return CitizenProfile.objects.filter(id_number_index=index).select_related("user").first()


def citizen_id_number_for(viewer: Any, citizen: CitizenProfile) -> str:
    """The ID number as ``viewer`` may see it: full, or masked (first 6 + last 4)."""
    value = citizen.id_number
    if policies.may_view_citizen_full_id(viewer, citizen):
        return value
    return mask(value, MaskKind.CITIZEN_ID)


def citizen_name_for(viewer: Any, citizen: CitizenProfile) -> str:
    if policies.may_view_citizen_full_id(viewer, citizen) or (
        policies.clearance_for(viewer) >= policies.NAME_LEVEL
    ):
        return citizen.real_name
    return mask(citizen.real_name, MaskKind.NAME)


def phone_for(viewer: Any, user: User) -> str:
    value = user.phone
    if not value:
        return ""
    if viewer is not None and getattr(viewer, "pk", None) == user.pk:
        return value
    if policies.clearance_for(viewer) >= policies.PHONE_LEVEL:
        return value
    return mask(value, MaskKind.PHONE)


# --- enterprises -----------------------------------------------------------------------------


def enterprise_by_uscc(uscc: str) -> Enterprise | None:
    return Enterprise.objects.filter(uscc=uscc.strip().upper()).first()


def access_enterprise_for_member(user: Any, enterprise_id: int) -> EnterpriseMembership:
    """The user's membership of the enterprise, or ``NotFound`` (no existence leak)."""
    if not policies.is_authenticated(user):
        raise NotFound(*_NOT_FOUND, field="enterprise_id")
    membership = (
        EnterpriseMembership.objects.filter(
            user_id=user.pk, enterprise_id=enterprise_id, enterprise__active=True
        )
        .select_related("enterprise")
        .first()
    )
    if membership is None:
        raise NotFound(*_NOT_FOUND, field="enterprise_id")
    return membership


# --- staff ----------------------------------------------------------------------------------


def staff_profile_of(user: Any) -> StaffProfile | None:
    if not policies.is_authenticated(user):
        return None
    return (
        StaffProfile.objects.filter(user_id=user.pk)
        .select_related("department")
        .prefetch_related("role_grants")
        .first()
    )


def department_staff(viewer: Any, department_id: int) -> QuerySet[StaffProfile]:
    """Staff of a department, for a viewer allowed to see them (else an empty queryset)."""
    if not policies.may_view_department_staff(viewer, department_id):
        return StaffProfile.objects.none()
    return (
        StaffProfile.objects.filter(department_id=department_id, active=True)
        .select_related("user")
        .prefetch_related("role_grants")
        .order_by("id")
    )


def staff_with_role(role: str, *, department_id: int | None = None) -> QuerySet[StaffProfile]:
    """Active staff holding ``role`` (optionally in one department): for routing work."""
    StaffRole(role)  # refuse unknown roles loudly
    qs = StaffProfile.objects.filter(active=True, role_grants__role=role)
    if department_id is not None:
        qs = qs.filter(department_id=department_id)
    return qs.select_related("user").distinct().order_by("id")


@dataclass(frozen=True)
class ClerkCertification:
    staff: StaffProfile
    certificate: WindowClerkCertificate | None
    problem: str  # "missing" | "expired" | "expiring" | "" (fine)


def window_clerk_certification(
    viewer: Any, *, today: date | None = None, within_days: int = 30
) -> list[ClerkCertification]:
    """Window clerks without a valid certificate, or whose certificate expires soon.

    The district plan requires every comprehensive-window clerk certified (2024 target).
    Visible to supervisors and administrators only; others get an empty list.
    """
    if not (policies.is_administrator(viewer) or policies.has_role(viewer, StaffRole.SUPERVISOR)):
        return []
    today = today or timezone.localdate()
    horizon = today + timedelta(days=within_days)
    valid_now = WindowClerkCertificate.objects.filter(
        staff=OuterRef("pk"),
        status=CertificateStatus.VALID,
        issued_on__lte=today,
        expires_on__gte=today,
    )
    clerks = (
        StaffProfile.objects.filter(active=True, role_grants__role=StaffRole.WINDOW_CLERK)
        .annotate(has_valid=Exists(valid_now))
        .select_related("user", "department")
        .prefetch_related(
            Prefetch(
                "certificates",
                queryset=WindowClerkCertificate.objects.filter(
                    status=CertificateStatus.VALID
                ).order_by("-expires_on"),
                to_attr="valid_certificates",
            )
        )
        .distinct()
        .order_by("department_id", "id")
    )
    result: list[ClerkCertification] = []
    for clerk in clerks:
        best = next(
            (c for c in clerk.valid_certificates if c.issued_on <= today <= c.expires_on), None
        )
        if best is None:
            latest = clerk.valid_certificates[0] if clerk.valid_certificates else None
            problem = "expired" if latest is not None else "missing"
            result.append(ClerkCertification(clerk, latest, problem))
        elif best.expires_on <= horizon:
            result.append(ClerkCertification(clerk, best, "expiring"))
    return result


# --- tokens -------------------------------------------------------------------------------


def tokens_of(user: Any) -> QuerySet[ApiToken]:
    if not policies.is_authenticated(user):
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user_id=user.pk).order_by("-created_at", "-id")


def access_token_by_id(user: Any, token_id: int) -> ApiToken:
    token = tokens_of(user).filter(pk=token_id).first()
    if token is None:
        raise NotFound(*_NOT_FOUND, field="id")
    return token


# --- API-token authentication (the hottest read of the API) ---------------------------------

# Every token-authenticated request reads its token and account. Through the ORM that read
# cost ≈ 0.9 ms here, mostly the SQL compiler; one fixed statement costs ≈ 0.1 ms
# (bench/http_baseline.py, docs/benchmarks.md). The password hash is never read here, nor
# the account columns only sign-in and administration use (lock-out counters, names, e-mail,
# dates, the phone's blind index): they stay deferred, and Django reads one on first access
# (``save()`` of such an instance writes only the columns it read).
_TOKEN_READER = RowReader(
    ApiToken, ("id", "user", "scopes", "expires_at", "revoked_at", "last_used_at")
)
TOKEN_USER_FIELDS = (
    "id",
    "username",
    "is_active",
    "is_staff",
    "is_superuser",
    "public_id",
    "display_name",
    "kind",
    "phone",
    "elderly_mode",
    "language",
)
_USER_READER = RowReader(User, TOKEN_USER_FIELDS)
_TOKEN_USER_FIELD = ApiToken._meta.get_field("user")


@functools.lru_cache(maxsize=4)
def _token_sql(using: str) -> str:
    token_table, user_table = quote(ApiToken._meta.db_table), quote(User._meta.db_table)
    # Only quoted names from model metadata are interpolated; the hash is a bound parameter.
    return (
        f"SELECT {_TOKEN_READER.select_list('t', using=using)}, "  # noqa: S608
        f"{_USER_READER.select_list('u', using=using)} "
        f"FROM {token_table} t JOIN {user_table} u "
        f"ON u.{quote(_USER_READER.column('id'))} = t.{quote(_TOKEN_READER.column('user'))} "
        f"WHERE t.{quote(_TOKEN_READER.column('token_hash'))} = %s"
    )


def token_with_user_by_hash(token_hash: str, *, using: str = "default") -> ApiToken | None:
    """The token with this SHA-256 and its account, in one statement (``token.user`` set)."""
    row = fetch_one(_token_sql(using), [token_hash], using=using)
    if row is None:
        return None
    token = _TOKEN_READER.build(row[: _TOKEN_READER.width], using=using)
    # user_id came with the row: only the related-object cache is left to fill.
    _TOKEN_USER_FIELD.set_cached_value(
        token, _USER_READER.build(row[_TOKEN_READER.width :], using=using)
    )
    return token
