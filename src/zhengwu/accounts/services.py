"""State changes of the accounts domain.

Each service takes keyword-only arguments, validates everything first, writes inside one
transaction (row-locking what it changes), records an audit entry with personal data
masked, and emits its events on commit through ``zhengwu.kernel.events``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, MutableMapping
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from zhengwu.accounts import policies, selectors
from zhengwu.accounts.choices import (
    SCOPE_IMPLIES,
    CertificateStatus,
    Language,
    MembershipRole,
    Sex,
    StaffRole,
    TokenScope,
    UserKind,
)
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
from zhengwu.kernel.actors import SYSTEM, Actor
from zhengwu.kernel.audit import audit_record
from zhengwu.kernel.crypto import blind_index
from zhengwu.kernel.errors import (
    Conflict,
    ErrorCollector,
    InvalidInput,
    NotAllowed,
    NotFound,
    TooManyAttempts,
    Unauthenticated,
)
from zhengwu.kernel.events import emit
from zhengwu.kernel.identifiers import parse_citizen_id, parse_uscc
from zhengwu.kernel.masking import MaskKind, mask

USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{2,149}$")
# Mainland mobile numbers (YD/T 2740 number plan): 11 digits starting 13–19.
PHONE_RE = re.compile(r"^1[3-9][0-9]{9}$")
TOKEN_PREFIX = "zw_"
TOKEN_MAX_DAYS = 365
# last_used_at is written at most once per this interval, not on every request.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


# --- helpers -------------------------------------------------------------------------------


def _masked_user(user: User) -> dict[str, Any]:
    phone = user.phone
    return {
        "username": user.username,
        "display_name": mask(user.display_name, MaskKind.NAME) if user.display_name else "",
        "kind": user.kind,
        "phone": mask(phone, MaskKind.PHONE) if phone else "",
        "is_active": user.is_active,
        "is_superuser": user.is_superuser,
    }


def _check_username(errors: ErrorCollector, username: str) -> None:
    if not USERNAME_RE.match(username or ""):
        errors.add(
            "username",
            "invalid_username",
            "用户名为 3–150 位字母、数字或 _.@+-，以字母或数字开头",
            "Usernames are 3–150 letters, digits or _.@+-, starting with a letter or digit",
        )
    elif User.objects.filter(username__iexact=username).exists():
        errors.add("username", "username_taken", "用户名已被使用", "This username is taken")


def _check_password(errors: ErrorCollector, password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        errors.add(
            "password",
            "weak_password",
            "密码强度不足：" + "；".join(str(m) for m in exc.messages),
            "The password is too weak: " + " ".join(str(m) for m in exc.messages),
        )


def _normalise_phone(errors: ErrorCollector, phone: str | None) -> str:
    value = (phone or "").strip().replace(" ", "").replace("-", "")
    if value.startswith("+86"):
        value = value[3:]
    if value and not PHONE_RE.match(value):
        errors.add("phone", "invalid_phone", "手机号码格式不正确", "Not a valid mobile number")
    return value


def _set_phone(user: User, phone: str) -> None:
    user.phone = phone
    user.phone_index = blind_index(phone, purpose=selectors.PHONE_PURPOSE) if phone else ""


def _require_admin(actor_user: Any) -> None:
    if not policies.may_manage_users(actor_user):
        raise NotAllowed("仅管理员可以管理用户", "Only administrators may manage users")


# --- users ----------------------------------------------------------------------------------


def user_create(
    *,
    username: str,
    password: str | None,
    display_name: str = "",
    kind: str = UserKind.CITIZEN,
    phone: str | None = None,
    email: str = "",
    is_superuser: bool = False,
    actor: Actor = SYSTEM,
    _errors: ErrorCollector | None = None,
) -> User:
    """Create an account. ``password=None`` creates one that cannot log in with a password."""
    errors = _errors or ErrorCollector()
    _check_username(errors, username)
    if kind not in UserKind.values:
        errors.add("kind", "invalid_kind", "用户类别无效", "Unknown user kind")
    if len(display_name) > 64:
        errors.add("display_name", "string_too_long", "显示名称过长", "Display name too long")
    phone_value = _normalise_phone(errors, phone)
    probe = User(username=username, email=email, first_name=display_name)
    if password is not None:
        _check_password(errors, password, probe)
    errors.raise_if_any()

    with transaction.atomic():
        user = User(
            username=username,
            display_name=display_name,
            kind=kind,
            email=email,
            is_superuser=is_superuser,
            is_staff=is_superuser,  # Django admin access follows superuser status here
        )
        _set_phone(user, phone_value)
        if password is None:
            user.set_unusable_password()
        else:
            user.set_password(password)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError as exc:
            raise Conflict(
                "用户名已被使用", "This username is taken", field="username", code="username_taken"
            ) from exc
        audit_record(
            action="user.created",
            object_type="accounts.user",
            object_id=str(user.pk),
            actor=actor,
            after=_masked_user(user),
            channel=actor.channel,
        )
        emit("account.created", user_id=user.pk, kind=user.kind)
    return user


def citizen_create(
    *,
    real_name: str,
    id_number: str,
    user: User | None = None,
    actor: Actor = SYSTEM,
    _errors: ErrorCollector | None = None,
) -> CitizenProfile:
    """Record a natural person (optionally linked to an account). One record per ID number."""
    errors = _errors or ErrorCollector()
    name = (real_name or "").strip()
    if not name:
        errors.add("real_name", "missing", "请填写姓名", "The real name is required")
    elif len(name) > 64:
        errors.add("real_name", "string_too_long", "姓名过长", "The name is too long")
    parsed = None
    try:
        parsed = parse_citizen_id(id_number, field="id_number")
    except InvalidInput as exc:
        errors.add_error(exc)
    if parsed is not None:
        index = blind_index(parsed.value, purpose=selectors.ID_NUMBER_PURPOSE)
        if CitizenProfile.objects.filter(id_number_index=index).exists():
            errors.add(
                "id_number",
                "id_number_taken",
                "该身份证号已登记",
                "This ID number is already registered",
            )
    errors.raise_if_any()
    assert parsed is not None

    with transaction.atomic():
        citizen = CitizenProfile(
            user=user,
            real_name=name,
            id_number=parsed.value,
            id_number_index=index,
            birth_date=parsed.birth_date,
            sex=Sex.MALE if parsed.sex == "male" else Sex.FEMALE,
            birth_region_code=parsed.value[:6],
        )
        try:
            with transaction.atomic():
                citizen.save()
        except IntegrityError as exc:
            raise Conflict(
                "该身份证号已登记",
                "This ID number is already registered",
                field="id_number",
                code="id_number_taken",
            ) from exc
        audit_record(
            action="citizen.created",
            object_type="accounts.citizen",
            object_id=str(citizen.pk),
            actor=actor,
            after={
                "real_name": mask(name, MaskKind.NAME),
                "id_number": mask(parsed.value, MaskKind.CITIZEN_ID),
                "user_id": user.pk if user else None,
            },
            channel=actor.channel,
        )
    return citizen


def citizen_register(
    *,
    username: str,
    password: str,
    real_name: str,
    id_number: str,
    phone: str | None = None,
    actor: Actor = SYSTEM,
) -> User:
    """Self-registration of a citizen: account + natural-person record, all or nothing."""
    errors = ErrorCollector()
    # Validate both parts before writing either (errors for every field at once).
    try:
        parsed = parse_citizen_id(id_number, field="id_number")
        if CitizenProfile.objects.filter(
            id_number_index=blind_index(parsed.value, purpose=selectors.ID_NUMBER_PURPOSE)
        ).exists():
            errors.add(
                "id_number",
                "id_number_taken",
                "该身份证号已登记",
                "This ID number is already registered",
            )
    except InvalidInput as exc:
        errors.add_error(exc)
    if not (real_name or "").strip():
        errors.add("real_name", "missing", "请填写姓名", "The real name is required")
    with transaction.atomic():
        user = user_create(
            username=username,
            password=password,
            display_name=real_name.strip(),
            kind=UserKind.CITIZEN,
            phone=phone,
            actor=actor,
            _errors=errors,
        )
        citizen_create(real_name=real_name, id_number=id_number, user=user, actor=actor)
    return user


def user_set_preferences(
    *,
    user: User,
    elderly_mode: bool | None = None,
    language: str | None = None,
    actor: Actor | None = None,
) -> User:
    """Persist the user's display preferences (适老化模式, interface language)."""
    if language is not None and language not in Language.values:
        raise InvalidInput(
            "不支持的界面语言",
            "Unsupported interface language",
            field="language",
            code="invalid_language",
        )
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        before = {"elderly_mode": locked.elderly_mode, "language": locked.language}
        if elderly_mode is not None:
            locked.elderly_mode = bool(elderly_mode)
        if language is not None:
            locked.language = language
        after = {"elderly_mode": locked.elderly_mode, "language": locked.language}
        if after != before:
            locked.save(update_fields=["elderly_mode", "language"])
            audit_record(
                action="user.preferences_changed",
                object_type="accounts.user",
                object_id=str(user.pk),
                actor=actor or selectors.actor_for(user),
                before=before,
                after=after,
                channel=actor.channel if actor else "",
            )
    user.elderly_mode = locked.elderly_mode
    user.language = locked.language
    return user


