"""Change control of the catalogue (dynamic management): every change is a new version.

draft → submitted (by the department) → approved / returned (by 审改办, the administrators)
→ published at its effective date (``version_publish_due``, run every minute) → the old
version superseded, never edited. A withdrawal (取消) is a change version of kind
``withdraw`` that goes the same way and, when published, withdraws the list.

Every service: keyword-only arguments, one transaction, row locks on what it changes, the
source state checked against ``VERSION_TRANSITIONS``, an audit entry and a ``VersionEvent``
row, events emitted on commit. Published versions are never edited: editing services accept
only ``EDITABLE_STATUSES``, and the SM3 digest fixed at approval is checked again before
publication, so content changed behind the services' back is never published.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.utils import timezone

from zhengwu.catalog import diff, policies
from zhengwu.catalog.choices import (
    EDITABLE_STATUSES,
    VERSION_TRANSITIONS,
    CaseType,
    ChangeKind,
    HandlingForm,
    ItemType,
    ServiceObject,
    VersionStatus,
)
from zhengwu.catalog.models import (
    Item,
    ItemVersion,
    LifeEvent,
    Material,
    Situation,
    SituationOption,
    VersionEvent,
)
from zhengwu.kernel.actors import SYSTEM, Actor
from zhengwu.kernel.audit import audit_record
from zhengwu.kernel.errors import (
    Conflict,
    DomainError,
    ErrorCollector,
    InvalidInput,
    NotAllowed,
    NotFound,
)
from zhengwu.kernel.events import emit
from zhengwu.kernel.identifiers import parse_basic_code, parse_implementation_code
from zhengwu.org import selectors as org_selectors

logger = logging.getLogger(__name__)

OBJECT_TYPE = "catalog.itemversion"
_NOT_FOUND = ("未找到该事项版本", "No such item version")
# An effective date a little in the past is clock skew, not back-dating (which would rewrite
# what the catalogue said at that time).
EFFECTIVE_FROM_TOLERANCE = timedelta(minutes=5)

# Fields a draft edit may set (content only; identity and workflow fields are the services').
EDITABLE_FIELDS = frozenset(diff.content_field_names()) - {"department"}
# Fields a brand-new list must have.
REQUIRED_NEW_FIELDS = (
    "name",
    "statutory_limit",
    "promised_limit",
    "case_type",
    "acceptance_conditions",
)
MATERIAL_EDIT_FIELDS = frozenset(diff.MATERIAL_FIELDS)
OPTION_EDIT_FIELDS = frozenset(diff.OPTION_FIELDS) | {"materials"}


# --- helpers ----------------------------------------------------------------------------------


def _status_label(status: str) -> str:
    return str(VersionStatus(status).label)


def _check_transition(version: ItemVersion, to_status: str) -> None:
    if to_status not in VERSION_TRANSITIONS.get(version.status, frozenset()):
        label = _status_label(version.status)
        raise Conflict(
            f"版本当前状态为“{label.split(' / ')[0]}”，不能变为“"
            f"{_status_label(to_status).split(' / ')[0]}”",
            f"The version is {version.status}; it cannot become {to_status}",
            field="status",
            code="illegal_transition",
            details={"status": version.status, "to": to_status},
        )


def _record(
    version: ItemVersion,
    *,
    action: str,
    actor: Actor,
    from_status: str = "",
    to_status: str = "",
    comment: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    VersionEvent.objects.create(
        version=version,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor_id=actor.id[:64],
        actor_label=actor.label[:128],
        comment=comment,
    )
    summary = {
        "implementation_code": version.implementation_code,
        "version": version.version,
        "status": version.status,
    }
    audit_record(
        action=f"catalog.version.{action}",
        object_type=OBJECT_TYPE,
        object_id=version.pk,
        actor=actor,
        before=before if before is not None else ({"status": from_status} if from_status else {}),
        after={**summary, **(after or {}), **({"comment": comment} if comment else {})},
    )


def _locked_version(version_id: int) -> ItemVersion:
    version = (
        ItemVersion.objects.select_for_update().select_related("item").filter(pk=version_id).first()
    )
    if version is None:
        raise NotFound(*_NOT_FOUND, field="version_id")
    return version


def _visible(user: Any, version: ItemVersion) -> bool:
    public = version.status in (
        VersionStatus.PUBLISHED,
        VersionStatus.SUPERSEDED,
        VersionStatus.WITHDRAWN,
    )
    return public or policies.may_view_department(user, version.department_id)


def _editable_version(version_id: int, user: Any) -> ItemVersion:
    """The version, locked, for a department edit: visible, editable by the user and in an
    editable state."""
    version = _locked_version(version_id)
    if user is not None:
        if not _visible(user, version):
            raise NotFound(*_NOT_FOUND, field="version_id")
        if not policies.may_edit_department(user, version.department_id):
            raise NotAllowed(
                "只有实施部门的审批人员或负责人可以修改该事项",
                "Only approvers or heads of the implementing department may change this list",
            )
    if version.status not in EDITABLE_STATUSES:
        if version.status in (
            VersionStatus.PUBLISHED,
            VersionStatus.SUPERSEDED,
            VersionStatus.WITHDRAWN,
        ):
            raise Conflict(
                "已发布的版本不可修改，请新建变更版本",
                "A published version is immutable; create a change version instead",
                field="status",
                code="version_immutable",
                details={"status": version.status},
            )
        raise Conflict(
            f"版本当前状态为“{_status_label(version.status).split(' / ')[0]}”，不可修改",
            f"The version is {version.status} and cannot be edited",
            field="status",
            code="version_not_editable",
            details={"status": version.status},
        )
    return version


def _require_department_editor(user: Any, department_id: int) -> None:
    if user is not None and not policies.may_edit_department(user, department_id):
        raise NotAllowed(
            "只有实施部门的审批人员或负责人可以修改该事项",
            "Only approvers or heads of the implementing department may change this list",
        )


def _clean_model_value(
    model: type[models.Model], instance: models.Model, name: str, value: Any
) -> Any:
    """Coerce and validate one value with the model field's own rules (type, choices,
    max length, URL …); raises ``ValidationError``."""
    model_field = model._meta.get_field(name)
    if not isinstance(model_field, models.Field):
        raise ValidationError("not a field")
    if isinstance(model_field, models.FileField):
        return value or ""
    is_text = isinstance(model_field, models.CharField | models.TextField)
    if value is None and not model_field.null:
        value = "" if is_text else value
    if is_text and value is not None:
        # Django's text fields would turn a list or a number into its repr: refuse instead.
        if not isinstance(value, str):
            raise ValidationError("应为文本 / must be text")
        if "\x00" in value:
            raise ValidationError("含有不允许的空字符 / contains a NUL character")
        value = value.strip()
    return model_field.clean(value, instance)


def _set_fields(
    instance: models.Model,
    changes: dict[str, Any],
    allowed: frozenset[str],
    errors: ErrorCollector,
    *,
    prefix: str = "",
) -> list[str]:
    changed = []
    model = type(instance)
    for name, raw in changes.items():
        where = f"{prefix}{name}"
        if name not in allowed:
            errors.add(
                where, "unknown_field", f"不能修改字段 {name}", f"Field {name} cannot be set"
            )
            continue
        try:
            value = _clean_model_value(model, instance, name, raw)
        except (ValidationError, FieldDoesNotExist) as exc:
            message = "; ".join(getattr(exc, "messages", [str(exc)]))
            errors.add(where, "invalid", f"取值无效：{message}", f"Invalid value: {message}")
            continue
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return changed


def _code_list(
    errors: ErrorCollector, name: str, value: Any, choices: Any, *, required: bool
) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors.add(name, "invalid", f"{name} 应为编码列表", f"{name} must be a list of codes")
        return
    bad = [v for v in value if v not in choices.values]
    if bad:
        errors.add(
            name,
            "invalid_choice",
            f"无效的编码：{', '.join(bad)}",
            f"Unknown codes: {', '.join(bad)}",
        )
    if required and not value:
        errors.add(name, "required", "至少选择一项", "Choose at least one")


def _validate_version(version: ItemVersion, errors: ErrorCollector) -> None:
    """The rules a version must keep at every save (Bad input in issue #3)."""
    if not version.name.strip():
        errors.add("name", "required", "实施事项名称不能为空", "The name is required")
    # 行政许可法 art. 42: the promised limit may shorten the statutory limit, never extend it.
    if (
        version.promised_limit_unit == version.statutory_limit_unit
        and version.promised_limit > version.statutory_limit
    ):
        errors.add(
            "promised_limit",
            "promised_exceeds_statutory",
            f"承诺时限（{version.promised_limit}）不能长于法定时限（{version.statutory_limit}）",
            f"The promised limit ({version.promised_limit}) exceeds the statutory limit "
            f"({version.statutory_limit})",
        )
    if version.case_type == CaseType.IMMEDIATE and version.promised_limit != 0:
        errors.add(
            "promised_limit",
            "immediate_with_limit",
            "即办件的承诺时限应为 0",
            "An immediate case (即办件) has a promised limit of 0",
        )
    _code_list(errors, "service_objects", version.service_objects, ServiceObject, required=False)
    _code_list(errors, "handling_forms", version.handling_forms, HandlingForm, required=False)
    for name in (
        "process_steps",
        "joint_bodies",
        "intermediary_services",
        "fee_items",
        "special_procedures",
        "faqs",
    ):
        if not isinstance(getattr(version, name), list):
            errors.add(name, "invalid", f"{name} 应为列表", f"{name} must be a list")
    for index, faq in enumerate(version.faqs if isinstance(version.faqs, list) else []):
        if not isinstance(faq, dict) or not faq.get("question") or not faq.get("answer"):
            errors.add(
                f"faqs.{index}",
                "invalid",
                "常见问题需有问题和回答",
                "A FAQ needs a question and an answer",
            )
    if version.online_address and not version.online_address.startswith(("https://", "http://")):
        errors.add(
            "online_address", "invalid", "网上办理地址应为网址", "The online address must be a URL"
        )


def _validate_prefixed(version: ItemVersion, errors: ErrorCollector, prefix: str) -> None:
    found = ErrorCollector()
    _validate_version(version, found)
    for error in found.errors:
        errors.add(f"{prefix}{error.field}", error.code, error.message, error.message_en)


def _check_code(errors: ErrorCollector, code: str, *, department_uscc: str, basic_code: str) -> str:
    """Implementation code = implementing body's USCC (+ level digit) + basic code."""
    try:
        parsed = parse_implementation_code(code, field="implementation_code")
    except InvalidInput as error:
        errors.add_error(error)
        return code
    if parsed.uscc != department_uscc:
        errors.add(
            "implementation_code",
            "implementation_code_department",
            f"实施编码中的统一社会信用代码 {parsed.uscc} 与实施主体的 {department_uscc} 不一致",
            f"The USCC {parsed.uscc} in the code is not the implementing body's "
            f"({department_uscc})",
        )
    if parsed.basic_code != basic_code:
        errors.add(
            "implementation_code",
            "implementation_code_basic",
            f"实施编码中的基本编码 {parsed.basic_code} 与事项的 {basic_code} 不一致",
            f"The basic code {parsed.basic_code} in the code is not the item's ({basic_code})",
        )
    return parsed.value


def _set_life_events(version: ItemVersion, codes: Any, errors: ErrorCollector) -> bool:
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        errors.add(
            "life_events", "invalid", "服务主题应为编码列表", "life_events must be a list of codes"
        )
        return False
    events = list(LifeEvent.objects.filter(code__in=codes))
    missing = sorted(set(codes) - {e.code for e in events})
    if missing:
        errors.add(
            "life_events",
            "unknown_life_event",
            f"没有这些服务主题：{', '.join(missing)}",
            f"Unknown life events: {', '.join(missing)}",
        )
        return False
    before = set(version.life_events.values_list("code", flat=True))
    if before == set(codes):
        return False
    version.life_events.set(events)
    return True


def _next_version_number(implementation_code: str) -> int:
    current = ItemVersion.objects.filter(implementation_code=implementation_code).aggregate(
        top=Max("version")
    )["top"]
    return (current or 0) + 1


def _copy_content(source: ItemVersion, target: ItemVersion) -> None:
    """Copy-on-write: materials, situations and options (material links remapped)."""
    target.life_events.set(source.life_events.all())
    material_map: dict[int, Material] = {}
    for material in source.materials.all():
        old_pk = material.pk
        material.pk = None
        material.id = None
        material.version = target
        material.save(force_insert=True)
        material_map[old_pk] = material
    situations = list(source.situations.all())
    option_map: dict[int, SituationOption] = {}
    new_situations: list[tuple[Situation, int | None]] = []
    for situation in situations:
        options = list(situation.options.all())
        parent_id = situation.parent_option_id
        situation.pk = None
        situation.id = None
        situation.version = target
        situation.parent_option = None
        situation.save(force_insert=True)
        new_situations.append((situation, parent_id))
        for option in options:
            old_pk = option.pk
            materials = [material_map[m.pk] for m in option.materials.all() if m.pk in material_map]
            option.pk = None
            option.id = None
            option.situation = situation
            option.save(force_insert=True)
            option.materials.set(materials)
            option_map[old_pk] = option
    for situation, parent_id in new_situations:
        if parent_id is not None and parent_id in option_map:
            situation.parent_option = option_map[parent_id]
            situation.save(update_fields=["parent_option"])


def _integrity_conflict(implementation_code: str) -> Conflict:
    return Conflict(
        "该事项已有未完成的变更（草稿、待审核、退回或待发布），请在其上继续",
        f"{implementation_code} already has an open change (draft, submitted, returned or "
        "approved); continue with it",
        field="implementation_code",
        code="open_change_exists",
    )


# --- drafts -----------------------------------------------------------------------------------


def version_create_draft(
    *,
    user: Any,
    actor: Actor,
    implementation_code: str | None = None,
    department_id: int | None = None,
    item: dict[str, Any] | None = None,
    fields: dict[str, Any] | None = None,
    life_events: list[str] | None = None,
    change_reason: str = "",
) -> ItemVersion:
    """Open a change of an implementation list.

    - With the code of a published list: a draft copying every element, material, situation
      and option of the published version (``based_on`` it); ``fields`` may change some at
      once.
    - Otherwise a new list (``change_kind`` create): ``department_id``, ``item`` (an existing
      item's ``basic_code``, or the basic data ``basic_code``, ``name``, ``item_type``,
      ``legal_basis``, ``level`` of a new one) and ``fields`` (at least name, limits, case
      type, acceptance conditions). Without a code, the code is the department's USCC + the
      exercise level digit + the basic code.

    ``user`` is the account acting (``None`` for the platform itself: imports, tasks).
    """
    fields = dict(fields or {})
    with transaction.atomic():
        code = (implementation_code or "").strip().upper()
        published = None
        if code:
            published = (
                ItemVersion.objects.select_for_update()
                .select_related("item")
                .filter(implementation_code=code, status=VersionStatus.PUBLISHED)
                .first()
            )
        if published is not None:
            if not _visible(user, published) or (
                user is not None and not policies.may_edit_department(user, published.department_id)
            ):
                raise NotAllowed(
                    "只有实施部门的审批人员或负责人可以变更该事项",
                    "Only approvers or heads of the implementing department may change this list",
                )
            version = _draft_from(published, actor=actor, change_reason=change_reason)
        else:
            version = _draft_new(
                user=user,
                code=code,
                department_id=department_id,
                item=item,
                fields=fields,
                change_reason=change_reason,
            )
            fields = {}
        errors = ErrorCollector()
        changed = _set_fields(version, fields, EDITABLE_FIELDS, errors, prefix="fields.")
        if life_events is not None:
            _set_life_events(version, life_events, errors)
        _validate_prefixed(version, errors, "fields.")
        errors.raise_if_any()
        if changed:
            version.save()
        _record(
            version,
            action="created",
            actor=actor,
            to_status=VersionStatus.DRAFT,
            comment=change_reason,
            after={"change_kind": version.change_kind, "based_on": version.based_on_id},
        )
    return version


def _save_new_version(version: ItemVersion) -> None:
    try:
        with transaction.atomic():
            version.save(force_insert=True)
    except IntegrityError as exc:
        raise _integrity_conflict(version.implementation_code) from exc


def _draft_from(
    published: ItemVersion, *, actor: Actor, change_reason: str, kind: str = ChangeKind.CHANGE
) -> ItemVersion:
    source = ItemVersion.objects.get(pk=published.pk)
    version = ItemVersion.objects.get(pk=published.pk)
    version.pk = None
    version.id = None
    version.version = _next_version_number(published.implementation_code)
    version.status = VersionStatus.DRAFT
    version.change_kind = kind
    version.change_reason = change_reason
    version.based_on = published
    version.effective_from = None
    version.published_at = None
    version.superseded_at = None
    version.content_digest = ""
    _save_new_version(version)
    _copy_content(source, version)
    return version


def _draft_new(
    *,
    user: Any,
    code: str,
    department_id: int | None,
    item: dict[str, Any] | None,
    fields: dict[str, Any],
    change_reason: str,
) -> ItemVersion:
    errors = ErrorCollector()
    if department_id is None:
        raise InvalidInput(
            "请指定实施主体", "The implementing department is required", field="department_id"
        )
    _require_department_editor(user, department_id)
    department = org_selectors.department_by_id(department_id)
    if department is None or not department.active:
        raise NotFound("部门不存在", "No such department", field="department_id")
    item_obj = _item_for(item or {}, errors)
    errors.raise_if_any()
    assert item_obj is not None
    level = fields.get("level", item_obj.level)
    if not code:
        code = f"{department.uscc}{level}{item_obj.basic_code}"
    code = _check_code(
        errors, code, department_uscc=department.uscc, basic_code=item_obj.basic_code
    )
    for name in REQUIRED_NEW_FIELDS:
        if fields.get(name) in (None, ""):
            errors.add(f"fields.{name}", "required", "必填项", "This field is required")
    errors.raise_if_any()
    if ItemVersion.objects.filter(
        implementation_code=code,
        status__in=list(EDITABLE_STATUSES | {VersionStatus.SUBMITTED, VersionStatus.APPROVED}),
    ).exists():
        raise _integrity_conflict(code)
    version = ItemVersion(
        item=item_obj,
        implementation_code=code,
        version=_next_version_number(code),
        status=VersionStatus.DRAFT,
        change_kind=ChangeKind.CREATE,
        change_reason=change_reason,
        department_id=department.pk,
        implementing_uscc=department.uscc,
        statutory_limit=0,
        promised_limit=0,
    )
    _set_fields(version, fields, EDITABLE_FIELDS, errors, prefix="fields.")
    _validate_prefixed(version, errors, "fields.")
    errors.raise_if_any()
    _save_new_version(version)
    return version


def _item_for(data: dict[str, Any], errors: ErrorCollector) -> Item | None:
    """An existing item by basic code, or a new one from its basic data."""
    try:
        basic_code = parse_basic_code(str(data.get("basic_code", "")), field="item.basic_code")
    except InvalidInput as error:
        errors.add_error(error)
        return None
    existing = Item.objects.filter(basic_code=basic_code).first()
    if existing is not None:
        return existing
    item = Item(
        basic_code=basic_code,
        name=str(data.get("name", "")).strip(),
        item_type=str(data.get("item_type", "")),
        legal_basis=str(data.get("legal_basis", "")).strip(),
        level=data.get("level") or 4,
    )
    if not item.name:
        errors.add("item.name", "required", "事项名称不能为空", "The item's name is required")
    if item.item_type not in ItemType.values:
        errors.add("item.item_type", "invalid_choice", "事项类型无效", "Unknown item type")
    if not item.legal_basis:
        errors.add(
            "item.legal_basis", "required", "设定依据不能为空", "The legal basis is required"
        )
    if errors.errors:
        return None
    item.save()
    return item


def version_update_draft(
    *,
    version_id: int,
    user: Any,
    actor: Actor,
    changes: dict[str, Any],
) -> ItemVersion:
    """Change elements of a draft (or returned) version. ``changes`` maps field names to new
    values; ``life_events`` is a list of codes; ``change_reason`` may be set too."""
    with transaction.atomic():
        version = _editable_version(version_id, user)
        changes = dict(changes)
        errors = ErrorCollector()
        before = diff.version_content(version)
        reason = changes.pop("change_reason", None)
        events = changes.pop("life_events", None)
        if version.change_kind == ChangeKind.WITHDRAW and changes:
            raise Conflict(
                "取消申请不能修改事项内容",
                "A withdrawal request has no content to edit",
                field="changes",
                code="withdrawal_content",
            )
        changed = _set_fields(version, changes, EDITABLE_FIELDS, errors)
        if reason is not None:
            version.change_reason = str(reason).strip()
            changed.append("change_reason")
        if events is not None and _set_life_events(version, events, errors):
            changed.append("life_events")
        _validate_version(version, errors)
        errors.raise_if_any()
        version.save()
        after = diff.version_content(version)
        changes_list = [c.as_dict() for c in diff.diff_contents(before, after)]
        _record(
            version,
            action="edited",
            actor=actor,
            before={"fields": sorted(set(changed))},
            after={"changes": len(changes_list)},
        )
    return version


# --- materials, situations, options -----------------------------------------------------------


def material_save(
    *, version_id: int, key: str, user: Any, actor: Actor, data: dict[str, Any]
) -> Material:
    """Create or change the material ``key`` of a draft."""
    with transaction.atomic():
        version = _editable_version(version_id, user)
        errors = ErrorCollector()
        key = (key or "").strip()
        material = Material.objects.filter(version=version, key=key).first()
        created = material is None
        if material is None:
            material = Material(version=version, key=key)
            try:
                Material._meta.get_field("key").clean(key, material)
            except ValidationError:
                errors.add(
                    "key",
                    "invalid",
                    "材料标识只能包含字母、数字、连字符",
                    "A material key is letters, digits, - and _",
                )
        _set_fields(material, data, MATERIAL_EDIT_FIELDS, errors)
        if not material.name:
            errors.add("name", "required", "材料名称不能为空", "The material's name is required")
        if not isinstance(material.allowed_types, list):
            errors.add("allowed_types", "invalid", "应为列表", "Must be a list")
        errors.raise_if_any()
        material.save()
        _record(
            version,
            action="material_added" if created else "material_changed",
            actor=actor,
            after={"material": key},
        )
    return material


def material_delete(*, version_id: int, key: str, user: Any, actor: Actor) -> None:
    with transaction.atomic():
        version = _editable_version(version_id, user)
        deleted, _ = Material.objects.filter(version=version, key=key).delete()
        if not deleted:
            raise NotFound("没有这个材料", "No such material", field="key")
        _record(version, action="material_removed", actor=actor, after={"material": key})


def _option_by_path(version: ItemVersion, path: str | None) -> SituationOption | None:
    if not path:
        return None
    situation_key, _, option_key = path.partition(".")
    option = SituationOption.objects.filter(
        situation__version=version, situation__key=situation_key, key=option_key
    ).first()
    if option is None:
        raise InvalidInput(
            f"没有这个前置选项：{path}", f"No such parent option {path}", field="parent_option"
        )
    return option


def _creates_cycle(situation: Situation, parent: SituationOption | None) -> bool:
    """Would hanging ``situation`` below ``parent`` make a question its own ancestor?"""
    seen: set[int] = set()
    current = parent
    while current is not None:
        owner = current.situation
        if owner.pk == situation.pk or owner.pk in seen:
            return True
        seen.add(owner.pk)
        current = owner.parent_option
    return False


def situation_save(
    *,
    version_id: int,
    key: str,
    question: str,
    user: Any,
    actor: Actor,
    parent_option: str | None = None,
    sort_order: int = 0,
) -> Situation:
    """Create or change the question ``key`` of a draft. ``parent_option`` is
    ``"<question key>.<option key>"`` for a follow-up question. Cycles are refused."""
    with transaction.atomic():
        version = _editable_version(version_id, user)
        errors = ErrorCollector()
        situation = Situation.objects.filter(version=version, key=key).first()
        created = situation is None
        if situation is None:
            situation = Situation(version=version, key=(key or "").strip())
            try:
                Situation._meta.get_field("key").clean(situation.key, situation)
            except ValidationError:
                errors.add(
                    "key",
                    "invalid",
                    "标识只能包含字母、数字、连字符",
                    "A key is letters, digits, - and _",
                )
        _set_fields(
            situation,
            {"question": question, "sort_order": sort_order},
            frozenset({"question", "sort_order"}),
            errors,
        )
        errors.raise_if_any()
        parent = _option_by_path(version, parent_option)
        if parent is not None and situation.pk is not None and _creates_cycle(situation, parent):
            raise InvalidInput(
                "办事情形不能形成循环：该问题不能挂在自己或其后续问题的选项下",
                "The situation tree would have a cycle: a question cannot follow its own option "
                "or one of its follow-ups' options",
                field="parent_option",
                code="situation_cycle",
            )
        situation.parent_option = parent
        situation.save()
        _record(
            version,
            action="situation_added" if created else "situation_changed",
            actor=actor,
            after={"situation": key},
        )
    return situation


def situation_delete(*, version_id: int, key: str, user: Any, actor: Actor) -> None:
    """Delete a question with its options (and, by cascade, their follow-up questions)."""
    with transaction.atomic():
        version = _editable_version(version_id, user)
        deleted, _ = Situation.objects.filter(version=version, key=key).delete()
        if not deleted:
            raise NotFound("没有这个办事情形", "No such situation", field="key")
        _record(version, action="situation_removed", actor=actor, after={"situation": key})


def option_save(
    *,
    version_id: int,
    situation_key: str,
    key: str,
    user: Any,
    actor: Actor,
    data: dict[str, Any],
) -> SituationOption:
    """Create or change option ``key`` of a question; ``data["materials"]`` lists material
    keys of the same version."""
    with transaction.atomic():
        version = _editable_version(version_id, user)
        situation = Situation.objects.filter(version=version, key=situation_key).first()
        if situation is None:
            raise NotFound("没有这个办事情形", "No such situation", field="situation_key")
        errors = ErrorCollector()
        data = dict(data)
        material_keys = data.pop("materials", None)
        option = SituationOption.objects.filter(situation=situation, key=key).first()
        created = option is None
        if option is None:
            option = SituationOption(situation=situation, key=(key or "").strip())
            try:
                SituationOption._meta.get_field("key").clean(option.key, option)
            except ValidationError:
                errors.add(
                    "key",
                    "invalid",
                    "标识只能包含字母、数字、连字符",
                    "A key is letters, digits, - and _",
                )
        _set_fields(option, data, OPTION_EDIT_FIELDS - {"materials"}, errors)
        if not option.label:
            errors.add("label", "required", "选项不能为空", "The option's label is required")
        statutory = (
            option.statutory_limit
            if option.statutory_limit is not None
            else (version.statutory_limit)
        )
        if (
            option.promised_limit is not None
            and version.promised_limit_unit == version.statutory_limit_unit
            and option.promised_limit > statutory
        ):
            errors.add(
                "promised_limit",
                "promised_exceeds_statutory",
                "承诺时限不能长于法定时限",
                "The promised limit exceeds the statutory limit",
            )
        materials: list[Material] = []
        if material_keys is not None:
            if not isinstance(material_keys, list):
                errors.add("materials", "invalid", "应为材料标识列表", "Must be a list of keys")
            else:
                materials = list(Material.objects.filter(version=version, key__in=material_keys))
                missing = sorted(set(material_keys) - {m.key for m in materials})
                if missing:
                    errors.add(
                        "materials",
                        "unknown_material",
                        f"没有这些材料：{', '.join(missing)}",
                        f"Unknown materials: {', '.join(missing)}",
                    )
        errors.raise_if_any()
        option.save()
        if material_keys is not None:
            option.materials.set(materials)
        _record(
            version,
            action="option_added" if created else "option_changed",
            actor=actor,
            after={"option": f"{situation_key}.{key}"},
        )
    return option


def option_delete(
    *, version_id: int, situation_key: str, key: str, user: Any, actor: Actor
) -> None:
    with transaction.atomic():
        version = _editable_version(version_id, user)
        deleted, _ = SituationOption.objects.filter(
            situation__version=version, situation__key=situation_key, key=key
        ).delete()
        if not deleted:
            raise NotFound("没有这个选项", "No such option", field="key")
        _record(
            version,
            action="option_removed",
            actor=actor,
            after={"option": f"{situation_key}.{key}"},
        )


# --- workflow ---------------------------------------------------------------------------------


def version_submit(*, version_id: int, user: Any, actor: Actor, comment: str = "") -> ItemVersion:
    """The department submits its draft (or returned) version for review."""
    with transaction.atomic():
        version = _locked_version(version_id)
        if user is not None:
            if not _visible(user, version):
                raise NotFound(*_NOT_FOUND, field="version_id")
            _require_department_editor(user, version.department_id)
        _check_transition(version, VersionStatus.SUBMITTED)
        if version.change_kind != ChangeKind.WITHDRAW:
            errors = ErrorCollector()
            _validate_version(version, errors)
            errors.raise_if_any()
        from_status = version.status
        version.status = VersionStatus.SUBMITTED
        version.save(update_fields=["status", "updated_at"])
        _record(
            version,
            action="submitted",
            actor=actor,
            from_status=from_status,
            to_status=version.status,
            comment=comment.strip(),
        )
    return version


def version_review(
    *,
    version_id: int,
    user: Any,
    actor: Actor,
    approve: bool,
    comment: str = "",
    effective_from: datetime | None = None,
    now: datetime | None = None,
) -> ItemVersion:
    """审改办 approves (fixing the content digest and the effective date) or returns with
    comments. An approved version whose effective date has come is published at once; later
    ones by ``version_publish_due``."""
    now = now or timezone.now()
    with transaction.atomic():
        version = _locked_version(version_id)
        if user is not None:
            if not _visible(user, version):
                raise NotFound(*_NOT_FOUND, field="version_id")
            if not policies.may_review(user):
                raise NotAllowed(
                    "只有审改办可以审核事项变更",
                    "Only the review office (administrators) may review changes",
                )
        comment = (comment or "").strip()
        to_status = VersionStatus.APPROVED if approve else VersionStatus.RETURNED
        _check_transition(version, to_status)
        if not approve and not comment:
            raise InvalidInput(
                "退回修改须写明意见",
                "Returning a version needs a comment",
                field="comment",
                code="comment_required",
            )
        from_status = version.status
        if approve:
            effective = effective_from or now
            if timezone.is_naive(effective):
                effective = timezone.make_aware(effective)
            if effective < now - EFFECTIVE_FROM_TOLERANCE:
                raise InvalidInput(
                    "生效时间不能早于当前时间",
                    "The effective date cannot be in the past",
                    field="effective_from",
                )
            version.effective_from = max(effective, now)
            version.content_digest = diff.content_digest(version)
        version.status = to_status
        version.save(update_fields=["status", "effective_from", "content_digest", "updated_at"])
        _record(
            version,
            action="approved" if approve else "returned",
            actor=actor,
            from_status=from_status,
            to_status=to_status,
            comment=comment,
            after={
                "effective_from": version.effective_from.isoformat()
                if version.effective_from
                else None,
                "content_digest": version.content_digest,
            },
        )
        if approve and version.effective_from is not None and version.effective_from <= now:
            _publish_locked(version, now=now, actor=actor)
    return version


def version_withdraw_request(
    *, implementation_code: str, user: Any, actor: Actor, reason: str, submit: bool = True
) -> ItemVersion:
    """Ask to withdraw (取消) a published list: a change version of kind ``withdraw`` carrying
    the published content unchanged, submitted for review (unless ``submit`` is False)."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(
            "请写明取消原因", "A withdrawal needs a reason", field="reason", code="reason_required"
        )
    with transaction.atomic():
        code = (implementation_code or "").strip().upper()
        published = (
            ItemVersion.objects.select_for_update()
            .filter(implementation_code=code, status=VersionStatus.PUBLISHED)
            .first()
        )
        if published is None:
            raise NotFound(*_NOT_FOUND, field="implementation_code")
        _require_department_editor(user, published.department_id)
        version = _draft_from(
            published, actor=actor, change_reason=reason, kind=ChangeKind.WITHDRAW
        )
        _record(
            version,
            action="withdrawal_requested",
            actor=actor,
            to_status=VersionStatus.DRAFT,
            comment=reason,
        )
        if submit:
            version.status = VersionStatus.SUBMITTED
            version.save(update_fields=["status", "updated_at"])
            _record(
                version,
                action="submitted",
                actor=actor,
                from_status=VersionStatus.DRAFT,
                to_status=VersionStatus.SUBMITTED,
            )
    return version


# --- publication ------------------------------------------------------------------------------


def _publish_locked(version: ItemVersion, *, now: datetime, actor: Actor) -> None:
    """Publish an approved, locked version (inside the caller's transaction)."""
    _check_transition(version, VersionStatus.PUBLISHED)
    fresh = ItemVersion.objects.select_related("item").get(pk=version.pk)
    if not version.content_digest or diff.content_digest(fresh) != version.content_digest:
        raise Conflict(
            "版本内容与审核时不一致，拒绝发布",
            "The version's content differs from what was approved; publication refused",
            field="content_digest",
            code="digest_mismatch",
        )
    effective = version.effective_from or now
    current = (
        ItemVersion.objects.select_for_update()
        .filter(implementation_code=version.implementation_code, status=VersionStatus.PUBLISHED)
        .exclude(pk=version.pk)
        .first()
    )
    withdrawing = version.change_kind == ChangeKind.WITHDRAW
    if current is not None:
        to_status = VersionStatus.WITHDRAWN if withdrawing else VersionStatus.SUPERSEDED
        _check_transition(current, to_status)
        current.status = to_status
        current.superseded_at = effective
        current.save(update_fields=["status", "superseded_at", "updated_at"])
        _record(
            current,
            action="withdrawn" if withdrawing else "superseded",
            actor=actor,
            from_status=VersionStatus.PUBLISHED,
            to_status=to_status,
            after={"by_version": version.version},
        )
    version.status = VersionStatus.PUBLISHED
    version.published_at = now
    version.effective_from = effective
    version.save(update_fields=["status", "published_at", "effective_from", "updated_at"])
    _record(
        version,
        action="published",
        actor=actor,
        from_status=VersionStatus.APPROVED,
        to_status=VersionStatus.PUBLISHED,
    )
    if withdrawing:
        # The withdrawal took effect; it is not itself a guide anyone may read.
        _check_transition(version, VersionStatus.WITHDRAWN)
        version.status = VersionStatus.WITHDRAWN
        version.superseded_at = effective
        version.save(update_fields=["status", "superseded_at", "updated_at"])
        _record(
            version,
            action="withdrawn",
            actor=actor,
            from_status=VersionStatus.PUBLISHED,
            to_status=VersionStatus.WITHDRAWN,
        )
        emit(
            "catalog.version_withdrawn",
            implementation_code=version.implementation_code,
            version=version.version,
        )
    else:
        emit(
            "catalog.version_published",
            implementation_code=version.implementation_code,
            version=version.version,
        )


def version_publish(
    *, version_id: int, actor: Actor = SYSTEM, now: datetime | None = None
) -> ItemVersion:
    """Publish one approved version whose effective date has come."""
    now = now or timezone.now()
    with transaction.atomic():
        version = _locked_version(version_id)
        if version.status == VersionStatus.APPROVED and (
            version.effective_from is not None and version.effective_from > now
        ):
            raise Conflict(
                "未到生效时间",
                "The effective date has not come yet",
                field="effective_from",
                code="not_yet_effective",
            )
        _publish_locked(version, now=now, actor=actor)
    return version


def version_publish_due(
    *, now: datetime | None = None, actor: Actor = SYSTEM
) -> dict[str, list[int]]:
    """Publish every approved version whose effective date has come (idempotent: a version
    already published by a concurrent run is skipped). Tampered versions are refused and
    reported, once, in their history."""
    now = now or timezone.now()
    due = list(
        ItemVersion.objects.filter(status=VersionStatus.APPROVED, effective_from__lte=now)
        .order_by("effective_from", "id")
        .values_list("pk", flat=True)
    )
    published: list[int] = []
    refused: list[int] = []
    for version_id in due:
        try:
            with transaction.atomic():
                version = _locked_version(version_id)
                if version.status != VersionStatus.APPROVED:
                    continue  # published (or changed) by a concurrent run
                _publish_locked(version, now=now, actor=actor)
            published.append(version_id)
        except DomainError as error:
            refused.append(version_id)
            logger.warning("catalog version %s not published: %r", version_id, error)
            _note_refusal(version_id, error, actor=actor)
    return {"published": published, "refused": refused}


def _note_refusal(version_id: int, error: DomainError, *, actor: Actor) -> None:
    with transaction.atomic():
        version = _locked_version(version_id)
        last = version.events.order_by("-id").first()
        if last is not None and last.action == "publish_refused":
            return
        _record(
            version,
            action="publish_refused",
            actor=actor,
            comment=error.message,
            after={"code": error.code},
        )
