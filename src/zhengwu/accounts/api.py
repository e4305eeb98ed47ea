"""Accounts API: login/logout, me, preferences, identity switch, API tokens, users.

Handlers parse, call one service or selector and shape the answer; nothing else.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import login as django_login
from django.contrib.auth import logout as django_logout
from django.http import HttpRequest
from ninja import Router, Status

from zhengwu.accounts import policies, selectors, services
from zhengwu.accounts.auth import api_auth, request_channel, require_scope, session_only
from zhengwu.accounts.choices import UserKind
from zhengwu.accounts.models import ApiToken, User
from zhengwu.accounts.schemas import (
    AccountOut,
    CitizenRegisterIn,
    ClerkCertificationOut,
    IdentityOut,
    LoginIn,
    MeOut,
    PreferencesIn,
    SwitchIdentityIn,
    TokenCreatedOut,
    TokenCreateIn,
    TokenOut,
    UserCreateIn,
    UserOut,
)
from zhengwu.kernel.errors import InvalidInput, NotAllowed

router = Router(tags=["accounts"])


def _ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _login_backend() -> str:
    return settings.AUTHENTICATION_BACKENDS[0]


def _identity_out(identity: selectors.Identity | None) -> dict[str, Any] | None:
    if identity is None:
        return None
    return {
        "key": identity.key,
        "kind": identity.kind,
        "label": identity.label,
        "enterprise_id": identity.enterprise_id,
        "uscc": identity.uscc,
        "role": identity.role,
    }


def _account(user: User) -> dict[str, Any]:
    return {
        "id": user.pk,
        "public_id": str(user.public_id),
        "username": user.username,
        "display_name": user.display_name,
        "kind": user.kind,
        "elderly_mode": user.elderly_mode,
        "language": user.language,
        "phone": selectors.phone_for(user, user),
    }


def _me(request: HttpRequest, user: User) -> dict[str, Any]:
    citizen = getattr(user, "citizen_profile", None) if user.kind == UserKind.CITIZEN else None
    session = None if getattr(request, "api_token", None) else request.session
    return {
        **_account(user),
        "roles": sorted(policies.staff_roles(user)),
        "department_id": policies.staff_department_id(user),
        "citizen_id_number": selectors.citizen_id_number_for(user, citizen) if citizen else None,
        "identity": _identity_out(selectors.current_identity(user, session)),
        "identities": [_identity_out(i) for i in selectors.user_identities(user)],
    }


def _token_out(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "scopes": token.scopes,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
        "last_used_at": token.last_used_at,
        "active": token.is_active(),
    }


def _user_out(viewer: Any, user: User) -> dict[str, Any]:
    citizen = getattr(user, "citizen_profile", None)
    staff = getattr(user, "staff_profile", None)
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "kind": user.kind,
        "is_active": user.is_active,
        "locked_until": user.locked_until,
        "roles": sorted(staff.role_set) if staff else [],
        "department_id": staff.department_id if staff else None,
        "phone": selectors.phone_for(viewer, user),
        "citizen_name": selectors.citizen_name_for(viewer, citizen) if citizen else None,
        "citizen_id_number": (
            selectors.citizen_id_number_for(viewer, citizen) if citizen else None
        ),
        "citizen_birth_date": citizen.birth_date if citizen else None,
    }


# --- session ------------------------------------------------------------------------------


@router.post("/login", auth=None, response=MeOut, summary="Log in with a password (session)")
def login(request: HttpRequest, payload: LoginIn) -> dict[str, Any]:
    """Starts a session (cookie). Locked accounts get 429 ``account_locked``."""
    user = services.user_authenticate(
        username=payload.username, password=payload.password, channel="api", ip_address=_ip(request)
    )
    django_login(request, user, backend=_login_backend())
    return _me(request, user)


@router.post("/logout", auth=api_auth, response={204: None}, summary="Log out (session)")
def logout(request: HttpRequest) -> Status:
    user = session_only(request)
    services.user_logged_out(user=user, channel="api")
    django_logout(request)
    return Status(204, None)


@router.post("/register", auth=None, response={201: MeOut}, summary="Citizen self-registration")
def register(request: HttpRequest, payload: CitizenRegisterIn) -> Status:
    user = services.citizen_register(
        username=payload.username,
        password=payload.password,
        real_name=payload.real_name,
        id_number=payload.id_number,
        phone=payload.phone,
        actor=selectors.actor_for(None, channel="api"),
    )
    return Status(201, _me(request, user))


@router.get("/me", auth=api_auth, response=AccountOut, summary="The signed-in account")
def me(request: HttpRequest) -> AccountOut:
    """The account row only — one database read with a token; see ``/me/profile`` for more.
    Answered as the model itself, which ninja serialises without validating it again."""
    return AccountOut(**_account(request.user))


@router.get("/me/profile", auth=api_auth, response=MeOut, summary="Account, roles, identities")
def me_profile(request: HttpRequest) -> dict[str, Any]:
    """Roles, department, one's own ID number in full, the current and possible identities."""
    return _me(request, request.user)


@router.post("/me/preferences", auth=api_auth, response=MeOut, summary="Elderly mode, language")
def set_preferences(request: HttpRequest, payload: PreferencesIn) -> dict[str, Any]:
    user = services.user_set_preferences(
        user=request.user,
        elderly_mode=payload.elderly_mode,
        language=payload.language,
        actor=selectors.actor_for(request.user, channel=request_channel(request)),
    )
    return _me(request, user)