# --- login and lockout -----------------------------------------------------------------------


def _login_failed() -> Unauthenticated:
    return Unauthenticated(
        "用户名或密码错误", "Wrong username or password", code="invalid_credentials"
    )


def _locked_error(until: Any) -> TooManyAttempts:
    local = timezone.localtime(until)
    return TooManyAttempts(
        f"登录失败次数过多，账号已锁定至 {local:%H:%M}，请稍后再试",
        f"Too many failed logins: the account is locked until {local:%H:%M}. Try again later",
        code="account_locked",
        details={"locked_until": until.isoformat()},
    )


def user_authenticate(
    *, username: str, password: str, channel: str = "web", ip_address: str = ""
) -> User:
    """Check a password login, counting failures and locking the account after too many.

    Raises ``Unauthenticated`` for wrong credentials and ``TooManyAttempts`` while the account
    is locked — even for the right password. The failure counter is committed before the
    error is raised (the row is locked, so concurrent attempts count exactly once each).
    """
    now = timezone.now()
    max_failures = settings.LOGIN_MAX_FAILURES
    lock_for = timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    error: Exception | None = None
    actor_channel = channel
    with transaction.atomic():
        user = User.objects.select_for_update().filter(username=username).first()
        if user is None:
            # Spend the same time as a real check so that timing does not reveal usernames.
            User().set_password(password)
            audit_record(
                action="login.failed",
                object_type="accounts.user",
                object_id="unknown",
                actor=Actor("anonymous", "", "匿名", channel=actor_channel),
                after={"username": username[:150], "reason": "unknown_user", "ip": ip_address},
                channel=actor_channel,
            )
            error = _login_failed()
        elif user.is_locked(now):
            audit_record(
                action="login.refused_locked",
                object_type="accounts.user",
                object_id=str(user.pk),
                actor=Actor("anonymous", "", "匿名", channel=actor_channel),
                after={"username": user.username, "ip": ip_address},
                channel=actor_channel,
            )
            error = _locked_error(user.locked_until)
        elif not user.check_password(password) or not user.is_active:
            User.objects.filter(pk=user.pk).update(
                failed_login_count=F("failed_login_count") + 1, last_failed_login_at=now
            )
            user.refresh_from_db(fields=["failed_login_count"])
            audit_record(
                action="login.failed",
                object_type="accounts.user",
                object_id=str(user.pk),
                actor=Actor("anonymous", "", "匿名", channel=actor_channel),
                after={
                    "username": user.username,
                    "failed_login_count": user.failed_login_count,
                    "ip": ip_address,
                },
                channel=actor_channel,
            )
            error = _login_failed()
            if user.failed_login_count >= max_failures:
                until = now + lock_for
                User.objects.filter(pk=user.pk).update(locked_until=until, failed_login_count=0)
                audit_record(
                    action="account.locked",
                    object_type="accounts.user",
                    object_id=str(user.pk),
                    actor=SYSTEM,
                    after={"locked_until": until.isoformat(), "failures": max_failures},
                    channel=actor_channel,
                )
                emit("account.locked", user_id=user.pk, until=until.isoformat())
                error = _locked_error(until)
        else:
            User.objects.filter(pk=user.pk).update(
                failed_login_count=0, locked_until=None, last_login=now
            )
            user.failed_login_count, user.locked_until, user.last_login = 0, None, now
            audit_record(
                action="login.succeeded",
                object_type="accounts.user",
                object_id=str(user.pk),
                actor=selectors.actor_for(user, channel=actor_channel),
                after={"ip": ip_address},
                channel=actor_channel,
            )
    if error is not None:
        raise error
    assert user is not None
    return user


