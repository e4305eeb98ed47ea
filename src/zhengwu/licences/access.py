"""Using licences: dynamic licence codes, 一人一码 / 一企一码, 用证授权 and the read log.

**Dynamic tokens.** A token is a short text a QR code carries::

    ZW1.<purpose>.<subject>.<jti>.<expires>.<mac>

``purpose`` is ``L`` (动态亮证码: one licence, ``subject`` = licence id) or ``C`` (一人一码 /
一企一码: ``subject`` = ``<user id>`` or ``<user id>-<enterprise id>``); ``jti`` is 16 random
hex characters; ``expires`` a Unix time :data:`TOKEN_TTL` seconds after issue; ``mac`` the
first 32 hex characters of HMAC-SM3 over everything before it, under a key derived from
``SECRET_KEY`` (never stored in the database). Issuing writes nothing: a token is valid until
it expires or is used once. Scanning checks, in order: the form and the MAC (a forged or
altered token is refused), the expiry (a screenshot expires), then the one-time use — a
:class:`TokenUse` row with the unique ``jti`` is written in the same transaction as the
reads, so a second scan (in any process) is refused. Every refusal is written to the audit
log.

**Reads.** Staff read a holder's licence on one of four grounds (:class:`ReadVia`): the
dynamic licence code, the personal code (showing it is the holder's consent to their VALID
licences), a grant to the reader's department, or a grant to a case the reader handles
(``cases.selectors.may_view``). Each read is a :class:`LicenceRead` row the holder sees.

**Grants.** The holder grants a department or one of their own cases (by number) read access
to chosen licences of one holder (themself or one of their enterprises) until a time at most
:data:`GRANT_MAX_DAYS` days ahead; they may revoke it. An expired or revoked grant opens
nothing (403 for staff who could see it, 404 for anyone else).
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from zhengwu.accounts import policies as account_policies
from zhengwu.accounts import selectors as account_selectors
from zhengwu.cases import selectors as case_selectors
from zhengwu.kernel.audit import audit_record
from zhengwu.kernel.crypto import hmac_sm3_hex, sm3_digest
from zhengwu.kernel.errors import Conflict, InvalidInput, NotAllowed, NotFound
from zhengwu.kernel.masking import MaskKind, mask
from zhengwu.licences import policies, selectors
from zhengwu.licences.choices import GranteeKind, HolderCodeType, ReadVia
from zhengwu.licences.models import Licence, LicenceRead, LicenceView, TokenUse, UseGrant
from zhengwu.licences.signing import SignatureCheck, verify_stored
from zhengwu.org import selectors as org_selectors

TOKEN_TTL = 60  # seconds a dynamic code lives
TOKEN_PREFIX = "ZW1"
PURPOSE_LICENCE = "L"
PURPOSE_CODE = "C"
PURPOSE_NAMES = {PURPOSE_LICENCE: "licence", PURPOSE_CODE: "code"}
GRANT_MAX_DAYS = 90
PURPOSE_MAX = 200
TOKEN_MAX = 200  # longer input is not a token (a URL carrying one is accepted, see below)

_TOKEN_RE = re.compile(
    r"^ZW1\.(?P<p>[LC])\.(?P<s>\d{1,12}(?:-\d{1,12})?)\.(?P<j>[0-9a-f]{16})"
    r"\.(?P<e>\d{1,12})\.(?P<m>[0-9a-f]{32})$"
)
_TOKEN_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z.])ZW1\.[LC]\.[0-9-]+\.[0-9a-f]+\.\d+\.[0-9a-f]+(?![0-9A-Za-z.])"
)
# Phones and tablets (亮证 on a phone counts towards the mobile view rate).
MOBILE_AGENT = re.compile(
    r"Mobi|Android|iPhone|iPad|iPod|HarmonyOS|OpenHarmony|MicroMessenger|AlipayClient",
    re.IGNORECASE,
)

EXPIRED = ("二维码已过期，请持证人刷新", "The code has expired: ask the holder to refresh it")
USED = ("该二维码已使用，请持证人刷新后重新出示", "This code has already been used")
FORGED = ("二维码无效或已被篡改", "The code is not valid or was altered")
NOT_FOUND_LICENCE = ("未找到该证照", "Licence not found")
NOT_FOUND_GRANT = ("未找到该授权", "Grant not found")


# --- small helpers -------------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _token_key() -> bytes:
    return sm3_digest(b"zhengwu.licences.dynamic-token\x00" + settings.SECRET_KEY.encode())


def _mac(message: str) -> str:
    return hmac_sm3_hex(_token_key(), message.encode("ascii"))[:32]


def _actor(user: Any) -> Any:
    return account_selectors.actor_for(user, channel="web")


def require_staff(user: Any) -> None:
    if not account_policies.is_staff_member(user):
        raise NotAllowed("仅限工作人员扫码查验", "Only staff may scan licence codes", field="token")


def channel_for(user_agent: str) -> str:
    """The view channel of a showing: ``mobile`` when the browser or app is a phone or tablet
    (by its User-Agent), ``web`` otherwise. A desktop browser narrowed to phone width is web:
    the indicator counts showings on a phone, not layouts."""
    return "mobile" if MOBILE_AGENT.search(user_agent or "") else "web"


def record_view(licence: Licence, channel: str) -> LicenceView:
    return LicenceView.objects.create(licence=licence, channel=channel)


# --- tokens --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DynamicToken:
    token: str
    purpose: str  # "licence" | "code"
    jti: str
    expires_at: datetime
    ttl: int = TOKEN_TTL


@dataclass(frozen=True)
class ParsedToken:
    purpose: str  # L | C
    subject: str
    jti: str
    expires_at: datetime


def _make_token(purpose: str, subject: str, now: datetime) -> DynamicToken:
    jti = secrets.token_hex(8)
    expires = int(now.timestamp()) + TOKEN_TTL
    body = f"{TOKEN_PREFIX}.{purpose}.{subject}.{jti}.{expires}"
    return DynamicToken(
        token=f"{body}.{_mac(body)}",
        purpose=PURPOSE_NAMES[purpose],
        jti=jti,
        expires_at=datetime.fromtimestamp(expires, tz=UTC),
    )


def issue_licence_token(
    user: Any, licence_id: int | str, *, now: datetime | None = None
) -> DynamicToken:
    """动态亮证码 of one licence of the user's wallet (another holder's licence: 404)."""
    licence = selectors.licence_for_holder(user, licence_id)
    return _make_token(PURPOSE_LICENCE, str(licence.pk), _now(now))


def code_identity(user: Any, enterprise_id: int | None) -> account_selectors.Identity:
    """The identity a personal code stands for: the user, or one of their enterprises."""
    identities = account_selectors.user_identities(user)
    if not identities:
        raise NotAllowed("请先登录", "Please log in", field="user")
    for identity in identities:
        if identity.enterprise_id == enterprise_id:
            return identity
    raise NotFound("未找到该企业身份", "No such enterprise identity", field="enterprise_id")


def issue_code_token(
    user: Any, *, enterprise_id: int | None = None, now: datetime | None = None
) -> DynamicToken:
    """一人一码 (``enterprise_id`` None) or 一企一码 of an enterprise the user belongs to."""
    identity = code_identity(user, enterprise_id)
    if identity.enterprise_id is None and selectors.personal_holder_index(user) is None:
        raise InvalidInput(
            "完成实名认证后才能使用一人一码",
            "Verify your real name first to use the personal code",
            field="identity",
        )
    subject = str(user.pk)
    if identity.enterprise_id is not None:
        subject += f"-{identity.enterprise_id}"
    return _make_token(PURPOSE_CODE, subject, _now(now))


def extract_token(text: str) -> str:
    """The token in what a scanner typed: the bare token, or a URL/text that carries one."""
    value = (text or "").strip()
    if _TOKEN_RE.match(value):
        return value
    found = _TOKEN_IN_TEXT.search(value[:1000])
    return found.group(0) if found else value


def _refuse(user: Any, reason: str, token: str, jti: str = "") -> None:
    """Write the refusal to the audit log in its own transaction (it stays when the request
    fails)."""
    with transaction.atomic():
        audit_record(
            action="licence.token_refused",
            object_type="licence_token",
            object_id=jti or "invalid",
            actor=_actor(user),
            after={"reason": reason, "token": token[:80]},
        )


def parse_token(user: Any, text: str, *, now: datetime | None = None) -> ParsedToken:
    """Check a scanned token's form, MAC and expiry (not its one-time use)."""
    token = extract_token(text)
    if not token:
        raise InvalidInput("请扫描或输入二维码内容", "Scan or type the code", field="token")
    match = _TOKEN_RE.match(token) if len(token) <= TOKEN_MAX else None
    body = token.rpartition(".")[0]
    if match is None or not hmac.compare_digest(_mac(body), match.group("m")):
        _refuse(user, "forged", token, match.group("j") if match else "")
        raise InvalidInput(*FORGED, field="token", code="token_invalid")
    expires_at = datetime.fromtimestamp(int(match.group("e")), tz=UTC)
    if _now(now) >= expires_at:
        _refuse(user, "expired", token, match.group("j"))
        raise InvalidInput(*EXPIRED, field="token", code="token_expired")
    return ParsedToken(match.group("p"), match.group("s"), match.group("j"), expires_at)


