"""Limits in working days on the real 2025/2026 calendar (holidays and make-up working
days), and the overdue sweep: each overdue step is flagged and escalated exactly once."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from zhengwu.ratings import services, tasks
from zhengwu.ratings.models import Rectification, Supervision

pytestmark = pytest.mark.django_db
CST = ZoneInfo("Asia/Shanghai")


def _local(*args: int) -> datetime:
    return datetime(*args, tzinfo=CST)


def _bad(rw):
    review = services.rate(
        by=rw.applicant, subject_type="case", subject_key=rw.case.number, level=5, channel="1"
    )
    return Rectification.objects.get(review=review)


def test_verify_limit_runs_across_national_day_2025_and_escalates_once(rw):
    # 2025: 1–8 October are holidays; 11 October (a Saturday) is a make-up working day.
    with freeze_time("2025-09-30 10:00:00+08:00"):
        rect = _bad(rw)
    assert rect.verify_due == _local(2025, 10, 9, 23, 59, 59)
    assert services.escalate_overdue(now=_local(2025, 10, 5, 12)) == 0
    assert services.escalate_overdue(now=_local(2025, 10, 9, 23, 0)) == 0
    assert services.escalate_overdue(now=_local(2025, 10, 10, 0, 0, 1)) == 1
    assert services.escalate_overdue(now=_local(2025, 10, 10, 9)) == 0  # idempotent
    rect.refresh_from_db()
    assert rect.overdue and rect.escalated_at == _local(2025, 10, 10, 0, 0, 1)
    sup = Supervision.objects.get(rectification=rect)
    assert sup.step == "verify" and sup.department_id == rw.market.pk
    # Escalated to the department head and the supervisors (电子监察).
    assert set(sup.recipients) == {rw.market_head.pk, rw.supervisor.pk, rw.supervisor2.pk}
    kinds = list(rect.events.values_list("kind", flat=True))
    assert kinds.count("overdue") == 1

    # Verified late on 10 October: 15 working days, counting Saturday 11 October.
    with freeze_time("2025-10-10 15:00:00+08:00"):
        rect = services.verify(by=rw.market_handler, rectification_id=rect.pk, valid=True,
                               evidence="属实")  # fmt: skip
    assert rect.rectify_due == _local(2025, 10, 30, 23, 59, 59)
    assert services.escalate_overdue(now=_local(2025, 10, 30, 23, 0)) == 0
    assert services.escalate_overdue(now=_local(2025, 10, 31, 8)) == 1
    assert services.escalate_overdue(now=_local(2025, 11, 3, 8)) == 0
    assert set(Supervision.objects.values_list("step", flat=True)) == {"verify", "rectify"}


def test_spring_festival_2026_and_the_revisit_limit(rw):
    # 2026: Saturday 14 February is a make-up working day, 15–23 February are holidays.
    with freeze_time("2026-02-13 16:00:00+08:00"):
        rect = _bad(rw)
        assert rect.verify_due == _local(2026, 2, 14, 23, 59, 59)
        services.verify(by=rw.market_handler, rectification_id=rect.pk, valid=True, evidence="x")
        rect = services.rectify(by=rw.market_handler, rectification_id=rect.pk, measures="m",
                                reply="r")  # fmt: skip
    assert rect.revisit_due == _local(2026, 2, 25, 23, 59, 59)  # 14, 24, 25 February
    assert services.escalate_overdue(now=_local(2026, 2, 23, 12)) == 0
    assert services.escalate_overdue(now=_local(2026, 2, 26, 0, 30)) == 1
    with freeze_time("2026-02-26 09:00:00+08:00"):
        services.revisit(by=rw.market_handler, rectification_id=rect.pk, satisfied=True, note="好")
    assert services.escalate_overdue(now=_local(2026, 3, 30)) == 0  # closed: nothing more
    assert Supervision.objects.filter(step="revisit").count() == 1


def test_the_task_escalates_through_the_same_service(rw):
    with freeze_time("2025-01-02 09:00:00+08:00"):
        _bad(rw)
    with freeze_time("2025-01-10 09:00:00+08:00"):
        assert tasks.escalate_overdue.call() == 1
        assert tasks.escalate_overdue.call() == 0
    assert Rectification.objects.get().overdue


def test_in_time_steps_and_pending_invalid_decisions_are_not_escalated(rw):
    with freeze_time("2025-06-03 09:00:00+08:00"):
        rect = _bad(rw)
        services.verify(by=rw.market_handler, rectification_id=rect.pk, valid=False, evidence="x")
    assert services.escalate_overdue(now=_local(2025, 12, 31)) == 0
    with freeze_time("2025-06-03 10:00:00+08:00"):
        other = _bad_for_ticket(rw)
    assert services.escalate_overdue(now=_local(2025, 6, 4, 12)) == 0
    assert services.escalate_overdue(now=_local(2025, 6, 5, 0, 1)) == 1
    assert Supervision.objects.get().rectification_id == other.pk


def _bad_for_ticket(rw):
    review = services.rate(by=rw.applicant, subject_type="ticket", subject_key=rw.ticket.number,
                           level=4, channel="2")  # fmt: skip
    return Rectification.objects.get(review=review)


def test_supervision_is_listed_and_acknowledged_by_its_department(rw):
    from zhengwu.kernel.errors import NotFound
    from zhengwu.ratings import selectors

    with freeze_time("2025-01-02 09:00:00+08:00"):
        _bad(rw)
    services.escalate_overdue(now=_local(2025, 1, 10, 9))
    [sup] = selectors.supervisions_for(rw.market_head)
    assert selectors.supervisions_for(rw.housing_handler).count() == 0
    assert selectors.supervisions_for(rw.supervisor).count() == 1
    with pytest.raises(NotFound):
        services.acknowledge_supervision(by=rw.housing_handler, supervision_id=sup.pk)
    services.acknowledge_supervision(by=rw.market_head, supervision_id=sup.pk)
    assert selectors.supervisions_for(rw.market_head).count() == 0
    assert selectors.supervisions_for(rw.market_head, include_acknowledged=True).count() == 1