def user_logged_out(*, user: User, channel: str = "web") -> None:
    """Record a logout (the session itself is flushed by the caller)."""
    with transaction.atomic():
        audit_record(
            action="logout",
            object_type="accounts.user",
            object_id=str(user.pk),
            actor=selectors.actor_for(user, channel=channel),
            channel=channel,
        )


def user_unlock(*, user_id: int, actor_user: User, actor: Actor) -> User:
    """An administrator lifts a lockout early."""
    _require_admin(actor_user)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id).first()
        if user is None:
            raise NotFound("未找到", "Not found", field="id")
        before = {"locked_until": user.locked_until.isoformat() if user.locked_until else None}
        user.locked_until = None
        user.failed_login_count = 0
        user.save(update_fields=["locked_until", "failed_login_count"])
        audit_record(
            action="account.unlocked",
            object_type="accounts.user",
            object_id=str(user.pk),
            actor=actor,
            before=before,
            after={"locked_until": None},
            channel=actor.channel,
        )
    return user


def user_set_password(*, user: User, password: str, actor: Actor) -> User:
    errors = ErrorCollector()
    _check_password(errors, password, user)
    errors.raise_if_any()
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.set_password(password)
        locked.save(update_fields=["password"])
        audit_record(
            action="user.password_changed",
            object_type="accounts.user",
            object_id=str(user.pk),
            actor=actor,
            channel=actor.channel,
        )
    user.password = locked.password
    return user


