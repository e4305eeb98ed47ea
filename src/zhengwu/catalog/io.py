"""Import and export of the whole catalogue as JSON (``docs/catalog-format.md``).

- :func:`export_catalog` builds the document from the database, :func:`dumps_catalog` turns
  it into bytes (keys sorted, UTF-8, two spaces, final newline). Lists come out in the
  canonical order documented in the format, so ``dumps(export(import(doc))) == dumps(doc)``
  for every document already in that order (the demo catalogue is).
- :func:`import_catalog` validates EVERYTHING first (shape, types, lengths, code sets and
  every rule of the format) and collects every error with its JSON path; on any error it
  raises :class:`~zhengwu.kernel.errors.InvalidInput` and writes nothing. Otherwise it writes
  the whole document in one transaction and records one audit entry.

Import is an upsert: life events and bundles are matched by ``code``, items by
``basic_code``, versions by ``(implementation_code, version)``, synonyms by ``term``; nothing
absent from the document is deleted. A version that is no longer editable (submitted,
approved, published, superseded, withdrawn) must come back with the same content — its
status may only move along the transition table (published → superseded …) and new history
events are appended. Re-importing the same document changes nothing.
"""

from __future__ import annotations

import copy
import json
import posixpath
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone

from zhengwu.catalog.choices import (
    EDITABLE_STATUSES,
    VERSION_TRANSITIONS,
    Audience,
    CaseType,
    ChangeKind,
    DelegatedLevel,
    ExerciseLevel,
    HandlingForm,
    HandlingScope,
    ItemType,
    LimitUnit,
    OnlineDepth,
    ServiceObject,
    VersionStatus,
)
from zhengwu.catalog.models import (
    Bundle,
    BundleMember,
    Item,
    ItemVersion,
    LifeEvent,
    Material,
    SearchSynonym,
    Situation,
    SituationOption,
    VersionEvent,
)
from zhengwu.kernel.actors import Actor
from zhengwu.kernel.audit import audit_record
from zhengwu.kernel.crypto import sm3_hex
from zhengwu.kernel.errors import Conflict, FieldError, InvalidInput
from zhengwu.kernel.identifiers import parse_basic_code, parse_implementation_code, parse_uscc

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "ImportReport",
    "canonical_document",
    "dumps_catalog",
    "export_catalog",
    "import_catalog",
    "loads_catalog",
    "validate_catalog",
]

FORMAT = "zhengwu-catalog"
FORMAT_VERSION = 1

SMALLINT_MAX = 32767
INT_MAX = 2147483647
FILE_PATH_MAX = 100  # Django FileField default max_length

# Statuses whose content is fixed: a change is a new version (published versions are
# immutable; submitted/approved ones are under or past review).
FROZEN_STATUSES = frozenset(VersionStatus.values) - EDITABLE_STATUSES
OPEN_STATUSES = frozenset(
    {
        VersionStatus.DRAFT,
        VersionStatus.SUBMITTED,
        VersionStatus.RETURNED,
        VersionStatus.APPROVED,
    }
)
# Fields of a version that may change on a frozen version (its life cycle, not its content).
LIFECYCLE_FIELDS = ("status", "superseded_at", "events")


# --- the shape of the document -------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """The type of one JSON field. ``kind``: str, int, bool, dt, list_str, list_obj, path."""

    kind: str
    max_length: int | None = None
    required: bool = False  # a string that may not be blank
    choices: frozenset[Any] | None = None
    maximum: int = INT_MAX
    minimum: int = 0
    nullable: bool = False
    item_choices: frozenset[str] | None = None  # for list_str


def _s(max_length: int | None = None, **kw: Any) -> Spec:
    return Spec("str", max_length=max_length, **kw)


def _i(**kw: Any) -> Spec:
    return Spec("int", **kw)


def _c(values: Iterable[Any], kind: str = "str") -> Spec:
    return Spec(kind, choices=frozenset(values))


B = Spec("bool")
T = Spec("str")  # unlimited text
DT = Spec("dt", nullable=True)
LS = Spec("list_str")
LO = Spec("list_obj")
SLUG = _s(64, required=True)
SMALL = _i(maximum=SMALLINT_MAX)

TOP_SPEC: dict[str, Spec] = {
    "format": _s(),
    "format_version": _i(),
    "life_events": Spec("list"),
    "items": Spec("list"),
    "bundles": Spec("list"),
    "synonyms": Spec("list"),
}
LIFE_EVENT_SPEC: dict[str, Spec] = {
    "code": SLUG,
    "name": _s(64, required=True),
    "audience": _c(Audience.values),
    "parent": _s(64, nullable=True),
    "description": T,
    "sort_order": SMALL,
}
ITEM_SPEC: dict[str, Spec] = {
    "basic_code": _s(12, required=True),
    "name": _s(200, required=True),
    "item_type": _c(ItemType.values),
    "legal_basis": T,
    "level": _c(ExerciseLevel.values, "int"),
    "versions": Spec("list"),
}
VERSION_SPEC: dict[str, Spec] = {
    "implementation_code": _s(50, required=True),
    "version": _i(minimum=1),
    "status": _c(VersionStatus.values),
    "change_kind": _c(ChangeKind.values),
    "change_reason": T,
    "based_on": _i(minimum=1, nullable=True),
    "name": _s(200, required=True),
    "department": _s(50, required=True),
    "implementing_uscc": _s(18, required=True),
    "entrusted_body": _s(200),
    "level": _c(ExerciseLevel.values, "int"),
    "statutory_limit": _i(),
    "statutory_limit_unit": _c(LimitUnit.values),
    "statutory_limit_note": T,
    "promised_limit": _i(),
    "promised_limit_unit": _c(LimitUnit.values),
    "promised_limit_note": T,
    "case_type": _c(CaseType.values),
    "acceptance_conditions": T,
    "process_steps": LO,
    "joint_bodies": LS,
    "intermediary_services": LO,
    "quantity_limit": T,
    "result_name": _s(200),
    "result_sample": Spec("path"),  # optional: omitted when empty
    "result_licence_type": _s(21),
    "fee_charged": B,
    "fee_basis": T,
    "fee_items": LO,
    "online_payment": B,
    "service_objects": Spec("list_str", item_choices=frozenset(ServiceObject.values)),
    "handling_forms": Spec("list_str", item_choices=frozenset(HandlingForm.values)),
    "handling_scope": _c(HandlingScope.values),
    "special_procedures": LO,
    "appointment_supported": B,
    "delivery_by_post": B,
    "online_handling": B,
    "online_address": _s(500),
    "online_depth": _c(OnlineDepth.values, "int"),
    "place": T,
    "hours": T,
    "consultation_phone": _s(100),
    "complaint_phone": _s(100),
    "faqs": LO,
    "visits_required": SMALL,
    "life_events": LS,
    "in_hall": B,
    "hall_negative_list": B,
    "hall_negative_reason": T,
    "commitment_allowed": B,
    "deficiency_allowed": B,
    "citywide": B,
    "cross_province": B,
    "weekend_service": B,
    "delegated_level": _c(DelegatedLevel.values),
    "accept_on_receipt": B,
    "effective_from": DT,
    "published_at": DT,
    "superseded_at": DT,
    "materials": Spec("list"),
    "situations": Spec("list"),
    "events": Spec("list"),
}
VERSION_OPTIONAL = frozenset({"result_sample"})
MATERIAL_SPEC: dict[str, Spec] = {
    "key": SLUG,
    "name": _s(200, required=True),
    "issuing_body": _s(200),
    "required": B,
    "originals": SMALL,
    "copies": SMALL,
    "paper": B,
    "electronic": B,
    "notes": T,
    "max_size_kb": _i(),
    "allowed_types": LS,
    "licence_type": _s(21),
    "deficiency_allowed": B,
    "sort_order": SMALL,
    "sample_file": Spec("path"),
    "blank_form": Spec("path"),
}
SITUATION_SPEC: dict[str, Spec] = {
    "key": SLUG,
    "question": _s(300, required=True),
    "parent_option": _s(129, nullable=True),
    "sort_order": SMALL,
    "options": Spec("list"),
}
OPTION_SPEC: dict[str, Spec] = {
    "key": SLUG,
    "label": _s(200, required=True),
    "materials": LS,
    "conditions": T,
    "promised_limit": _i(nullable=True),
    "statutory_limit": _i(nullable=True),
    "sort_order": SMALL,
}
EVENT_SPEC: dict[str, Spec] = {
    "action": _s(32, required=True),
    "from_status": _s(16),
    "to_status": _s(16),
    "actor_id": _s(64),
    "actor_label": _s(128),
    "comment": T,
    "occurred_at": Spec("dt"),
}
BUNDLE_SPEC: dict[str, Spec] = {
    "code": SLUG,
    "name": _s(100, required=True),
    "description": T,
    "audience": _c(Audience.values),
    "life_event": _s(64, nullable=True),
    "lead_department": _s(50, required=True),
    "promised_limit": _i(),
    "promised_limit_unit": _c(LimitUnit.values),
    "active": B,
    "form_fields": LO,
    "members": Spec("list"),
}
MEMBER_SPEC: dict[str, Spec] = {
    "implementation_code": _s(50, required=True),
    "sort_order": SMALL,
}
SYNONYM_SPEC: dict[str, Spec] = {
    "term": _s(64, required=True),
    "expansions": LS,
    "note": _s(200),
}

