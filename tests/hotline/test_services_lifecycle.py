"""Every lifecycle path of a hotline ticket through the services (issue 7 "Tickets",
"Work orders"): intake, direct answer, dispatch → sign → reply → close → callback, 退单 and
re-dispatch, 延期, callback not satisfied → reopen, forged reopen, merging."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from freezegun import freeze_time

from tests.hotline.core_helpers import (
    HEATING_TEXT,
    NOISE_TEXT,
    closed,
    counts,
    dispatched,
    lead_order,
    phone_ticket,
    replied,
    routing_rules,
)
from zhengwu.hotline import selectors, services
from zhengwu.hotline.choices import (
    CallbackResult,
    EventKind,
    ExtensionStatus,
    OrderStatus,
    RoutedBy,
    TicketStatus,
)
from zhengwu.hotline.models import (
    Callback,
    Extension,
    KnowledgeEntry,
    Ticket,
    TicketEvent,
    WorkOrder,
)
from zhengwu.kernel.crypto import blind_index
from zhengwu.kernel.errors import Conflict, InvalidInput, NotAllowed
from zhengwu.kernel.models import AuditEntry

BJ = ZoneInfo("Asia/Shanghai")
# Tuesday 10 March 2026, 10:00 in Xi'an: an ordinary working morning.
TUESDAY_10AM = datetime(2026, 3, 10, 10, 0, tzinfo=BJ)


@pytest.fixture
def world(hl):
    routing_rules(hl)
    return hl


@pytest.fixture
def emitted(monkeypatch):
    calls: list[tuple[str, dict]] = []
    real_emit = services.emit

    def spy(name, /, **payload):
        calls.append((name, payload))
        real_emit(name, **payload)

    monkeypatch.setattr(services, "emit", spy)
    return calls


def kinds(ticket: Ticket) -> list[str]:
    return list(ticket.events.order_by("at", "id").values_list("kind", flat=True))


# --- intake ---------------------------------------------------------------------------------


@freeze_time(TUESDAY_10AM)
def test_phone_intake_numbers_encrypts_routes_and_waits_for_the_dispatcher(world):
    ticket = phone_ticket(world)
    assert ticket.number == "1234520260310000001"
    assert phone_ticket(world).number == "1234520260310000002"
    assert ticket.status == TicketStatus.RECEIVED  # phone: an agent is on it, no auto-dispatch
    assert ticket.first_receiver_id == world.agent.pk
    assert ticket.channel == "phone" and ticket.category == "complaint"  # from the proposal
    assert ticket.proposed_department_id == world.urban.pk
    assert ticket.route_confidence == 1.0 and ticket.routed_by == RoutedBy.RULE
    # Location resolved from the address text.
    assert ticket.street.name == "纺织城街道" and ticket.community.name == "纺正街社区"
    # Caller identity: encrypted at rest, blind index of the normalised phone.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT caller_phone, caller_name FROM hotline_ticket WHERE id = %s", [ticket.pk]
        )
        raw = cursor.fetchone()
    assert "13912345678" not in raw[0] and "李强" not in raw[1]
    assert ticket.caller_phone_index == blind_index("13912345678", purpose="hotline.caller_phone")
    assert Ticket.objects.get(pk=ticket.pk).caller_phone == "13912345678"
    assert kinds(ticket) == [EventKind.RECEIVED, EventKind.ROUTED]
    assert AuditEntry.objects.filter(
        object_type="hotline.ticket", object_id=str(ticket.pk), action="hotline.received"
    ).exists()
    assert ticket in selectors.dispatch_queue(world.dispatcher)


@freeze_time(TUESDAY_10AM)
def test_the_number_is_taken_before_the_intake_transaction_opens(world, monkeypatch):
    """The day's counter row is written by one statement ahead of the intake's own
    transaction (its savepoint here, inside the test's transaction), so that the row is not
    held while the ticket is written; an intake that fails after that leaves a gap."""
    from django.test.utils import CaptureQueriesContext

    phone_ticket(world)
    with CaptureQueriesContext(connection) as queries:
        assert phone_ticket(world).number == "1234520260310000002"
    statements = [q["sql"] for q in queries.captured_queries]
    counter = [i for i, sql in enumerate(statements) if "hotline_ticketcounter" in sql]
    assert len(counter) == 1 and "RETURNING" in statements[counter[0]]
    first_savepoint = next(i for i, sql in enumerate(statements) if sql.startswith("SAVEPOINT"))
    assert counter[0] < first_savepoint

    def fail(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(services, "_audit_ticket", fail)
    with pytest.raises(RuntimeError):
        phone_ticket(world)
    monkeypatch.undo()
    assert phone_ticket(world).number == "1234520260310000004"  # 000003 went with the failure
    assert Ticket.objects.filter(number="1234520260310000003").count() == 0


@freeze_time(TUESDAY_10AM)
def test_web_intake_by_a_citizen_is_dispatched_automatically(world):
    ticket = services.intake_ticket(
        by=world.citizen, channel="web", text=NOISE_TEXT, address="纺织城街道纺正街12号"
    )
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.DISPATCHED
    assert ticket.caller_user_id == world.citizen.pk
    assert ticket.caller_phone == "13800138000"  # from the account
    assert ticket.first_receiver_id is None  # nobody at the centre took it
    order = lead_order(ticket)
    assert order.department_id == world.urban.pk and order.round == 1
    assert ticket.department_id == world.urban.pk and ticket.due_at == order.due_at
    # 2 working hours to sign for; a complaint has 13 working days.
    assert order.sign_due_at == datetime(2026, 3, 10, 12, 0, tzinfo=BJ)
    assert order.due_at == datetime(2026, 3, 27, 23, 59, 59, tzinfo=BJ)
    assert kinds(ticket) == [EventKind.RECEIVED, EventKind.ROUTED, EventKind.DISPATCHED]
    assert list(selectors.tickets_of_user(world.citizen)) == [ticket]


@freeze_time(TUESDAY_10AM)
def test_unconfident_or_emergency_proposals_wait_in_the_dispatch_queue(world):
    vague = services.intake_ticket(by=None, channel="open311", text="楼下那个事情一直没人管")
    fire = services.intake_ticket(
        by=None, channel="api", text="仓库着火了冒黑烟", caller_phone="13700001111"
    )
    assert vague.status == TicketStatus.RECEIVED and vague.proposed_department_id is None
    assert fire.status == TicketStatus.RECEIVED and fire.proposed_emergency == "119"
    assert WorkOrder.objects.count() == 0
    queue = list(selectors.dispatch_queue(world.dispatcher))
    assert vague in queue and fire in queue


@freeze_time(TUESDAY_10AM)
def test_intake_is_idempotent_on_its_key(world):
    first = services.intake_ticket(
        by=world.citizen, channel="mobile", text=HEATING_TEXT, idempotency_key="app-42"
    )
    before = counts()
    again = services.intake_ticket(
        by=world.citizen, channel="mobile", text=HEATING_TEXT, idempotency_key="app-42"
    )
    assert again.pk == first.pk and counts() == before


@freeze_time(TUESDAY_10AM)
def test_street_level_demand_goes_to_the_street_office(world, monkeypatch):
    from zhengwu.hotline import routing

    def street_proposal(*, text, address="", street_code=""):
        return routing.RouteProposal(
            department_id=None, department_name="街道办事处", emergency_line="",
            category="help", confidence=0.9, routed_by=RoutedBy.STREET, model_version="",
            needs_dispatcher=False,
        )  # fmt: skip

    monkeypatch.setattr(routing, "propose_route", street_proposal)
    ticket = services.intake_ticket(
        by=None, channel="open311", text="小区门口路灯坏了一排", address="灞桥区纺织城街道纺建路"
    )
    ticket.refresh_from_db()
    assert ticket.street.name == "纺织城街道"
    assert ticket.proposed_department_id == world.street_office.pk
    assert ticket.status == TicketStatus.DISPATCHED
    assert lead_order(ticket).department_id == world.street_office.pk


# --- direct answer ------------------------------------------------------------------------------


@freeze_time(TUESDAY_10AM)
def test_direct_answer_from_the_knowledge_base_closes_at_once(world, emitted):
    entry = KnowledgeEntry.objects.create(
        department=world.housing, question="供暖时间", answer="每年11月15日至次年3月15日。",
        status="published",
    )  # fmt: skip
    ticket = phone_ticket(world, text="请问今年什么时候开始供暖？")
    services.answer_directly(
        ticket_id=ticket.pk, by=world.agent, answer=entry.answer, knowledge_entry_id=entry.pk
    )
    ticket.refresh_from_db()
    entry.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED and ticket.answered_directly
    assert ticket.answer == entry.answer and ticket.closed_on_time is True
    assert ticket.knowledge_entry_id == entry.pk and entry.use_count == 1
    assert kinds(ticket)[-1] == EventKind.ANSWERED
    assert ("hotline.ticket_closed", {"ticket_id": ticket.pk, "number": ticket.number}) in emitted
    assert WorkOrder.objects.filter(ticket=ticket).count() == 0


@freeze_time(TUESDAY_10AM)
def test_direct_answer_refuses_an_unpublished_entry_and_department_staff(world):
    draft = KnowledgeEntry.objects.create(
        department=world.housing, question="q", answer="a", status="draft"
    )
    ticket = phone_ticket(world)
    before = counts()
    with pytest.raises(InvalidInput) as err:
        services.answer_directly(
            ticket_id=ticket.pk, by=world.agent, answer="a", knowledge_entry_id=draft.pk
        )
    assert err.value.field == "knowledge_entry_id"
    with pytest.raises(NotAllowed):
        services.answer_directly(ticket_id=ticket.pk, by=world.urban_handler, answer="a")
    assert counts() == before
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.RECEIVED


# --- dispatch → sign → reply → close → callback ------------------------------------------------


def test_full_path_to_a_satisfied_callback(world, emitted, django_capture_on_commit_callbacks):
    with freeze_time(TUESDAY_10AM), django_capture_on_commit_callbacks(execute=True):
        ticket = phone_ticket(world)
        services.dispatch(
            ticket_id=ticket.pk, by=world.dispatcher, department_id=world.urban.pk,
            assisting_department_ids=[world.street_office.pk], note="请城管牵头，街道配合",
        )  # fmt: skip
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.DISPATCHED and ticket.routed_by == RoutedBy.RULE
    orders = {o.role: o for o in WorkOrder.objects.filter(ticket=ticket)}
    lead, assist = orders["lead"], orders["assist"]
    assert assist.department_id == world.street_office.pk

    with freeze_time(TUESDAY_10AM + timedelta(minutes=30)):
        services.sign_order(order_id=lead.pk, by=world.urban_handler)
        services.sign_order(order_id=assist.pk, by=world.street_handler)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.HANDLING

    with freeze_time(TUESDAY_10AM + timedelta(days=2)):
        services.reply_order(order_id=assist.pk, by=world.street_handler, reply="已配合巡查。")
        ticket.refresh_from_db()
        assert ticket.status == TicketStatus.HANDLING  # an assisting reply does not answer
        services.reply_order(
            order_id=lead.pk, by=world.urban_handler, reply="已责令停工并罚款。",
            internal_note="执法队现场核查",
        )  # fmt: skip
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.REPLIED
    assert ticket in selectors.awaiting_close(world.agent)
    assert selectors.last_public_reply(ticket) == "已责令停工并罚款。"

    with (
        freeze_time(TUESDAY_10AM + timedelta(days=2, hours=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.close_ticket(ticket_id=ticket.pk, by=world.agent)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED
    assert ticket.answer == "已责令停工并罚款。"  # the lead reply by default
    assert ticket.closed_on_time is True
    # Closed Thursday 12 March: call back by the end of Friday 13 March.
    assert ticket.callback_due_at == datetime(2026, 3, 13, 23, 59, 59, tzinfo=BJ)
    assert set(WorkOrder.objects.filter(ticket=ticket).values_list("status", flat=True)) == {
        OrderStatus.CLOSED
    }
    assert ticket in selectors.awaiting_callback(world.agent)
    assert ("hotline.ticket_closed", {"ticket_id": ticket.pk, "number": ticket.number}) in emitted

    with (
        freeze_time(TUESDAY_10AM + timedelta(days=3)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        callback = services.record_callback(
            ticket_id=ticket.pk, by=world.agent2, result="satisfied", note="市民表示满意"
        )
    assert callback.round == 1 and callback.on_time
    ticket.refresh_from_db()
    assert ticket.callback_result == CallbackResult.SATISFIED
    assert ticket.status == TicketStatus.CLOSED
    assert ticket not in selectors.awaiting_callback(world.agent)
    assert (
        "hotline.callback_recorded",
        {"ticket_id": ticket.pk, "number": ticket.number, "result": "satisfied"},
    ) in emitted
    assert kinds(ticket) == [
        EventKind.RECEIVED, EventKind.ROUTED, EventKind.DISPATCHED, EventKind.DISPATCHED,
        EventKind.SIGNED, EventKind.SIGNED, EventKind.REPLIED, EventKind.REPLIED,
        EventKind.CLOSED, EventKind.CALLBACK,
    ]  # fmt: skip
    # A second callback of the same round is refused.
    with pytest.raises(Conflict):
        services.record_callback(ticket_id=ticket.pk, by=world.agent, result="satisfied")
    assert Callback.objects.filter(ticket=ticket).count() == 1


@freeze_time(TUESDAY_10AM)
def test_close_with_an_answer_of_the_agents_own(world):
    ticket, _ = replied(world)
    services.close_ticket(ticket_id=ticket.pk, by=world.agent, answer="经核实已整改完毕。")
    ticket.refresh_from_db()
    assert ticket.answer == "经核实已整改完毕。"


# --- 退单 ---------------------------------------------------------------------------------


@freeze_time(TUESDAY_10AM)
def test_return_then_redispatch_and_repeated_bouncing(world):
    ticket, order = dispatched(world)
    services.return_order(order_id=order.pk, by=world.urban_handler, reason="供暖不归城管管")
    ticket.refresh_from_db()
    order.refresh_from_db()
    assert order.status == OrderStatus.RETURNED and order.return_reason == "供暖不归城管管"
    assert ticket.status == TicketStatus.RECEIVED and ticket.return_count == 1
    assert ticket.department_id is None and ticket in selectors.dispatch_queue(world.dispatcher)
    assert not selectors.is_bouncing(ticket)

    services.dispatch(ticket_id=ticket.pk, by=world.dispatcher, department_id=world.housing.pk)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.DISPATCHED and ticket.department_id == world.housing.pk
    assert ticket.routed_by == RoutedBy.DISPATCHER
    second = WorkOrder.objects.get(ticket=ticket, status=OrderStatus.DISPATCHED)
    assert second.department_id == world.housing.pk
    services.return_order(order_id=second.pk, by=world.housing_handler, reason="不是住建职责")
    ticket.refresh_from_db()
    assert ticket.return_count == 2 and selectors.is_bouncing(ticket)


def test_return_is_refused_after_the_sign_limit_or_once_signed(world):
    with freeze_time(TUESDAY_10AM):
        _ticket, order = dispatched(world)
        _other, other_order = dispatched(world)
        services.sign_order(order_id=other_order.pk, by=world.urban_handler)
        before = counts()
        with pytest.raises(InvalidInput) as err:
            services.return_order(order_id=order.pk, by=world.urban_handler, reason="  ")
        assert err.value.field == "reason"
        with pytest.raises(Conflict):
            services.return_order(order_id=other_order.pk, by=world.urban_handler, reason="错派")
    with freeze_time(TUESDAY_10AM + timedelta(hours=3)), pytest.raises(Conflict) as err:
        services.return_order(order_id=order.pk, by=world.urban_handler, reason="错派")
    assert err.value.code == "return_after_limit"
    assert counts() == before
    assert WorkOrder.objects.get(pk=order.pk).status == OrderStatus.DISPATCHED


@freeze_time(TUESDAY_10AM)
def test_only_the_orders_department_may_sign_return_or_reply(world):
    ticket, order = dispatched(world)
    before = counts()
    for user in (world.housing_handler, world.agent, world.citizen):
        with pytest.raises(NotAllowed):
            services.sign_order(order_id=order.pk, by=user)
        with pytest.raises(NotAllowed):
            services.return_order(order_id=order.pk, by=user, reason="x")
    with pytest.raises(NotAllowed):
        services.dispatch(ticket_id=ticket.pk, by=world.agent, department_id=world.housing.pk)
    assert counts() == before
    order.refresh_from_db()
    assert order.status == OrderStatus.DISPATCHED and order.signed_at is None
    # Replying before signing is out of order.
    with pytest.raises(Conflict):
        services.reply_order(order_id=order.pk, by=world.urban_handler, reply="已处理")
    assert counts() == before


# --- 延期 ---------------------------------------------------------------------------------------


def test_extension_approved_moves_the_limit_by_working_days(world):
    with freeze_time(TUESDAY_10AM):
        ticket, order = dispatched(world)
        services.sign_order(order_id=order.pk, by=world.urban_handler)
        ext = services.request_extension(
            order_id=order.pk, by=world.urban_handler, days=5, reason="需协调多个部门"
        )
        assert ext in selectors.pending_extensions(world.supervisor)
        # One pending request at a time.
        with pytest.raises(Conflict):
            services.request_extension(
                order_id=order.pk, by=world.urban_handler, days=2, reason="x"
            )
        with pytest.raises(NotAllowed):
            services.decide_extension(extension_id=ext.pk, by=world.urban_head, approve=True)
        services.decide_extension(
            extension_id=ext.pk, by=world.supervisor, approve=True, note="同意"
        )
    ext.refresh_from_db()
    order.refresh_from_db()
    ticket.refresh_from_db()
    assert ext.status == ExtensionStatus.APPROVED and ext.decided_by_id == world.supervisor.pk
    # 27 March (Fri) + 5 working days = 3 April (Fri; 4–6 April is 清明 2026).
    assert order.due_at == datetime(2026, 4, 3, 23, 59, 59, tzinfo=BJ)
    assert ticket.due_at == order.due_at and order.extended_days == 5
    # Decided already: a second decision is refused.
    with freeze_time(TUESDAY_10AM), pytest.raises(Conflict):
        services.decide_extension(extension_id=ext.pk, by=world.dispatcher, approve=False)


@freeze_time(TUESDAY_10AM)
def test_extension_rejected_keeps_the_limit(world):
    _ticket, order = dispatched(world)
    due = order.due_at
    ext = services.request_extension(order_id=order.pk, by=world.urban_handler, days=3, reason="r")
    services.decide_extension(
        extension_id=ext.pk, by=world.dispatcher, approve=False, note="不同意"
    )
    order.refresh_from_db()
    assert order.due_at == due and order.extended_days == 0
    assert Extension.objects.get(pk=ext.pk).status == ExtensionStatus.REJECTED
    # A new request may follow a decided one.
    services.request_extension(order_id=order.pk, by=world.urban_handler, days=2, reason="再申请")


def test_extending_after_expiry_and_bad_days_are_refused(world):
    with freeze_time(TUESDAY_10AM):
        _ticket, order = dispatched(world)
        before = counts()
        for days in (0, 16, "x"):
            with pytest.raises(InvalidInput) as err:
                services.request_extension(
                    order_id=order.pk, by=world.urban_handler, days=days, reason="r"
                )
            assert err.value.field == "days"
        with pytest.raises(NotAllowed):
            services.request_extension(
                order_id=order.pk, by=world.housing_handler, days=2, reason="r"
            )
    with freeze_time(datetime(2026, 3, 28, 9, 0, tzinfo=BJ)), pytest.raises(Conflict) as err:
        services.request_extension(order_id=order.pk, by=world.urban_handler, days=3, reason="r")
    assert err.value.code == "extension_after_expiry"
    assert "expiry" in err.value.message_en
    assert counts() == before


# --- closing rules, callback, reopen ------------------------------------------------------------


@freeze_time(TUESDAY_10AM)
def test_closing_without_an_answer_or_before_the_reply_is_refused(world):
    received = phone_ticket(world)
    ticket, order = dispatched(world)
    services.sign_order(order_id=order.pk, by=world.urban_handler)
    before = counts()
    with pytest.raises(Conflict):
        services.close_ticket(ticket_id=received.pk, by=world.agent)  # nothing to answer with
    with pytest.raises(Conflict):
        services.close_ticket(ticket_id=ticket.pk, by=world.agent, answer="已处理")
    with pytest.raises(NotAllowed):
        services.close_ticket(ticket_id=ticket.pk, by=world.urban_handler)
    assert counts() == before
    assert Ticket.objects.get(pk=received.pk).status == TicketStatus.RECEIVED
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.HANDLING
    # Callback before closing is refused too.
    with pytest.raises(Conflict):
        services.record_callback(ticket_id=ticket.pk, by=world.agent, result="satisfied")


@freeze_time(TUESDAY_10AM)
def test_not_satisfied_callback_reopens_to_the_same_department(world, emitted):
    ticket = closed(world)
    services.record_callback(
        ticket_id=ticket.pk, by=world.agent, result="not_satisfied", note="噪音依旧"
    )
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.DISPATCHED and ticket.reopen_count == 1
    assert ticket.closed_at is None and ticket.callback_due_at is None
    round2 = lead_order(ticket)
    assert round2.round == 2 and round2.department_id == world.urban.pk
    assert round2.status == OrderStatus.DISPATCHED
    assert EventKind.REOPENED in kinds(ticket)
    assert (
        "hotline.callback_recorded",
        {"ticket_id": ticket.pk, "number": ticket.number, "result": "not_satisfied"},
    ) in emitted
    # Second round: handled, closed and called back again (round 2).
    services.sign_order(order_id=round2.pk, by=world.urban_handler)
    services.reply_order(order_id=round2.pk, by=world.urban_handler, reply="已安装隔音屏障。")
    services.close_ticket(ticket_id=ticket.pk, by=world.agent)
    ticket.refresh_from_db()
    assert ticket.answer == "已安装隔音屏障。"
    assert ticket in selectors.awaiting_callback(world.agent)
    callback = services.record_callback(ticket_id=ticket.pk, by=world.agent, result="basically")
    assert callback.round == 2


@freeze_time(TUESDAY_10AM)
def test_forged_reopen_is_refused(world):
    satisfied = closed(world)
    services.record_callback(ticket_id=satisfied.pk, by=world.agent, result="satisfied")
    not_called = closed(world)
    open_ticket, _ = dispatched(world)
    before = counts()
    for ticket in (satisfied, not_called, open_ticket):
        with pytest.raises(Conflict):
            services.reopen_ticket(ticket_id=ticket.pk, by=world.dispatcher, reason="重办")
    with pytest.raises(NotAllowed):
        services.reopen_ticket(ticket_id=satisfied.pk, by=world.urban_handler, reason="重办")
    assert counts() == before
    assert Ticket.objects.get(pk=satisfied.pk).status == TicketStatus.CLOSED
    assert Ticket.objects.get(pk=satisfied.pk).reopen_count == 0


@freeze_time(TUESDAY_10AM)
def test_manual_reopen_of_a_direct_answer_the_caller_rejected(world):
    ticket = phone_ticket(world)
    services.answer_directly(ticket_id=ticket.pk, by=world.agent, answer="请拨打城管热线。")
    services.record_callback(ticket_id=ticket.pk, by=world.agent, result="not_satisfied")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED  # nobody handled it: the centre decides
    services.reopen_ticket(ticket_id=ticket.pk, by=world.dispatcher, reason="回访不满意")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.DISPATCHED and ticket.reopen_count == 1
    assert lead_order(ticket).department_id == world.urban.pk  # the proposed department


# --- merging ---------------------------------------------------------------------------------


@freeze_time(TUESDAY_10AM)
def test_merge_duplicates_and_answer_every_caller(world):
    main = phone_ticket(world)
    services.dispatch(ticket_id=main.pk, by=world.dispatcher, department_id=world.urban.pk)
    same_caller = phone_ticket(world, text="纺正街工地晚上打桩噪音太大，还是没人管")
    neighbour = phone_ticket(
        world, text=NOISE_TEXT + "。", caller_phone="13688889999", caller_name="王芳"
    )
    assert main in selectors.duplicate_candidates(same_caller)
    assert main in selectors.duplicate_candidates(neighbour)

    with pytest.raises(InvalidInput):
        services.merge_tickets(ticket_id=main.pk, into_ticket_id=main.pk, by=world.agent)
    services.merge_tickets(ticket_id=same_caller.pk, into_ticket_id=main.pk, by=world.agent)
    services.merge_tickets(ticket_id=neighbour.pk, into_ticket_id=main.pk, by=world.agent)
    same_caller.refresh_from_db()
    assert same_caller.status == TicketStatus.MERGED and same_caller.merged_into_id == main.pk
    # Not into a merged ticket; a merged ticket is no longer a candidate.
    other = phone_ticket(world, text="打桩噪音又来了，纺正街工地")
    before = counts()
    with pytest.raises(Conflict):
        services.merge_tickets(ticket_id=other.pk, into_ticket_id=same_caller.pk, by=world.agent)
    with pytest.raises(NotAllowed):
        services.merge_tickets(ticket_id=other.pk, into_ticket_id=main.pk, by=world.urban_handler)
    assert counts() == before
    assert same_caller not in selectors.duplicate_candidates(other)

    order = lead_order(main)
    services.sign_order(order_id=order.pk, by=world.urban_handler)
    services.reply_order(order_id=order.pk, by=world.urban_handler, reply="工地已停止夜间施工。")
    services.close_ticket(ticket_id=main.pk, by=world.agent)
    for merged in (same_caller, neighbour):
        merged.refresh_from_db()
        assert merged.status == TicketStatus.MERGED
        assert merged.answer == "工地已停止夜间施工。" and merged.closed_at is not None
    waiting = set(selectors.awaiting_callback(world.agent))
    assert {main, same_caller, neighbour} <= waiting
    services.record_callback(ticket_id=neighbour.pk, by=world.agent, result="satisfied")
    assert neighbour not in set(selectors.awaiting_callback(world.agent))
    assert selectors.last_public_reply(neighbour) == "工地已停止夜间施工。"


@freeze_time(TUESDAY_10AM)
def test_merging_a_dispatched_ticket_cancels_its_orders(world):
    main = phone_ticket(world)
    dup, order = dispatched(world)
    services.merge_tickets(ticket_id=dup.pk, into_ticket_id=main.pk, by=world.agent)
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert TicketEvent.objects.filter(ticket=main, kind=EventKind.MERGED).exists()


@freeze_time(TUESDAY_10AM)
def test_an_auto_dispatched_intake_audits_into_the_tickets_chain_only(world, settings):
    """Ticket and work-order entries of one intake share the ticket's chain, so concurrent
    intakes each lock one audit chain head and cannot deadlock on two."""
    from django.db.models import Q

    # Many chains, so that the order's own chain is the ticket's only by a 1-in-1024 chance.
    settings.AUDIT_CHAINS = 1024

    from zhengwu.kernel.audit import chain_for
    from zhengwu.kernel.models import AuditEntry

    ticket = services.intake_ticket(
        by=world.citizen, channel="web", text=NOISE_TEXT, address="纺织城街道纺正街12号"
    )
    order = lead_order(ticket)
    entries = {
        (e.object_type, e.object_id): e.chain
        for e in AuditEntry.objects.filter(
            Q(object_type="hotline.ticket", object_id=str(ticket.pk))
            | Q(object_type="hotline.order", object_id=str(order.pk))
        )
    }
    assert set(entries) == {("hotline.ticket", str(ticket.pk)), ("hotline.order", str(order.pk))}
    assert set(entries.values()) == {chain_for("hotline.ticket", ticket.pk)}