# --- identity switch --------------------------------------------------------------------------


def user_switch_identity(
    *,
    user: User,
    session: MutableMapping[str, Any],
    enterprise_id: int | None,
    channel: str = "web",
) -> selectors.Identity:
    """Act as an enterprise the user belongs to (or as themself with ``None``).

    An enterprise the user is not a member of is answered with ``NotFound``.
    """
    if enterprise_id is None:
        identity = selectors.user_identities(user)[0]
    else:
        membership = selectors.access_enterprise_for_member(user, enterprise_id)
        identity = selectors.Identity(
            kind="enterprise",
            label=membership.enterprise.name,
            enterprise_id=membership.enterprise_id,
            uscc=membership.enterprise.uscc,
            role=membership.role,
        )
    previous = session.get(selectors.IDENTITY_SESSION_KEY)
    with transaction.atomic():
        audit_record(
            action="account.identity_switched",
            object_type="accounts.user",
            object_id=str(user.pk),
            actor=selectors.actor_for(user, channel=channel),
            before={"enterprise_id": previous},
            after={"enterprise_id": enterprise_id, "role": identity.role},
            channel=channel,
        )
    if enterprise_id is None:
        session.pop(selectors.IDENTITY_SESSION_KEY, None)
    else:
        session[selectors.IDENTITY_SESSION_KEY] = enterprise_id
    return identity


