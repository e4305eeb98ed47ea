"""The case reads every workflow action makes, as fixed statements (kernel.fastread).

Each action of a case (submit, accept, every step, delivery) locks the case row and most read
its open tasks; other domains' event handlers read every concluded case with its item and
department. Through the ORM, building those SELECTs cost more CPU than PostgreSQL spends
running them: the case has ≈ 70 columns and Django compiles the column list, joins, ordering
and locking clause anew on every call (bench/cases_lifecycle.py, docs/benchmarks.md). Here the
statements are written once per process from the models' metadata and the rows turned into
instances through the fields' own converters (encrypted personal data included), exactly as
the ORM would build them.

The list rows of the work queues and the staff search (``list_cases``, ``list_tasks``) are read
the same way, by the ids of the page the selectors found first.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from django.db import connections

from zhengwu.cases.models import (
    Case,
    CaseMaterial,
    CaseTask,
    ProcessBinding,
    ProcessDefinition,
    SpecialProcedure,
)
from zhengwu.kernel import rows
from zhengwu.kernel.fastread import (
    JoinedReader,
    fetch_one,
    in_clause,
    is_bigint,
    quote,
    quoted_column,
)

# Columns no list row shows (queues, search, "my cases"): left unread, so a page of 50 cases
# does not decrypt 200 personal-data values nor load 50 engine states (≈ 4 KB each).
# One case in full comes from selectors.access_case(); reading these on a list row costs a query.
LIST_DEFERRED = (
    "engine_state",
    "answers",
    "form_encrypted",
    "applicant_id_number",
    "applicant_phone",
    "applicant_address",
    "agent_id_number",
)
# What a row of the staff lists (work queues, acceptance queue, search) shows, in the API's
# summaries (cases/api.py ``_summary``, ``_staff_summary``) and the workbench's tables
# (views_workbench ``QueueRow``, ``case_warning``). Nothing else is read: turning the other
# ≈ 45 columns into values cost ≈ 24 µs a row, more than half of a listed row's cost, and a
# page holds up to 200 rows. A field read from a row that lacks it costs a query per row (Django's
# deferred loading); tests/cases/test_staff_lists.py fails on any such query.
STAFF_LIST_FIELDS = (
    "id",
    "number",
    "kind",
    "item_name",
    "implementation_code",
    "status",
    "channel",
    "department",
    "applicant_kind",
    "applicant_name",
    "created_at",
    "submitted_at",
    "received_on",
    "promised_due",
    "due_provisional",
    "current_step_label",
    "assignee",
    "warning_level",
)
_CASE = JoinedReader(Case, {})
# A list row: STAFF_LIST_FIELDS, its handling department's name joined (every list shows it).
# Built from the row like fastread's other readers: through the ORM, a page of 50 cost ≈ 3 ms
# of Python (compiling 80 columns, then ~60 µs per deferred instance).
_LIST_CASE = JoinedReader(Case, {"department": ("name",)}, fields=STAFF_LIST_FIELDS)
_CASE_PROCESS = JoinedReader(Case, {"process": None})
_CASE_ITEM = JoinedReader(Case, {"item_version": None, "department": None})
_TASK = JoinedReader(CaseTask, {})
_MATERIAL = JoinedReader(CaseMaterial, {})
_PROCEDURE = JoinedReader(SpecialProcedure, {})
_PROCESS = JoinedReader(ProcessDefinition, {})


def _by_id(using: str) -> str:
    return f"m.{quoted_column(Case, 'id', using=using)} = %s"


@functools.lru_cache(maxsize=8)
def _lock_suffix(with_process: bool, using: str) -> str:
    features = connections[using].features
    if not features.has_select_for_update:
        return ""  # SQLite serialises writers instead
    if with_process and features.has_select_for_update_of:
        return "FOR UPDATE OF m"  # the process definition is shared by every case: never lock it
    return "FOR UPDATE"


def lock_case(case_id: Any, *, with_process: bool = False, using: str = "default") -> Case | None:
    """The case, its row locked until the transaction ends (``SELECT … FOR UPDATE``), or None.

    ``with_process`` joins its process definition (``case.process`` set, not locked). The
    values read are remembered (``kernel.rows.remember``): ``rows.save_changed(case)`` then
    writes only the fields changed since."""
    pk = Case._meta.pk.get_prep_value(case_id)  # type: ignore[union-attr]  # the ORM's checks
    if not is_bigint(pk):
        return None
    reader = _CASE_PROCESS if with_process else _CASE
    suffix = _lock_suffix(with_process, using)
    case: Case | None = reader.one(_by_id(using), [pk], suffix=suffix, using=using)
    if case is not None:
        rows.remember(case)  # the row is locked: a save may write only what changed
    return case


def case_with_item(case_id: int, *, using: str = "default") -> Case | None:
    """The case with ``item_version`` and ``department`` set (None where the case has none),
    in one statement; no lock."""
    if not is_bigint(case_id):
        return None
    return _CASE_ITEM.one(_by_id(using), [case_id], using=using)  # type: ignore[no-any-return]


def open_tasks(case: Case, *, using: str = "default") -> list[CaseTask]:
    """The case's open tasks in the order they were opened (``task.case`` is ``case``), their
    values remembered as :func:`lock_case` remembers the case's."""

    def col(name: str) -> str:
        return "m." + quoted_column(CaseTask, name, using=using)

    tasks: list[CaseTask] = _TASK.all(
        f"{col('case')} = %s AND {col('closed_at')} IS NULL",
        [case.pk],
        suffix=f"ORDER BY {col('id')}",
        parent=("case", case),
        using=using,
    )
    for task in tasks:
        rows.remember(task)  # read under the case's lock: a save may write only what changed
    return tasks