class _TokenUsed(Exception):
    pass


def _use_once(user: Any, parsed: ParsedToken) -> None:
    try:
        with transaction.atomic():
            TokenUse.objects.create(
                jti=parsed.jti,
                purpose=PURPOSE_NAMES[parsed.purpose],
                used_by=user,
                expires_at=parsed.expires_at,
            )
    except IntegrityError:
        raise _TokenUsed from None


def purge_token_uses(*, now: datetime | None = None) -> int:
    """Forget used tokens a day after they expired (they cannot be replayed by then)."""
    deleted, _ = TokenUse.objects.filter(expires_at__lt=_now(now) - timedelta(days=1)).delete()
    return deleted


# --- what staff see ------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveLicence:
    """A licence as staff see it after a permitted read: live status and checks."""

    licence: Licence
    valid_now: bool
    signature: SignatureCheck
    holder_display: str
    read: LicenceRead | None = None


@dataclass(frozen=True)
class ScanResult:
    purpose: str  # "licence" | "code"
    holder_kind: str  # "citizen" | "enterprise"
    holder_name: str
    holder_code: str
    licences: list[LiveLicence] = field(default_factory=list)
    presented_by: str = ""  # the member who showed an enterprise code (masked)


def _citizen_profile_for(licence: Licence) -> Any:
    if licence.holder_user_id is None:
        return None
    return getattr(licence.holder_user, "citizen_profile", None)


