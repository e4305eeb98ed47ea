"""The checklist read of a submission, as fixed statements (kernel.fastread).

Submitting a case reads its pinned version with everything ``checklist_for`` needs: item,
department, materials, and the situation tree (questions → options → materials). Through
``checklist_queryset`` that is five queries whose compilation, and the prefetch machinery
around them, cost more CPU than PostgreSQL spends running them (bench/cases_lifecycle.py,
docs/benchmarks.md). Here the five statements are written once per process from the models'
metadata, and the rows are handed to ``checklist_for`` as a
:class:`~zhengwu.catalog.selectors.ChecklistRows` set on the version.
"""

from __future__ import annotations

from typing import Any

from zhengwu.catalog.models import ItemVersion, Material, Situation, SituationOption
from zhengwu.catalog.selectors import ChecklistRows
from zhengwu.kernel.fastread import JoinedReader, fetch_all, quote, quoted_column

_VERSION = JoinedReader(ItemVersion, {"item": None, "department": None})
_MATERIAL = JoinedReader(Material, {})
_SITUATION = JoinedReader(Situation, {})
_OPTION = JoinedReader(SituationOption, {})
_THROUGH = SituationOption.materials.through


def _col(model: Any, name: str, using: str, alias: str = "m") -> str:
    return f"{alias}.{quoted_column(model, name, using=using)}"


def _order(model: Any, using: str) -> str:
    return f"ORDER BY {_col(model, 'sort_order', using)}, {_col(model, 'id', using)}"


def _of_version(reader: JoinedReader, version: ItemVersion, using: str) -> list[Any]:
    """The version's rows of ``reader``'s model, in sort order, knowing their version."""
    model = reader.main.model
    return reader.all(
        f"{_col(model, 'version', using)} = %s",
        [version.pk],
        suffix=_order(model, using),
        parent=("version", version),
        using=using,
    )


def checklist_version(pk: int, *, using: str = "default") -> ItemVersion | None:
    """Version ``pk`` with ``item`` and ``department`` set and its :class:`ChecklistRows`
    (what ``checklist_queryset().get(pk=pk)`` prefetches), or None."""
    version: ItemVersion | None = _VERSION.one(
        f"{_col(ItemVersion, 'id', using)} = %s", [pk], using=using
    )
    if version is None:
        return None
    materials: list[Material] = _of_version(_MATERIAL, version, using)
    situations: list[Situation] = _of_version(_SITUATION, version, using)
    options: dict[int, list[SituationOption]] = {s.pk: [] for s in situations}
    option_materials: dict[int, list[Material]] = {}
    if situations:
        situation_table = quote(str(Situation._meta.db_table), using=using)
        in_version = (
            f"{_col(SituationOption, 'situation', using)} IN (SELECT "  # noqa: S608
            f"{_col(Situation, 'id', using, 's')} FROM {situation_table} s "
            f"WHERE {_col(Situation, 'version', using, 's')} = %s)"
        )
        by_pk = {s.pk: s for s in situations}
        for option in _OPTION.all(in_version, [pk], suffix=_order(SituationOption, using)):
            situation = by_pk.get(option.situation_id)
            if situation is not None:
                SituationOption.situation.field.set_cached_value(option, situation)
                options[situation.pk].append(option)
        option_materials = _materials_of_options(
            pk, [o for os in options.values() for o in os], materials, using
        )
    rows = ChecklistRows(
        materials=materials,
        situations=situations,
        options=options,
        option_materials=option_materials,
    )
    version.__dict__[ChecklistRows.ATTRIBUTE] = rows
    return version


def _materials_of_options(
    version_pk: int, options: list[SituationOption], materials: list[Material], using: str
) -> dict[int, list[Material]]:
    """Option pk → its materials, in the materials' sort order. An option's materials are the
    version's own; one that is not (malformed data) is read on its own."""
    out: dict[int, list[Material]] = {o.pk: [] for o in options}
    if not options:
        return out
    option_col = quote(_THROUGH._meta.get_field("situationoption").column, using=using)
    material_col = quote(_THROUGH._meta.get_field("material").column, using=using)
    option_situation = _col(SituationOption, "situation", using, "o")
    # Quoted names from model metadata only; the version's key is bound.
    sql = (
        f"SELECT t.{option_col}, t.{material_col} "  # noqa: S608
        f"FROM {quote(str(_THROUGH._meta.db_table), using=using)} t "
        f"JOIN {quote(str(SituationOption._meta.db_table), using=using)} o "
        f"ON {_col(SituationOption, 'id', using, 'o')} = t.{option_col} "
        f"JOIN {quote(str(Situation._meta.db_table), using=using)} s "
        f"ON {_col(Situation, 'id', using, 's')} = {option_situation} "
        f"WHERE {_col(Situation, 'version', using, 's')} = %s"
    )
    by_pk = {m.pk: m for m in materials}
    for option_id, material_id in fetch_all(sql, [version_pk], using=using):
        material = by_pk.get(material_id)
        if material is None:
            material = Material.objects.using(using).filter(pk=material_id).first()
        if material is not None and option_id in out:
            out[option_id].append(material)
    for found in out.values():
        found.sort(key=lambda m: (m.sort_order, m.pk))
    return out