# Model fields copied as they are between a version dict and ItemVersion.
VERSION_PLAIN_FIELDS = tuple(
    name
    for name in VERSION_SPEC
    if name
    not in {
        "implementation_code",
        "version",
        "based_on",
        "department",
        "result_sample",
        "life_events",
        "effective_from",
        "published_at",
        "superseded_at",
        "materials",
        "situations",
        "events",
    }
)
VERSION_DT_FIELDS = ("effective_from", "published_at", "superseded_at")
MATERIAL_PLAIN_FIELDS = tuple(k for k in MATERIAL_SPEC if k not in {"sample_file", "blank_form"})


# --- errors --------------------------------------------------------------------------------


class _Errors:
    def __init__(self) -> None:
        self.items: list[FieldError] = []

    def add(self, path: str | None, code: str, zh: str, en: str) -> None:
        self.items.append(FieldError(path, code, zh, en))

    def extend(self, error: InvalidInput, path: str) -> None:
        if error.errors:
            self.items.extend(
                FieldError(path, e.code, e.message, e.message_en) for e in error.errors
            )
        else:
            self.items.append(FieldError(path, error.code, error.message, error.message_en))


def _parse_dt(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _safe_path(value: str) -> bool:
    if not value:
        return True
    if len(value) > FILE_PATH_MAX or "\\" in value or "\x00" in value:
        return False
    if value.startswith("/") or ":" in value.split("/")[0]:
        return False
    return posixpath.normpath(value) == value and not value.startswith("..")


def _check_value(value: Any, spec: Spec, path: str, errors: _Errors) -> bool:
    if value is None:
        if spec.nullable:
            return True
        errors.add(path, "wrong_type", "不能为空值(null)", "must not be null")
        return False
    kind = spec.kind
    if kind in ("str", "path"):
        if not isinstance(value, str):
            errors.add(path, "wrong_type", "应为文本", "must be a string")
            return False
        if spec.required and not value.strip():
            errors.add(path, "blank", "不能为空", "must not be blank")
            return False
        if spec.max_length is not None and len(value) > spec.max_length:
            errors.add(
                path,
                "too_long",
                f"最多 {spec.max_length} 个字符，实际 {len(value)} 个",
                f"at most {spec.max_length} characters, got {len(value)}",
            )
            return False
        if kind == "path" and not _safe_path(value):
            errors.add(
                path,
                "unsafe_path",
                f"文件路径 {value!r} 应为存储区内的相对路径（不含 ..、\\ 或绝对路径）",
                f"file path {value!r} must be a relative path inside the storage",
            )
            return False
    elif kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            errors.add(path, "wrong_type", "应为整数", "must be an integer")
            return False
        if spec.choices is None and not spec.minimum <= value <= spec.maximum:
            errors.add(
                path,
                "out_of_range",
                f"应在 {spec.minimum}–{spec.maximum} 之间，实际 {value}",
                f"must be between {spec.minimum} and {spec.maximum}, got {value}",
            )
            return False
    elif kind == "bool":
        if not isinstance(value, bool):
            errors.add(path, "wrong_type", "应为 true 或 false", "must be true or false")
            return False
    elif kind == "dt":
        if not isinstance(value, str) or _parse_dt(value) is None:
            errors.add(
                path,
                "invalid_datetime",
                "应为带时区的 ISO 8601 时间，如 2026-01-01T00:00:00+08:00",
                "must be an ISO 8601 date-time with an offset, e.g. 2026-01-01T00:00:00+08:00",
            )
            return False
    elif kind in ("list", "list_obj", "list_str"):
        if not isinstance(value, list):
            errors.add(path, "wrong_type", "应为数组", "must be a list")
            return False
        ok = True
        for n, element in enumerate(value):
            if kind == "list_obj" and not isinstance(element, dict):
                errors.add(f"{path}[{n}]", "wrong_type", "应为对象", "must be an object")
                ok = False
            elif kind == "list_str":
                if not isinstance(element, str):
                    errors.add(f"{path}[{n}]", "wrong_type", "应为文本", "must be a string")
                    ok = False
                elif spec.item_choices is not None and element not in spec.item_choices:
                    allowed = ", ".join(sorted(spec.item_choices))
                    errors.add(
                        f"{path}[{n}]",
                        "invalid_choice",
                        f"代码 {element!r} 无效，可选：{allowed}",
                        f"code {element!r} is not one of {allowed}",
                    )
                    ok = False
        return ok
    if spec.choices is not None and value not in spec.choices:
        allowed = ", ".join(str(c) if c != "" else '""' for c in sorted(spec.choices, key=str))
        errors.add(
            path,
            "invalid_choice",
            f"代码 {value!r} 无效，可选：{allowed}",
            f"code {value!r} is not one of {allowed}",
        )
        return False
    return True


def _check_object(
    value: Any,
    spec: dict[str, Spec],
    path: str,
    errors: _Errors,
    optional: frozenset[str] = frozenset(),
) -> set[str] | None:
    """Check keys and value types; return the names of the valid fields (None: not an object)."""
    if not isinstance(value, dict):
        errors.add(path or "document", "wrong_type", "应为对象", "must be an object")
        return None
    prefix = f"{path}." if path else ""
    valid: set[str] = set()
    for name, field_spec in spec.items():
        if name not in value:
            if name in optional:
                valid.add(name)
                continue
            errors.add(f"{prefix}{name}", "missing_field", "缺少此字段", "this field is missing")
            continue
        if _check_value(value[name], field_spec, f"{prefix}{name}", errors):
            valid.add(name)
    for name in value:
        if name not in spec:
            errors.add(
                f"{prefix}{name}",
                "unknown_field",
                "格式中没有此字段",
                "unknown field for this format",
            )
    return valid


# --- reading bytes -------------------------------------------------------------------------


def loads_catalog(data: bytes | str) -> Any:
    """Parse JSON bytes; malformed input raises InvalidInput(code="malformed_json")."""
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as error:
        position = ""
        if isinstance(error, json.JSONDecodeError):
            position = f" (line {error.lineno}, column {error.colno})"
        raise InvalidInput(
            f"文件不是合法的 JSON{position}：{error}",
            f"The file is not valid JSON{position}: {error}",
            field="file",
            code="malformed_json",
        ) from error


# --- validation ----------------------------------------------------------------------------


@dataclass
class _Plan:
    """What validation learnt and the write needs."""

    departments: dict[str, Any] = field(default_factory=dict)  # USCC → Department
    existing_versions: dict[tuple[str, int], ItemVersion] = field(default_factory=dict)


def validate_catalog(doc: Any) -> list[FieldError]:
    """Every error of ``doc`` (empty list when it may be imported). Reads, never writes."""
    errors = _Errors()
    _validate(doc, errors, _Plan())
    return errors.items


def _validate(doc: Any, errors: _Errors, plan: _Plan) -> None:
    top = _check_object(doc, TOP_SPEC, "", errors)
    if top is None:
        return
    if "format" in top and doc["format"] != FORMAT:
        errors.add("format", "wrong_format", f"格式应为 {FORMAT}", f"format must be {FORMAT!r}")
    if "format_version" in top and doc["format_version"] != FORMAT_VERSION:
        errors.add(
            "format_version",
            "unsupported_version",
            f"不支持的格式版本 {doc['format_version']}，应为 {FORMAT_VERSION}",
            f"unsupported format version {doc['format_version']}; expected {FORMAT_VERSION}",
        )

    # Life events -------------------------------------------------------------------------
    life_events: dict[str, tuple[str, Any]] = {}
    for n, event in enumerate(doc.get("life_events") if "life_events" in top else []):
        path = f"life_events[{n}]"
        valid = _check_object(event, LIFE_EVENT_SPEC, path, errors)
        if valid is None or "code" not in valid:
            continue
        if event["code"] in life_events:
            errors.add(
                f"{path}.code",
                "duplicate_key",
                f"主题编码 {event['code']} 重复",
                f"life event code {event['code']} appears twice",
            )
            continue
        life_events[event["code"]] = (path, event.get("parent") if "parent" in valid else None)
    known_life_events = set(life_events) | set(LifeEvent.objects.values_list("code", flat=True))
    for code, (path, parent) in life_events.items():
        if parent is None:
            continue
        if parent not in known_life_events:
            errors.add(
                f"{path}.parent",
                "unknown_life_event",
                f"上级主题 {parent} 不存在",
                f"parent life event {parent} does not exist",
            )
            continue
        seen, cursor = {code}, parent
        while cursor in life_events:
            if cursor in seen:
                errors.add(
                    f"{path}.parent",
                    "life_event_cycle",
                    f"主题 {code} 的上级关系形成循环",
                    f"the parents of life event {code} form a cycle",
                )
                break
            seen.add(cursor)
            cursor = life_events[cursor][1]

    # Items and versions ------------------------------------------------------------------
    items_seen: dict[str, str] = {}
    doc_versions: dict[tuple[str, int], tuple[str, dict[str, Any], set[str]]] = {}
    for n, item in enumerate(doc.get("items") if "items" in top else []):
        path = f"items[{n}]"
        valid = _check_object(item, ITEM_SPEC, path, errors)
        if valid is None:
            continue
        basic_code = None
        if "basic_code" in valid:
            try:
                basic_code = parse_basic_code(item["basic_code"], field=f"{path}.basic_code")
            except InvalidInput as error:
                errors.extend(error, f"{path}.basic_code")
            else:
                if basic_code != item["basic_code"]:
                    errors.add(
                        f"{path}.basic_code",
                        "not_normalised",
                        f"基本编码应写作 {basic_code}",
                        f"write the basic code as {basic_code}",
                    )
                elif basic_code in items_seen:
                    errors.add(
                        f"{path}.basic_code",
                        "duplicate_key",
                        f"基本编码 {basic_code} 与 {items_seen[basic_code]} 重复",
                        f"basic code {basic_code} already used by {items_seen[basic_code]}",
                    )
                else:
                    items_seen[basic_code] = path
        for m, version in enumerate(item["versions"] if "versions" in valid else []):
            vpath = f"{path}.versions[{m}]"
            vvalid = _validate_version(version, vpath, basic_code, known_life_events, errors, plan)
            if vvalid is None or not {"implementation_code", "version"} <= vvalid:
                continue
            key = (version["implementation_code"], version["version"])
            if key in doc_versions:
                errors.add(
                    f"{vpath}.version",
                    "duplicate_version",
                    f"实施编码 {key[0]} 的版本号 {key[1]} 重复（见 {doc_versions[key][0]}）",
                    f"version {key[1]} of {key[0]} appears twice (see {doc_versions[key][0]})",
                )
                continue
            doc_versions[key] = (vpath, version, vvalid)

    _validate_version_set(doc_versions, errors, plan)

    # Bundles -----------------------------------------------------------------------------
    final_published = {
        code
        for (code, _v), status in _final_statuses(doc_versions).items()
        if status == VersionStatus.PUBLISHED
    }
    bundle_codes: dict[str, str] = {}
    bundle_names: dict[str, str] = {}
    docs_bundles = doc.get("bundles") if "bundles" in top else []
    existing_bundle_names = dict(Bundle.objects.values_list("name", "code"))
    doc_bundle_code_set = {
        b.get("code")
        for b in docs_bundles
        if isinstance(b, dict) and isinstance(b.get("code"), str)
    }
    for n, bundle in enumerate(docs_bundles):
        path = f"bundles[{n}]"
        valid = _check_object(bundle, BUNDLE_SPEC, path, errors)
        if valid is None:
            continue
        if "code" in valid:
            if bundle["code"] in bundle_codes:
                errors.add(
                    f"{path}.code",
                    "duplicate_key",
                    f"一件事编码 {bundle['code']} 重复",
                    f"bundle code {bundle['code']} appears twice",
                )
            bundle_codes[bundle["code"]] = path
        if "name" in valid:
            other = existing_bundle_names.get(bundle["name"])
            if bundle["name"] in bundle_names or (
                other is not None
                and other != bundle.get("code")
                and other not in doc_bundle_code_set
            ):
                errors.add(
                    f"{path}.name",
                    "duplicate_key",
                    f"一件事名称 {bundle['name']} 已被使用",
                    f"bundle name {bundle['name']} is already used",
                )
            bundle_names[bundle["name"]] = path
        life_event = bundle.get("life_event") if "life_event" in valid else None
        if life_event is not None and life_event not in known_life_events:
            errors.add(
                f"{path}.life_event",
                "unknown_life_event",
                f"主题 {bundle['life_event']} 不存在",
                f"life event {bundle['life_event']} does not exist",
            )
        if "lead_department" in valid:
            _department(bundle["lead_department"], f"{path}.lead_department", errors, plan)
        member_basic_codes: set[str] = set()
        member_codes: set[str] = set()
        for m, member in enumerate(bundle["members"] if "members" in valid else []):
            mpath = f"{path}.members[{m}]"
            mvalid = _check_object(member, MEMBER_SPEC, mpath, errors)
            if mvalid is None or "implementation_code" not in mvalid:
                continue
            code = member["implementation_code"]
            if code in member_codes:
                errors.add(
                    f"{mpath}.implementation_code",
                    "duplicate_key",
                    f"成员事项 {code} 重复",
                    f"member {code} appears twice",
                )
            member_codes.add(code)
            try:
                member_basic_codes.add(
                    parse_implementation_code(code, field=f"{mpath}.implementation_code").basic_code
                )
            except InvalidInput as error:
                errors.extend(error, f"{mpath}.implementation_code")
                continue
            if code not in final_published:
                errors.add(
                    f"{mpath}.implementation_code",
                    "member_not_published",
                    f"成员事项 {code} 没有已发布的版本",
                    f"member {code} has no published version",
                )
        for f_n, form_field in enumerate(bundle["form_fields"] if "form_fields" in valid else []):
            fpath = f"{path}.form_fields[{f_n}]"
            if not isinstance(form_field.get("key"), str) or not form_field["key"]:
                errors.add(
                    f"{fpath}.key", "missing_field", "表单字段缺少 key", "form field needs a key"
                )
            used_by = form_field.get("used_by", [])
            if not isinstance(used_by, list):
                errors.add(f"{fpath}.used_by", "wrong_type", "应为数组", "must be a list")
                continue
            for u_n, basic in enumerate(used_by):
                if basic not in member_basic_codes:
                    errors.add(
                        f"{fpath}.used_by[{u_n}]",
                        "unknown_member",
                        f"{basic} 不是本一件事成员事项的基本编码",
                        f"{basic} is not the basic code of a member of this bundle",
                    )

    # Synonyms ----------------------------------------------------------------------------
    terms: set[str] = set()
    for n, synonym in enumerate(doc.get("synonyms") if "synonyms" in top else []):
        path = f"synonyms[{n}]"
        valid = _check_object(synonym, SYNONYM_SPEC, path, errors)
        if valid is None or "term" not in valid:
            continue
        if synonym["term"] in terms:
            errors.add(
                f"{path}.term",
                "duplicate_key",
                f"同义词 {synonym['term']} 重复",
                f"synonym term {synonym['term']} appears twice",
            )
        terms.add(synonym["term"])


def _department(uscc: str, path: str, errors: _Errors, plan: _Plan) -> Any | None:
    if uscc in plan.departments:
        return plan.departments[uscc]
    # Through the app registry: the catalogue may not import org.models, even indirectly.
    department = apps.get_model("org", "Department").objects.filter(uscc=uscc).first()
    if department is None:
        errors.add(
            path,
            "unknown_department",
            f"统一社会信用代码为 {uscc} 的部门不存在",
            f"no department has the USCC {uscc}",
        )
        return None
    plan.departments[uscc] = department
    return department


def _validate_version(
    version: Any,
    path: str,
    basic_code: str | None,
    known_life_events: set[str],
    errors: _Errors,
    plan: _Plan,
) -> set[str] | None:
    valid = _check_object(version, VERSION_SPEC, path, errors, optional=VERSION_OPTIONAL)
    if valid is None:
        return None
    # Codes: 实施编码 = implementing body's USCC + level digit + basic code (GB/T 39046).
    if "implementation_code" in valid:
        try:
            parsed = parse_implementation_code(
                version["implementation_code"], field=f"{path}.implementation_code"
            )
        except InvalidInput as error:
            errors.extend(error, f"{path}.implementation_code")
            valid.discard("implementation_code")
        else:
            if parsed.value != version["implementation_code"]:
                errors.add(
                    f"{path}.implementation_code",
                    "not_normalised",
                    f"实施编码应写作 {parsed.value}",
                    f"write the implementation code as {parsed.value}",
                )
                valid.discard("implementation_code")
            if basic_code is not None and parsed.basic_code != basic_code:
                errors.add(
                    f"{path}.implementation_code",
                    "basic_code_mismatch",
                    f"实施编码中的基本编码 {parsed.basic_code} 与事项基本编码 {basic_code} 不一致",
                    f"the basic code inside ({parsed.basic_code}) is not the item's {basic_code}",
                )
            if "implementing_uscc" in valid and parsed.uscc != version["implementing_uscc"]:
                errors.add(
                    f"{path}.implementation_code",
                    "uscc_mismatch",
                    f"实施编码中的统一社会信用代码 {parsed.uscc} 与实施主体 "
                    f"{version['implementing_uscc']} 不一致",
                    f"the USCC inside ({parsed.uscc}) is not the implementing body's "
                    f"{version['implementing_uscc']}",
                )
    if "implementing_uscc" in valid:
        try:
            parse_uscc(version["implementing_uscc"], field=f"{path}.implementing_uscc")
        except InvalidInput as error:
            errors.extend(error, f"{path}.implementing_uscc")
    if "department" in valid:
        department = _department(version["department"], f"{path}.department", errors, plan)
        if (
            department is not None
            and "implementing_uscc" in valid
            and department.uscc != version["implementing_uscc"]
        ):
            errors.add(
                f"{path}.implementing_uscc",
                "uscc_mismatch",
                f"实施主体统一社会信用代码应为部门的 {department.uscc}",
                f"implementing_uscc must be the department's USCC {department.uscc}",
            )
    # Limits (行政许可法 art. 42: a promised limit may shorten, never lengthen, the statutory one).
    if {
        "promised_limit",
        "statutory_limit",
        "promised_limit_unit",
        "statutory_limit_unit",
    } <= valid and (
        version["promised_limit_unit"] == version["statutory_limit_unit"]
        and version["promised_limit"] > version["statutory_limit"]
    ):
        errors.add(
            f"{path}.promised_limit",
            "promised_exceeds_statutory",
            f"承诺时限 {version['promised_limit']} 超过法定时限 {version['statutory_limit']}",
            f"the promised limit {version['promised_limit']} exceeds the statutory "
            f"limit {version['statutory_limit']}",
        )
    if (
        {"case_type", "promised_limit"} <= valid
        and version["case_type"] == CaseType.IMMEDIATE
        and version["promised_limit"] != 0
    ):
        errors.add(
            f"{path}.promised_limit",
            "immediate_with_limit",
            "即办件的承诺时限应为 0",
            "an immediate case (即办件) has a promised limit of 0",
        )
    if "online_address" in valid and version["online_address"]:
        try:
            URLValidator()(version["online_address"])
        except ValidationError:
            errors.add(
                f"{path}.online_address", "invalid_url", "网上办理地址无效", "not a valid URL"
            )
    if "life_events" in valid:
        for n, code in enumerate(version["life_events"]):
            if code not in known_life_events:
                errors.add(
                    f"{path}.life_events[{n}]",
                    "unknown_life_event",
                    f"主题 {code} 不存在",
                    f"life event {code} does not exist",
                )
        if len(set(version["life_events"])) != len(version["life_events"]):
            errors.add(f"{path}.life_events", "duplicate_key", "主题重复", "duplicate life events")

    # Materials ---------------------------------------------------------------------------
    material_keys: set[str] = set()
    for n, material in enumerate(version["materials"] if "materials" in valid else []):
        mpath = f"{path}.materials[{n}]"
        mvalid = _check_object(material, MATERIAL_SPEC, mpath, errors)
        if mvalid is None or "key" not in mvalid:
            continue
        if material["key"] in material_keys:
            errors.add(
                f"{mpath}.key",
                "duplicate_key",
                f"材料标识 {material['key']} 在本版本中重复",
                f"material key {material['key']} appears twice in this version",
            )
        material_keys.add(material["key"])

    # Situations: options name materials of this version; the tree has no cycle -----------
    situations: dict[str, tuple[str, set[str]]] = {}
    parents: dict[str, tuple[str, str]] = {}  # situation key → (path, "sit.opt")
    for n, situation in enumerate(version["situations"] if "situations" in valid else []):
        spath = f"{path}.situations[{n}]"
        svalid = _check_object(situation, SITUATION_SPEC, spath, errors)
        if svalid is None:
            continue
        option_keys: set[str] = set()
        for o, option in enumerate(situation["options"] if "options" in svalid else []):
            opath = f"{spath}.options[{o}]"
            ovalid = _check_object(option, OPTION_SPEC, opath, errors)
            if ovalid is None:
                continue
            if "key" in ovalid:
                if option["key"] in option_keys:
                    errors.add(
                        f"{opath}.key",
                        "duplicate_key",
                        f"选项标识 {option['key']} 重复",
                        f"option key {option['key']} appears twice",
                    )
                option_keys.add(option["key"])
            for k, key in enumerate(option["materials"] if "materials" in ovalid else []):
                if key not in material_keys:
                    errors.add(
                        f"{opath}.materials[{k}]",
                        "unknown_material",
                        f"材料 {key} 不是本版本的材料",
                        f"material {key} is not a material of this version",
                    )
            statutory = option.get("statutory_limit") if "statutory_limit" in ovalid else None
            if statutory is None and "statutory_limit" in valid:
                statutory = version["statutory_limit"]
            promised = option.get("promised_limit") if "promised_limit" in ovalid else None
            same_unit = version.get("promised_limit_unit") == version.get("statutory_limit_unit")
            if promised is not None and statutory is not None and same_unit:  # noqa: SIM102
                if promised > statutory:
                    errors.add(
                        f"{opath}.promised_limit",
                        "promised_exceeds_statutory",
                        f"承诺时限 {promised} 超过法定时限 {statutory}",
                        f"the promised limit {promised} exceeds the statutory limit {statutory}",
                    )
        if "key" not in svalid:
            continue
        if situation["key"] in situations:
            errors.add(
                f"{spath}.key",
                "duplicate_key",
                f"情形标识 {situation['key']} 重复",
                f"situation key {situation['key']} appears twice",
            )
            continue
        situations[situation["key"]] = (spath, option_keys)
        if "parent_option" in svalid and situation["parent_option"] is not None:
            parents[situation["key"]] = (spath, situation["parent_option"])
    parent_of: dict[str, str] = {}
    for key, (spath, reference) in parents.items():
        sit_key, _, opt_key = reference.partition(".")
        if sit_key not in situations or opt_key not in situations[sit_key][1]:
            errors.add(
                f"{spath}.parent_option",
                "unknown_parent_option",
                f"前置选项 {reference} 不是本版本某个情形的选项（格式：情形标识.选项标识）",
                f"parent option {reference} is not an option of this version "
                "(write <situation key>.<option key>)",
            )
            continue
        parent_of[key] = sit_key
    reported: set[str] = set()
    for start in parent_of:
        seen: list[str] = [start]
        cursor = parent_of.get(start)
        while cursor is not None:
            if cursor in seen:
                cycle = seen[seen.index(cursor) :]
                if not reported & set(cycle):
                    reported.update(cycle)
                    errors.add(
                        f"{parents[cursor][0]}.parent_option",
                        "situation_cycle",
                        f"情形 {' → '.join([*cycle, cursor])} 形成循环",
                        f"situations {' -> '.join([*cycle, cursor])} form a cycle",
                    )
                break
            seen.append(cursor)
            cursor = parent_of.get(cursor)

    for n, event in enumerate(version["events"] if "events" in valid else []):
        _check_object(event, EVENT_SPEC, f"{path}.events[{n}]", errors)
    return valid


def _final_statuses(
    doc_versions: dict[tuple[str, int], tuple[str, dict[str, Any], set[str]]],
) -> dict[tuple[str, int], str]:
    codes = {code for code, _v in doc_versions}
    final: dict[tuple[str, int], str] = {}
    for code, number, status in ItemVersion.objects.filter(
        implementation_code__in=codes
    ).values_list("implementation_code", "version", "status"):
        final[(code, number)] = status
    for key, (_path, version, valid) in doc_versions.items():
        if "status" in valid:
            final[key] = version["status"]
    # Published lists of codes outside the document count too (bundle members).
    for code, number in ItemVersion.objects.filter(status=VersionStatus.PUBLISHED).values_list(
        "implementation_code", "version"
    ):
        final.setdefault((code, number), VersionStatus.PUBLISHED)
    return final


def _validate_version_set(
    doc_versions: dict[tuple[str, int], tuple[str, dict[str, Any], set[str]]],
    errors: _Errors,
    plan: _Plan,
) -> None:
    """Rules across versions: one published and one open version per code, based_on,
    and frozen (published …) versions in the database keep their content."""
    codes = {code for code, _v in doc_versions}
    existing = {
        (v.implementation_code, v.version): v
        for v in _versions_for_export(ItemVersion.objects.filter(implementation_code__in=codes))
    }
    plan.existing_versions = existing
    final = _final_statuses(doc_versions)
    by_code: dict[str, list[tuple[int, str]]] = {}
    for (code, number), status in final.items():
        if code in codes:
            by_code.setdefault(code, []).append((number, status))
    for code, entries in by_code.items():
        for statuses, rule_zh, rule_en, err_code in (
            ({VersionStatus.PUBLISHED}, "已发布版本", "published version", "multiple_published"),
            (OPEN_STATUSES, "未结束的变更版本", "open change", "multiple_open"),
        ):
            hits = sorted(n for n, s in entries if s in statuses)
            if len(hits) > 1:
                for number in hits:
                    if (code, number) in doc_versions:
                        errors.add(
                            f"{doc_versions[(code, number)][0]}.status",
                            err_code,
                            f"实施编码 {code} 最多只能有一个{rule_zh}，现有版本 "
                            f"{', '.join(map(str, hits))}",
                            f"{code} may have at most one {rule_en}; versions "
                            f"{', '.join(map(str, hits))} are",
                        )
                        break
    for key, (path, version, valid) in doc_versions.items():
        based_on = version.get("based_on") if "based_on" in valid else None
        if based_on is not None and ((key[0], based_on) not in final or based_on >= key[1]):
            errors.add(
                f"{path}.based_on",
                "unknown_based_on",
                f"基于版本 {version['based_on']} 不是 {key[0]} 的较早版本",
                f"based_on {version['based_on']} is not an earlier version of {key[0]}",
            )
        current = existing.get(key)
        if current is None or current.status not in FROZEN_STATUSES:
            continue
        if valid != set(VERSION_SPEC):
            continue  # shape errors are reported already
        name = f"{key[0]} v{key[1]}"
        before = {k: v for k, v in _export_version(current).items() if k not in LIFECYCLE_FIELDS}
        after = {k: v for k, v in _canonical_version(version).items() if k not in LIFECYCLE_FIELDS}
        if before != after:
            changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
            errors.add(
                f"{path}.{changed[0]}" if len(changed) == 1 else path,
                "published_version_changed",
                f"版本 {name} 状态为「{current.get_status_display()}」，内容不可修改"
                f"（改动：{', '.join(changed)}）；请另建新版本",
                f"version {name} is {current.status} and cannot be changed "
                f"(changed: {', '.join(changed)}); create a new version instead",
            )
        elif (
            version["status"] != current.status
            and version["status"] not in VERSION_TRANSITIONS[current.status]
        ):
            errors.add(
                f"{path}.status",
                "illegal_status_change",
                f"版本 {name} 不能从 {current.status} 变为 {version['status']}",
                f"version {name} cannot go from {current.status} to {version['status']}",
            )


# --- canonical form and export -------------------------------------------------------------


def _dt_text(moment: datetime | None) -> str | None:
    return None if moment is None else timezone.localtime(moment).isoformat()


def _canonical_dt(value: str | None) -> str | None:
    moment = _parse_dt(value) if isinstance(value, str) else None
    return _dt_text(moment) if moment is not None else value


def _canonical_version(version: dict[str, Any]) -> dict[str, Any]:
    """The version as export would write it (list order, date-time form)."""
    out = copy.deepcopy(version)
    if not out.get("result_sample"):
        out.pop("result_sample", None)
    for name in VERSION_DT_FIELDS:
        out[name] = _canonical_dt(out.get(name))
    out["life_events"] = sorted(out.get("life_events", []))
    out["materials"] = sorted(out["materials"], key=lambda m: (m["sort_order"], m["key"]))
    order = {m["key"]: n for n, m in enumerate(out["materials"])}
    out["situations"] = sorted(out["situations"], key=lambda s: (s["sort_order"], s["key"]))
    for situation in out["situations"]:
        situation["options"] = sorted(
            situation["options"], key=lambda o: (o["sort_order"], o["key"])
        )
        for option in situation["options"]:
            option["materials"] = sorted(option["materials"], key=lambda k: order.get(k, 1 << 30))
    for event in out["events"]:
        event["occurred_at"] = _canonical_dt(event["occurred_at"])
    return out


def canonical_document(doc: dict[str, Any]) -> dict[str, Any]:
    """A valid document in the canonical order export writes (see docs/catalog-format.md)."""
    out = copy.deepcopy(doc)
    out["life_events"] = sorted(
        out["life_events"], key=lambda e: (e["audience"], e["sort_order"], e["code"])
    )
    out["items"] = sorted(out["items"], key=lambda i: i["basic_code"])
    for item in out["items"]:
        item["versions"] = sorted(
            (_canonical_version(v) for v in item["versions"]),
            key=lambda v: (v["implementation_code"], v["version"]),
        )
    out["bundles"] = sorted(out["bundles"], key=lambda b: b["code"])
    for bundle in out["bundles"]:
        bundle["members"] = sorted(
            bundle["members"], key=lambda m: (m["sort_order"], m["implementation_code"])
        )
    out["synonyms"] = sorted(out["synonyms"], key=lambda s: s["term"])
    return out


def _versions_for_export(queryset: Any) -> list[ItemVersion]:
    return list(
        queryset.select_related("department", "based_on")
        .prefetch_related(
            "life_events",
            "materials",
            "situations__options__materials",
            "situations__parent_option__situation",
            "events",
        )
        .order_by("implementation_code", "version")
    )


def _export_version(version: ItemVersion) -> dict[str, Any]:
    out: dict[str, Any] = {
        "implementation_code": version.implementation_code,
        "version": version.version,
        "based_on": version.based_on.version if version.based_on else None,
        "department": version.department.uscc,
        "life_events": sorted(e.code for e in version.life_events.all()),
    }
    for name in VERSION_PLAIN_FIELDS:
        out[name] = getattr(version, name)
    for name in VERSION_DT_FIELDS:
        out[name] = _dt_text(getattr(version, name))
    if version.result_sample:
        out["result_sample"] = version.result_sample.name
    materials = sorted(version.materials.all(), key=lambda m: (m.sort_order, m.key))
    order = {m.pk: n for n, m in enumerate(materials)}
    out["materials"] = [
        {
            **{name: getattr(m, name) for name in MATERIAL_PLAIN_FIELDS},
            "sample_file": m.sample_file.name or "",
            "blank_form": m.blank_form.name or "",
        }
        for m in materials
    ]
    situations = sorted(version.situations.all(), key=lambda s: (s.sort_order, s.key))
    out["situations"] = []
    for situation in situations:
        parent = situation.parent_option
        out["situations"].append(
            {
                "key": situation.key,
                "question": situation.question,
                "parent_option": f"{parent.situation.key}.{parent.key}" if parent else None,
                "sort_order": situation.sort_order,
                "options": [
                    {
                        "key": o.key,
                        "label": o.label,
                        "materials": [
                            m.key for m in sorted(o.materials.all(), key=lambda m: order[m.pk])
                        ],
                        "conditions": o.conditions,
                        "promised_limit": o.promised_limit,
                        "statutory_limit": o.statutory_limit,
                        "sort_order": o.sort_order,
                    }
                    for o in sorted(situation.options.all(), key=lambda o: (o.sort_order, o.key))
                ],
            }
        )
    out["events"] = [
        {
            "action": e.action,
            "from_status": e.from_status,
            "to_status": e.to_status,
            "actor_id": e.actor_id,
            "actor_label": e.actor_label,
            "comment": e.comment,
            "occurred_at": _dt_text(e.occurred_at),
        }
        for e in sorted(version.events.all(), key=lambda e: (e.occurred_at, e.pk))
    ]
    return out


def export_catalog() -> dict[str, Any]:
    """The whole catalogue (every version of every item) as a format-1 document."""
    versions_by_item: dict[int, list[dict[str, Any]]] = {}
    for version in _versions_for_export(ItemVersion.objects.all()):
        versions_by_item.setdefault(version.item_id, []).append(_export_version(version))
    life_events = [
        {
            "code": e.code,
            "name": e.name,
            "audience": e.audience,
            "parent": e.parent.code if e.parent else None,
            "description": e.description,
            "sort_order": e.sort_order,
        }
        for e in LifeEvent.objects.select_related("parent").order_by(
            "audience", "sort_order", "code"
        )
    ]
    items = [
        {
            "basic_code": item.basic_code,
            "name": item.name,
            "item_type": item.item_type,
            "legal_basis": item.legal_basis,
            "level": item.level,
            "versions": versions_by_item.get(item.pk, []),
        }
        for item in Item.objects.order_by("basic_code")
    ]
    bundles = [
        {
            "code": b.code,
            "name": b.name,
            "description": b.description,
            "audience": b.audience,
            "life_event": b.life_event.code if b.life_event else None,
            "lead_department": b.lead_department.uscc,
            "promised_limit": b.promised_limit,
            "promised_limit_unit": b.promised_limit_unit,
            "active": b.active,
            "form_fields": b.form_fields,
            "members": [
                {"implementation_code": m.implementation_code, "sort_order": m.sort_order}
                for m in sorted(
                    b.members.all(), key=lambda m: (m.sort_order, m.implementation_code)
                )
            ],
        }
        for b in Bundle.objects.select_related("life_event", "lead_department")
        .prefetch_related("members")
        .order_by("code")
    ]
    synonyms = [
        {"term": s.term, "expansions": s.expansions, "note": s.note}
        for s in SearchSynonym.objects.order_by("term")
    ]
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "life_events": life_events,
        "items": items,
        "bundles": bundles,
        "synonyms": synonyms,
    }


