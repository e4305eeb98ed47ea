"""The case reads every workflow action makes, as fixed statements (kernel.fastread).

Each action of a case (submit, accept, every step, delivery) locks the case row and most read
its open tasks. Through the ORM, building those two SELECTs cost more CPU than PostgreSQL
spends running them: the case has ≈ 70 columns and Django compiles the column list, joins,
ordering and locking clause anew on every call (bench/cases_lifecycle.py, docs/benchmarks.md).
Here the statements are written once per process from the models' metadata and the rows
turned into instances through the fields' own converters (encrypted personal data included),
exactly as the ORM would build them.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db import connections

from zhengwu.cases.models import Case, CaseTask, ProcessDefinition
from zhengwu.kernel.fastread import RowReader, fetch_all, fetch_one, quote

_CASE = RowReader(Case, [f.name for f in Case._meta.concrete_fields])
_PROCESS = RowReader(ProcessDefinition, [f.name for f in ProcessDefinition._meta.concrete_fields])
_TASK = RowReader(CaseTask, [f.name for f in CaseTask._meta.concrete_fields])
_CASE_PROCESS = Case._meta.get_field("process")
_TASK_CASE = CaseTask._meta.get_field("case")


def _in_range(pk: Any) -> bool:
    """A bigint key: larger numbers match no row (and SQLite could not even bind them)."""
    return isinstance(pk, int) and -(2**63) <= pk < 2**63


@functools.lru_cache(maxsize=8)
def _lock_sql(with_process: bool, using: str) -> str:
    features = connections[using].features
    case_table, case_id = quote(_CASE.table, using=using), quote(_CASE.column("id"), using=using)
    select = f"SELECT {_CASE.select_list('c', using=using)}"
    source = f"FROM {case_table} c"
    lock = " FOR UPDATE" if features.has_select_for_update else ""
    if with_process:
        process_table = quote(_PROCESS.table, using=using)
        select += f", {_PROCESS.select_list('p', using=using)}"
        source += (
            f" LEFT JOIN {process_table} p ON p.{quote(_PROCESS.column('id'), using=using)}"
            f" = c.{quote(_CASE.column('process'), using=using)}"
        )
        if lock and features.has_select_for_update_of:
            lock += " OF c"  # the process definition is shared by every case: never lock it
    # Only quoted names from the models' metadata are interpolated; the id is bound.
    return f"{select} {source} WHERE c.{case_id} = %s{lock}"


def lock_case(case_id: Any, *, with_process: bool = False, using: str = "default") -> Case | None:
    """The case, its row locked until the transaction ends (``SELECT … FOR UPDATE``), or None.

    ``with_process`` joins its process definition (``case.process`` set, not locked)."""
    pk = Case._meta.pk.get_prep_value(case_id)  # type: ignore[union-attr]  # the ORM's checks
    if not _in_range(pk):
        return None
    row = fetch_one(_lock_sql(with_process, using), [pk], using=using)
    if row is None:
        return None
    case = _CASE.build(row[: _CASE.width], using=using)
    if with_process:
        rest = row[_CASE.width :]
        process = _PROCESS.build(rest, using=using) if rest[0] is not None else None
        _CASE_PROCESS.set_cached_value(case, process)
    return case  # type: ignore[return-value]


@functools.lru_cache(maxsize=4)
def _open_tasks_sql(using: str) -> str:
    table = quote(_TASK.table, using=using)
    case_id, closed = (quote(_TASK.column(n), using=using) for n in ("case", "closed_at"))
    task_id = quote(_TASK.column("id"), using=using)
    return (
        f"SELECT {_TASK.select_list('t', using=using)} FROM {table} t "  # noqa: S608
        f"WHERE t.{case_id} = %s AND t.{closed} IS NULL ORDER BY t.{task_id}"
    )


def open_tasks(case: Case, *, using: str = "default") -> list[CaseTask]:
    """The case's open tasks in the order they were opened (``task.case`` is ``case``)."""
    tasks: list[CaseTask] = []
    for row in fetch_all(_open_tasks_sql(using), [case.pk], using=using):
        task = _TASK.build(row, using=using)
        _TASK_CASE.set_cached_value(task, case)
        tasks.append(task)  # type: ignore[arg-type]
    return tasks


# The case with its pinned item version and handling department, for other domains' event
# handlers (licence issuing, rating invitations, dossiers): every concluded case is read so.
_VERSION_FIELD = Case._meta.get_field("item_version")
_DEPARTMENT_FIELD = Case._meta.get_field("department")
_VERSION = RowReader(
    _VERSION_FIELD.related_model,  # type: ignore[arg-type]
    [f.name for f in _VERSION_FIELD.related_model._meta.concrete_fields],  # type: ignore[union-attr]
)
_DEPARTMENT = RowReader(
    _DEPARTMENT_FIELD.related_model,  # type: ignore[arg-type]
    [f.name for f in _DEPARTMENT_FIELD.related_model._meta.concrete_fields],  # type: ignore[union-attr]
)


@functools.lru_cache(maxsize=4)
def _case_with_item_sql(using: str) -> str:
    def q(name: str) -> str:
        return quote(name, using=using)

    return (
        f"SELECT {_CASE.select_list('c', using=using)}, "  # noqa: S608
        f"{_VERSION.select_list('v', using=using)}, {_DEPARTMENT.select_list('d', using=using)} "
        f"FROM {q(_CASE.table)} c "
        f"LEFT JOIN {q(_VERSION.table)} v "
        f"ON v.{q(_VERSION.column('id'))} = c.{q(_CASE.column('item_version'))} "
        f"LEFT JOIN {q(_DEPARTMENT.table)} d "
        f"ON d.{q(_DEPARTMENT.column('id'))} = c.{q(_CASE.column('department'))} "
        f"WHERE c.{q(_CASE.column('id'))} = %s"
    )


def case_with_item(case_id: int, *, using: str = "default") -> Case | None:
    """The case with ``item_version`` and ``department`` set (None where the case has none),
    in one statement; no lock."""
    if not _in_range(case_id):
        return None
    row = fetch_one(_case_with_item_sql(using), [case_id], using=using)
    if row is None:
        return None
    case = _CASE.build(row[: _CASE.width], using=using)
    rest = row[_CASE.width :]
    version_row, department_row = rest[: _VERSION.width], rest[_VERSION.width :]
    _VERSION_FIELD.set_cached_value(
        case, _VERSION.build(version_row, using=using) if version_row[0] is not None else None
    )
    _DEPARTMENT_FIELD.set_cached_value(
        case,
        _DEPARTMENT.build(department_row, using=using) if department_row[0] is not None else None,
    )
    return case  # type: ignore[return-value]
