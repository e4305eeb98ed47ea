"""The case reads every workflow action makes, as fixed statements (kernel.fastread).

Each action of a case (submit, accept, every step, delivery) locks the case row and most read
its open tasks; other domains' event handlers read every concluded case with its item and
department. Through the ORM, building those SELECTs cost more CPU than PostgreSQL spends
running them: the case has ≈ 70 columns and Django compiles the column list, joins, ordering
and locking clause anew on every call (bench/cases_lifecycle.py, docs/benchmarks.md). Here the
statements are written once per process from the models' metadata and the rows turned into
instances through the fields' own converters (encrypted personal data included), exactly as
the ORM would build them.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db import connections

from zhengwu.cases.models import Case, CaseTask
from zhengwu.kernel.fastread import JoinedReader, quoted_column

_CASE = JoinedReader(Case, {})
_CASE_PROCESS = JoinedReader(Case, {"process": None})
_CASE_ITEM = JoinedReader(Case, {"item_version": None, "department": None})
_TASK = JoinedReader(CaseTask, {})


def _in_range(pk: Any) -> bool:
    """A bigint key: larger numbers match no row (and SQLite could not even bind them)."""
    return isinstance(pk, int) and -(2**63) <= pk < 2**63


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

    ``with_process`` joins its process definition (``case.process`` set, not locked)."""
    pk = Case._meta.pk.get_prep_value(case_id)  # type: ignore[union-attr]  # the ORM's checks
    if not _in_range(pk):
        return None
    reader = _CASE_PROCESS if with_process else _CASE
    suffix = _lock_suffix(with_process, using)
    return reader.one(_by_id(using), [pk], suffix=suffix, using=using)  # type: ignore[no-any-return]


def case_with_item(case_id: int, *, using: str = "default") -> Case | None:
    """The case with ``item_version`` and ``department`` set (None where the case has none),
    in one statement; no lock."""
    if not _in_range(case_id):
        return None
    return _CASE_ITEM.one(_by_id(using), [case_id], using=using)  # type: ignore[no-any-return]


def open_tasks(case: Case, *, using: str = "default") -> list[CaseTask]:
    """The case's open tasks in the order they were opened (``task.case`` is ``case``)."""

    def col(name: str) -> str:
        return "m." + quoted_column(CaseTask, name, using=using)

    return _TASK.all(
        f"{col('case')} = %s AND {col('closed_at')} IS NULL",
        [case.pk],
        suffix=f"ORDER BY {col('id')}",
        parent=("case", case),
        using=using,
    )