@router.post("/identity", auth=api_auth, response=IdentityOut, summary="Switch identity")
def switch_identity(request: HttpRequest, payload: SwitchIdentityIn) -> dict[str, Any] | None:
    """Act as one of your enterprises (or yourself with ``enterprise_id: null``)."""
    user = session_only(request)
    identity = services.user_switch_identity(
        user=user, session=request.session, enterprise_id=payload.enterprise_id, channel="api"
    )
    return _identity_out(identity)


# --- API tokens ---------------------------------------------------------------------------


@router.get("/tokens", auth=api_auth, response=list[TokenOut], summary="My API tokens")
def list_tokens(request: HttpRequest) -> list[dict[str, Any]]:
    return [_token_out(t) for t in selectors.tokens_of(request.user)]


@router.post("/tokens", auth=api_auth, response={201: TokenCreatedOut}, summary="Create a token")
def create_token(request: HttpRequest, payload: TokenCreateIn) -> Status:
    """The secret is in this response only. Needs a login session (a token cannot mint one)."""
    user = session_only(request)
    token, secret = services.token_create(
        user=user,
        name=payload.name,
        scopes=payload.scopes,
        expires_in_days=payload.expires_in_days,
        actor=selectors.actor_for(user, channel="api"),
    )
    return Status(201, {**_token_out(token), "secret": secret})


@router.delete("/tokens/{token_id}", auth=api_auth, response={204: None}, summary="Revoke a token")
def revoke_token(request: HttpRequest, token_id: int) -> Status:
    services.token_revoke(
        user=request.user,
        token_id=token_id,
        actor=selectors.actor_for(
            request.user,
            channel=request_channel(request),
            token=getattr(request, "api_token", None),
        ),
    )
    return Status(204, None)


# --- users (administration) ---------------------------------------------------------------


@router.get("/users", auth=api_auth, response=list[UserOut], summary="Users (administrators)")
@require_scope("admin")
def list_users(request: HttpRequest, id_number: str | None = None) -> list[dict[str, Any]]:
    """Administrators see every account; others see only their own. ``id_number`` finds a
    citizen by exact ID number (blind index)."""
    if id_number:
        if not policies.may_manage_users(request.user):
            raise NotAllowed("仅管理员可以按身份证号查询", "Only administrators may search by ID")
        citizen = selectors.citizen_by_id_number(id_number)
        users = [citizen.user] if citizen and citizen.user else []
    else:
        users = list(
            selectors.users_visible_to(request.user).select_related(
                "citizen_profile", "staff_profile"
            )[:200]
        )
    return [_user_out(request.user, u) for u in users]


@router.get("/users/{user_id}", auth=api_auth, response=UserOut, summary="One user")
def get_user(request: HttpRequest, user_id: int) -> dict[str, Any]:
    """Yourself, or anyone for administrators; otherwise 404 (no existence leak)."""
    return _user_out(request.user, selectors.access_user_by_id(request.user, user_id))


@router.post("/users", auth=api_auth, response={201: UserOut}, summary="Create a user (admin)")
@require_scope("admin")
def create_user(request: HttpRequest, payload: UserCreateIn) -> Status:
    if not policies.may_manage_users(request.user):
        raise NotAllowed("仅管理员可以创建用户", "Only administrators may create users")
    actor = selectors.actor_for(request.user, channel=request_channel(request))
    if payload.kind == UserKind.STAFF:
        if payload.department_id is None:
            raise InvalidInput("请选择部门", "A department is required", field="department_id")
        user = services.staff_create(
            username=payload.username,
            password=payload.password,
            display_name=payload.display_name,
            department_id=payload.department_id,
            roles=payload.roles,
            phone=payload.phone,
            actor=actor,
        )
    elif payload.kind == UserKind.CITIZEN and (payload.real_name or payload.id_number):
        user = services.citizen_register(
            username=payload.username,
            password=payload.password,
            real_name=payload.real_name or "",
            id_number=payload.id_number or "",
            phone=payload.phone,
            actor=actor,
        )
    else:
        user = services.user_create(
            username=payload.username,
            password=payload.password,
            display_name=payload.display_name,
            kind=payload.kind,
            phone=payload.phone,
            actor=actor,
        )
    user = User.objects.select_related("citizen_profile", "staff_profile").get(pk=user.pk)
    return Status(201, _user_out(request.user, user))


@router.post("/users/{user_id}/unlock", auth=api_auth, response=UserOut, summary="Lift a lock")
@require_scope("admin")
def unlock_user(request: HttpRequest, user_id: int) -> dict[str, Any]:
    if not policies.may_manage_users(request.user):
        # Same answer as for a missing user: non-administrators learn nothing.
        selectors.access_user_by_id(request.user, user_id)
        raise NotAllowed("仅管理员可以解锁账号", "Only administrators may unlock accounts")
    user = services.user_unlock(
        user_id=user_id,
        actor_user=request.user,
        actor=selectors.actor_for(request.user, channel=request_channel(request)),
    )
    return _user_out(request.user, user)


@router.get(
    "/certification",
    auth=api_auth,
    response=list[ClerkCertificationOut],
    summary="Window clerks uncertified or expiring (supervisors, administrators)",
)
def certification(request: HttpRequest, within_days: int = 30) -> list[dict[str, Any]]:
    if not (
        policies.is_administrator(request.user) or policies.has_role(request.user, "supervisor")
    ):
        raise NotAllowed("仅督办人员和管理员可查看", "Supervisors and administrators only")
    rows = selectors.window_clerk_certification(request.user, within_days=max(0, within_days))
    return [
        {
            "user_id": r.staff.user_id,
            "display_name": r.staff.user.display_name,
            "department_id": r.staff.department_id,
            "problem": r.problem,
            "certificate_number": r.certificate.number if r.certificate else None,
            "expires_on": r.certificate.expires_on if r.certificate else None,
        }
        for r in rows
    ]
