"""The case-access projection (``CaseAccess``): which departments may see a case, with copies
of the fields staff search by, kept in the transaction of every change it copies.

Who calls what (``cases.services``):

- :func:`open_rows` when a draft is submitted (or a bundle's child case is made): the rows of
  the handling department and the venue.
- :func:`follow` after every later save that may change a submitted case's status, warning
  level, applicant name, handling department or receiving venue: it updates the copies and
  adds the row of a venue set later (acceptance, refusal).
- :func:`include` when a task opens in a department that is neither (joint review).
- :func:`set_warning` from the warning recompute, which updates cases in bulk.

:func:`drift` compares the table with what the cases say (tests, ``manage.py case_access``);
:func:`rebuild` rewrites it from them (the migration that made it, a repair).
"""

from __future__ import annotations

import functools
from typing import Any

from django.db import connections, transaction

from zhengwu.cases.choices import CaseStatus
from zhengwu.cases.models import Case, CaseAccess, CaseTask
from zhengwu.kernel.fastread import quote, quoted_column

# Every statement here is spelt from the models' quoted table and column names (S608).


@functools.lru_cache(maxsize=4)
def _names(using: str) -> dict[str, str]:
    def column(model: Any, name: str) -> str:
        return quoted_column(model, name, using=using)

    return {
        "access": quote(CaseAccess._meta.db_table, using=using),
        "a_case": column(CaseAccess, "case_id"),
        "a_dept": column(CaseAccess, "department_id"),
        "a_status": column(CaseAccess, "status"),
        "a_warning": column(CaseAccess, "warning_level"),
        "a_name": column(CaseAccess, "applicant_name"),
        "a_created": column(CaseAccess, "created_at"),
        "case": quote(Case._meta.db_table, using=using),
        "c_id": column(Case, "id"),
        "c_dept": column(Case, "department_id"),
        "c_venue": column(Case, "receiving_department_id"),
        "c_status": column(Case, "status"),
        "c_warning": column(Case, "warning_level"),
        "c_name": column(Case, "applicant_name"),
        "c_created": column(Case, "created_at"),
        "task": quote(CaseTask._meta.db_table, using=using),
        "t_case": column(CaseTask, "case_id"),
        "t_dept": column(CaseTask, "department_id"),
    }


@functools.lru_cache(maxsize=4)
def _update_sql(using: str) -> str:
    n = _names(using)
    return (
        f"UPDATE {n['access']} SET {n['a_status']} = %s, {n['a_warning']} = %s,"  # noqa: S608
        f" {n['a_name']} = %s WHERE {n['a_case']} = %s RETURNING {n['a_dept']}"
    )


def _insert_into(using: str) -> str:
    """``INSERT INTO case_access (case, department, status, warning, name, created)``."""
    n = _names(using)
    columns = ", ".join(n[k] for k in ("a_case", "a_dept", "a_status", "a_warning", "a_name"))
    return f"INSERT INTO {n['access']} ({columns}, {n['a_created']})"


@functools.lru_cache(maxsize=4)
def _insert_sql(using: str) -> str:
    n = _names(using)
    return (
        f"{_insert_into(using)} VALUES (%s, %s, %s, %s, %s, %s)"
        f" ON CONFLICT ({n['a_case']}, {n['a_dept']}) DO NOTHING"
    )


def _insert(case: Case, department_ids: list[int], using: str) -> None:
    created = CaseAccess._meta.get_field("created_at").get_db_prep_value(
        case.created_at, connections[using]
    )
    with connections[using].cursor() as cursor:
        cursor.executemany(
            _insert_sql(using),
            [
                (case.pk, d, case.status, case.warning_level, case.applicant_name, created)
                for d in department_ids
            ],
        )


def _home(case: Case) -> list[int]:
    """The departments every submitted case has rows for: handling department and venue."""
    return [d for d in dict.fromkeys((case.department_id, case.receiving_department_id)) if d]


