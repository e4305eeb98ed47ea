"""Reads: visibility by role, caller masking, caller history and the department's orders
(query counts pinned), location resolution, duplicates."""

from __future__ import annotations

import pytest
from freezegun import freeze_time

from tests.factories import make_citizen, make_staff
from tests.hotline.core_helpers import NOISE_TEXT, dispatched, phone_ticket, routing_rules
from zhengwu.hotline import selectors, services
from zhengwu.kernel.errors import InvalidInput, NotAllowed, NotFound

TUESDAY_10AM = "2026-03-10 02:00:00"  # UTC


@pytest.fixture
def world(hl):
    routing_rules(hl)
    return hl


@freeze_time(TUESDAY_10AM)
def test_ticket_for_reads_what_the_orm_reads_in_one_statement(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from zhengwu.hotline.models import Ticket

    ticket, _ = dispatched(world)
    other = phone_ticket(world)
    Ticket.objects.filter(pk=other.pk).update(merged_into=ticket)
    related = ("topic", "department", "proposed_department", "street", "community")
    for wanted in (ticket, other):
        fresh = Ticket.objects.select_related(*related, "merged_into").get(pk=wanted.pk)
        got = selectors.ticket_for(world.agent, wanted.number)
        for field in Ticket._meta.concrete_fields:
            assert getattr(got, field.attname) == getattr(fresh, field.attname), field.name
        with CaptureQueriesContext(connection) as queries:
            for name in related:
                mine, theirs = getattr(got, name), getattr(fresh, name)
                assert (mine.pk if mine else None) == (theirs.pk if theirs else None), name
                if mine is not None:
                    assert str(mine) == str(theirs)
            assert (got.merged_into.number if got.merged_into else None) == (
                fresh.merged_into.number if fresh.merged_into else None
            )
        assert len(queries) == 0
    assert selectors.ticket_for(world.agent, other.pk).merged_into.number == ticket.number


@freeze_time(TUESDAY_10AM)
def test_events_and_orders_are_the_orms_in_order(world):
    from zhengwu.hotline.models import TicketEvent, WorkOrder

    ticket, _ = dispatched(world)
    events = TicketEvent.objects.filter(ticket=ticket).order_by("at", "id")
    orders = WorkOrder.objects.filter(ticket=ticket).order_by("round", "role", "id")
    staff = selectors.ticket_events(world.agent, ticket)
    assert [e.pk for e in staff] == [e.pk for e in events]
    assert [e.pk for e in selectors.ticket_events(world.agent, ticket, public_only=True)] == [
        e.pk for e in events if e.public
    ]
    assert [e.pk for e in selectors.ticket_events(world.citizen, ticket)] == [
        e.pk for e in events if e.public
    ]
    assert len(staff) > len([e for e in events if e.public])  # the filter is exercised
    got_orders = selectors.ticket_orders(ticket)
    assert [o.pk for o in got_orders] == [o.pk for o in orders] and got_orders
    for mine, theirs in zip(staff, events, strict=True):
        for field in TicketEvent._meta.concrete_fields:
            assert getattr(mine, field.attname) == getattr(theirs, field.attname), field.name
        assert mine.ticket is ticket
        assert (mine.department.name if mine.department else "") == (
            theirs.department.name if theirs.department else ""
        )
    assert got_orders[0].department.name == orders[0].department.name
    assert got_orders[0].ticket is ticket


@freeze_time(TUESDAY_10AM)
def test_visibility_by_role(world):
    ticket, _ = dispatched(world)
    mine = services.intake_ticket(by=world.citizen, channel="web", text="请问供暖费怎么交？")
    for viewer in (world.agent, world.dispatcher, world.supervisor, world.urban_handler):
        assert selectors.ticket_for(viewer, ticket.pk).pk == ticket.pk
    assert selectors.ticket_for(world.agent, ticket.number).pk == ticket.pk
    for viewer in (world.housing_handler, world.citizen, None, make_citizen(phone="13900000001")):
        with pytest.raises(NotFound):
            selectors.ticket_for(viewer, ticket.pk)
    assert selectors.ticket_for(world.citizen, mine.pk).pk == mine.pk
    with pytest.raises(NotFound):
        selectors.ticket_for(world.urban_handler, mine.pk)
    with pytest.raises(NotFound):
        selectors.ticket_for(world.agent, 10**9)


@freeze_time(TUESDAY_10AM)
def test_caller_is_masked_outside_the_centre_and_hidden_for_anonymous_reports(world):
    ticket, _ = dispatched(world)
    assert selectors.caller_phone_for(world.agent, ticket) == "13912345678"
    assert selectors.caller_name_for(world.agent, ticket) == "李强"
    masked = selectors.caller_phone_for(world.urban_handler, ticket)
    assert masked != "13912345678" and masked.startswith("139") and masked.endswith("5678")
    assert selectors.caller_name_for(world.urban_handler, ticket) != "李强"
    report = services.intake_ticket(
        by=world.agent, channel="phone", text="某工地偷排污水", category="report",
        anonymous=True, caller_phone="13911112222",
    )  # fmt: skip
    assert selectors.caller_phone_for(world.agent, report) == "13911112222"
    assert selectors.caller_phone_for(world.urban_handler, report) == ""


@freeze_time(TUESDAY_10AM)
def test_caller_history_is_one_indexed_query_for_the_centre_only(
    world, django_assert_max_num_queries
):
    for n in range(5):
        phone_ticket(world, text=f"{NOISE_TEXT}（第{n}次）")
    phone_ticket(world, caller_phone="13688889999")
    world.agent.refresh_from_db()
    selectors.caller_history(world.agent, "13688889999")  # roles cached on the user object
    with django_assert_max_num_queries(1):
        history = selectors.caller_history(world.agent, "139-1234-5678", limit=3)
        numbers = [t.number for t in history] + [t.department_id for t in history]
    assert len(history) == 3 and numbers[0] > numbers[1] > numbers[2]
    assert all(t.caller_phone == "13912345678" for t in history)
    with pytest.raises(NotAllowed):
        selectors.caller_history(world.urban_handler, "13912345678")
    with pytest.raises(InvalidInput):
        selectors.caller_history(world.agent, "12")


@freeze_time(TUESDAY_10AM)
def test_department_orders_query_count_does_not_grow(world, django_assert_max_num_queries):
    for _ in range(6):
        dispatched(world)
    other, _ = dispatched(world)
    services.dispatch(ticket_id=other.pk, by=world.dispatcher, department_id=world.housing.pk)
    handler = world.urban_handler
    list(selectors.department_orders(handler))  # roles cached on the user object
    with django_assert_max_num_queries(1):
        rows = [
            (o.ticket.number, o.ticket.street_id, o.ticket.topic_id, o.department.name)
            for o in selectors.department_orders(handler)
        ]
    assert len(rows) == 6
    assert len(selectors.department_orders(world.housing_handler)) == 1
    assert not selectors.department_orders(world.citizen).exists()
    assert len(selectors.department_orders(handler, status="cancelled")) == 1
    with pytest.raises(InvalidInput):
        selectors.department_orders(handler, status="lost")


def test_resolve_location_by_code_and_by_name(world):
    loc = selectors.resolve_location("灞桥区席王街道某小区")
    assert loc.street.name == "席王街道" and loc.community is None
    loc = selectors.resolve_location("纺织城半坡路社区3号楼")
    assert loc.street.name == "纺织城街道" and loc.community.name == "半坡路社区"
    loc = selectors.resolve_location("", community_code="610111001002")
    assert loc.street.code == "610111001" and loc.community.name == "纺渭路社区"
    loc = selectors.resolve_location("某地", street_code="610111002")
    assert loc.street.name == "十里铺街道"
    assert selectors.resolve_location("外省某地").street is None
    with pytest.raises(InvalidInput):
        selectors.resolve_location("", street_code="610111001", community_code="610111002001")
    with pytest.raises(InvalidInput):
        selectors.resolve_location("", street_code="610111")  # a district, not a street
    assert selectors.street_office_for(loc.street).name == "十里铺街道办事处"


@freeze_time(TUESDAY_10AM)
def test_duplicate_window_and_unrelated_tickets(world, settings):
    first = phone_ticket(world)
    unrelated = phone_ticket(world, text="咨询社保卡补办需要什么材料", address="")
    assert first not in selectors.duplicate_candidates(unrelated)
    with freeze_time("2026-03-14 02:00:00"):  # 96 hours later
        late = phone_ticket(world)
    assert first not in selectors.duplicate_candidates(late)
    settings.HOTLINE_DUPLICATE_WINDOW_HOURS = 120
    assert first in selectors.duplicate_candidates(late)


@freeze_time(TUESDAY_10AM)
def test_centre_lists_are_for_the_centre(world):
    phone_ticket(world)
    for fn in (selectors.dispatch_queue, selectors.awaiting_close, selectors.awaiting_callback):
        with pytest.raises(NotAllowed):
            fn(world.urban_handler)
    assert not selectors.pending_extensions(world.urban_handler).exists()
    other_centre = make_staff(department=world.centre, roles=["window_clerk"])
    with pytest.raises(NotAllowed):
        selectors.dispatch_queue(other_centre)


def test_topic_by_code_is_the_active_topic_with_its_department(world):
    from zhengwu.hotline.models import Topic

    Topic.objects.create(
        code="noise", name="噪音扰民", category="complaint", department=world.urban,
        attributes=[{"code": "period", "variable": True, "datatype": "string"}],
    )  # fmt: skip
    Topic.objects.create(code="advice", name="建议", category="suggestion")
    topic = Topic.objects.select_related("department").get(code="noise")
    got = selectors.topic_by_code("noise")
    for field in Topic._meta.concrete_fields:
        assert getattr(got, field.attname) == getattr(topic, field.attname), field.name
    assert (got.department.name if got.department else None) == (
        topic.department.name if topic.department else None
    )
    assert selectors.topic_by_code("advice").department is None  # LEFT JOIN
    assert selectors.topic_by_code("no-such-topic") is None
    Topic.objects.filter(pk=topic.pk).update(active=False)
    assert selectors.topic_by_code("noise") is None