def holder_name_for(viewer: Any, licence: Licence) -> str:
    return policies.holder_name_for(viewer, licence)


def holder_code_for(viewer: Any, licence: Licence) -> str:
    return policies.holder_code_for(viewer, licence)


def holder_display(viewer: Any, licence: Licence) -> str:
    return f"{holder_name_for(viewer, licence)}（{holder_code_for(viewer, licence)}）"


def _reader_department_id(user: Any) -> int | None:
    return account_policies.staff_department_id(user)


def _live(viewer: Any, licence: Licence, read: LicenceRead | None) -> LiveLicence:
    return LiveLicence(
        licence=licence,
        valid_now=selectors.is_valid_now(licence),
        signature=verify_stored(licence),
        holder_display=holder_display(viewer, licence),
        read=read,
    )


def record_reads(
    reader: Any,
    licences: list[Licence],
    *,
    case_id: int | None = None,
    grant_ids: dict[int, int] | None = None,
) -> int:
    """Log staff reads of licences shown elsewhere (a dossier): on the ground of the case
    being handled (``case_id``), else of the grant covering each licence (``grant_ids``:
    licence id → grant id). Returns how many were logged; a licence with neither ground is
    not logged (it must not have been shown)."""
    logged = 0
    for licence in licences:
        grant_id = (grant_ids or {}).get(licence.pk)
        if case_id is not None:
            log_read(reader, licence, ReadVia.CASE, case_id=case_id)
        elif grant_id is not None:
            log_read(reader, licence, ReadVia.GRANT, grant_id=grant_id)
        else:
            continue
        logged += 1
    return logged


def log_read(
    reader: Any,
    licence: Licence,
    via: str,
    *,
    grant_id: int | None = None,
    case_id: int | None = None,
) -> LicenceRead:
    """One staff read of a licence (用证记录, shown to the holder) and its audit entry, in
    the caller's transaction."""
    read = LicenceRead.objects.create(
        licence=licence,
        reader=reader,
        reader_department_id=_reader_department_id(reader),
        via=via,
        grant_id=grant_id,
        case_id=case_id,
    )
    audit_record(
        action="licence.read",
        object_type="licence",
        object_id=licence.pk,
        actor=_actor(reader),
        after={"via": via, "grant_id": grant_id, "case_id": case_id, "read_id": read.pk},
    )
    return read


