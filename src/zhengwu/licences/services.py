"""Every state change of the e-licence domain.

Issuance validates the holder (GB 11643 / GB 32100 check characters), the metadata against
the type's schema and the dates, takes the issuer's next serial under a row lock, builds the
GB/T 36904 identifier, signs the canonical serialisation with the issuer's active SM2 key
and writes the licence, its audit entry and its event in one transaction. Rendering (PDF,
mobile view) never happens here: it is done on demand or by a task after commit.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

from django.db import IntegrityError, transaction
from django.utils import timezone

from zhengwu.kernel import crypto
from zhengwu.kernel.actors import SYSTEM, Actor
from zhengwu.kernel.audit import audit_record
from zhengwu.kernel.crypto import blind_index
from zhengwu.kernel.errors import Conflict, DomainError, InvalidInput, NotAllowed, NotFound
from zhengwu.kernel.events import emit
from zhengwu.kernel.fastread import JoinedReader, is_bigint, quoted_column
from zhengwu.kernel.identifiers import (
    make_licence_identifier,
    parse_citizen_id,
    parse_licence_identifier,
    parse_uscc,
)
from zhengwu.kernel.outbox import outbox_enqueue
from zhengwu.licences import policies, signing
from zhengwu.licences.choices import (
    TRANSITIONS,
    FaceTemplate,
    HolderCodeType,
    HolderKind,
    LicenceSource,
    LicenceStatus,
    MetadataFieldType,
    Relation,
)
from zhengwu.licences.models import (
    IssuerKey,
    Licence,
    LicenceType,
    SerialCounter,
    StatusChange,
)

logger = logging.getLogger(__name__)

HOLDER_PURPOSE = "licence.holder"


def holder_index_for(code_type: str, code: str) -> str:
    """Blind index of a holder code (normalised first), the key of wallet and dossier."""
    return blind_index(f"{code_type}:{code}", purpose=HOLDER_PURPOSE)


@dataclass(frozen=True)
class Holder:
    name: str
    code: str  # normalised citizen ID number or USCC
    code_type: str  # HolderCodeType
    user_id: int | None = None
    enterprise_id: int | None = None

    @property
    def index(self) -> str:
        return holder_index_for(self.code_type, self.code)


def parse_holder(
    name: str,
    code: str,
    code_type: str | None = None,
    *,
    user_id: int | None = None,
    enterprise_id: int | None = None,
    field: str = "holder_code",
) -> Holder:
    """Validate a holder: the code type is taken from the code's shape when not given."""
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise InvalidInput(
            "持证主体名称必填，最多 200 个字符",
            "The holder's name is required (at most 200 characters)",
            field="holder_name",
        )
    raw = (code or "").strip().upper()
    if code_type is None:
        code_type = HolderCodeType.USCC if len(raw) == 18 and not raw[:17].isdigit() else ""
        code_type = code_type or HolderCodeType.CITIZEN_ID
    if code_type == HolderCodeType.CITIZEN_ID:
        value = parse_citizen_id(raw, field=field).value
    elif code_type == HolderCodeType.USCC:
        value = parse_uscc(raw, field=field).value
    else:
        raise InvalidInput(
            "持证主体代码类型应为 111（身份证号）或 001（统一社会信用代码）",
            "The holder code type must be 111 (citizen ID) or 001 (USCC)",
            field="holder_code_type",
        )
    return Holder(name, value, code_type, user_id, enterprise_id)


def _check_holder_kind(licence_type: LicenceType, holder: Holder) -> None:
    if licence_type.holder_kind == HolderKind.CITIZEN and holder.code_type != "111":
        raise InvalidInput(
            f"“{licence_type.name}”只发给自然人",
            f"A {licence_type.name_en or licence_type.name} is issued to citizens only",
            field="holder_code",
        )
    if licence_type.holder_kind == HolderKind.ENTERPRISE and holder.code_type != "001":
        raise InvalidInput(
            f"“{licence_type.name}”只发给法人",
            f"A {licence_type.name_en or licence_type.name} is issued to enterprises only",
            field="holder_code",
        )


def _clean_field(spec: dict[str, Any], value: Any) -> str:
    """One metadata value cleaned against its schema entry ("" when empty and optional)."""
    key = spec["key"]
    field = f"metadata.{key}"
    label, label_en = spec.get("label", key), spec.get("label_en", key)
    text = "" if value is None else str(value).strip()
    if not text:
        if spec.get("required"):
            raise InvalidInput(f"{label}必填", f"{label_en} is required", field=field)
        return ""
    kind = spec.get("type", "text")
    if kind == "date":
        try:
            text = date.fromisoformat(text[:10] if len(text) > 10 else text).isoformat()
        except ValueError:
            raise InvalidInput(
                f"{label}应为日期（YYYY-MM-DD）",
                f"{label_en} must be a date (YYYY-MM-DD)",
                field=field,
            ) from None
    elif kind == "integer":
        if not text.lstrip("-").isdigit():
            raise InvalidInput(
                f"{label}应为整数", f"{label_en} must be a whole number", field=field
            )
    elif kind == "choice":
        choices = [str(c) for c in spec.get("choices", [])]
        if text not in choices:
            raise InvalidInput(
                f"{label}应为以下之一：{'、'.join(choices)}",
                f"{label_en} must be one of: {', '.join(choices)}",
                field=field,
            )
    limit = int(spec.get("max_length") or 500)
    if len(text) > limit:
        raise InvalidInput(
            f"{label}最多 {limit} 个字符",
            f"{label_en} is at most {limit} characters",
            field=field,
        )
    return text


def validate_metadata(licence_type: LicenceType, metadata: Any) -> dict[str, str]:
    """Check metadata against the type's schema; returns the cleaned values (strings)."""
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise InvalidInput("照面信息应为对象", "metadata must be an object", field="metadata")
    schema = {spec["key"]: spec for spec in licence_type.metadata_schema or []}
    unknown = sorted(str(k) for k in set(metadata) - set(schema))
    if unknown:
        raise InvalidInput(
            f"照面信息含未定义的项：{'、'.join(unknown)}",
            f"metadata has fields the type does not define: {', '.join(unknown)}",
            field=f"metadata.{unknown[0]}",
        )
    cleaned: dict[str, str] = {}
    for key, spec in schema.items():
        text = _clean_field(spec, metadata.get(key))
        if text:
            cleaned[key] = text
    return cleaned


def _default_valid_until(licence_type: LicenceType, valid_from: date) -> date | None:
    if not licence_type.validity_years:
        return None
    years = licence_type.validity_years
    try:
        end = valid_from.replace(year=valid_from.year + years)
    except ValueError:  # 29 February
        end = valid_from.replace(year=valid_from.year + years, day=28)
    return date.fromordinal(end.toordinal() - 1)


