"""cases.fixed_reads: the hand-written case lock and open-task read must give exactly what the
ORM gives (encrypted personal data included), and lock what the ORM locked."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.cases.conftest import FOOD
from tests.cases.test_outcomes import _walk_in
from zhengwu.cases import fixed_reads, services
from zhengwu.cases.models import Case, CaseTask

pytestmark = pytest.mark.django_db


def _accepted(world) -> Case:
    case = _walk_in(world, FOOD)
    return services.accept(case_id=case.pk, user=world.clerk)


def test_the_locked_case_is_the_orms_case_field_for_field(world):
    case = _accepted(world)
    fresh = Case.objects.select_related("process").get(pk=case.pk)
    for with_process in (False, True):
        locked = fixed_reads.lock_case(case.pk, with_process=with_process)
        assert locked is not None
        for field in Case._meta.concrete_fields:
            assert getattr(locked, field.attname) == getattr(fresh, field.attname), field.name
        assert locked.applicant_phone == "13900000000"  # decrypted by its field's converter
        assert locked._state.adding is False and not locked.get_deferred_fields()
    with CaptureQueriesContext(connection) as queries:
        locked = fixed_reads.lock_case(case.pk, with_process=True)
        assert locked.process.bpmn == fresh.process.bpmn  # joined: no second query
    assert len(queries) == 1


def test_the_lock_is_for_update_of_the_case_only(world):
    case = _accepted(world)
    with CaptureQueriesContext(connection) as queries:
        fixed_reads.lock_case(case.pk)
        fixed_reads.lock_case(case.pk, with_process=True)
    plain, joined = (q["sql"] for q in queries)
    if connection.features.has_select_for_update:
        assert plain.endswith("FOR UPDATE")
        assert joined.endswith("FOR UPDATE OF m")  # never the shared process definition
    else:
        assert "FOR UPDATE" not in plain + joined


def test_a_case_without_a_process_joins_none(world):
    draft = _walk_in(world, FOOD)  # submitted, not accepted: no process yet
    locked = fixed_reads.lock_case(draft.pk, with_process=True)
    assert locked is not None and locked.process_id is None and locked.process is None


def test_an_unknown_or_malformed_id(world):
    assert fixed_reads.lock_case(999_999_999) is None
    with pytest.raises(ValueError):  # as Case.objects.filter(pk="x") refuses it
        fixed_reads.lock_case("x")


def test_open_tasks_are_the_orms_in_order_and_know_their_case(world):
    case = _accepted(world)
    expected = list(case.tasks.filter(closed_at__isnull=True).order_by("id"))
    assert expected  # the review step is open
    got = fixed_reads.open_tasks(case)
    assert [t.pk for t in got] == [t.pk for t in expected]
    for mine, theirs in zip(got, expected, strict=True):
        for field in CaseTask._meta.concrete_fields:
            assert getattr(mine, field.attname) == getattr(theirs, field.attname), field.name
    with CaptureQueriesContext(connection) as queries:
        assert got[0].case is case
    assert len(queries) == 0
    CaseTask.objects.filter(case=case).update(closed_at=case.accepted_at)
    assert fixed_reads.open_tasks(case) == []


def test_the_case_with_its_item_is_the_orms(world):
    from zhengwu.cases.selectors import case_by_id

    case = _accepted(world)
    fresh = Case.objects.select_related("item_version", "department").get(pk=case.pk)
    with CaptureQueriesContext(connection) as queries:
        got = case_by_id(str(case.pk))
        version, department = got.item_version, got.department
    assert len(queries) == 1
    for model_fields, mine, theirs in (
        (Case._meta.concrete_fields, got, fresh),
        (type(version)._meta.concrete_fields, version, fresh.item_version),
        (type(department)._meta.concrete_fields, department, fresh.department),
    ):
        for field in model_fields:
            assert getattr(mine, field.attname) == getattr(theirs, field.attname), field.name
    assert case_by_id(2**70) is None and case_by_id("x") is None
    assert fixed_reads.lock_case(2**70) is None


def test_a_step_writes_only_the_case_fields_it_changed(world):
    case = _accepted(world)
    with CaptureQueriesContext(connection) as queries:
        services.complete_step(case_id=case.pk, user=world.approver, action="pass", opinion="符合")
    updates = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "cases_case"')]
    assert len(updates) == 1
    written = updates[0].split(" WHERE ")[0]
    assert '"current_step"' in written and '"engine_state"' in written
    assert '"updated_at"' in written  # auto_now, as save() stamps it
    for untouched in ("applicant_id_number", "applicant_phone", "form_encrypted", "number"):
        assert f'"{untouched}"' not in written  # personal data is not re-encrypted and re-sent
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.current_step == "decide" and fresh.applicant_phone == "13900000000"
    assert fresh.number == case.number


def test_has_material_from_is_the_orms_exists(world):
    from zhengwu.cases.choices import MaterialSource
    from zhengwu.cases.models import CaseMaterial

    case = _walk_in(world, FOOD)
    for source in (MaterialSource.LICENCE, MaterialSource.PAPER, ""):
        expected = CaseMaterial.objects.filter(case=case, source=source).exists()
        assert fixed_reads.has_material_from(case.pk, source) is expected
    assert fixed_reads.has_material_from(case.pk, MaterialSource.PAPER) is True  # a walk-in
    assert fixed_reads.has_material_from(2**70, MaterialSource.PAPER) is False
