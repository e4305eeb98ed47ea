"""The 12345 centre's workbench pages through Django's test client: who may open them, each
action going through its service (state changed), bad input refused with the field named and
nothing changed, the console's htmx fragments, and the query counts of the busy pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from zhengwu.hotline import services
from zhengwu.hotline.choices import (
    CallbackResult,
    Category,
    ExtensionStatus,
    OrderStatus,
    RuleKind,
    TicketStatus,
)
from zhengwu.hotline.models import (
    Callback,
    EmergencyTransfer,
    Extension,
    KnowledgeEntry,
    RoutingRule,
    ThreeWayCall,
    Ticket,
    TicketEvent,
    WorkOrder,
)

NOISE = "纺织城街道纺正街工地夜间施工噪音扰民，凌晨两点还在打桩，严重影响休息"
CALLER = "13912345678"


# --- helpers ----------------------------------------------------------------------------------


@pytest.fixture
def rules(hl):
    """噪音 → 区城管局 (a keyword rule makes the routing proposal predictable)."""
    return RoutingRule.objects.create(
        kind=RuleKind.KEYWORD, pattern="噪音", department=hl.urban, category=Category.COMPLAINT
    )


def take(hl, text: str = NOISE, **kwargs: Any) -> Ticket:
    params: dict[str, Any] = {
        "by": hl.agent,
        "channel": "phone",
        "text": text,
        "caller_phone": CALLER,
        "caller_name": "李强",
        "address": "灞桥区纺织城街道纺正街12号",
    }
    params.update(kwargs)
    return services.intake_ticket(**params)


def dispatched(hl, **kwargs: Any) -> tuple[Ticket, WorkOrder]:
    ticket = take(hl, **kwargs)
    services.dispatch(ticket_id=ticket.pk, by=hl.dispatcher, department_id=hl.urban.pk)
    ticket.refresh_from_db()
    return ticket, WorkOrder.objects.get(ticket=ticket, role="lead", round=1)


def replied(hl, **kwargs: Any) -> tuple[Ticket, WorkOrder]:
    ticket, order = dispatched(hl, **kwargs)
    services.sign_order(order_id=order.pk, by=hl.urban_handler)
    services.reply_order(order_id=order.pk, by=hl.urban_handler, reply="已责令工地夜间停工。")
    ticket.refresh_from_db()
    return ticket, order


def closed(hl, **kwargs: Any) -> Ticket:
    ticket, _ = replied(hl, **kwargs)
    services.close_ticket(ticket_id=ticket.pk, by=hl.agent)
    ticket.refresh_from_db()
    return ticket


def signed_in(client, user):
    client.force_login(user)
    return client


def url(name: str, *args: Any) -> str:
    return reverse(f"hotline_console:{name}", args=args)


def intake_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "caller_phone": "139 1234 5678",
        "caller_name": "李强",
        "category": "",
        "priority": "normal",
        "street_code": "",
        "community_code": "",
        "address": "纺正街12号",
        "text": NOISE,
        "answer": "",
        "knowledge_entry_id": "",
        "dispatch_to": "",
        "idempotency_key": "",
        "intent": "save",
    }
    data.update(overrides)
    return data


def page_text(response) -> str:
    return response.content.decode()


# --- who may open the pages -----------------------------------------------------------------


@pytest.mark.parametrize("who", ["agent", "dispatcher", "supervisor"])
def test_centre_pages_render_for_centre_roles(client, hl, who):
    ticket = take(hl)
    signed_in(client, getattr(hl, who))
    for address in (
        url("console"),
        url("dispatch_queue"),
        url("centre", "close"),
        url("centre", "callback"),
        url("centre", "extensions"),
        url("centre", "supervision"),
        url("ticket", ticket.number),
    ):
        response = client.get(address)
        assert response.status_code == 200, address
        assert "12345" in page_text(response)


@pytest.mark.parametrize("who", ["urban_handler", "urban_head", "citizen"])
def test_centre_pages_refuse_everyone_else(client, hl, who):
    ticket = take(hl)
    signed_in(client, getattr(hl, who))
    for address in (
        url("console"),
        url("dispatch_queue"),
        url("centre", "close"),
        url("rules"),
        url("ticket", ticket.number),
        url("caller_lookup") + f"?caller_phone={CALLER}",
    ):
        assert client.get(address).status_code == 403, address
    response = client.post(url("console"), intake_data())
    assert response.status_code == 403
    assert Ticket.objects.count() == 1


def test_anonymous_visitors_are_sent_to_sign_in(client, hl):
    response = client.get(url("console"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_routing_rules_are_for_dispatchers_only(client, hl):
    assert signed_in(client, hl.agent).get(url("rules")).status_code == 403
    assert signed_in(client, hl.supervisor).get(url("rules")).status_code == 403
    assert signed_in(client, hl.dispatcher).get(url("rules")).status_code == 200


def test_unknown_ticket_and_unknown_list_are_404(client, hl):
    signed_in(client, hl.agent)
    assert client.get(url("ticket", "12345209901019999999")).status_code == 404
    assert client.get(url("centre", "everything")).status_code == 404


def test_workbench_home_links_the_console_for_the_centre_only(client, hl):
    home = reverse("web:workbench")
    link = f'href="{url("console")}"'
    assert link in page_text(signed_in(client, hl.agent).get(home))
    assert link not in page_text(signed_in(client, hl.urban_handler).get(home))


# --- the agent console ----------------------------------------------------------------------


def test_console_lists_the_streets_of_the_district(client, hl):
    response = signed_in(client, hl.agent).get(url("console"))
    streets = response.context["streets"]
    assert streets, "the district's streets are offered"
    assert all(s.code.startswith("610111") and len(s.code) == 9 for s in streets)
    assert "纺织城街道" in page_text(response)


def test_communities_fragment_lists_the_chosen_streets_communities(client, hl):
    signed_in(client, hl.agent)
    street = client.get(url("console")).context["streets"][0]
    response = client.get(url("communities") + f"?street_code={street.code}")
    assert response.status_code == 200
    communities = response.context["communities"]
    assert communities
    assert all(c.code.startswith(street.code) for c in communities)
    assert 'id="community-field"' in page_text(response)
    empty = client.get(url("communities") + "?street_code=nonsense")
    assert empty.context["communities"] == []


def test_save_takes_the_call_into_the_dispatch_queue(client, hl, rules):
    response = signed_in(client, hl.agent).post(url("console"), intake_data())
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("ticket", ticket.number)
    assert ticket.status == TicketStatus.RECEIVED
    assert ticket.channel == "phone"
    assert ticket.caller_phone == CALLER
    assert ticket.proposed_department_id == hl.urban.pk
    queue = client.get(url("dispatch_queue"))
    assert ticket.number in page_text(queue)


def test_dispatcher_saves_and_dispatches_to_the_proposal(client, hl, rules):
    signed_in(client, hl.dispatcher).post(url("console"), intake_data(dispatch_to="proposed"))
    ticket = Ticket.objects.get()
    assert ticket.status == TicketStatus.DISPATCHED
    assert ticket.department_id == hl.urban.pk
    assert WorkOrder.objects.filter(ticket=ticket, department=hl.urban).exists()


def test_an_agent_cannot_dispatch_from_the_console(client, hl, rules):
    signed_in(client, hl.agent).post(url("console"), intake_data(dispatch_to=str(hl.housing.pk)))
    ticket = Ticket.objects.get()
    assert ticket.status == TicketStatus.RECEIVED
    assert not WorkOrder.objects.exists()


def test_answer_and_close_now_with_a_knowledge_entry(client, hl):
    entry = KnowledgeEntry.objects.create(
        department=hl.housing,
        question="公租房怎么申请？",
        answer="携带身份证、户口本到街道办事处住房保障窗口申请。",
        status="published",
    )
    response = signed_in(client, hl.agent).post(
        url("console"),
        intake_data(
            text="请问公租房怎么申请？",
            category="consult",
            intent="answer",
            answer=entry.answer,
            knowledge_entry_id=str(entry.pk),
        ),
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert ticket.status == TicketStatus.CLOSED
    assert ticket.answered_directly is True
    assert ticket.answer == entry.answer
    assert ticket.knowledge_entry_id == entry.pk
    entry.refresh_from_db()
    assert entry.use_count == 1


def test_answer_with_a_retired_knowledge_entry_takes_nothing(client, hl):
    entry = KnowledgeEntry.objects.create(
        department=hl.housing, question="旧口径", answer="旧答复", status="retired"
    )
    response = signed_in(client, hl.agent).post(
        url("console"),
        intake_data(intent="answer", answer="旧答复", knowledge_entry_id=str(entry.pk)),
    )
    assert response.status_code == 404
    assert response.context["form"].errors.get("answer")
    assert Ticket.objects.count() == 0


def test_the_same_answer_posted_twice_closes_one_ticket(client, hl):
    signed_in(client, hl.agent)
    data = intake_data(idempotency_key="beef" * 6, intent="answer", answer="已答复。")
    client.post(url("console"), data)
    second = client.post(url("console"), data)
    ticket = Ticket.objects.get()
    assert ticket.status == TicketStatus.CLOSED
    assert second["Location"] == url("ticket", ticket.number)
    assert not [m for m in second.wsgi_request._messages if m.level_tag == "error"]


def test_the_same_form_posted_twice_takes_one_ticket(client, hl):
    signed_in(client, hl.agent)
    data = intake_data(idempotency_key="c0ffee" * 4)
    first = client.post(url("console"), data)
    second = client.post(url("console"), data)
    assert Ticket.objects.count() == 1
    assert first["Location"] == second["Location"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"text": "   "}, "text"),
        ({"text": "字" * 4001}, "text"),
        ({"caller_phone": "12ab"}, "caller_phone"),
        ({"caller_phone": "12345"}, "caller_phone"),  # digits, but no phone number: service
        ({"anonymous": "on", "category": "complaint"}, "anonymous"),
        ({"intent": "answer", "answer": ""}, "answer"),
        ({"priority": "whenever"}, "priority"),
    ],
)
def test_bad_intake_names_the_field_and_takes_nothing(client, hl, overrides, field):
    response = signed_in(client, hl.agent).post(url("console"), intake_data(**overrides))
    assert response.status_code in (400, 422)
    assert response.context["form"].errors.get(field), response.context["form"].errors
    assert f'id="id_{field}-error"' in page_text(response)
    assert Ticket.objects.count() == 0


def test_anonymous_report_is_taken_without_a_caller(client, hl):
    signed_in(client, hl.agent).post(
        url("console"),
        intake_data(anonymous="on", category="report", caller_phone="", caller_name=""),
    )
    ticket = Ticket.objects.get()
    assert ticket.anonymous is True
    assert ticket.category == Category.REPORT
    assert ticket.caller_phone == ""


def test_caller_lookup_lists_earlier_tickets_newest_first(client, hl):
    older = take(hl, text="小区门口路灯不亮，晚上很黑")
    newer = take(hl, text="楼下烧烤店油烟扰民")
    take(hl, text="别人的诉求", caller_phone="13700000000")
    response = signed_in(client, hl.agent).get(url("caller_lookup") + "?caller_phone=139-1234-5678")
    assert response.status_code == 200
    body = page_text(response)
    assert [row["ticket"].pk for row in response.context["rows"]] == [newer.pk, older.pk]
    assert newer.number in body and older.number in body
    assert body.index(newer.number) < body.index(older.number)
    assert "别人的诉求" not in body
    assert "hl-caller-new" not in body


def test_caller_lookup_says_new_caller_for_an_unknown_number(client, hl):
    take(hl)
    signed_in(client, hl.agent)
    response = client.get(url("caller_lookup") + "?caller_phone=13600000000")
    assert response.context["rows"] == []
    assert "hl-caller-new" in page_text(response)
    partial = client.get(url("caller_lookup") + "?caller_phone=1390")
    assert "hl-caller-new" not in page_text(partial)
    assert partial.context["phone"] == ""


def test_assist_fragment_shows_the_routing_proposal_and_knowledge_hits(client, hl, rules):
    entry = KnowledgeEntry.objects.create(
        department=hl.urban,
        question="夜间施工噪音扰民怎么办？",
        answer="夜间（22时至次日6时）施工须有夜间施工许可，可向区城管局举报。",
        keywords="噪音 夜间施工",
        status="published",
    )
    response = signed_in(client, hl.agent).get(url("assist"), {"text": NOISE})
    assert response.status_code == 200
    body = page_text(response)
    assert response.context["proposal"].department_id == hl.urban.pk
    assert "区城管局" in body
    assert 'id="text-count" hx-swap-oob="true"' in body
    assert any(hit.entry_id == entry.pk for hit in response.context["hits"])
    assert f'name="knowledge_entry_id" value="{entry.pk}"' in body


def test_answer_box_fragment_is_prefilled_and_editable(client, hl):
    response = signed_in(client, hl.agent).post(
        url("answer_box"),
        {"answer": "携带身份证办理。<b>", "knowledge_entry_id": "7", "title": "公租房"},
    )
    body = page_text(response)
    assert '<textarea id="id_answer" name="answer"' in body
    assert "携带身份证办理。&lt;b&gt;</textarea>" in body
    assert 'name="knowledge_entry_id" value="7"' in body


# --- the ticket page and its actions ------------------------------------------------------------


def test_ticket_page_shows_the_record_orders_and_timeline(client, hl):
    ticket, _order = replied(hl)
    response = signed_in(client, hl.agent).get(url("ticket", ticket.number))
    body = page_text(response)
    assert ticket.number in body
    assert CALLER in body  # the centre sees the caller in full while the ticket is open
    assert "区城管局" in body
    assert "已责令工地夜间停工。" in body
    assert response.context["act_close"] is True
    assert response.context["lead_reply"] == "已责令工地夜间停工。"
    assert len(response.context["events"]) == TicketEvent.objects.filter(ticket=ticket).count()


def test_close_action_closes_a_replied_ticket(client, hl):
    ticket, _ = replied(hl)
    response = signed_in(client, hl.agent).post(
        url("close", ticket.number), {"answer": "已处理：工地夜间停工。"}
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED
    assert ticket.answer == "已处理：工地夜间停工。"


def test_closing_an_unreplied_ticket_is_refused(client, hl):
    ticket, _ = dispatched(hl)
    response = signed_in(client, hl.agent).post(url("close", ticket.number), {"answer": ""})
    assert response.status_code == 409
    assert response.context["error_action"] == "close"
    assert response.context["error_message"] in page_text(response)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.DISPATCHED


def test_dispatch_action_with_assisting_department(client, hl):
    ticket = take(hl)
    response = signed_in(client, hl.dispatcher).post(
        url("dispatch", ticket.number),
        {"department_id": str(hl.urban.pk), "assisting_department_ids": [str(hl.housing.pk)]},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.DISPATCHED
    assert set(WorkOrder.objects.filter(ticket=ticket).values_list("department_id", "role")) == {
        (hl.urban.pk, "lead"),
        (hl.housing.pk, "assist"),
    }


@pytest.mark.parametrize("value", ["", "abc", "999999"])
def test_dispatch_with_a_bad_department_names_the_field(client, hl, value):
    ticket = take(hl)
    response = signed_in(client, hl.dispatcher).post(
        url("dispatch", ticket.number), {"department_id": value}
    )
    assert response.status_code in (404, 422)
    assert response.context["error_field"] == "department_id"
    assert response.context["error_message"] in page_text(response)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RECEIVED
    assert not WorkOrder.objects.exists()


def test_an_agent_may_not_dispatch(client, hl):
    ticket = take(hl)
    response = signed_in(client, hl.agent).post(
        url("dispatch", ticket.number), {"department_id": str(hl.urban.pk)}
    )
    assert response.status_code == 403
    assert not WorkOrder.objects.exists()


def test_one_click_dispatch_from_the_queue(client, hl, rules):
    ticket = take(hl)
    signed_in(client, hl.dispatcher)
    queue = client.get(url("dispatch_queue"))
    assert f'name="department_id" value="{hl.urban.pk}"' in page_text(queue)
    response = client.post(
        url("dispatch", ticket.number), {"department_id": str(hl.urban.pk), "from": "queue"}
    )
    assert response["Location"] == url("dispatch_queue")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.DISPATCHED
    assert ticket.pk not in [r.ticket.pk for r in client.get(url("dispatch_queue")).context["rows"]]


def test_queue_shows_return_reasons_and_flags_repeated_bouncing(client, hl):
    ticket = take(hl)
    for department, handler in ((hl.urban, hl.urban_handler), (hl.housing, hl.housing_handler)):
        services.dispatch(ticket_id=ticket.pk, by=hl.dispatcher, department_id=department.pk)
        order = WorkOrder.objects.get(ticket=ticket, department=department)
        services.return_order(order_id=order.pk, by=handler, reason=f"不属于{department.name}职责")
    response = signed_in(client, hl.dispatcher).get(url("dispatch_queue"))
    body = page_text(response)
    assert "不属于区城管局职责" in body and "不属于区住建局职责" in body
    (row,) = response.context["rows"]
    assert row.bouncing is True


def test_callback_action_records_the_result(client, hl):
    ticket = closed(hl)
    response = signed_in(client, hl.agent).post(
        url("callback", ticket.number), {"result": "satisfied", "note": "来电人表示满意"}
    )
    assert response.status_code == 302
    callback = Callback.objects.get(ticket=ticket)
    assert callback.result == CallbackResult.SATISFIED
    assert (
        signed_in(client, hl.agent).get(url("ticket", ticket.number)).context["act_callback"]
        is False
    )


def test_callback_without_a_result_is_refused(client, hl):
    ticket = closed(hl)
    response = signed_in(client, hl.agent).post(url("callback", ticket.number), {"result": "meh"})
    assert response.status_code == 422
    assert response.context["error_field"] == "result"
    assert not Callback.objects.exists()


def test_not_satisfied_callback_reopens_and_reopen_is_not_offered_again(client, hl):
    ticket = closed(hl)
    signed_in(client, hl.agent).post(
        url("callback", ticket.number), {"result": "not_satisfied", "note": "仍在夜间施工"}
    )
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.DISPATCHED
    assert ticket.reopen_count == 1
    page = client.get(url("ticket", ticket.number))
    assert page.context["act_reopen"] is False


def test_a_forged_reopen_is_refused(client, hl):
    ticket = closed(hl)
    response = signed_in(client, hl.agent).post(url("reopen", ticket.number), {"reason": "想重办"})
    assert response.status_code == 409
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED
    assert ticket.reopen_count == 0


def test_merge_into_a_ticket_by_number(client, hl):
    first = take(hl)
    second = take(hl)
    page = signed_in(client, hl.agent).get(url("ticket", second.number))
    assert first.pk in [t.pk for t in page.context["candidates"]]
    response = client.post(url("merge", second.number), {"into_number": first.number})
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == TicketStatus.MERGED
    assert second.merged_into_id == first.pk


def test_merge_into_an_unknown_number_names_the_field(client, hl):
    ticket = take(hl)
    response = signed_in(client, hl.agent).post(
        url("merge", ticket.number), {"into_number": "12345209901010000001"}
    )
    assert response.status_code == 404
    assert response.context["error_field"] == "into_number"
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RECEIVED


def test_emergency_transfer_needs_confirmation_then_take_back(client, hl):
    ticket = take(hl, text="楼道里着火了，有浓烟")
    signed_in(client, hl.agent)
    refused = client.post(url("emergency", ticket.number), {"line": "119"})
    assert refused.status_code == 422
    assert refused.context["error_field"] == "confirm"
    assert not EmergencyTransfer.objects.exists()
    done = client.post(url("emergency", ticket.number), {"line": "119", "confirm": "on"})
    assert done.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.TRANSFERRED
    assert EmergencyTransfer.objects.get(ticket=ticket).line == "119"
    assert client.get(url("ticket", ticket.number)).context["act_take_back"] is True
    client.post(url("take_back", ticket.number), {"note": "119 认为不属于火警，首接负责"})
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RECEIVED


def test_emergency_transfer_to_an_unknown_line_is_refused(client, hl):
    ticket = take(hl)
    response = signed_in(client, hl.agent).post(
        url("emergency", ticket.number), {"line": "999", "confirm": "on"}
    )
    assert response.status_code == 422
    assert response.context["error_field"] == "line"
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RECEIVED


def test_three_way_call_is_logged(client, hl):
    ticket = take(hl)
    response = signed_in(client, hl.agent).post(
        url("three_way_call", ticket.number),
        {
            "participants": "12345 孙悦\n110 指挥中心\n来电人",
            "outcome": "110 派警前往现场",
            "started_at": "2026-11-20T10:00",
            "ended_at": "2026-11-20T10:05",
        },
    )
    assert response.status_code == 302
    call = ThreeWayCall.objects.get(ticket=ticket)
    assert call.participants == ["12345 孙悦", "110 指挥中心", "来电人"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"participants": "只有一个人", "outcome": "无"}, "participants"),
        ({"participants": "a\nb", "outcome": ""}, "outcome"),
        ({"participants": "a\nb", "outcome": "x", "started_at": "昨天"}, "started_at"),
    ],
)
def test_bad_three_way_call_names_the_field(client, hl, data, field):
    ticket = take(hl)
    response = signed_in(client, hl.agent).post(url("three_way_call", ticket.number), data)
    assert response.status_code == 422
    assert response.context["error_field"] == field
    assert not ThreeWayCall.objects.exists()


def test_unknown_action_is_404(client, hl):
    ticket = take(hl)
    signed_in(client, hl.agent)
    assert client.post(f"/workbench/hotline/tickets/{ticket.number}/explode/").status_code == 404


# --- the centre's lists ---------------------------------------------------------------------


def test_awaiting_close_and_callback_lists(client, hl):
    replied_ticket, _ = replied(hl)
    closed_ticket = closed(hl, caller_phone="13700000001")
    signed_in(client, hl.agent)
    awaiting_close = page_text(client.get(url("centre", "close")))
    assert replied_ticket.number in awaiting_close
    assert closed_ticket.number not in awaiting_close
    awaiting_callback = page_text(client.get(url("centre", "callback")))
    assert closed_ticket.number in awaiting_callback
    assert replied_ticket.number not in awaiting_callback


def _pending_extension(hl) -> Extension:
    _ticket, order = dispatched(hl)
    services.sign_order(order_id=order.pk, by=hl.urban_handler)
    return services.request_extension(
        order_id=order.pk, by=hl.urban_handler, days=3, reason="需协调多个部门现场核查"
    )


def test_extension_decided_by_the_supervisor(client, hl):
    extension = _pending_extension(hl)
    signed_in(client, hl.supervisor)
    assert "需协调多个部门现场核查" in page_text(client.get(url("centre", "extensions")))
    response = client.post(
        url("extension_decide", extension.pk), {"decision": "approve", "note": "同意"}
    )
    assert response.status_code == 302
    extension.refresh_from_db()
    assert extension.status == ExtensionStatus.APPROVED


def test_extension_decision_must_be_chosen_and_agents_may_not_decide(client, hl):
    extension = _pending_extension(hl)
    response = signed_in(client, hl.dispatcher).post(url("extension_decide", extension.pk), {})
    assert response.status_code == 422
    assert response.context["error_extension"] == extension.pk
    response = signed_in(client, hl.agent).post(
        url("extension_decide", extension.pk), {"decision": "reject"}
    )
    assert response.status_code == 403
    extension.refresh_from_db()
    assert extension.status == ExtensionStatus.PENDING


def test_supervision_list_groups_notices_by_kind(client, hl):
    from zhengwu.hotline.models import Supervision

    ticket, order = dispatched(hl)
    Supervision.objects.create(
        order=order,
        kind="overdue",
        department=hl.urban,
        recipient_role="approver",
        created_at=order.dispatched_at,
        note="已超期",
    )
    response = signed_in(client, hl.supervisor).get(url("centre", "supervision"))
    groups = {kind: items for kind, _, items in response.context["groups"]}
    assert [s.order_id for s in groups["overdue"]] == [order.pk]
    assert ticket.number in page_text(response)


# --- routing rules ------------------------------------------------------------------------------


def test_dispatcher_creates_and_deactivates_a_rule(client, hl):
    signed_in(client, hl.dispatcher)
    response = client.post(
        url("rules"),
        {"kind": "keyword", "pattern": "供暖 不热", "department_id": str(hl.housing.pk),
         "emergency_line": "", "category": "complaint", "priority": "50", "note": ""},
    )  # fmt: skip
    assert response.status_code == 302
    rule = RoutingRule.objects.get(pattern="供暖 不热")
    assert rule.active and rule.department_id == hl.housing.pk
    client.post(url("rule_deactivate", rule.pk))
    rule.refresh_from_db()
    assert rule.active is False


def test_a_rule_without_a_target_names_the_field(client, hl):
    response = signed_in(client, hl.dispatcher).post(
        url("rules"), {"kind": "keyword", "pattern": "供暖", "priority": "100"}
    )
    assert response.status_code == 422
    assert response.context["form"].errors.get("department_id")
    assert not RoutingRule.objects.exists()


# --- query counts ---------------------------------------------------------------------------------


def test_console_and_queue_query_counts_do_not_grow(
    client, hl, rules, django_assert_max_num_queries
):
    signed_in(client, hl.dispatcher)
    for n in range(3):
        take(hl, caller_phone=f"1370000000{n}")
    client.get(url("console"))  # warm the session and caches
    with django_assert_max_num_queries(12):
        assert client.get(url("console")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(url("dispatch_queue")).status_code == 200
    for n in range(3, 15):
        ticket = take(hl, caller_phone=f"137000000{n:02d}")
        if n % 3 == 0:
            services.dispatch(ticket_id=ticket.pk, by=hl.dispatcher, department_id=hl.urban.pk)
            order = WorkOrder.objects.get(ticket=ticket)
            services.return_order(order_id=order.pk, by=hl.urban_handler, reason="非本部门职责")
    assert WorkOrder.objects.filter(status=OrderStatus.RETURNED).count() == 4
    with django_assert_max_num_queries(12):
        assert client.get(url("dispatch_queue")).status_code == 200
    with django_assert_max_num_queries(12):
        response = client.get(url("caller_lookup") + "?caller_phone=13700000001")
        assert response.status_code == 200


def test_the_queue_shows_the_oldest_tickets_and_how_many_wait(client, hl, monkeypatch):
    from zhengwu.hotline import selectors as hotline_selectors

    first, second, third = (take(hl) for _ in range(3))
    assert [t.pk for t in hotline_selectors.dispatch_queue(hl.dispatcher, limit=2)] == [
        first.pk,
        second.pk,
    ]  # the oldest first, no more than asked
    monkeypatch.setattr(hotline_selectors, "DISPATCH_QUEUE_LIMIT", 2)
    response = signed_in(client, hl.dispatcher).get(url("dispatch_queue"))
    assert [r.ticket.pk for r in response.context["rows"]] == [first.pk, second.pk]
    assert response.context["waiting"] == 3
    assert third.number not in page_text(response)
    assert "共 3 件待派，下面是最早的 2 件。" in page_text(response)
