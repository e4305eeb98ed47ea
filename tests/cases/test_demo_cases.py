"""The demo loads cases in every state through the services, once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from zhengwu.cases.choices import CaseKind, CaseStatus
from zhengwu.cases.models import Case, Notice

pytestmark = pytest.mark.django_db


def test_demo_cases_cover_every_state_and_load_once():
    out = StringIO()
    call_command("demo", stdout=out)
    assert "demo cases" in out.getvalue()
    statuses = set(Case.objects.exclude(kind=CaseKind.CHILD).values_list("status", flat=True))
    assert {
        CaseStatus.SUBMITTED,
        CaseStatus.CORRECTION,
        CaseStatus.IN_PROGRESS,
        CaseStatus.DECIDED,
        CaseStatus.CONCLUDED,
    } <= statuses
    assert Case.objects.filter(kind=CaseKind.BUNDLE).count() == 1
    assert Case.objects.filter(kind=CaseKind.CHILD, status=CaseStatus.IN_PROGRESS).count() >= 2
    count = Case.objects.count()
    notices = Notice.objects.count()
    call_command("demo", stdout=StringIO())
    assert Case.objects.count() == count and Notice.objects.count() == notices
