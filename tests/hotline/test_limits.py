"""Time limits and 督办 across the real 2025 calendar: National Day + Mid-Autumn holidays
1–8 October 2025, with make-up working days Sunday 28 September and Saturday 11 October."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from tests.hotline.core_helpers import phone_ticket, routing_rules
from zhengwu.accounts.choices import StaffRole
from zhengwu.hotline import limits, selectors, services
from zhengwu.hotline.choices import EventKind, SupervisionKind
from zhengwu.hotline.models import Supervision, TimeLimitRule, WorkOrder
from zhengwu.kernel.errors import NotAllowed

BJ = ZoneInfo("Asia/Shanghai")


def bj(*args: int) -> datetime:
    return datetime(*args, tzinfo=BJ)


@pytest.fixture
def calendar(db):
    from zhengwu.kernel import workdays

    workdays.seed_from_package()


def test_working_hours_skip_lunch_nights_and_the_national_day_holidays(calendar):
    assert limits.add_working_hours(bj(2025, 9, 30, 10, 0), 2) == bj(2025, 9, 30, 12, 0)
    assert limits.add_working_hours(bj(2025, 9, 30, 11, 0), 2) == bj(2025, 9, 30, 14, 0)
    assert limits.add_working_hours(bj(2025, 9, 30, 16, 30), 2) == bj(2025, 10, 9, 10, 0)
    assert limits.add_working_hours(bj(2025, 10, 3, 15, 0), 1) == bj(2025, 10, 9, 10, 0)
    # Saturday 27 Sept is a rest day, Sunday 28 Sept a make-up working day.
    assert limits.add_working_hours(bj(2025, 9, 27, 8, 0), 0.5) == bj(2025, 9, 28, 9, 30)
    assert limits.working_hours_between(bj(2025, 9, 30, 16, 30), bj(2025, 10, 9, 10, 0)) == 2.0


def test_order_dues_read_the_rule_and_the_calendar_once_and_agree(calendar):
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    TimeLimitRule.objects.create(
        category="complaint", priority="normal", sign_hours=4, limit=10, unit="working_day"
    )
    start = bj(2025, 9, 30, 16, 0)
    separately = (
        limits.sign_due(start, category="complaint", priority="normal"),
        *limits.handling_due(start, category="complaint", priority="normal"),
    )
    # a transaction of its own, as a request's: the calendar's stamp is checked once in it
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        together = limits.order_dues(start, category="complaint", priority="normal")
    assert together == separately
    assert together[0] == bj(2025, 10, 9, 11, 30)  # 1.5 h on 30 Sept, 2.5 h on 9 Oct
    tables = [q["sql"].split(" FROM ")[1].split()[0] for q in queries if " FROM " in q["sql"]]
    assert tables.count('"hotline_timelimitrule"') == 1
    assert tables.count('"kernel_calendaryear"') == 1  # the calendar's stamp, once


def test_office_hours_come_from_settings(calendar, settings):
    settings.HOTLINE_OFFICE_HOURS = "08:00-12:00,14:00-18:00"
    assert limits.add_working_hours(bj(2025, 9, 30, 11, 0), 2) == bj(2025, 9, 30, 15, 0)


def test_default_limits_by_category_and_priority(calendar):
    start = bj(2025, 9, 30, 10, 0)
    due, provisional = limits.handling_due(start, category="consult", priority="normal")
    assert due == bj(2025, 10, 11, 23, 59, 59) and not provisional  # 9, 10, 11 (Sat) Oct
    due, _ = limits.handling_due(start, category="complaint", priority="normal")
    # 9, 10, 11 (Sat, make-up), 13–17, 20–24 Oct: the 13th working day is Friday 24 Oct.
    assert due == bj(2025, 10, 24, 23, 59, 59)
    due, _ = limits.handling_due(start, category="complaint", priority="urgent")
    assert due == bj(2025, 10, 9, 23, 59, 59)
    due, _ = limits.handling_due(start, category="help", priority="emergency")
    assert due == bj(2025, 9, 30, 23, 59, 59)
    assert limits.sign_due(start, category="help", priority="emergency") == bj(2025, 9, 30, 10, 30)
    assert limits.sign_due(start, category="help", priority="normal") == bj(2025, 9, 30, 12, 0)
    assert limits.callback_due(bj(2025, 9, 30, 16, 0)) == bj(2025, 10, 9, 23, 59, 59)


def test_time_limit_rules_override_the_defaults(calendar):
    TimeLimitRule.objects.create(
        category="help", priority="normal", sign_hours=1, limit=8, unit="hour", callback_days=2
    )
    start = bj(2025, 9, 30, 10, 0)
    assert limits.sign_due(start, category="help", priority="normal") == bj(2025, 9, 30, 11, 0)
    due, _ = limits.handling_due(start, category="help", priority="normal")
    assert due == bj(2025, 10, 9, 10, 30)  # 6.5 office hours on 30 Sept, 1.5 on 9 Oct
    assert limits.is_short_limit(category="help", priority="normal")
    assert not limits.is_short_limit(category="complaint", priority="normal")


def test_provisional_for_a_year_not_loaded(calendar):
    _due, provisional = limits.handling_due(
        bj(2031, 12, 22, 10, 0), category="complaint", priority="normal"
    )
    assert provisional


def test_supervision_escalates_across_the_holiday(hl):
    routing_rules(hl)
    with freeze_time(bj(2025, 9, 30, 10, 0)):
        ticket = phone_ticket(hl, priority="urgent")
        services.dispatch(ticket_id=ticket.pk, by=hl.dispatcher, department_id=hl.urban.pk)
    order = WorkOrder.objects.get(ticket=ticket)
    assert order.sign_due_at == bj(2025, 9, 30, 12, 0)
    assert order.due_at == bj(2025, 10, 9, 23, 59, 59)  # one working day: after the holidays

    with freeze_time(bj(2025, 9, 30, 11, 0)):  # one working day left: due soon at once
        result = services.supervise_orders()
    assert result[SupervisionKind.DUE_SOON] == 1 and result[SupervisionKind.SIGN_OVERDUE] == 0
    with freeze_time(bj(2025, 9, 30, 15, 0)):
        result = services.supervise_orders()
    assert result[SupervisionKind.SIGN_OVERDUE] == 1 and result[SupervisionKind.DUE_SOON] == 0
    # During the holidays nothing more is earned; the sweep is idempotent.
    with freeze_time(bj(2025, 10, 5, 10, 0)):
        assert sum(services.supervise_orders().values()) == 0
    with freeze_time(bj(2025, 10, 10, 10, 0)):
        result = services.supervise_orders()
    assert result[SupervisionKind.OVERDUE] == 1 and result[SupervisionKind.ESCALATED] == 0
    order.refresh_from_db()
    assert order.supervision_level == SupervisionKind.OVERDUE
    # Saturday 11 Oct is a make-up working day: two working days late → the head.
    with freeze_time(bj(2025, 10, 11, 10, 0)):
        result = services.supervise_orders()
        assert result[SupervisionKind.ESCALATED] == 1
        assert sum(services.supervise_orders().values()) == 0
    order.refresh_from_db()
    assert order.supervision_level == SupervisionKind.ESCALATED
    notices = {s.kind: s for s in Supervision.objects.filter(order=order)}
    assert set(notices) == {
        SupervisionKind.SIGN_OVERDUE,
        SupervisionKind.DUE_SOON,
        SupervisionKind.OVERDUE,
        SupervisionKind.ESCALATED,
    }
    escalated = notices[SupervisionKind.ESCALATED]
    assert escalated.recipient_role == StaffRole.DEPARTMENT_HEAD
    assert escalated.department_id == hl.urban.pk
    assert ticket.events.filter(kind=EventKind.SUPERVISED).count() == 4

    assert escalated in selectors.supervisions_for(hl.urban_head)
    assert escalated not in selectors.supervisions_for(hl.urban_handler)
    assert notices[SupervisionKind.OVERDUE] in selectors.supervisions_for(hl.urban_handler)
    assert set(selectors.supervisions_for(hl.supervisor)) == set(notices.values())
    assert not selectors.supervisions_for(hl.housing_handler).exists()
    with pytest.raises(NotAllowed):
        services.acknowledge_supervision(supervision_id=escalated.pk, by=hl.urban_handler)
    services.acknowledge_supervision(supervision_id=escalated.pk, by=hl.urban_head)
    escalated.refresh_from_db()
    assert escalated.acknowledged_at is not None
    assert escalated not in selectors.supervisions_for(hl.urban_head)


def test_signed_replied_orders_are_not_supervised(hl):
    routing_rules(hl)
    with freeze_time(bj(2025, 9, 30, 10, 0)):
        ticket = phone_ticket(hl, priority="urgent")
        services.dispatch(ticket_id=ticket.pk, by=hl.dispatcher, department_id=hl.urban.pk)
        order = WorkOrder.objects.get(ticket=ticket)
        services.sign_order(order_id=order.pk, by=hl.urban_handler)
        services.reply_order(order_id=order.pk, by=hl.urban_handler, reply="已处理")
    with freeze_time(bj(2025, 10, 20, 10, 0)):
        assert sum(services.supervise_orders().values()) == 0
    assert not Supervision.objects.exists()


def test_due_soon_for_a_same_day_limit_is_two_working_hours(hl):
    routing_rules(hl)
    with freeze_time(bj(2025, 9, 30, 9, 0)):
        ticket = phone_ticket(hl, priority="emergency")
        services.dispatch(ticket_id=ticket.pk, by=hl.dispatcher, department_id=hl.urban.pk)
        order = WorkOrder.objects.get(ticket=ticket)
        services.sign_order(order_id=order.pk, by=hl.urban_handler)
    with freeze_time(bj(2025, 9, 30, 13, 0)):
        assert sum(services.supervise_orders().values()) == 0  # 4.5 office hours left
    with freeze_time(bj(2025, 9, 30, 16, 0)):
        assert services.supervise_orders()[SupervisionKind.DUE_SOON] == 1


def test_the_hotline_periodic_jobs_run_real_tasks(hl):
    from django.utils.module_loading import import_string

    from zhengwu.hotline import tasks
    from zhengwu.kernel.schedule import PERIODIC_JOBS

    jobs = {job.name: job for job in PERIODIC_JOBS if job.name.startswith("hotline.")}
    assert set(jobs) == {"hotline.supervise", "hotline.retrain", "hotline.daily_stats"}
    for job in jobs.values():
        assert import_string(job.task) is not None
    routing_rules(hl)
    with freeze_time(bj(2025, 9, 30, 10, 0)):
        ticket = phone_ticket(hl, priority="urgent")
        services.dispatch(ticket_id=ticket.pk, by=hl.dispatcher, department_id=hl.urban.pk)
    with freeze_time(bj(2025, 10, 11, 10, 0)):
        result = tasks.supervise_orders.enqueue()
    assert result.return_value[SupervisionKind.ESCALATED] == 1
    # Already overdue at the first sweep: no "due soon" notice any more.
    assert set(Supervision.objects.filter(order__ticket=ticket).values_list("kind", flat=True)) == {
        SupervisionKind.SIGN_OVERDUE,
        SupervisionKind.OVERDUE,
        SupervisionKind.ESCALATED,
    }
