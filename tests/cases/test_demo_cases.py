"""The demo loads cases in every state through the services, once; what it sends to other
systems waits for them (their endpoints registered switched off) rather than dying."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from zhengwu.cases.choices import CaseKind, CaseStatus
from zhengwu.cases.models import Case, Notice
from zhengwu.kernel.models import OutboxEndpoint, OutboxMessage, OutboxStatus
from zhengwu.kernel.outbox import deliver_due_messages

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


def test_demo_messages_wait_for_their_receivers():
    out = StringIO()
    call_command("demo", stdout=out)
    assert "receiving systems registered, switched off" in out.getvalue()
    endpoints = dict(OutboxEndpoint.objects.values_list("name", "active"))
    expected = {"licence-subscribers", "ratings-upstream"} | {
        f"emergency-{line}" for line in ("110", "119", "120", "122")
    }
    assert endpoints == dict.fromkeys(expected, False)
    sent_to = set(OutboxMessage.objects.values_list("endpoint", flat=True))
    assert {"licence-subscribers", "ratings-upstream", "emergency-119"} <= sent_to <= expected
    deliver_due_messages()
    assert not OutboxMessage.objects.filter(status=OutboxStatus.DEAD).exists()
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.PENDING}