# --- enterprises ------------------------------------------------------------------------------


def enterprise_create(
    *,
    uscc: str,
    name: str,
    legal_representative_name: str,
    region_id: int | None = None,
    actor: Actor = SYSTEM,
) -> Enterprise:
    errors = ErrorCollector()
    code = ""
    try:
        code = parse_uscc(uscc, field="uscc").value
    except InvalidInput as exc:
        errors.add_error(exc)
    if code and Enterprise.objects.filter(uscc=code).exists():
        errors.add(
            "uscc",
            "uscc_taken",
            "该统一社会信用代码已登记",
            "This credit code is already registered",
        )
    if not (name or "").strip():
        errors.add("name", "missing", "请填写企业名称", "The enterprise name is required")
    if not (legal_representative_name or "").strip():
        errors.add(
            "legal_representative_name",
            "missing",
            "请填写法定代表人",
            "The legal representative is required",
        )
    errors.raise_if_any()
    with transaction.atomic():
        enterprise = Enterprise(
            uscc=code,
            name=name.strip(),
            legal_representative_name=legal_representative_name.strip(),
            region_id=region_id,
        )
        try:
            with transaction.atomic():
                enterprise.save()
        except IntegrityError as exc:
            raise Conflict(
                "该统一社会信用代码已登记",
                "This credit code is already registered",
                field="uscc",
                code="uscc_taken",
            ) from exc
        audit_record(
            action="enterprise.created",
            object_type="accounts.enterprise",
            object_id=str(enterprise.pk),
            actor=actor,
            after={
                "uscc": code,
                "name": enterprise.name,
                "legal_representative_name": mask(
                    enterprise.legal_representative_name, MaskKind.NAME
                ),
            },
            channel=actor.channel,
        )
    return enterprise


def enterprise_add_member(
    *, enterprise_id: int, user_id: int, role: str, actor: Actor = SYSTEM
) -> EnterpriseMembership:
    if role not in MembershipRole.values:
        raise InvalidInput("成员身份无效", "Unknown membership role", field="role")
    with transaction.atomic():
        enterprise = Enterprise.objects.select_for_update().filter(pk=enterprise_id).first()
        if enterprise is None:
            raise NotFound("企业不存在", "No such enterprise", field="enterprise_id")
        user = User.objects.filter(pk=user_id).first()
        if user is None:
            raise NotFound("用户不存在", "No such user", field="user_id")
        if EnterpriseMembership.objects.filter(enterprise=enterprise, user=user).exists():
            raise Conflict(
                "该用户已是企业成员",
                "The user is already a member",
                field="user_id",
                code="already_member",
            )
        if (
            role == MembershipRole.LEGAL_REPRESENTATIVE
            and enterprise.memberships.filter(role=MembershipRole.LEGAL_REPRESENTATIVE).exists()
        ):
            raise Conflict(
                "企业已有法定代表人",
                "The enterprise already has a legal representative",
                field="role",
                code="legal_representative_exists",
            )
        membership = EnterpriseMembership.objects.create(
            enterprise=enterprise, user=user, role=role
        )
        audit_record(
            action="enterprise.member_added",
            object_type="accounts.enterprise",
            object_id=str(enterprise.pk),
            actor=actor,
            after={"user_id": user.pk, "role": role},
            channel=actor.channel,
        )
    return membership


# --- staff ----------------------------------------------------------------------------------


def _clean_roles(roles: Iterable[str]) -> list[str]:
    cleaned = sorted(set(roles))
    unknown = [r for r in cleaned if r not in StaffRole.values]
    if unknown:
        raise InvalidInput(
            f"未知角色：{', '.join(unknown)}",
            f"Unknown roles: {', '.join(unknown)}",
            field="roles",
            code="invalid_role",
        )
    return cleaned