def scan(staff: Any, text: str, *, now: datetime | None = None) -> ScanResult:
    """A staff member scanned a dynamic licence code or a personal code."""
    require_staff(staff)
    token = extract_token(text)
    parsed = parse_token(staff, token, now=now)
    try:
        with transaction.atomic():
            _use_once(staff, parsed)
            if parsed.purpose == PURPOSE_LICENCE:
                return _scan_licence(staff, parsed)
            return _scan_code(staff, parsed)
    except _TokenUsed:
        # logged outside the transaction that rolled back, so the refusal stays on record
        _refuse(staff, "used", token, parsed.jti)
        raise Conflict(*USED, field="token", code="token_used") from None


def _scan_licence(staff: Any, parsed: ParsedToken) -> ScanResult:
    licence = (
        Licence.objects.select_related("licence_type", "holder_user")
        .filter(pk=int(parsed.subject))
        .first()
    )
    if licence is None:
        raise NotFound(*NOT_FOUND_LICENCE, field="token")
    read = log_read(staff, licence, ReadVia.DYNAMIC_QR)
    record_view(licence, "scan")
    kind = "enterprise" if licence.holder_code_type == HolderCodeType.USCC else "citizen"
    return ScanResult(
        purpose="licence",
        holder_kind=kind,
        holder_name=holder_name_for(staff, licence),
        holder_code=holder_code_for(staff, licence),
        licences=[_live(staff, licence, read)],
    )


def _scan_code(staff: Any, parsed: ParsedToken) -> ScanResult:
    user_id, _, enterprise_part = parsed.subject.partition("-")
    holder_user = account_selectors.active_user_by_id(int(user_id))
    if holder_user is None:
        raise NotFound("未找到该持码人", "The holder of this code was not found", field="token")
    enterprise_id = int(enterprise_part) if enterprise_part else None
    identity = next(
        (
            i
            for i in account_selectors.user_identities(holder_user)
            if i.enterprise_id == enterprise_id
        ),
        None,
    )
    if identity is None:  # left the enterprise since the code was shown
        raise NotFound("未找到该持码人", "The holder of this code was not found", field="token")
    if enterprise_id is None:
        profile = getattr(holder_user, "citizen_profile", None)
        index = selectors.personal_holder_index(holder_user)
        if profile is None or index is None:
            raise NotFound("未找到该持码人", "The holder of this code was not found", field="token")
        kind = "citizen"
        name = account_selectors.citizen_name_for(staff, profile)
        code = account_selectors.citizen_id_number_for(staff, profile)
        presented_by = ""
    else:
        index = selectors.enterprise_holder_index(identity.uscc)
        kind = "enterprise"
        name = identity.label
        code = identity.uscc
        presented_by = mask(holder_user.display_name or str(holder_user), MaskKind.NAME)
    cards = []
    for licence in selectors.valid_licences(index):
        read = log_read(staff, licence, ReadVia.PERSONAL_CODE)
        record_view(licence, "scan")
        cards.append(_live(staff, licence, read))
    return ScanResult(
        purpose="code",
        holder_kind=kind,
        holder_name=name,
        holder_code=code,
        licences=cards,
        presented_by=presented_by,
    )


# --- grants (用证授权) ------------------------------------------------------------------------


def grants_of(user: Any) -> QuerySet[UseGrant]:
    """Every grant over the user's (and their enterprises') licences, newest first."""
    return (
        UseGrant.objects.filter(holder_index__in=selectors.holder_indexes_of(user))
        .select_related("department", "case")
        .prefetch_related("licences")
    )


def grant_for_holder(user: Any, grant_id: int | str) -> UseGrant:
    try:
        pk = int(grant_id)
    except (TypeError, ValueError):
        raise NotFound(*NOT_FOUND_GRANT, field="grant_id") from None
    grant = grants_of(user).filter(pk=pk).first()
    if grant is None:
        raise NotFound(*NOT_FOUND_GRANT, field="grant_id")
    return grant


def grant_is_active(grant: UseGrant, *, now: datetime | None = None) -> bool:
    return grant.revoked_at is None and grant.valid_until > _now(now)


def _parse_ids(values: Any) -> list[int]:
    if isinstance(values, (str, int)):
        values = [values]
    ids: list[int] = []
    for value in values or []:
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            raise InvalidInput(
                "证照选择不正确", "The chosen licences are not valid", field="licence_ids"
            ) from None
    return sorted(set(ids))