def dumps_catalog(doc: dict[str, Any]) -> bytes:
    """UTF-8 JSON: keys sorted, two spaces of indent, a final newline."""
    return (json.dumps(doc, sort_keys=True, ensure_ascii=False, indent=2) + "\n").encode()


# --- import --------------------------------------------------------------------------------

KINDS = ("life_events", "items", "versions", "bundles", "synonyms")


@dataclass
class ImportReport:
    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    updated: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    unchanged: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    digest: str = ""

    def count(self, kind: str, outcome: str) -> None:
        getattr(self, outcome)[kind] += 1

    @property
    def changed(self) -> bool:
        return any(self.created.values()) or any(self.updated.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": dict(self.created),
            "updated": dict(self.updated),
            "unchanged": dict(self.unchanged),
            "digest": self.digest,
        }


def import_catalog(
    doc_or_bytes: dict[str, Any] | bytes | str,
    *,
    actor: Actor,
    locate: Callable[[list[FieldError]], list[FieldError]] | None = None,
) -> ImportReport:
    """Validate the whole document, then write it all in one transaction (or nothing).

    ``locate`` lets another reader (the xlsx one) translate JSON paths into its own places.
    """
    doc = loads_catalog(doc_or_bytes) if isinstance(doc_or_bytes, bytes | str) else doc_or_bytes
    report = ImportReport()
    try:
        with transaction.atomic():
            errors = _Errors()
            plan = _Plan()
            _validate(doc, errors, plan)
            if errors.items:
                found = locate(errors.items) if locate else errors.items
                raise InvalidInput.from_errors(found)
            report.digest = sm3_hex(dumps_catalog(doc))
            _write(doc, plan, report)
            audit_record(
                action="catalog.import",
                object_type="catalog",
                object_id=FORMAT,
                actor=actor,
                after=report.as_dict(),
            )
    except IntegrityError as error:  # a concurrent change slipped between check and write
        raise Conflict(
            f"导入时目录被同时修改，请重试：{error}",
            f"The catalogue changed during the import; retry: {error}",
        ) from error
    return report