def _next_serial(issuer_code: str, type_code: str, year: int) -> str:
    for _ in range(3):
        counter = (
            SerialCounter.objects.select_for_update()
            .filter(issuer_code=issuer_code, type_code=type_code, year=year)
            .first()
        )
        if counter is None:
            try:
                with transaction.atomic():
                    SerialCounter.objects.create(
                        issuer_code=issuer_code, type_code=type_code, year=year, last=0
                    )
            except IntegrityError:
                pass
            continue
        counter.last += 1
        counter.save(update_fields=["last"])
        return f"{year}{counter.last:06d}"
    raise RuntimeError(f"could not take a serial for {issuer_code}/{type_code}/{year}")


def licence_type_by_code(code: str, *, field: str = "type_code") -> LicenceType:
    licence_type = LicenceType.objects.filter(code=(code or "").strip().upper()).first()
    if licence_type is None or not licence_type.active:
        raise InvalidInput(
            f"证照类型 {code} 不存在或未启用",
            f"Licence type {code} does not exist or is not active",
            field=field,
        )
    return licence_type


def issue_licence(
    *,
    licence_type: LicenceType,
    holder: Holder,
    issuer_code: str,
    issuer_name: str,
    actor: Actor,
    source: str = LicenceSource.DIRECT,
    number: str = "",
    metadata: dict[str, Any] | None = None,
    issue_date: date | None = None,
    valid_from: date | None = None,
    valid_until: date | None = None,
    region: str = "",
    issuer_department_id: int | None = None,
    case_id: int | None = None,
    previous: Licence | None = None,
    relation: str = Relation.NONE,
    created_by: Any = None,
) -> Licence:
    """Issue and sign one licence (one transaction; audit entry and ``licence.issued``)."""
    _check_holder_kind(licence_type, holder)
    cleaned = validate_metadata(licence_type, metadata)
    today = timezone.localdate()
    issue_date = issue_date or today
    valid_from = valid_from or issue_date
    if valid_until is None:
        valid_until = _default_valid_until(licence_type, valid_from)
    if valid_until is not None and valid_until < valid_from:
        raise InvalidInput(
            "有效期至不能早于有效期起",
            "valid_until cannot be before valid_from",
            field="valid_until",
        )
    if issue_date > today:
        raise InvalidInput(
            "签发日期不能晚于今天", "The issue date cannot be in the future", field="issue_date"
        )
    number = (number or "").strip()
    if len(number) > 64:
        raise InvalidInput(
            "证照编号最多 64 个字符", "The number is at most 64 characters", field="number"
        )
    version = (previous.version + 1) if previous is not None else 1
    with transaction.atomic():
        key = signing.active_key(issuer_code, issuer_name)
        serial = _next_serial(issuer_code, licence_type.code, issue_date.year)
        identifier = make_licence_identifier(
            licence_type.code, issuer_code, serial, f"{min(version, 999):03d}", field="issuer_code"
        )
        number = number or f"{licence_type.code[-3:]}{serial}"
        fields = {
            "identifier": identifier,
            "number": number,
            "type_code": licence_type.code,
            "type_name": licence_type.name,
            "issuer_code": issuer_code,
            "issuer_name": issuer_name,
            "holder_name": holder.name,
            "holder_code": holder.code,
            "holder_code_type": holder.code_type,
            "region": region,
            "issue_date": issue_date,
            "valid_from": valid_from,
            "valid_until": valid_until,
            "metadata": cleaned,
            "previous": previous.identifier if previous is not None else "",
            "relation": relation if previous is not None else "",
            "version": version,
            "key_id": key.key_id,
        }
        canonical = signing.canonical_bytes(fields)
        signature = signing.sign_with(key, canonical)
        if Licence.objects.filter(
            issuer_code=issuer_code, type_code=licence_type.code, number=number
        ).exists():
            raise InvalidInput(
                f"证照编号 {number} 已被使用",
                f"The licence number {number} is already in use",
                field="number",
                code="duplicate",
            )
        licence = Licence.objects.create(
            identifier=identifier,
            number=number,
            licence_type=licence_type,
            type_code=licence_type.code,
            type_name=licence_type.name,
            issuer_code=issuer_code,
            issuer_name=issuer_name,
            issuer_department_id=issuer_department_id,
            serial=serial,
            version=version,
            holder_name=holder.name,
            holder_code=holder.code,
            holder_code_type=holder.code_type,
            holder_index=holder.index,
            holder_user_id=holder.user_id,
            holder_enterprise_id=holder.enterprise_id,
            region=region,
            issue_date=issue_date,
            valid_from=valid_from,
            valid_until=valid_until,
            metadata=cleaned,
            previous=previous,
            relation=relation if previous is not None else "",
            source=source,
            case_id=case_id,
            signature=signature,
            key_id=key.key_id,
            signed_at=timezone.now(),
            verified_seal=signing.seal_for(canonical, signature, key.key_id),
            qr_token=secrets.token_urlsafe(16)[:22],
            created_by=created_by,
        )
        audit_record(
            action="licence.issued",
            object_type="licence",
            object_id=licence.pk,
            actor=actor,
            after={
                "identifier": identifier,
                "type_code": licence_type.code,
                "source": source,
                "key_id": key.key_id,
                "case_id": case_id,
            },
        )
        emit(
            "licence.issued",
            licence_id=licence.pk,
            identifier=identifier,
            type_code=licence_type.code,
            case_id=case_id,
        )
    return licence


# --- licence types ------------------------------------------------------------------------------

TYPES_FIXTURE = Path(__file__).resolve().parent / "fixtures" / "licence_types.json"
_SCHEMA_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# Where a metadata value of a licence issued from a case comes from when the case's form
# data does not carry the field (``from_case`` in a schema entry).
CASE_SOURCES = ("item_name", "result_number", "number", "applicant_name", "applicant_address")
TYPE_FIELDS = (
    "name",
    "name_en",
    "defining_body",
    "holder_kind",
    "metadata_schema",
    "validity_years",
    "template",
    "replaces",
    "common",
    "active",
)