def staff_create(
    *,
    username: str,
    password: str | None,
    display_name: str,
    department_id: int,
    roles: Iterable[str],
    job_title: str = "",
    phone: str | None = None,
    is_superuser: bool = False,
    actor: Actor = SYSTEM,
) -> User:
    """A staff account in one department with its roles."""
    from zhengwu.org.selectors import department_by_id

    cleaned = _clean_roles(roles)
    errors = ErrorCollector()
    if department_by_id(department_id) is None:
        errors.add("department_id", "not_found", "部门不存在", "No such department")
    with transaction.atomic():
        user = user_create(
            username=username,
            password=password,
            display_name=display_name,
            kind=UserKind.STAFF,
            phone=phone,
            is_superuser=is_superuser,
            actor=actor,
            _errors=errors,
        )
        staff = StaffProfile.objects.create(
            user=user, department_id=department_id, job_title=job_title
        )
        StaffRoleGrant.objects.bulk_create(StaffRoleGrant(staff=staff, role=r) for r in cleaned)
        audit_record(
            action="staff.created",
            object_type="accounts.staff",
            object_id=str(staff.pk),
            actor=actor,
            after={"user_id": user.pk, "department_id": department_id, "roles": cleaned},
            channel=actor.channel,
        )
    return user


def staff_set_roles(
    *, user_id: int, roles: Iterable[str], actor_user: Any, actor: Actor
) -> StaffProfile:
    _require_admin(actor_user)
    cleaned = _clean_roles(roles)
    with transaction.atomic():
        staff = StaffProfile.objects.select_for_update().filter(user_id=user_id).first()
        if staff is None:
            raise NotFound("工作人员不存在", "No such staff member", field="user_id")
        before = sorted(staff.role_set)
        staff.role_grants.exclude(role__in=cleaned).delete()
        StaffRoleGrant.objects.bulk_create(
            [StaffRoleGrant(staff=staff, role=r) for r in cleaned if r not in before]
        )
        audit_record(
            action="staff.roles_changed",
            object_type="accounts.staff",
            object_id=str(staff.pk),
            actor=actor,
            before={"roles": before},
            after={"roles": cleaned},
            channel=actor.channel,
        )
    return staff


def certificate_issue(
    *,
    staff_user_id: int,
    number: str,
    issued_on: date,
    expires_on: date,
    issuer: str = "",
    actor: Actor = SYSTEM,
) -> WindowClerkCertificate:
    errors = ErrorCollector()
    number = (number or "").strip()
    if not number or len(number) > 64:
        errors.add(
            "number",
            "invalid_number",
            "证书编号不能为空且不超过 64 字",
            "The certificate number must be 1–64 characters",
        )
    elif WindowClerkCertificate.objects.filter(number=number).exists():
        errors.add("number", "number_taken", "证书编号已存在", "This certificate number exists")
    if expires_on <= issued_on:
        errors.add(
            "expires_on",
            "before_issue",
            "有效期须晚于发证日期",
            "The expiry date must be after the issue date",
        )
    staff = StaffProfile.objects.filter(user_id=staff_user_id).first()
    if staff is None:
        errors.add("staff_user_id", "not_found", "工作人员不存在", "No such staff member")
    errors.raise_if_any()
    assert staff is not None
    with transaction.atomic():
        certificate = WindowClerkCertificate.objects.create(
            staff=staff,
            number=number,
            issued_on=issued_on,
            expires_on=expires_on,
            issuer=issuer,
            status=CertificateStatus.VALID,
        )
        audit_record(
            action="certificate.issued",
            object_type="accounts.certificate",
            object_id=str(certificate.pk),
            actor=actor,
            after={"number": number, "staff_id": staff.pk, "expires_on": expires_on.isoformat()},
            channel=actor.channel,
        )
    return certificate