def _children(reader: JoinedReader, model: Any, case: Case, order: str, using: str) -> list[Any]:
    def col(name: str) -> str:
        return "m." + quoted_column(model, name, using=using)

    return reader.all(  # type: ignore[no-any-return]
        f"{col('case')} = %s",
        [case.pk],
        suffix="ORDER BY " + ", ".join(col(n) for n in order.split()),
        parent=("case", case),
        using=using,
    )


def materials(case: Case, *, using: str = "default") -> list[CaseMaterial]:
    """The case's materials in their order (``case.materials.all()``)."""
    return _children(_MATERIAL, CaseMaterial, case, "sort_order id", using)


def special_procedures(case: Case, *, using: str = "default") -> list[SpecialProcedure]:
    """The case's special procedures, oldest first (``case.special_procedures.all()``)."""
    return _children(_PROCEDURE, SpecialProcedure, case, "id", using)


def process_by_digest(digest: str, *, using: str = "default") -> ProcessDefinition | None:
    """The process definition of this BPMN digest (each version is immutable), or None."""
    where = f"m.{quoted_column(ProcessDefinition, 'digest', using=using)} = %s"
    return _PROCESS.one(where, [digest], suffix="LIMIT 1", using=using)  # type: ignore[no-any-return]


def bound_process_key(implementation_code: str, *, using: str = "default") -> str | None:
    """The process key bound to an implementation list (``ProcessBinding``), or None."""

    def col(name: str) -> str:
        return quoted_column(ProcessBinding, name, using=using)

    table = quote(str(ProcessBinding._meta.db_table), using=using)
    row = fetch_one(
        f"SELECT {col('process_key')} FROM {table} WHERE {col('implementation_code')} = %s",  # noqa: S608
        [implementation_code],
        using=using,
    )
    return str(row[0]) if row is not None else None


def has_material_from(case_id: Any, source: str, *, using: str = "default") -> bool:
    """Whether any material of the case was provided this way (unlocked; submit asks it
    before deciding whether licences need the re-check transaction)."""
    pk = Case._meta.pk.get_prep_value(case_id)  # type: ignore[union-attr]
    if not is_bigint(pk):
        return False

    def col(name: str) -> str:
        return quoted_column(CaseMaterial, name, using=using)

    table = quote(str(CaseMaterial._meta.db_table), using=using)
    row = fetch_one(
        f"SELECT 1 FROM {table} WHERE {col('case')} = %s AND {col('source')} = %s LIMIT 1",  # noqa: S608
        [pk, source],
        using=using,
    )
    return row is not None


def list_cases(ids: Sequence[int], *, using: str = "default") -> list[Case]:
    """The staff list rows (:data:`STAFF_LIST_FIELDS`) of the cases ``ids``, in that order
    (an id twice: once)."""
    if not ids:
        return []
    order: dict[int, int] = {}
    for index, pk in enumerate(ids):
        order.setdefault(pk, index)
    column = f"m.{quoted_column(Case, 'id', using=using)}"
    where, params = in_clause(column, list(order), using=using)
    found = _LIST_CASE.all(where, params, using=using)
    return sorted(found, key=lambda case: order[case.pk])


def list_tasks(ids: Sequence[int], *, using: str = "default") -> list[CaseTask]:
    """The queue rows of the tasks ``ids``, in that order, each with its case's list row."""
    if not ids:
        return []
    where, params = in_clause(f"m.{quoted_column(CaseTask, 'id', using=using)}", ids, using=using)
    tasks = {task.pk: task for task in _TASK.all(where, params, using=using)}
    cases = {c.pk: c for c in list_cases(sorted({t.case_id for t in tasks.values()}), using=using)}
    field = CaseTask._meta.get_field("case")
    out = []
    for pk in ids:
        task = tasks.get(pk)
        if task is not None:
            field.set_cached_value(task, cases[task.case_id])  # type: ignore[union-attr]
            out.append(task)
    return out