def _holder_case(user: Any, case_number: str) -> Any:
    """One of the user's own cases (as applicant, agent or for their enterprise)."""
    number = (case_number or "").strip()
    if not number:
        raise InvalidInput("请填写办件编号", "Enter the case number", field="case_number")
    case = case_selectors.applicant_cases(user).filter(number=number).first()
    if case is None:
        raise NotFound("未找到您的该办件", "You have no case with this number", field="case_number")
    return case


def create_grant(
    user: Any,
    *,
    licence_ids: Any,
    grantee_kind: str,
    department_id: Any = None,
    case_number: str = "",
    purpose: str,
    valid_until: datetime | None,
    now: datetime | None = None,
) -> UseGrant:
    """用证授权: the holder lets a department or one of their cases read chosen licences."""
    moment = _now(now)
    ids = _parse_ids(licence_ids)
    if not ids:
        raise InvalidInput("请选择要授权的证照", "Choose at least one licence", field="licence_ids")
    licences = list(selectors.wallet(user).filter(pk__in=ids))
    if len(licences) != len(ids):
        raise NotFound(*NOT_FOUND_LICENCE, field="licence_ids")
    holder_indexes = {lic.holder_index for lic in licences}
    if len(holder_indexes) != 1:
        raise InvalidInput(
            "一次授权只能包含同一持证主体的证照",
            "One grant covers the licences of one holder only",
            field="licence_ids",
        )
    holder_index = holder_indexes.pop()
    purpose = (purpose or "").strip()
    if not purpose:
        raise InvalidInput("请填写用途", "Enter the purpose", field="purpose")
    if len(purpose) > PURPOSE_MAX:
        raise InvalidInput(
            f"用途不能超过 {PURPOSE_MAX} 字",
            f"The purpose may have at most {PURPOSE_MAX} characters",
            field="purpose",
        )
    if valid_until is None:
        raise InvalidInput("请填写授权截止时间", "Enter when the grant ends", field="valid_until")
    if timezone.is_naive(valid_until):
        valid_until = timezone.make_aware(valid_until)
    if valid_until <= moment:
        raise InvalidInput(
            "授权截止时间应晚于现在", "The grant must end in the future", field="valid_until"
        )
    if valid_until > moment + timedelta(days=GRANT_MAX_DAYS):
        raise InvalidInput(
            f"授权期限不能超过 {GRANT_MAX_DAYS} 天",
            f"A grant may last at most {GRANT_MAX_DAYS} days",
            field="valid_until",
        )
    department = None
    case = None
    if grantee_kind == GranteeKind.DEPARTMENT:
        try:
            department = org_selectors.get_department(int(department_id))
        except (TypeError, ValueError):
            raise InvalidInput("请选择部门", "Choose a department", field="department_id") from None
        except NotFound:
            raise NotFound("部门不存在", "No such department", field="department_id") from None
    elif grantee_kind == GranteeKind.CASE:
        case = _holder_case(user, case_number)
    else:
        raise InvalidInput("请选择被授权方", "Choose whom to grant", field="grantee_kind")
    with transaction.atomic():
        grant = UseGrant.objects.create(
            holder_index=holder_index,
            granted_by=user,
            grantee_kind=grantee_kind,
            department=department,
            case=case,
            purpose=purpose,
            valid_until=valid_until,
        )
        grant.licences.set(licences)
        audit_record(
            action="licence.grant_created",
            object_type="use_grant",
            object_id=grant.pk,
            actor=_actor(user),
            after={
                "licences": [lic.pk for lic in licences],
                "grantee_kind": grantee_kind,
                "department_id": department.pk if department else None,
                "case_id": case.pk if case else None,
                "valid_until": valid_until.isoformat(),
            },
        )
    return grant


def revoke_grant(user: Any, grant_id: int | str, *, now: datetime | None = None) -> UseGrant:
    with transaction.atomic():
        grant = grant_for_holder(user, grant_id)
        grant = UseGrant.objects.select_for_update().get(pk=grant.pk)
        if grant.revoked_at is not None:
            raise Conflict("该授权已撤回", "This grant was already revoked", field="grant_id")
        grant.revoked_at = _now(now)
        grant.save(update_fields=["revoked_at"])
        audit_record(
            action="licence.grant_revoked",
            object_type="use_grant",
            object_id=grant.pk,
            actor=_actor(user),
            after={"revoked_at": grant.revoked_at.isoformat()},
        )
    return grant_for_holder(user, grant.pk)


