"""Staff case search through the access projection (``CaseAccess``): each department finds
exactly the cases it handles, received or had a task in, with the status and warning level
the cases have now. (Every test of this package also checks, on teardown, that the
projection is in step with what its services wrote: ``conftest.assert_access_in_step``.)"""

from __future__ import annotations

from datetime import date

import pytest

from tests.cases.conftest import HOMESTEAD
from tests.cases.test_outcomes import _staff, _walk_in
from zhengwu.cases import access, selectors, services
from zhengwu.cases.choices import CaseStatus, WarningLevel
from zhengwu.cases.models import CaseAccess, CaseTask
from zhengwu.org.models import Department

pytestmark = pytest.mark.django_db


def _names(cases):
    return [c.number for c in cases]


def test_each_department_finds_by_name_the_cases_it_is_involved_in(world):
    case = _walk_in(world, HOMESTEAD)
    name = case.applicant_name
    # awaiting acceptance: any window clerk (综合窗口), the venue and the handling body
    assert _names(selectors.search_cases(world.clerk2, applicant_name=name)) == [case.number]
    lead = Department.objects.get(pk=case.department_id)
    lead_approver = _staff(lead, "approver")
    assert _names(selectors.search_cases(lead_approver, applicant_name=name)) == [case.number]
    assert selectors.search_cases(world.other_approver, applicant_name=name) == []

    case = services.accept(case_id=case.pk, user=world.clerk)
    # accepted: no longer the other venue's, still the receiving venue's
    assert selectors.search_cases(world.clerk2, applicant_name=name) == []
    assert _names(selectors.search_cases(world.clerk, applicant_name=name)) == [case.number]
    joint = set(world.version(HOMESTEAD).joint_bodies)
    joint_departments = list(Department.objects.filter(name__in=joint))
    assert joint_departments
    joint_approvers = [_staff(d, "approver") for d in joint_departments]
    pairs = zip(joint_approvers, joint_departments, strict=True)
    outside = [approver for approver, d in pairs if d.pk != lead.pk]
    assert outside  # at least one joint body is not the lead department
    # not involved before the joint review opens its tasks
    assert all(selectors.search_cases(a, applicant_name=name) == [] for a in outside)

    services.complete_step(case_id=case.pk, user=lead_approver, action="pass", opinion="牵头审查")
    for approver in joint_approvers:
        found = selectors.search_cases(approver, applicant_name=name, status="in_progress")
        assert _names(found) == [case.number]
        assert selectors.search_cases(approver, applicant_name=name, status="concluded") == []
    assert _names(selectors.search_cases(world.supervisor, applicant_name=name)) == [case.number]
    assert selectors.search_cases(world.other_approver, applicant_name=name) == []
    rows = set(CaseAccess.objects.filter(case=case).values_list("department_id", flat=True))
    tasks = set(CaseTask.objects.filter(case=case).values_list("department_id", flat=True))
    assert rows == {case.department_id, case.receiving_department_id} | tasks


def test_search_by_status_and_warning_follows_the_case(world):
    case = _walk_in(world, HOMESTEAD)
    case = services.accept(case_id=case.pk, user=world.clerk)
    lead_approver = _staff(Department.objects.get(pk=case.department_id), "approver")

    def overdue_found() -> list[str]:
        return _names(
            selectors.search_cases(lead_approver, status="in_progress", warning="overdue")
        )

    assert overdue_found() == []
    services.warnings_recompute(today=date(2099, 1, 5))
    case.refresh_from_db()
    assert case.warning_level == WarningLevel.OVERDUE
    assert overdue_found() == [case.number]
    head = _staff(Department.objects.get(pk=case.department_id), "department_head")
    services.terminate(case_id=case.pk, user=head, reason="申请人死亡")
    assert overdue_found() == []
    found = selectors.search_cases(lead_approver, status=CaseStatus.TERMINATED)
    assert _names(found) == [case.number]


def test_drift_names_what_is_out_of_step_and_rebuild_mends_it(world):
    case = _walk_in(world, HOMESTEAD)
    assert access.drift() == {"missing": [], "extra": []}
    CaseAccess.objects.filter(case=case, department_id=case.department_id).delete()
    CaseAccess.objects.filter(case=case).update(status=CaseStatus.CONCLUDED)
    drift = access.drift()
    assert {row[1] for row in drift["missing"]} == {
        case.department_id,
        case.receiving_department_id,
    }
    assert [row[2] for row in drift["extra"]] == [CaseStatus.CONCLUDED]
    written = access.rebuild()
    assert written == CaseAccess.objects.count() >= 2
    assert access.drift() == {"missing": [], "extra": []}


def test_the_command_checks_and_rebuilds(world):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    case = _walk_in(world, HOMESTEAD)
    out = StringIO()
    call_command("case_access", "check", stdout=out)
    assert "in step" in out.getvalue()
    CaseAccess.objects.filter(case=case).delete()
    err = StringIO()
    with pytest.raises(CommandError, match="rebuild"):
        call_command("case_access", "check", stderr=err)
    assert f"missing: case {case.pk}" in err.getvalue()
    call_command("case_access", "rebuild", stdout=out)
    assert f"rebuilt: {CaseAccess.objects.count()} rows" in out.getvalue()
    assert CaseAccess.objects.filter(case=case).exists()
    call_command("case_access", "check", stdout=out)