def _assign(obj: Any, values: dict[str, Any]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _write(doc: dict[str, Any], plan: _Plan, report: ImportReport) -> None:
    # Life events, then their parents (a parent may come later in the list).
    events_by_code = {e.code: e for e in LifeEvent.objects.all()}
    for data in doc["life_events"]:
        values = {k: data[k] for k in ("name", "audience", "description", "sort_order")}
        event = events_by_code.get(data["code"])
        if event is None:
            event = LifeEvent.objects.create(code=data["code"], **values)
            events_by_code[event.code] = event
            report.count("life_events", "created")
        elif _assign(event, values):
            event.save()
            report.count("life_events", "updated")
        else:
            report.count("life_events", "unchanged")
    for data in doc["life_events"]:
        event = events_by_code[data["code"]]
        parent = events_by_code[data["parent"]] if data["parent"] else None
        if event.parent_id != (parent.pk if parent else None):
            event.parent = parent
            event.save(update_fields=["parent"])

    # Items.
    items = {i.basic_code: i for i in Item.objects.all()}
    for data in doc["items"]:
        values = {k: data[k] for k in ("name", "item_type", "legal_basis", "level")}
        item = items.get(data["basic_code"])
        if item is None:
            items[data["basic_code"]] = Item.objects.create(basic_code=data["basic_code"], **values)
            report.count("items", "created")
        elif _assign(item, values):
            item.save()
            report.count("items", "updated")
        else:
            report.count("items", "unchanged")

    # Versions: status changes of existing versions first (leaving "published" or an open
    # status before another version takes it: the database allows one of each per code).
    pending: list[tuple[Item, dict[str, Any], ItemVersion | None]] = []
    for data in doc["items"]:
        for version in data["versions"]:
            key = (version["implementation_code"], version["version"])
            pending.append((items[data["basic_code"]], version, plan.existing_versions.get(key)))
    releasing = sorted(
        (p for p in pending if p[2] is not None and p[2].status != p[1]["status"]),
        key=lambda p: p[1]["status"] not in (VersionStatus.SUPERSEDED, VersionStatus.WITHDRAWN),
    )
    was_frozen = {
        (p[1]["implementation_code"], p[1]["version"]): p[2].status in FROZEN_STATUSES
        for p in pending
        if p[2] is not None
    }
    moved = set()
    for _item, data, current in releasing:
        assert current is not None
        moved.add((data["implementation_code"], data["version"]))
        current.status = data["status"]
        current.save(update_fields=["status", "updated_at"])
    written: dict[tuple[str, int], ItemVersion] = {}
    for item, data, current in pending:
        key = (data["implementation_code"], data["version"])
        canonical = _canonical_version(data)
        if current is not None and was_frozen[key]:
            written[key] = current
            outcome = _update_frozen(current, data, canonical)
            outcome = "updated" if key in moved else outcome
        elif current is not None:
            written[key] = current
            if _export_version(current) == canonical:
                outcome = "updated" if key in moved else "unchanged"
            else:
                _write_version_content(current, item, data, plan)
                outcome = "updated"
        else:
            version = ItemVersion(
                item=item, implementation_code=key[0], version=key[1], status=data["status"]
            )
            _write_version_content(version, item, data, plan)
            written[key] = version
            outcome = "created"
        report.count("versions", outcome)
    for _item, data, _current in pending:
        key = (data["implementation_code"], data["version"])
        version = written[key]
        based_on = data["based_on"]
        target = None
        if based_on is not None:
            target = written.get((key[0], based_on)) or ItemVersion.objects.get(
                implementation_code=key[0], version=based_on
            )
        if version.based_on_id != (target.pk if target else None):
            version.based_on = target
            version.save(update_fields=["based_on"])
        version.life_events.set([events_by_code[c] for c in data["life_events"]])

    # Bundles.
    bundles = {b.code: b for b in Bundle.objects.prefetch_related("members")}
    for data in doc["bundles"]:
        values = {
            "name": data["name"],
            "description": data["description"],
            "audience": data["audience"],
            "life_event": events_by_code[data["life_event"]] if data["life_event"] else None,
            "lead_department": plan.departments[data["lead_department"]],
            "promised_limit": data["promised_limit"],
            "promised_limit_unit": data["promised_limit_unit"],
            "form_fields": data["form_fields"],
            "active": data["active"],
        }
        bundle = bundles.get(data["code"])
        if bundle is None:
            bundle = Bundle.objects.create(code=data["code"], **values)
            outcome = "created"
        else:
            outcome = "updated" if _assign(bundle, values) else "unchanged"
            if outcome == "updated":
                bundle.save()
        members = {m.implementation_code: m for m in bundle.members.all()}
        wanted = {m["implementation_code"]: m["sort_order"] for m in data["members"]}
        stale = [m.pk for code, m in members.items() if code not in wanted]
        if stale:
            BundleMember.objects.filter(pk__in=stale).delete()
            outcome = "updated" if outcome == "unchanged" else outcome
        for code, sort_order in wanted.items():
            member = members.get(code)
            if member is None:
                basic = parse_implementation_code(code).basic_code
                BundleMember.objects.create(
                    bundle=bundle,
                    implementation_code=code,
                    item=items[basic],
                    sort_order=sort_order,
                )
                outcome = "updated" if outcome == "unchanged" else outcome
            elif member.sort_order != sort_order:
                member.sort_order = sort_order
                member.save(update_fields=["sort_order"])
                outcome = "updated" if outcome == "unchanged" else outcome
        report.count("bundles", outcome)

    # Synonyms.
    synonyms = {s.term: s for s in SearchSynonym.objects.all()}
    for data in doc["synonyms"]:
        values = {"expansions": data["expansions"], "note": data["note"]}
        synonym = synonyms.get(data["term"])
        if synonym is None:
            SearchSynonym.objects.create(term=data["term"], **values)
            report.count("synonyms", "created")
        elif _assign(synonym, values):
            synonym.save()
            report.count("synonyms", "updated")
        else:
            report.count("synonyms", "unchanged")


def _update_frozen(current: ItemVersion, data: dict[str, Any], canonical: dict[str, Any]) -> str:
    """A frozen version keeps its content; only its status, superseded_at and history move."""
    outcome = "unchanged"
    superseded_at = _parse_dt(data["superseded_at"]) if data["superseded_at"] else None
    if current.superseded_at != superseded_at or current.status != data["status"]:
        current.superseded_at = superseded_at
        current.status = data["status"]
        current.save(update_fields=["superseded_at", "status", "updated_at"])
        outcome = "updated"
    have = {
        (e.action, e.from_status, e.to_status, _dt_text(e.occurred_at))
        for e in current.events.all()
    }
    for event in canonical["events"]:
        if (event["action"], event["from_status"], event["to_status"], event["occurred_at"]) in (
            have
        ):
            continue
        _create_event(current, event)
        outcome = "updated"
    return outcome


def _create_event(version: ItemVersion, data: dict[str, Any]) -> None:
    event = VersionEvent.objects.create(
        version=version, **{k: v for k, v in data.items() if k != "occurred_at"}
    )
    # occurred_at is auto_now_add: the history's own time is set after the insert.
    VersionEvent.objects.filter(pk=event.pk).update(occurred_at=_parse_dt(data["occurred_at"]))


def _write_version_content(
    version: ItemVersion, item: Item, data: dict[str, Any], plan: _Plan
) -> None:
    """(Re)write a new or editable version and all its children from ``data``."""
    for name in VERSION_PLAIN_FIELDS:
        setattr(version, name, data[name])
    for name in VERSION_DT_FIELDS:
        setattr(version, name, _parse_dt(data[name]) if data[name] else None)
    version.item = item
    version.department = plan.departments[data["department"]]
    version.result_sample.name = data.get("result_sample", "")
    version.save()
    if version.pk:
        Situation.objects.filter(version=version).update(parent_option=None)
        Situation.objects.filter(version=version).delete()
        Material.objects.filter(version=version).delete()
        VersionEvent.objects.filter(version=version).delete()
    materials: dict[str, Material] = {}
    for m in data["materials"]:
        material = Material(version=version, **{k: m[k] for k in MATERIAL_PLAIN_FIELDS})
        material.sample_file.name = m["sample_file"]
        material.blank_form.name = m["blank_form"]
        material.save()
        materials[material.key] = material
    options: dict[str, SituationOption] = {}
    situations: list[tuple[Situation, str | None]] = []
    for s in data["situations"]:
        situation = Situation.objects.create(
            version=version, key=s["key"], question=s["question"], sort_order=s["sort_order"]
        )
        situations.append((situation, s["parent_option"]))
        for o in s["options"]:
            option = SituationOption.objects.create(
                situation=situation,
                **{k: o[k] for k in OPTION_SPEC if k != "materials"},
            )
            option.materials.set([materials[k] for k in o["materials"]])
            options[f"{s['key']}.{o['key']}"] = option
    for situation, parent in situations:
        if parent:
            situation.parent_option = options[parent]
            situation.save(update_fields=["parent_option"])
    for event in data["events"]:
        _create_event(version, event)
