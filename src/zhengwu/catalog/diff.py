"""The content of a version as plain data, its digest, and field-by-field diffs.

``version_content`` is the one canonical view of what a version *says*: every element, the
materials (by key), the situation tree (questions and options by key, material links as
keys) and the life events (by code). Identifiers, status and change-control timestamps are
not content. The SM3 digest fixed at approval (``content_digest``) is computed over it, and
``diff_versions`` compares two of them, so "what was reviewed" and "what changed" agree.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import orjson
from django.db.models.fields.files import FieldFile

from zhengwu.catalog.models import ItemVersion, Material, SituationOption
from zhengwu.kernel.crypto import sm3_hex

# ItemVersion fields that are not content: identity, workflow and bookkeeping.
NON_CONTENT_FIELDS = frozenset(
    {
        "id",
        "item",
        "implementation_code",
        "version",
        "status",
        "change_kind",
        "change_reason",
        "based_on",
        "effective_from",
        "published_at",
        "superseded_at",
        "content_digest",
        "created_at",
        "updated_at",
    }
)
MATERIAL_FIELDS = (
    "name",
    "issuing_body",
    "required",
    "originals",
    "copies",
    "paper",
    "electronic",
    "sample_file",
    "blank_form",
    "notes",
    "max_size_kb",
    "allowed_types",
    "licence_type",
    "deficiency_allowed",
    "sort_order",
)
SITUATION_FIELDS = ("question", "parent", "sort_order")
OPTION_FIELDS = ("label", "conditions", "promised_limit", "statutory_limit", "sort_order")


def content_field_names() -> list[str]:
    """Content fields of ``ItemVersion`` in model order (``department`` as its id)."""
    return [f.name for f in ItemVersion._meta.concrete_fields if f.name not in NON_CONTENT_FIELDS]


def _plain(value: Any) -> Any:
    if isinstance(value, FieldFile):
        return value.name or ""
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _material_content(material: Material) -> dict[str, Any]:
    return {name: _plain(getattr(material, name)) for name in MATERIAL_FIELDS}


def _option_content(option: SituationOption) -> dict[str, Any]:
    data = {name: getattr(option, name) for name in OPTION_FIELDS}
    data["materials"] = sorted(m.key for m in option.materials.all())
    return data


def version_content(version: ItemVersion) -> dict[str, Any]:
    """Everything the version says, as plain JSON data with stable ordering."""
    fields: dict[str, Any] = {}
    for name in content_field_names():
        if name == "department":
            fields[name] = version.department_id
        else:
            fields[name] = _plain(getattr(version, name))
    situations = list(version.situations.all())
    option_path: dict[int, str] = {}
    for situation in situations:
        for option in situation.options.all():
            option_path[option.pk] = f"{situation.key}.{option.key}"
    return {
        "implementation_code": version.implementation_code,
        "basic_code": version.item.basic_code,
        "fields": fields,
        "life_events": sorted(e.code for e in version.life_events.all()),
        "materials": {m.key: _material_content(m) for m in version.materials.all()},
        "situations": {
            s.key: {
                "question": s.question,
                "parent": option_path.get(s.parent_option_id) if s.parent_option_id else None,
                "sort_order": s.sort_order,
                "options": {o.key: _option_content(o) for o in s.options.all()},
            }
            for s in situations
        },
    }


def canonical_bytes(version: ItemVersion) -> bytes:
    return orjson.dumps(version_content(version), option=orjson.OPT_SORT_KEYS)


def content_digest(version: ItemVersion) -> str:
    """SM3 of the canonical serialisation (fixed at approval, checked at publication)."""
    return sm3_hex(canonical_bytes(version))


# --- diff -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    """One difference. ``path`` is e.g. ``promised_limit``, ``materials[id-card].notes``,
    ``situations[who].options[self].materials``; ``kind`` is added / removed / changed."""

    path: str
    kind: str
    before: Any
    after: Any
    label: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _verbose(model: Any, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:
        return name


def _diff_keyed(
    prefix: str,
    before: dict[str, dict[str, Any]],
    after: dict[str, dict[str, Any]],
    field_order: tuple[str, ...],
    label: str,
    out: list[FieldChange],
    nested: str | None = None,
    nested_fields: tuple[str, ...] = (),
) -> None:
    for key in sorted(set(before) | set(after)):
        path = f"{prefix}[{key}]"
        if key not in after:
            out.append(FieldChange(path, "removed", before[key], None, label))
            continue
        if key not in before:
            out.append(FieldChange(path, "added", None, after[key], label))
            continue
        old, new = before[key], after[key]
        for name in field_order:
            if old.get(name) != new.get(name):
                out.append(
                    FieldChange(f"{path}.{name}", "changed", old.get(name), new.get(name), label)
                )
        if nested:
            _diff_keyed(
                f"{path}.{nested}",
                old.get(nested, {}),
                new.get(nested, {}),
                nested_fields,
                label,
                out,
            )


def diff_contents(before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
    out: list[FieldChange] = []
    for name in ("implementation_code", "basic_code"):
        if before.get(name) != after.get(name):
            out.append(FieldChange(name, "changed", before.get(name), after.get(name), name))
    old_fields, new_fields = before["fields"], after["fields"]
    for name in content_field_names():
        if old_fields.get(name) != new_fields.get(name):
            out.append(
                FieldChange(
                    name,
                    "changed",
                    old_fields.get(name),
                    new_fields.get(name),
                    _verbose(ItemVersion, name),
                )
            )
    old_events, new_events = set(before["life_events"]), set(after["life_events"])
    for code in sorted(old_events | new_events):
        if code not in new_events:
            out.append(FieldChange(f"life_events[{code}]", "removed", code, None, "服务主题"))
        elif code not in old_events:
            out.append(FieldChange(f"life_events[{code}]", "added", None, code, "服务主题"))
    _diff_keyed(
        "materials", before["materials"], after["materials"], (*MATERIAL_FIELDS,), "申请材料", out
    )
    _diff_keyed(
        "situations",
        before["situations"],
        after["situations"],
        SITUATION_FIELDS,
        "办事情形",
        out,
        nested="options",
        nested_fields=(*OPTION_FIELDS, "materials"),
    )
    return out


def diff_versions(a: ItemVersion, b: ItemVersion) -> list[FieldChange]:
    """What changed from ``a`` to ``b``, field by field, in a stable order."""
    return diff_contents(version_content(a), version_content(b))