def validate_schema(schema: Any, *, field: str = "metadata_schema") -> list[dict[str, Any]]:
    """Check a metadata schema (list of field specs); returns a cleaned copy."""
    if not isinstance(schema, list):
        raise InvalidInput("元数据项应为列表", "metadata_schema must be a list", field=field)
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    kinds = set(MetadataFieldType.values)
    for n, spec in enumerate(schema):
        at = f"{field}[{n}]"
        if not isinstance(spec, dict):
            raise InvalidInput(
                f"第 {n + 1} 项应为对象", f"entry {n + 1} must be an object", field=at
            )
        key = str(spec.get("key") or "")
        if not _SCHEMA_KEY.match(key):
            raise InvalidInput(
                "元数据项标识应为小写字母开头的字母、数字或下划线（最多 40 个）",
                "A field key is a lower-case letter then letters, digits or _ (at most 40)",
                field=f"{at}.key",
            )
        if key in seen:
            raise InvalidInput(
                f"元数据项 {key} 重复", f"Field {key} is repeated", field=f"{at}.key"
            )
        seen.add(key)
        label = str(spec.get("label") or "").strip()
        if not label or len(label) > 50:
            raise InvalidInput(
                "元数据项名称必填，最多 50 个字符",
                "A field label is required (at most 50 characters)",
                field=f"{at}.label",
            )
        kind = str(spec.get("type") or "text")
        if kind not in kinds:
            raise InvalidInput(
                f"元数据项类型应为 {'、'.join(sorted(kinds))} 之一",
                f"A field type is one of {', '.join(sorted(kinds))}",
                field=f"{at}.type",
            )
        entry: dict[str, Any] = {
            "key": key,
            "label": label,
            "label_en": str(spec.get("label_en") or key)[:100],
            "type": kind,
            "required": bool(spec.get("required", False)),
        }
        if kind == MetadataFieldType.CHOICE:
            choices = spec.get("choices")
            if (
                not isinstance(choices, list)
                or not choices
                or not all(isinstance(c, str) and c.strip() for c in choices)
            ):
                raise InvalidInput(
                    "选项类元数据项需要非空的选项列表",
                    "A choice field needs a non-empty list of choices",
                    field=f"{at}.choices",
                )
            entry["choices"] = [c.strip() for c in choices]
        if spec.get("max_length") not in (None, ""):
            try:
                limit = int(spec["max_length"])
            except (TypeError, ValueError):
                limit = 0
            if not 1 <= limit <= 2000:
                raise InvalidInput(
                    "最大长度应为 1–2000",
                    "max_length must be 1-2000",
                    field=f"{at}.max_length",
                )
            entry["max_length"] = limit
        source = spec.get("from_case")
        if source:
            if source not in CASE_SOURCES:
                raise InvalidInput(
                    f"from_case 应为 {'、'.join(CASE_SOURCES)} 之一",
                    f"from_case is one of {', '.join(CASE_SOURCES)}",
                    field=f"{at}.from_case",
                )
            entry["from_case"] = source
        cleaned.append(entry)
    return cleaned


