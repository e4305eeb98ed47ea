"""The staff lists (work queues, the acceptance queue, the search), through the API and the
workbench, show their rows from the columns ``fixed_reads.list_cases`` reads
(``STAFF_LIST_FIELDS``) and nothing else: a field left out of that list but shown by a page
would be loaded by Django one query per row. Each list here has rows, and no request may read a
case (or its department) by its id on its own."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.cases.conftest import HOMESTEAD
from tests.cases.test_outcomes import _staff, _walk_in
from zhengwu.cases import services
from zhengwu.org.models import Department

pytestmark = pytest.mark.django_db

# Django's deferred loading: ``SELECT … FROM "cases_case" WHERE "cases_case"."id" = …``, and
# the same for the handling department (the rows join its name only)
ONE_ROW_BY_ID = re.compile(r'FROM "(cases_case|org_department)"\s+WHERE "\1"\."id" = ')


def _get(user, path: str) -> tuple[str, list[str]]:
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, response.content[:300]
    return response.content.decode(), [q["sql"] for q in queries.captured_queries]


def test_no_list_loads_a_case_field_by_field(world):
    waiting = _walk_in(world, HOMESTEAD)  # awaiting acceptance
    handled = services.accept(case_id=_walk_in(world, HOMESTEAD).pk, user=world.clerk)
    department = Department.objects.get(pk=handled.department_id)
    approver = _staff(department, "approver")
    claimed = services.accept(case_id=_walk_in(world, HOMESTEAD).pk, user=world.clerk)
    services.claim(case_id=claimed.pk, user=approver)
    name = waiting.applicant_name
    api = "/api/v1/cases/staff"
    workbench = reverse("cases_workbench:index")
    search = reverse("cases_workbench:search")
    lists = [
        (world.clerk, f"{api}/queue?kind=acceptance", [waiting]),
        (approver, f"{api}/queue?kind=department", [handled]),
        (approver, f"{api}/queue?kind=mine", [claimed]),
        (approver, f"{api}/search?applicant_name={name}", [waiting, handled, claimed]),
        (world.clerk, f"{api}/search?applicant_name={name}", [waiting, handled, claimed]),
        (world.supervisor, f"{api}/search?applicant_name={name}", [waiting, handled, claimed]),
        (world.clerk, f"{workbench}?queue=acceptance", [waiting]),
        (approver, f"{workbench}?queue=department", [handled]),
        (approver, f"{workbench}?queue=mine", [claimed]),
        (approver, f"{search}?applicant_name={name}", [waiting, handled, claimed]),
        (world.clerk, f"{search}?status=in_progress", [handled, claimed]),
    ]
    for user, path, expected in lists:
        content, statements = _get(user, path)
        for case in expected:
            assert case.number in content, (path, case.number)
        loads = [sql for sql in statements if ONE_ROW_BY_ID.search(sql)]
        assert loads == [], (path, loads)