def _staff_may_use(staff: Any, grant: UseGrant) -> bool:
    if grant.grantee_kind == GranteeKind.DEPARTMENT:
        department_id = account_policies.staff_department_id(staff)
        return department_id is not None and department_id == grant.department_id
    return grant.case is not None and case_selectors.may_view(staff, grant.case)


def grants_for_staff(staff: Any, *, now: datetime | None = None) -> list[UseGrant]:
    """The active grants a staff member may use: to their department, or to a case they
    handle."""
    if not account_policies.is_staff_member(staff):
        return []
    moment = _now(now)
    department_id = account_policies.staff_department_id(staff)
    active = (
        UseGrant.objects.filter(revoked_at__isnull=True, valid_until__gt=moment)
        .select_related("department", "case")
        .prefetch_related("licences")
        .order_by("valid_until", "id")
    )
    mine = list(
        active.filter(grantee_kind=GranteeKind.DEPARTMENT, department_id=department_id)
        if department_id is not None
        else []
    )
    mine += [g for g in active.filter(grantee_kind=GranteeKind.CASE) if _staff_may_use(staff, g)]
    return mine


def grant_for_staff(staff: Any, grant_id: int | str, *, now: datetime | None = None) -> UseGrant:
    """A grant the staff member may use; expired or revoked: ``NotAllowed`` (403)."""
    if not account_policies.is_staff_member(staff):
        raise NotAllowed("仅限工作人员", "Staff only", field="grant_id")
    try:
        pk = int(grant_id)
    except (TypeError, ValueError):
        raise NotFound(*NOT_FOUND_GRANT, field="grant_id") from None
    grant = UseGrant.objects.select_related("department", "case").filter(pk=pk).first()
    if grant is None or not _staff_may_use(staff, grant):
        raise NotFound(*NOT_FOUND_GRANT, field="grant_id")
    if grant.revoked_at is not None:
        raise NotAllowed("该授权已被持证人撤回", "The holder revoked this grant", field="grant_id")
    if grant.valid_until <= _now(now):
        raise NotAllowed("该授权已过期", "This grant has expired", field="grant_id")
    return grant


def read_granted(
    staff: Any, grant_id: int | str, licence_id: int | str, *, now: datetime | None = None
) -> LiveLicence:
    """Open one licence of a grant; the read is logged with the grant."""
    with transaction.atomic():
        grant = grant_for_staff(staff, grant_id, now=now)
        try:
            pk = int(licence_id)
        except (TypeError, ValueError):
            raise NotFound(*NOT_FOUND_LICENCE, field="licence_id") from None
        licence = (
            grant.licences.select_related("licence_type", "holder_user")
            .filter(pk=pk, holder_index=grant.holder_index)
            .first()
        )
        if licence is None:
            raise NotFound(*NOT_FOUND_LICENCE, field="licence_id")
        via = ReadVia.GRANT if grant.grantee_kind == GranteeKind.DEPARTMENT else ReadVia.CASE
        read = log_read(staff, licence, via, grant_id=grant.pk, case_id=grant.case_id)
    return _live(staff, licence, read)


# --- the holder's read log ---------------------------------------------------------------------


@dataclass(frozen=True)
class ReadRow:
    at: datetime
    department: str
    reader: str  # masked staff name
    via: str
    via_label: str
    purpose: str  # the grant's purpose, or ""
    case_number: str


def reads_of(user: Any, licence_id: int | str, *, limit: int = 100) -> list[ReadRow]:
    """Who read the holder's licence, when and on what ground (newest first)."""
    licence = selectors.licence_for_holder(user, licence_id)
    rows = (
        LicenceRead.objects.filter(licence=licence)
        .select_related("reader", "reader_department", "grant", "case")
        .order_by("-at", "-id")[:limit]
    )
    labels = dict(ReadVia.choices)
    out = []
    for r in rows:
        name = r.reader.display_name or r.reader.get_username()
        out.append(
            ReadRow(
                at=r.at,
                department=r.reader_department.name if r.reader_department is not None else "",
                reader=mask(name, MaskKind.NAME),
                via=r.via,
                via_label=str(labels.get(r.via, r.via)),
                purpose=r.grant.purpose if r.grant is not None else "",
                case_number=str(r.case.number) if r.case is not None else "",
            )
        )
    return out


def departments_for_grant() -> QuerySet[Any]:
    return org_selectors.departments()