# --- API tokens -------------------------------------------------------------------------------


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(
    *,
    user: User,
    name: str,
    scopes: Iterable[str],
    expires_in_days: int = 90,
    actor: Actor | None = None,
) -> tuple[ApiToken, str]:
    """Create an API token; returns it with the secret, which is never retrievable again."""
    errors = ErrorCollector()
    name = (name or "").strip()
    if not name or len(name) > 64:
        errors.add("name", "invalid_name", "名称须为 1–64 字", "The name must be 1–64 characters")
    scope_list = sorted(set(scopes))
    if not scope_list:
        errors.add("scopes", "missing", "至少选择一个权限范围", "Choose at least one scope")
    unknown = [s for s in scope_list if s not in TokenScope.values]
    if unknown:
        errors.add(
            "scopes",
            "invalid_scope",
            f"未知权限范围：{', '.join(unknown)}",
            f"Unknown scopes: {', '.join(unknown)}",
        )
    if TokenScope.ADMIN in scope_list and not policies.is_administrator(user):
        errors.add(
            "scopes",
            "scope_not_allowed",
            "仅管理员可申请 admin 权限范围",
            "Only administrators may hold the admin scope",
        )
    if not 1 <= expires_in_days <= TOKEN_MAX_DAYS:
        errors.add(
            "expires_in_days",
            "out_of_range",
            f"有效期为 1–{TOKEN_MAX_DAYS} 天",
            f"Validity must be 1–{TOKEN_MAX_DAYS} days",
        )
    if not policies.may_manage_tokens(user):
        raise NotAllowed("无权创建令牌", "You may not create tokens")
    errors.raise_if_any()

    prefix = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    actor = actor or selectors.actor_for(user)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=prefix,
            token_hash=_token_hash(raw),
            scopes=scope_list,
            expires_at=timezone.now() + timedelta(days=expires_in_days),
        )
        audit_record(
            action="token.created",
            object_type="accounts.api_token",
            object_id=str(token.pk),
            actor=actor,
            after={
                "name": name,
                "prefix": prefix,
                "scopes": scope_list,
                "expires_at": token.expires_at.isoformat(),
                "user_id": user.pk,
            },
            channel=actor.channel,
        )
    return token, raw


def token_revoke(*, user: User, token_id: int, actor: Actor | None = None) -> ApiToken:
    """Revoke one of the user's own tokens (someone else's is ``NotFound``). Idempotent."""
    actor = actor or selectors.actor_for(user)
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(pk=token_id, user_id=user.pk).first()
        if token is None:
            raise NotFound("未找到", "Not found", field="id")
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit_record(
                action="token.revoked",
                object_type="accounts.api_token",
                object_id=str(token.pk),
                actor=actor,
                after={"prefix": token.prefix, "revoked_at": token.revoked_at.isoformat()},
                channel=actor.channel,
            )
    return token


def token_authenticate(*, raw: str, required_scope: str) -> tuple[User, ApiToken] | None:
    """The user and token for a presented secret, or ``None`` if it is unknown or dead.

    A live token without ``required_scope`` raises ``NotAllowed`` (code insufficient_scope).
    ``last_used_at`` is written at most once per minute, by a conditional UPDATE, so a
    busy program does not cause a write per request and two requests never both write.
    """
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 128:
        return None
    token = selectors.token_with_user_by_hash(_token_hash(raw))
    now = timezone.now()
    if token is None or not token.is_active(now) or not token.user.is_active:
        return None
    granted: set[str] = set()
    for scope in token.scopes:
        granted |= SCOPE_IMPLIES.get(scope, frozenset())
    if required_scope not in granted:
        raise NotAllowed(
            f"令牌缺少 {required_scope} 权限范围",
            f"The token lacks the {required_scope} scope",
            code="insufficient_scope",
        )
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - TOKEN_TOUCH_INTERVAL)
        ).update(last_used_at=now)
        token.last_used_at = now
    return token.user, token
