"""Emergency linkage (issue 7): one-key transfer to 110/119/120/122 through the outbox with
the receiver down then up, 首接负责 take-back, three-way-call log, transfers in from 110."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer

import pytest
from django.utils import timezone

from tests.hotline.core_helpers import counts, dispatched, phone_ticket, routing_rules
from zhengwu.hotline import services
from zhengwu.hotline.choices import EventKind, OrderStatus, TicketStatus
from zhengwu.hotline.models import EmergencyTransfer, ThreeWayCall, Ticket
from zhengwu.kernel.errors import Conflict, InvalidInput, NotAllowed
from zhengwu.kernel.models import OutboxEndpoint, OutboxMessage, OutboxStatus
from zhengwu.kernel.outbox import deliver_message

FIRE = "纺织城纺正街一居民楼三楼着火了，浓烟很大，有老人被困"


@pytest.fixture
def world(hl):
    routing_rules(hl)
    return hl


def test_transfer_to_119_with_the_receiver_down_then_up(
    world, http_receiver, django_capture_on_commit_callbacks
):
    OutboxEndpoint.objects.create(
        name="emergency-119", url=f"{http_receiver.url}/119", timeout_seconds=2
    )
    port = http_receiver._server.server_address[1]
    handler = http_receiver._server.RequestHandlerClass  # records into http_receiver.requests
    ticket = phone_ticket(world, text=FIRE, caller_phone="13512345678")
    assert ticket.proposed_emergency == "119"

    http_receiver.stop()  # the 119 system is down
    with django_capture_on_commit_callbacks(execute=True):
        transfer = services.transfer_emergency(
            ticket_id=ticket.pk, by=world.agent, line="119", note="一键转接119"
        )
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.TRANSFERRED and ticket.emergency_line == "119"
    assert transfer.line == "119" and transfer.by_id == world.agent.pk
    message = OutboxMessage.objects.get(pk=transfer.outbox_message_id)
    assert message.endpoint == "emergency-119" and message.topic == "hotline.emergency_transfer"
    assert message.idempotency_key == f"hotline-emergency-{ticket.pk}-119-1"
    assert message.status == OutboxStatus.PENDING and message.attempts == 1
    assert message.last_error
    assert http_receiver.requests == []

    # The receiver comes back up on the same address; the retry (once due) delivers.
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
        assert deliver_message(message.pk) == "delivered"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED and message.attempts == 2
    [request] = http_receiver.requests
    body = request.json()
    assert request.path == "/119"
    assert request.headers["Idempotency-Key"] == message.idempotency_key
    assert body["number"] == ticket.number and body["line"] == "119"
    assert body["text"] == FIRE and body["caller_phone"] == "13512345678"
    assert body["street"] == "纺织城街道" and body["address"] == ticket.address
    assert body["received_at"] == ticket.received_at.isoformat()
    assert EventKind.TRANSFERRED in ticket.events.values_list("kind", flat=True)


def test_take_back_keeps_the_first_receiver(world):
    ticket = phone_ticket(world, text=FIRE)
    services.transfer_emergency(ticket_id=ticket.pk, by=world.agent2, line="110")
    with pytest.raises(InvalidInput):
        services.take_back(ticket_id=ticket.pk, by=world.agent2, note="  ")
    services.take_back(ticket_id=ticket.pk, by=world.agent2, note="110 称不属于警情，首接负责")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RECEIVED and ticket.emergency_line == ""
    assert ticket.first_receiver_id == world.agent.pk  # the agent who took the call
    assert EmergencyTransfer.objects.filter(ticket=ticket, line="110").count() == 1
    # Transferred again later: a new message, its own idempotency key.
    transfer = services.transfer_emergency(ticket_id=ticket.pk, by=world.agent, line="110")
    assert OutboxMessage.objects.get(pk=transfer.outbox_message_id).idempotency_key.endswith(
        "-110-2"
    )


def test_transfer_cancels_open_orders_and_bad_transfers_are_refused(world):
    ticket, order = dispatched(world)
    closed_ticket = phone_ticket(world)
    services.answer_directly(ticket_id=closed_ticket.pk, by=world.agent, answer="已答复")
    before = counts()
    with pytest.raises(InvalidInput):
        services.transfer_emergency(ticket_id=ticket.pk, by=world.agent, line="999")
    with pytest.raises(NotAllowed):
        services.transfer_emergency(ticket_id=ticket.pk, by=world.urban_handler, line="110")
    with pytest.raises(Conflict):
        services.transfer_emergency(ticket_id=closed_ticket.pk, by=world.agent, line="110")
    with pytest.raises(Conflict):
        services.take_back(ticket_id=ticket.pk, by=world.agent, note="不是转出的工单")
    assert counts() == before
    services.transfer_emergency(ticket_id=ticket.pk, by=world.dispatcher, line="120")
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED


def test_three_way_call_log(world):
    ticket = phone_ticket(world, text=FIRE)
    call = services.log_three_way_call(
        ticket_id=ticket.pk, by=world.agent, participants=["12345 孙悦", "119 指挥中心", "来电人"],
        outcome="119 已派车，来电人已疏散",
    )  # fmt: skip
    assert ThreeWayCall.objects.get(pk=call.pk).participants[1] == "119 指挥中心"
    assert ticket.events.filter(kind=EventKind.THREE_WAY_CALL).exists()
    with pytest.raises(InvalidInput):
        services.log_three_way_call(
            ticket_id=ticket.pk, by=world.agent, participants=["只有一方"], outcome="x"
        )
    with pytest.raises(InvalidInput):
        services.log_three_way_call(
            ticket_id=ticket.pk, by=world.agent, participants=["a", "b"], outcome=""
        )
    assert ThreeWayCall.objects.count() == 1


def test_transfer_in_from_110_is_idempotent_on_its_reference(world):
    ticket = services.receive_transfer_in(
        by=None, origin="110", origin_ref="JJ20260310-0042", text="群众反映纺正街工地夜间噪音扰民",
        caller_phone="029-8888 6666", address="纺织城街道纺正街",
    )  # fmt: skip
    assert ticket.channel == "transfer_110"
    assert (ticket.origin, ticket.origin_ref) == ("110", "JJ20260310-0042")
    assert ticket.caller_phone == "02988886666"
    assert ticket.status == TicketStatus.RECEIVED  # transfers wait for a dispatcher
    before = counts()
    again = services.receive_transfer_in(
        by=None, origin="110", origin_ref="JJ20260310-0042", text="重复推送"
    )
    assert again.pk == ticket.pk and counts() == before
    with pytest.raises(InvalidInput):
        services.receive_transfer_in(by=None, origin="110", origin_ref="", text="x")
    assert Ticket.objects.count() == 1