def follow(case: Case, *, using: str = "default") -> None:
    """Bring the case's rows in step with the case as just saved (one statement when its
    departments already have rows; none for a draft)."""
    if case.status == CaseStatus.DRAFT:
        return
    with connections[using].cursor() as cursor:
        cursor.execute(
            _update_sql(using),
            [case.status, case.warning_level, case.applicant_name, case.pk],
        )
        present = {row[0] for row in cursor.fetchall()}
    wanted = [d for d in _home(case) if d not in present]
    if wanted:
        _insert(case, wanted, using)


def open_rows(case: Case, *, using: str = "default") -> None:
    """The case was just submitted (it was a draft, which has no rows): write the rows of its
    handling department and venue without looking for existing ones first."""
    wanted = _home(case)
    if wanted and case.status != CaseStatus.DRAFT:
        _insert(case, wanted, using)


def include(case: Case, department_id: int, *, using: str = "default") -> None:
    """A task of the case opened in ``department_id``: that department may see the case from
    now on (a row is added unless it has one)."""
    if case.status == CaseStatus.DRAFT or department_id in _home(case):
        return  # a draft has no rows; the handling department and the venue have theirs
    _insert(case, [department_id], using)


def set_warning(case_id: int, level: str) -> None:
    """The warning recompute changed a case's level (``Case.objects.update``)."""
    CaseAccess.objects.filter(case_id=case_id).update(warning_level=level)


# --- whole-table checks ------------------------------------------------------------------


def _expected_sql(using: str) -> str:
    """(case, department, status, warning, name, created) as the cases say."""
    n = _names(using)
    return (
        f"SELECT c.{n['c_id']}, x.dept, c.{n['c_status']}, c.{n['c_warning']},"  # noqa: S608
        f" c.{n['c_name']}, c.{n['c_created']} FROM ("
        f"SELECT {n['c_id']} AS case_id, {n['c_dept']} AS dept FROM {n['case']}"
        f" WHERE {n['c_dept']} IS NOT NULL"
        f" UNION SELECT {n['c_id']}, {n['c_venue']} FROM {n['case']}"
        f" WHERE {n['c_venue']} IS NOT NULL"
        f" UNION SELECT {n['t_case']}, {n['t_dept']} FROM {n['task']}"
        f") x JOIN {n['case']} c ON c.{n['c_id']} = x.case_id"
        f" WHERE c.{n['c_status']} <> %s"
    )


def _stored_sql(using: str) -> str:
    n = _names(using)
    return (
        f"SELECT {n['a_case']}, {n['a_dept']}, {n['a_status']}, {n['a_warning']},"  # noqa: S608
        f" {n['a_name']}, {n['a_created']} FROM {n['access']}"
    )


def drift(*, limit: int = 100, using: str = "default") -> dict[str, list[tuple]]:
    """Rows the table lacks (``missing``) and rows it should not have or has stale
    (``extra``), up to ``limit`` each: both empty when it is in step with the cases."""
    expected, stored = _expected_sql(using), _stored_sql(using)
    out: dict[str, list[tuple]] = {}
    with connections[using].cursor() as cursor:
        for key, sql, params in (
            ("missing", f"{expected} EXCEPT {stored}", [CaseStatus.DRAFT]),
            ("extra", f"{stored} EXCEPT {expected}", [CaseStatus.DRAFT]),
        ):
            cursor.execute(f"SELECT * FROM ({sql}) d LIMIT {int(limit)}", params)  # noqa: S608
            out[key] = [tuple(row) for row in cursor.fetchall()]
    return out


def rebuild(*, using: str = "default") -> int:
    """Rewrite the table from the cases and their tasks; returns the rows written."""
    n = _names(using)
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute(f"DELETE FROM {n['access']}")  # noqa: S608
        cursor.execute(f"{_insert_into(using)} {_expected_sql(using)}", [CaseStatus.DRAFT])
        return cursor.rowcount


__all__ = ["drift", "follow", "include", "open_rows", "rebuild", "set_warning"]