def _clean_type_values(values: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """Validate the editable fields of a licence type (only those present)."""
    out: dict[str, Any] = {}
    unknown = sorted(set(values) - set(TYPE_FIELDS) - ({"code", "defining_body_code"}))
    if unknown:
        raise InvalidInput(
            f"不能修改的项：{'、'.join(unknown)}",
            f"Fields that cannot be set: {', '.join(unknown)}",
            field=unknown[0],
        )
    for name, limit in (("name", 100), ("name_en", 150), ("defining_body", 200), ("template", 32)):
        if name in values:
            text = str(values[name] or "").strip()
            if (name in ("name", "defining_body") or (name == "template")) and not text:
                raise InvalidInput(f"{name} 必填", f"{name} is required", field=name)
            if len(text) > limit:
                raise InvalidInput(
                    f"{name} 最多 {limit} 个字符",
                    f"{name} is at most {limit} characters",
                    field=name,
                )
            out[name] = text
    if "template" in out and out["template"] not in FaceTemplate.values:
        raise InvalidInput(
            f"照面模板应为 {'、'.join(FaceTemplate.values)} 之一",
            f"template is one of {', '.join(FaceTemplate.values)}",
            field="template",
        )
    if "holder_kind" in values:
        if values["holder_kind"] not in HolderKind.values:
            raise InvalidInput(
                "持证主体应为 citizen、enterprise 或 either",
                "holder_kind is citizen, enterprise or either",
                field="holder_kind",
            )
        out["holder_kind"] = values["holder_kind"]
    if "metadata_schema" in values:
        out["metadata_schema"] = validate_schema(values["metadata_schema"])
    if "validity_years" in values:
        years = values["validity_years"]
        if years in (None, "", 0):
            out["validity_years"] = None
        else:
            if isinstance(years, bool) or not str(years).isdigit() or not 1 <= int(years) <= 100:
                raise InvalidInput(
                    "有效期应为 1–100 年，或留空表示长期有效",
                    "validity_years is 1-100, or empty for long-term",
                    field="validity_years",
                )
            out["validity_years"] = int(years)
    if "replaces" in values:
        replaces = values["replaces"]
        if not isinstance(replaces, list) or not all(
            isinstance(r, str) and 0 < len(r.strip()) <= 200 for r in replaces
        ):
            raise InvalidInput(
                "可替代材料应为材料名称列表",
                "replaces must be a list of material names",
                field="replaces",
            )
        out["replaces"] = [r.strip() for r in replaces]
    for flag in ("common", "active"):
        if flag in values:
            if not isinstance(values[flag], bool):
                raise InvalidInput(
                    f"{flag} 应为 true 或 false", f"{flag} must be true or false", field=flag
                )
            out[flag] = values[flag]
    if creating:
        code = str(values.get("code") or "").strip().upper()
        if len(code) != 21 or not code[18:].isdigit():
            raise InvalidInput(
                "证照类型代码应为定义机构的统一社会信用代码加 3 位数字",
                "The type code is the defining body's USCC and 3 digits",
                field="code",
            )
        parse_uscc(code[:18], field="code")
        out["code"] = code
        out["defining_body_code"] = code[:18]
        for required in ("name", "defining_body"):
            if required not in out:
                raise InvalidInput(f"{required} 必填", f"{required} is required", field=required)
    return out


def _type_snapshot(licence_type: LicenceType) -> dict[str, Any]:
    return {name: getattr(licence_type, name) for name in TYPE_FIELDS}


def create_licence_type(values: dict[str, Any], *, actor: Actor, user: Any = None) -> LicenceType:
    """A new licence type (administrators)."""
    if user is not None:
        policies.require(
            policies.may_manage_types(user),
            "只有系统管理员可以维护证照类型",
            "Only administrators may define licence types",
        )
    cleaned = _clean_type_values(values, creating=True)
    with transaction.atomic():
        if LicenceType.objects.filter(code=cleaned["code"]).exists():
            raise Conflict(
                f"证照类型 {cleaned['code']} 已存在",
                f"Licence type {cleaned['code']} already exists",
                field="code",
            )
        licence_type = LicenceType.objects.create(**cleaned)
        audit_record(
            action="licence.type_created",
            object_type="licence_type",
            object_id=licence_type.code,
            actor=actor,
            after=_type_snapshot(licence_type),
        )
    return licence_type


def update_licence_type(
    code: str, values: dict[str, Any], *, actor: Actor, user: Any = None
) -> LicenceType:
    """Edit a licence type (administrators). Issued licences keep what they were signed with."""
    if user is not None:
        policies.require(
            policies.may_manage_types(user),
            "只有系统管理员可以维护证照类型",
            "Only administrators may edit licence types",
        )
    cleaned = _clean_type_values(values, creating=False)
    if "code" in values or "defining_body_code" in values:
        raise InvalidInput("证照类型代码不能修改", "The type code cannot be changed", field="code")
    with transaction.atomic():
        licence_type = LicenceType.objects.select_for_update().filter(code=code).first()
        if licence_type is None:
            raise NotFound("证照类型不存在", "No such licence type", field="code")
        before = _type_snapshot(licence_type)
        for name, value in cleaned.items():
            setattr(licence_type, name, value)
        licence_type.save()
        audit_record(
            action="licence.type_updated",
            object_type="licence_type",
            object_id=licence_type.code,
            actor=actor,
            before=before,
            after=_type_snapshot(licence_type),
        )
    return licence_type


def load_licence_types(
    path: Path | str | None = None, *, update: bool = False, actor: Actor = SYSTEM
) -> dict[str, int]:
    """Load the licence types of a JSON file (default: the Baqiao fixture). Idempotent: a
    type that exists is left alone (an administrator may have edited it) unless ``update``."""
    source = Path(path) if path else TYPES_FIXTURE
    try:
        rows = json.loads(source.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(
            "证照类型文件无法读取或不是 JSON",
            f"The licence type file cannot be read: {exc}",
            field="path",
        ) from exc
    if not isinstance(rows, list):
        raise InvalidInput("证照类型文件应为列表", "The file must hold a list", field="path")
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    with transaction.atomic():
        for n, row in enumerate(rows):
            if not isinstance(row, dict):
                raise InvalidInput(
                    f"第 {n + 1} 项应为对象", f"entry {n + 1} must be an object", field=f"[{n}]"
                )
            try:
                existing = LicenceType.objects.filter(code=str(row.get("code", "")).upper()).first()
                if existing is None:
                    create_licence_type(row, actor=actor)
                    counts["created"] += 1
                elif update:
                    values = {k: v for k, v in row.items() if k in TYPE_FIELDS}
                    if any(getattr(existing, k) != v for k, v in values.items()):
                        update_licence_type(existing.code, values, actor=actor)
                        counts["updated"] += 1
                    else:
                        counts["unchanged"] += 1
                else:
                    counts["unchanged"] += 1
            except DomainError as error:
                raise error.with_field_prefix(f"[{n}]") from None
    return counts


# --- issuance by staff --------------------------------------------------------------------------


def _holder_links(code_type: str, code: str) -> tuple[int | None, int | None]:
    """The platform account (citizen) or enterprise of a holder code, if registered."""
    from zhengwu.accounts import selectors as account_selectors

    if code_type == HolderCodeType.CITIZEN_ID:
        profile = account_selectors.citizen_by_id_number(code)
        return (profile.user_id if profile is not None else None), None
    enterprise = account_selectors.enterprise_by_uscc(code)
    return None, (enterprise.pk if enterprise is not None else None)


def issuing_department(user: Any, department_id: int | None) -> Any:
    from zhengwu.accounts import policies as account_policies
    from zhengwu.org import selectors as org_selectors

    own = account_policies.staff_department_id(user)
    wanted = department_id or own
    if wanted is None:
        raise NotAllowed(
            "只有部门工作人员可以签发证照",
            "Only staff of a department may issue licences",
            field="department_id",
        )
    department = org_selectors.department_by_id(int(wanted))
    if department is None or not department.uscc:
        raise InvalidInput(
            "签发部门不存在或没有统一社会信用代码",
            "The issuing department does not exist or has no USCC",
            field="department_id",
        )
    return department


def issue_direct(
    *,
    user: Any,
    actor: Actor,
    type_code: str,
    holder_name: str,
    holder_code: str,
    holder_code_type: str | None = None,
    number: str = "",
    metadata: dict[str, Any] | None = None,
    issue_date: date | None = None,
    valid_from: date | None = None,
    valid_until: date | None = None,
    department_id: int | None = None,
    source: str = LicenceSource.DIRECT,
) -> Licence:
    """Staff issue a licence directly (migration of a paper licence, bulk import): the
    issuer is the user's department (administrators may name another)."""
    licence_type = licence_type_by_code(type_code)
    department = issuing_department(user, department_id)
    policies.require_issue(user, department.uscc)
    holder = parse_holder(holder_name, holder_code, holder_code_type or None)
    user_id, enterprise_id = _holder_links(holder.code_type, holder.code)
    holder = Holder(holder.name, holder.code, holder.code_type, user_id, enterprise_id)
    region = ""
    if department.region_id:
        region = (department.region.code or "")[:6]
    return issue_licence(
        licence_type=licence_type,
        holder=holder,
        issuer_code=department.uscc,
        issuer_name=department.name,
        actor=actor,
        source=source,
        number=number,
        metadata=metadata,
        issue_date=issue_date,
        valid_from=valid_from,
        valid_until=valid_until,
        region=region,
        issuer_department_id=department.pk,
        created_by=user if getattr(user, "pk", None) else None,
    )


# --- issuance from a case -----------------------------------------------------------------------


def _case_value(case: Any, source: str) -> str:
    return str(getattr(case, source, "") or "").strip()


def _case_metadata(licence_type: LicenceType, case: Any) -> dict[str, str]:
    """The licence's metadata from the case: form data where keys match, else the field's
    ``from_case`` source, else (when required) a reference to the case."""
    try:
        form = case.form_data or {}
    except Exception:  # an undecryptable form must not stop issuance
        logger.warning("case %s: form data could not be read", case.pk)
        form = {}
    out: dict[str, str] = {}
    for spec in licence_type.metadata_schema or []:
        key = spec["key"]
        candidates: list[Any] = [form.get(key)]
        if spec.get("from_case"):
            candidates.append(_case_value(case, spec["from_case"]))
        kind = spec.get("type", "text")
        if spec.get("required"):
            if kind == MetadataFieldType.CHOICE and spec.get("choices"):
                candidates.append(spec["choices"][0])
            elif kind == MetadataFieldType.DATE:
                candidates.append(timezone.localdate().isoformat())
            elif kind == MetadataFieldType.TEXT:
                candidates.append(f"见办件 {case.number} 审批结果")
        for value in candidates:
            if value in (None, ""):
                continue
            try:
                text = _clean_field({**spec, "required": False}, value)
            except InvalidInput:
                continue
            if text:
                out[key] = text
                break
    return out


# Every approved case asks these two once (``case.result_produced``): fixed statements
# (kernel.fastread) rather than ORM queries compiled anew each time.
_LICENCE = JoinedReader(Licence, {})
_TYPE = JoinedReader(LicenceType, {})


def _licence_of_case(case_id: Any) -> Licence | None:
    if not isinstance(case_id, int) or isinstance(case_id, bool):
        return Licence.objects.filter(case_id=case_id).first()
    if not is_bigint(case_id):
        return None
    case, issued, pk = (quoted_column(Licence, n) for n in ("case", "issue_date", "id"))
    return _LICENCE.one(  # type: ignore[no-any-return]
        f"m.{case} = %s", [case_id], suffix=f"ORDER BY m.{issued} DESC, m.{pk} DESC LIMIT 1"
    )


def _active_type(code: str) -> LicenceType | None:
    code_col, active_col = quoted_column(LicenceType, "code"), quoted_column(LicenceType, "active")
    where = f"m.{code_col} = %s AND m.{active_col} = %s"
    return _TYPE.one(where, [code, True])  # type: ignore[no-any-return]


def issue_from_case(case_id: Any) -> Licence | None:
    """Issue the licence of an approved case (idempotent: one licence per case).

    Returns the licence (new or existing) or None when the case produces no licence (no
    result type, unknown or inactive type, an applicant identified by another document).
    """
    from zhengwu.cases import selectors as case_selectors

    existing = _licence_of_case(case_id) if case_id else None
    if existing is not None:
        return existing
    case = case_selectors.case_by_id(case_id)
    if case is None:
        logger.warning("licence from case: case %s not found", case_id)
        return None
    type_code = (case.item_version.result_licence_type if case.item_version else "") or ""
    licence_type = _active_type(type_code.strip().upper()) if type_code.strip() else None
    if licence_type is None:
        if type_code:
            logger.warning("case %s: licence type %s is not defined", case.number, type_code)
        return None
    if case.applicant_id_type not in HolderCodeType.values or not case.applicant_id_number:
        logger.warning("case %s: the applicant has no ID number or USCC", case.number)
        return None
    department = case.department
    if department is None or not department.uscc:
        logger.warning("case %s: no issuing department with a USCC", case.number)
        return None
    holder = parse_holder(
        case.applicant_name,
        case.applicant_id_number,
        case.applicant_id_type,
        user_id=case.applicant_user_id if case.applicant_id_type == "111" else None,
        enterprise_id=case.enterprise_id if case.applicant_id_type == "001" else None,
    )
    region = (department.region.code or "")[:6] if department.region_id else ""
    with transaction.atomic():
        try:
            licence = issue_licence(
                licence_type=licence_type,
                holder=holder,
                issuer_code=department.uscc,
                issuer_name=department.name,
                actor=SYSTEM,
                source=LicenceSource.CASE,
                number=case.result_number or "",
                metadata=_case_metadata(licence_type, case),
                region=region,
                issuer_department_id=department.pk,
                case_id=case.pk,
            )
        except InvalidInput as error:
            if error.code == "duplicate":
                again = Licence.objects.filter(case_id=case.pk).first()
                if again is not None:  # a concurrent run issued it
                    return again
            raise
        from zhengwu.cases.services import notify

        notify(
            case,
            "电子证照已签发",
            f"您的“{licence.type_name}”（编号 {licence.number}）已签发，"
            "可在“我的证照”中查看、亮证和下载。",
        )
    return licence


def on_case_result_produced(event: str, payload: dict[str, Any]) -> None:
    """``case.result_produced``: issue the case's licence when its item produces one.

    Runs synchronously **after** the decision's transaction commits (``emit`` registers
    sync handlers with ``on_commit``) in a transaction of its own: the case is complete and
    committed whatever happens here, and the applicant sees the licence in the answer to
    the decision. Issuing is fast (one SM2 signature). A failure is logged by the event
    machinery and can be repaired with ``zhengwu licences issue-from-case CASE_ID`` (the
    issuance is idempotent: a second event or run does nothing).
    """
    if not (payload.get("licence_type") or "").strip():
        return
    try:
        issue_from_case(payload.get("case_id"))
    except DomainError as error:
        logger.warning(
            "case %s: licence not issued: %s (%s)",
            payload.get("number"),
            error.message_en,
            error.field,
        )


# --- lifecycle ----------------------------------------------------------------------------------

# Status changes subscribers are told of through the outbox.
PUSHED_STATUSES = frozenset(
    {
        LicenceStatus.SUSPENDED,
        LicenceStatus.WITHDRAWN,
        LicenceStatus.CANCELLED,
        LicenceStatus.REVOKED,
        LicenceStatus.VALID,  # reinstated after a suspension
    }
)
SUBSCRIBERS_ENDPOINT = "licence-subscribers"
STATUS_LABELS = dict(LicenceStatus.choices)


def _clean_reason(reason: Any, *, required: bool = True, limit: int = 500) -> str:
    text = str(reason or "").strip()
    if required and not text:
        raise InvalidInput("请填写原因", "A reason is required", field="reason")
    if len(text) > limit:
        raise InvalidInput(
            f"原因最多 {limit} 个字符", f"The reason is at most {limit} characters", field="reason"
        )
    return text


def _locked_licence(licence_id: Any) -> Licence:
    try:
        pk = int(licence_id)
    except (TypeError, ValueError):
        raise NotFound("未找到该证照", "Licence not found", field="licence_id") from None
    licence = Licence.objects.select_for_update().filter(pk=pk).first()
    if licence is None:
        raise NotFound("未找到该证照", "Licence not found", field="licence_id")
    return licence


def _check_user_may_change(user: Any, licence: Licence) -> None:
    if user is None:
        return
    if not policies.may_view_licence(user, licence):
        raise NotFound("未找到该证照", "Licence not found", field="licence_id")
    policies.require_issue(user, licence.issuer_code)


def _transition(
    licence: Licence, to_status: str, *, reason: str, actor: Actor, user: Any = None
) -> Licence:
    """Apply one status change to a locked licence (inside the caller's transaction)."""
    from_status = licence.status
    if to_status not in TRANSITIONS.get(from_status, frozenset()):
        raise Conflict(
            f"证照状态为“{_zh(STATUS_LABELS[from_status])}”，不能变为“{_zh(STATUS_LABELS[to_status])}”",
            f"A licence that is {from_status} cannot become {to_status}",
            field="status",
        )
    now = timezone.now()
    licence.status = to_status
    licence.status_reason = reason
    licence.status_changed_at = now
    licence.save(update_fields=["status", "status_reason", "status_changed_at"])
    change = StatusChange.objects.create(
        licence=licence,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        actor=user if getattr(user, "pk", None) else None,
        actor_label=actor.label[:100],
    )
    audit_record(
        action="licence.status_changed",
        object_type="licence",
        object_id=licence.pk,
        actor=actor,
        before={"status": from_status},
        after={"status": to_status, "reason": reason},
    )
    emit(
        "licence.status_changed",
        licence_id=licence.pk,
        identifier=licence.identifier,
        from_status=from_status,
        to_status=to_status,
    )
    if to_status in PUSHED_STATUSES:
        outbox_enqueue(
            endpoint=SUBSCRIBERS_ENDPOINT,
            topic="licence.status_changed",
            payload={
                "identifier": licence.identifier,
                "type_code": licence.type_code,
                "number": licence.number,
                "issuer_code": licence.issuer_code,
                "from_status": from_status,
                "to_status": to_status,
                "reason": reason,
                "changed_at": now.isoformat(),
            },
            idempotency_key=f"licence-status:{licence.pk}:{change.pk}",
        )
    return licence


def _zh(label: Any) -> str:
    return str(label).partition(" / ")[0]


def change_status(
    licence_id: Any, to_status: str, *, reason: str, actor: Actor, user: Any = None
) -> Licence:
    """暂扣 / 撤销 / 注销 / 吊销 / 失效, or back to 有效 after a suspension (TRANSITIONS).

    ``user`` (when given) must be allowed to change the issuer's licences. Status changes
    other than expiry are pushed to subscribers through the outbox (endpoint
    ``licence-subscribers``, one idempotency key per change).
    """
    if to_status not in LicenceStatus.values:
        raise InvalidInput(
            f"状态应为 {'、'.join(LicenceStatus.values)} 之一",
            f"status is one of {', '.join(LicenceStatus.values)}",
            field="status",
        )
    text = _clean_reason(reason)
    with transaction.atomic():
        licence = _locked_licence(licence_id)
        _check_user_may_change(user, licence)
        return _transition(licence, to_status, reason=text, actor=actor, user=user)


def _successor(
    old: Licence,
    *,
    relation: str,
    actor: Actor,
    user: Any,
    reason: str,
    metadata: dict[str, Any] | None,
    holder_name: str | None,
    number: str,
    valid_from: date | None,
    valid_until: date | None,
) -> Licence:
    if old.status != LicenceStatus.VALID:
        raise Conflict(
            f"只有有效的证照可以{'延续' if relation == Relation.RENEWAL else '变更'}",
            "Only a valid licence can be "
            + ("renewed" if relation == Relation.RENEWAL else "changed"),
            field="status",
        )
    if old.source == LicenceSource.FOREIGN:
        raise Conflict(
            "外部签发的证照只能由原签发机构延续或变更",
            "A licence of another issuer is renewed or changed by that issuer",
            field="source",
        )
    holder = Holder(
        (holder_name or "").strip() or old.holder_name,
        old.holder_code,
        old.holder_code_type,
        old.holder_user_id,
        old.holder_enterprise_id,
    )
    if len(holder.name) > 200:
        raise InvalidInput(
            "持证主体名称最多 200 个字符",
            "The holder's name is at most 200 characters",
            field="holder_name",
        )
    merged = dict(old.metadata or {})
    if metadata:
        if not isinstance(metadata, dict):
            raise InvalidInput("照面信息应为对象", "metadata must be an object", field="metadata")
        merged.update(metadata)
        merged = {k: v for k, v in merged.items() if v not in (None, "")}
    today = timezone.localdate()
    start = valid_from or today
    if valid_until is None and relation == Relation.RENEWAL:
        # 延续: the new period follows the old one's end (or today when already past).
        base = today
        if old.valid_until is not None and old.valid_until >= today:
            base = date.fromordinal(old.valid_until.toordinal() + 1)
        valid_until = _default_valid_until(old.licence_type, max(base, start))
    elif valid_until is None:
        valid_until = old.valid_until  # 变更 keeps the end date
        if valid_until is not None and valid_until < start:
            valid_until = None if not old.licence_type.validity_years else valid_until
    new = issue_licence(
        licence_type=old.licence_type,
        holder=holder,
        issuer_code=old.issuer_code,
        issuer_name=old.issuer_name,
        actor=actor,
        source=LicenceSource.DIRECT,
        number=number,
        metadata=merged,
        valid_from=start,
        valid_until=valid_until,
        region=old.region,
        issuer_department_id=old.issuer_department_id,
        previous=old,
        relation=relation,
        created_by=user if getattr(user, "pk", None) else None,
    )
    label = "延续换发" if relation == Relation.RENEWAL else "变更换发"
    end_reason = (
        f"{label}：{reason}；新证 {new.identifier}" if reason else f"{label}：新证 {new.identifier}"
    )
    _transition(old, LicenceStatus.CANCELLED, reason=end_reason[:500], actor=actor, user=user)
    return new


def renew_licence(
    licence_id: Any,
    *,
    actor: Actor,
    user: Any = None,
    reason: str = "",
    metadata: dict[str, Any] | None = None,
    number: str = "",
    valid_from: date | None = None,
    valid_until: date | None = None,
) -> Licence:
    """延续: a new licence (version + 1, ``previous`` = the old one, relation renewal) valid
    from today to the type's validity after the old end date; the old licence is ended
    (注销, reason "延续换发：新证 <identifier>") in the same transaction, so exactly one
    licence of the chain is valid at any time."""
    text = _clean_reason(reason, required=False, limit=300)
    with transaction.atomic():
        old = _locked_licence(licence_id)
        _check_user_may_change(user, old)
        return _successor(
            old,
            relation=Relation.RENEWAL,
            actor=actor,
            user=user,
            reason=text,
            metadata=metadata,
            holder_name=None,
            number=number,
            valid_from=valid_from,
            valid_until=valid_until,
        )


def change_licence(
    licence_id: Any,
    *,
    actor: Actor,
    reason: str,
    user: Any = None,
    metadata: dict[str, Any] | None = None,
    holder_name: str | None = None,
    number: str = "",
) -> Licence:
    """变更: a new licence with the changed metadata (merged over the old) or holder name
    (same holder code), keeping the old end date; the old one is ended (注销, reason
    "变更换发：<reason>；新证 <identifier>")."""
    text = _clean_reason(reason, limit=300)
    if not metadata and not (holder_name or "").strip():
        raise InvalidInput(
            "请填写要变更的照面信息或持证主体名称",
            "Give the metadata or the holder name to change",
            field="metadata",
        )
    with transaction.atomic():
        old = _locked_licence(licence_id)
        _check_user_may_change(user, old)
        return _successor(
            old,
            relation=Relation.CHANGE,
            actor=actor,
            user=user,
            reason=text,
            metadata=metadata,
            holder_name=holder_name,
            number=number,
            valid_from=None,
            valid_until=None,
        )


def expire_due(today: date | None = None) -> int:
    """Valid or suspended licences whose end date has passed become 失效 (actor SYSTEM)."""
    today = today or timezone.localdate()
    due = list(
        Licence.objects.filter(
            status__in=(LicenceStatus.VALID, LicenceStatus.SUSPENDED), valid_until__lt=today
        ).values_list("pk", flat=True)
    )
    done = 0
    for pk in due:
        try:
            with transaction.atomic():
                licence = _locked_licence(pk)
                if licence.valid_until is None or licence.valid_until >= today:
                    continue
                _transition(
                    licence,
                    LicenceStatus.EXPIRED,
                    reason=f"有效期届满（{licence.valid_until.isoformat()}）",
                    actor=SYSTEM,
                )
                done += 1
        except Conflict:  # changed meanwhile
            continue
    return done


# --- keys ---------------------------------------------------------------------------------------


def _issuer_name_for(issuer_code: str) -> str:
    from zhengwu.org import selectors as org_selectors

    key = (
        IssuerKey.objects.filter(issuer_code=issuer_code, foreign=False)
        .order_by("-created_at")
        .first()
    )
    if key is not None:
        return key.issuer_name
    department = org_selectors.department_by_uscc(issuer_code)
    if department is not None:
        return department.name
    raise NotFound(
        f"签发机构 {issuer_code} 不存在", f"No issuer {issuer_code}", field="issuer_code"
    )


def rotate_issuer_key(issuer_code: str, *, actor: Actor, user: Any) -> IssuerKey:
    """A new active SM2 key for the issuer; the old one is retired but kept, so every
    licence it signed still verifies. Administrators, or the issuing department's head."""
    code = (issuer_code or "").strip().upper()
    policies.require(
        policies.may_rotate_key(user, code),
        "只有系统管理员或签发部门负责人可以更换签名密钥",
        "Only administrators or the head of the issuing department may rotate its key",
        field="issuer_code",
    )
    if IssuerKey.objects.filter(issuer_code=code, foreign=True).exists() and not (
        IssuerKey.objects.filter(issuer_code=code, foreign=False).exists()
    ):
        raise InvalidInput(
            "外部签发机构的密钥由其自行管理",
            "A foreign issuer manages its own keys",
            field="issuer_code",
        )
    name = _issuer_name_for(code)
    with transaction.atomic():
        old = IssuerKey.objects.filter(issuer_code=code, active=True, foreign=False).first()
        key = signing.create_issuer_key(
            code, name, created_by=user if getattr(user, "pk", None) else None
        )
        audit_record(
            action="licence.key_rotated",
            object_type="issuer_key",
            object_id=key.key_id,
            actor=actor,
            before={"key_id": old.key_id if old is not None else None},
            after={"key_id": key.key_id, "issuer_code": code},
        )
    return key


def register_foreign_key(
    *,
    issuer_code: str,
    issuer_name: str,
    public_key_pem: str,
    actor: Actor,
    user: Any = None,
    key_id: str = "",
) -> IssuerKey:
    """Register another issuer's public key (administrators): it only verifies imports."""
    if user is not None:
        policies.require(
            policies.may_manage_foreign(user),
            "只有系统管理员可以登记外部签发机构的公钥",
            "Only administrators may register another issuer's key",
        )
    code = (issuer_code or "").strip().upper()
    if not (len(code) == 6 and code.isdigit()):
        code = parse_uscc(code, field="issuer_code").value
    name = (issuer_name or "").strip()
    if not name or len(name) > 200:
        raise InvalidInput(
            "签发机构名称必填，最多 200 个字符",
            "The issuer's name is required (at most 200 characters)",
            field="issuer_name",
        )
    if len(public_key_pem or "") > 5000:
        raise InvalidInput("公钥过长", "The public key is too long", field="public_key_pem")
    try:
        public = crypto.load_sm2_public_key((public_key_pem or "").strip())
        pem = crypto.sm2_public_pem(public)
        computed = crypto.key_id(public)
    except Exception:
        raise InvalidInput(
            "公钥不是有效的 SM2 公钥（PEM 或 04||x||y 十六进制）",
            "The public key is not a valid SM2 public key (PEM or 04||x||y hex)",
            field="public_key_pem",
        ) from None
    wanted = (key_id or "").strip() or computed
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,16}", wanted):
        raise InvalidInput(
            "密钥标识为 1–16 位字母、数字、- 或 _",
            "The key id is 1-16 letters, digits, - or _",
            field="key_id",
        )
    if IssuerKey.objects.filter(issuer_code=code, foreign=False).exists():
        raise Conflict(
            "该机构是本平台的签发机构，不能登记为外部机构",
            "This issuer signs on this platform; it cannot be registered as foreign",
            field="issuer_code",
        )
    with transaction.atomic():
        existing = IssuerKey.objects.filter(key_id=wanted).first()
        if existing is not None:
            if existing.foreign and existing.public_key_pem == pem and existing.issuer_code == code:
                return existing
            raise Conflict(
                f"密钥标识 {wanted} 已被使用",
                f"The key id {wanted} is already registered",
                field="key_id",
            )
        key = IssuerKey.objects.create(
            issuer_code=code,
            issuer_name=name,
            key_id=wanted,
            public_key_pem=pem,
            foreign=True,
            active=False,
            created_by=user if getattr(user, "pk", None) else None,
        )
        audit_record(
            action="licence.foreign_key_registered",
            object_type="issuer_key",
            object_id=key.key_id,
            actor=actor,
            after={"issuer_code": code, "issuer_name": name, "key_id": wanted},
        )
    return key


# --- import from other issuers ------------------------------------------------------------------


def _refuse_import(actor: Actor, reason: str, error: DomainError) -> NoReturn:
    """Log and audit a refused import (committed even though the import is not), then raise."""
    logger.warning("foreign licence import refused: %s (%s)", reason, error.message_en)
    try:
        with transaction.atomic():
            audit_record(
                action="licence.foreign_import_refused",
                object_type="licence_import",
                object_id=reason,
                actor=actor,
                after={"reason": reason, "field": error.field, "message": error.message},
            )
    except Exception:  # the refusal itself must reach the caller
        logger.exception("could not audit a refused licence import")
    raise error


def _document_dict(document: Any) -> dict[str, Any]:
    if isinstance(document, bytes | str):
        if len(document) > 200_000:
            raise InvalidInput("文件过大", "The document is too large", field="document")
        try:
            document = json.loads(document)
        except ValueError:
            raise InvalidInput(
                "不是有效的 JSON 证照文件", "The document is not valid JSON", field="document"
            ) from None
    if not isinstance(document, dict):
        raise InvalidInput(
            "证照文件应为 JSON 对象", "The document must be an object", field="document"
        )
    lic = document.get("licence")
    if not isinstance(lic, dict):
        raise InvalidInput(
            "证照文件缺少 licence 对象", "The document has no licence object", field="licence"
        )
    for name in ("signature", "key_id"):
        if not isinstance(document.get(name), str) or not document[name]:
            raise InvalidInput(f"证照文件缺少 {name}", f"The document has no {name}", field=name)
    return document


def _exact_date(value: Any, field: str, *, optional: bool = False) -> date | None:
    text = value if isinstance(value, str) else ""
    if optional and text == "":
        return None
    try:
        parsed = date.fromisoformat(text)
    except ValueError:
        parsed = None
    if parsed is None or parsed.isoformat() != text:
        raise InvalidInput(
            f"{field} 应为 YYYY-MM-DD 日期", f"{field} must be YYYY-MM-DD", field=field
        )
    return parsed


def import_foreign(document: Any, *, actor: Actor, user: Any = None) -> Licence:
    """Import a licence exported by another issuer: ``{"licence": <canonical dict>,
    "signature": <base64 DER>, "key_id": ...}`` (the export format of ``verification``).

    The signature is verified with the issuer's registered public key before anything is
    stored; a forged or altered document is refused (422, reason in ``code``) and the
    refusal is audited. The stored licence keeps the foreign signature and key id, so it
    verifies like our own. A ``previous`` licence must be in the register (import the chain
    oldest first). A type code we do not define yet gets an inactive type of that name.
    """
    if user is not None:
        policies.require(
            policies.may_manage_foreign(user),
            "只有系统管理员可以导入外部签发的证照",
            "Only administrators may import licences of other issuers",
        )
    doc = _document_dict(document)
    lic: dict[str, Any] = doc["licence"]
    missing = [k for k in signing.CANONICAL_FIELDS if k not in lic]
    if missing:
        raise InvalidInput(
            f"证照内容缺少 {'、'.join(missing)}",
            f"The licence lacks {', '.join(missing)}",
            field=f"licence.{missing[0]}",
        )
    extra = sorted(set(lic) - set(signing.CANONICAL_FIELDS))
    if extra:
        raise InvalidInput(
            f"证照内容含未签名的项 {'、'.join(extra)}",
            f"The licence has unsigned fields: {', '.join(extra)}",
            field=f"licence.{extra[0]}",
        )
    if lic.get("v") != signing.CANONICAL_VERSION:
        raise InvalidInput("不支持的规范化版本", "Unsupported canonical version", field="licence.v")
    if not isinstance(lic.get("version"), int) or not 1 <= lic["version"] <= 999:
        raise InvalidInput(
            "版本号应为 1–999 的整数", "version is an integer 1-999", field="licence.version"
        )
    strings = [k for k in signing.CANONICAL_FIELDS if k not in ("v", "version", "metadata")]
    for name in strings:
        if not isinstance(lic[name], str):
            raise InvalidInput(
                f"{name} 应为字符串", f"{name} must be a string", field=f"licence.{name}"
            )
    metadata = lic["metadata"]
    if not isinstance(metadata, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()
    ):
        raise InvalidInput(
            "照面信息应为字符串对象",
            "metadata must map strings to strings",
            field="licence.metadata",
        )
    if doc["key_id"] != lic["key_id"]:
        raise InvalidInput(
            "签名密钥标识与证照内容不一致",
            "The key id differs from the one inside the licence",
            field="key_id",
        )
    parsed = parse_licence_identifier(lic["identifier"], field="licence.identifier")
    if parsed.value != lic["identifier"]:
        raise InvalidInput(
            "证照标识应为规范形式（大写）",
            "The identifier must be in canonical form",
            field="licence.identifier",
        )
    if parsed.type_code != lic["type_code"] or parsed.issuer_code != lic["issuer_code"]:
        raise InvalidInput(
            "证照标识与证照类型代码或签发机构代码不一致",
            "The identifier does not match the type code or issuer code",
            field="licence.identifier",
        )
    if f"{lic['version']:03d}" != parsed.version:
        raise InvalidInput(
            "证照标识中的版本号与 version 不一致",
            "The identifier's version differs from version",
            field="licence.version",
        )
    key = IssuerKey.objects.filter(key_id=lic["key_id"]).first()
    if key is None:
        _refuse_import(
            actor,
            "unknown_key",
            InvalidInput(
                f"签名密钥 {lic['key_id']} 未登记：请先登记签发机构的公钥",
                f"The signing key {lic['key_id']} is not registered: "
                "register the issuer's key first",
                field="key_id",
                code="unknown_key",
            ),
        )
    if key.issuer_code != lic["issuer_code"]:
        _refuse_import(
            actor,
            "key_issuer_mismatch",
            InvalidInput(
                "签名密钥不属于该证照的签发机构",
                "The signing key does not belong to the licence's issuer",
                field="licence.issuer_code",
                code="key_issuer_mismatch",
            ),
        )
    canonical = signing.canonical_bytes(lic)
    check = signing.check_signature(canonical, doc["signature"], lic["key_id"])
    if not check.valid:
        _refuse_import(
            actor,
            check.reason,
            InvalidInput(check.message, check.message_en, field="signature", code=check.reason),
        )
    # The signature is genuine: now the content must fit the register.
    for name, limit in (("number", 64), ("type_name", 100), ("issuer_name", 200), ("region", 6)):
        if len(lic[name]) > limit or (name != "region" and not lic[name]):
            raise InvalidInput(
                f"{name} 为空或过长", f"{name} is empty or too long", field=f"licence.{name}"
            )
    holder = parse_holder(
        lic["holder_name"],
        lic["holder_code"],
        lic["holder_code_type"],
        field="licence.holder_code",
    )
    if holder.code != lic["holder_code"] or holder.name != lic["holder_name"]:
        raise InvalidInput(
            "持证主体代码应为规范形式",
            "The holder code must be in canonical form",
            field="licence.holder_code",
        )
    issue_day = _exact_date(lic["issue_date"], "licence.issue_date")
    valid_from = _exact_date(lic["valid_from"], "licence.valid_from")
    valid_until = _exact_date(lic["valid_until"], "licence.valid_until", optional=True)
    if lic["relation"] not in Relation.values or bool(lic["relation"]) != bool(lic["previous"]):
        raise InvalidInput(
            "关联关系应为 renewal 或 change，且只与关联证照一起出现",
            "relation is renewal or change, and only together with previous",
            field="licence.relation",
        )
    user_id, enterprise_id = _holder_links(holder.code_type, holder.code)
    with transaction.atomic():
        existing = Licence.objects.filter(identifier=lic["identifier"]).first()
        if existing is not None:
            if existing.signature == doc["signature"] and existing.key_id == lic["key_id"]:
                return existing
            raise Conflict(
                "该证照标识已在本平台登记",
                "This identifier is already in the register",
                field="licence.identifier",
            )
        previous = None
        if lic["previous"]:
            previous = Licence.objects.filter(identifier=lic["previous"]).first()
            if previous is None:
                raise InvalidInput(
                    "关联的原证照不在本平台：请先导入原证照",
                    "The previous licence is not in the register: import it first",
                    field="licence.previous",
                )
        if Licence.objects.filter(
            issuer_code=lic["issuer_code"], type_code=lic["type_code"], number=lic["number"]
        ).exists():
            raise Conflict(
                f"证照编号 {lic['number']} 已被使用",
                f"The licence number {lic['number']} is already in use",
                field="licence.number",
            )
        licence_type = LicenceType.objects.filter(code=lic["type_code"]).first()
        if licence_type is None:
            licence_type = LicenceType.objects.create(
                code=lic["type_code"],
                name=lic["type_name"],
                defining_body=lic["issuer_name"]
                if lic["type_code"][:18] == lic["issuer_code"]
                else lic["type_code"][:18],
                defining_body_code=lic["type_code"][:18],
                holder_kind=HolderKind.EITHER,
                active=False,
                common=False,
            )
        assert valid_from is not None and issue_day is not None
        licence = Licence.objects.create(
            identifier=lic["identifier"],
            number=lic["number"],
            licence_type=licence_type,
            type_code=lic["type_code"],
            type_name=lic["type_name"],
            issuer_code=lic["issuer_code"],
            issuer_name=lic["issuer_name"],
            serial=parsed.serial[:20],
            version=lic["version"],
            holder_name=holder.name,
            holder_code=holder.code,
            holder_code_type=holder.code_type,
            holder_index=holder.index,
            holder_user_id=user_id,
            holder_enterprise_id=enterprise_id,
            region=lic["region"],
            issue_date=issue_day,
            valid_from=valid_from,
            valid_until=valid_until,
            metadata=dict(metadata),
            previous=previous,
            relation=lic["relation"],
            source=LicenceSource.FOREIGN,
            signature=doc["signature"],
            key_id=lic["key_id"],
            signed_at=timezone.now(),
            qr_token=secrets.token_urlsafe(16)[:22],
            created_by=user if getattr(user, "pk", None) else None,
        )
        if signing.licence_canonical_bytes(licence) != canonical:
            raise InvalidInput(
                "证照内容无法按原样保存（规范化不一致）",
                "The licence cannot be stored exactly as signed",
                field="licence",
            )
        licence.verified_seal = signing.seal_for(canonical, doc["signature"], lic["key_id"])
        licence.save(update_fields=["verified_seal"])
        audit_record(
            action="licence.foreign_imported",
            object_type="licence",
            object_id=licence.pk,
            actor=actor,
            after={"identifier": licence.identifier, "key_id": licence.key_id},
        )
        emit(
            "licence.issued",
            licence_id=licence.pk,
            identifier=licence.identifier,
            type_code=licence.type_code,
            case_id=None,
        )
    return licence
