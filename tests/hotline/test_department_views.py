"""The department pages of the hotline (/workbench/hotline/dept/): work orders and knowledge
entries. Who may see what, each action's state change, and refused input that changes
nothing. Pages are read in English (the msgids) so that the assertions do not depend on the
translations.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.hotline.conftest import HotlineWorld
from zhengwu.hotline import services
from zhengwu.hotline.choices import (
    Category,
    Channel,
    ExtensionStatus,
    KnowledgeStatus,
    OrderStatus,
    SupervisionKind,
    TicketStatus,
)
from zhengwu.hotline.models import Extension, KnowledgeEntry, Supervision, Ticket, WorkOrder

pytestmark = pytest.mark.django_db

INDEX = reverse("hotline_dept:index")
NOISE = "纺织城正街烧烤店每天深夜噪音扰民，凌晨两点还在营业，影响休息。"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def body(response) -> str:
    return response.content.decode()


def url(name: str, order: WorkOrder) -> str:
    return reverse(f"hotline_dept:{name}", args=[order.pk])


@pytest.fixture
def client() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def make_order(
    hl: HotlineWorld, *, department=None, category=Category.COMPLAINT, **intake
) -> WorkOrder:
    """A phone ticket taken by the agent and dispatched by the dispatcher."""
    values = {
        "by": hl.agent,
        "channel": Channel.PHONE,
        "text": NOISE,
        "category": category,
        "caller_phone": "13900139000",
        "caller_name": "李娜",
        "address": "纺织城正街 18 号",
    }
    values.update(intake)
    ticket = services.intake_ticket(**values)
    services.dispatch(
        ticket_id=ticket.pk, by=hl.dispatcher, department_id=(department or hl.urban).pk
    )
    return ticket.orders.get()


def reload(order: WorkOrder) -> WorkOrder:
    return WorkOrder.objects.select_related("ticket").get(pk=order.pk)


# --- who may use the pages ----------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, hl):
    response = client.get(INDEX)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_citizens_may_not_use_the_department_pages(client, hl):
    client.force_login(hl.citizen)
    assert client.get(INDEX).status_code == 403
    assert client.get(reverse("hotline_dept:knowledge")).status_code == 403


def test_the_list_shows_the_departments_orders_only(client, hl):
    ours = make_order(hl)
    theirs = make_order(hl, department=hl.housing, text="楼道灯坏了很久没人修，请住建局处理。")
    client.force_login(hl.urban_handler)
    response = client.get(INDEX)
    assert response.status_code == 200
    html = body(response)
    assert ours.ticket.number in html and theirs.ticket.number not in html
    assert "Awaiting sign-for" in html
    assert "Sign for by" in html and "Complete by" in html


def test_another_departments_order_does_not_exist(client, hl):
    order = make_order(hl)
    client.force_login(hl.housing_handler)
    assert client.get(url("order", order)).status_code == 404
    assert client.post(url("sign", order)).status_code == 404
    assert client.post(url("return", order), {"reason": "不归我们"}).status_code == 404
    assert reload(order).status == OrderStatus.DISPATCHED


# --- the order page and its actions -----------------------------------------------------------


def test_the_order_page_shows_the_demand_masked_caller_and_timeline(client, hl):
    order = make_order(hl)
    client.force_login(hl.urban_handler)
    response = client.get(url("order", order))
    assert response.status_code == 200
    html = body(response)
    assert NOISE in html and "纺织城正街 18 号" in html
    assert "139****9000" in html and "13900139000" not in html
    assert "李娜" not in html and "李*" in html
    assert 'id="timeline"' in html
    assert 'action="' + url("sign", order) + '"' in html
    assert 'action="' + url("return", order) + '"' in html
    assert 'action="' + url("reply", order) + '"' not in html  # not before signing for


def test_an_anonymous_report_never_shows_the_caller(client, hl):
    order = make_order(
        hl,
        category=Category.REPORT,
        anonymous=True,
        caller_phone="13900139000",
        caller_name="李娜",
    )
    client.force_login(hl.urban_handler)
    html = body(client.get(url("order", order)))
    assert 'id="caller-protected"' in html
    assert "139****9000" not in html and "13900139000" not in html and "李" not in html


def test_sign_for(client, hl):
    order = make_order(hl)
    client.force_login(hl.urban_handler)
    response = client.post(url("sign", order))
    assert response.status_code == 302 and response["Location"] == url("order", order)
    order = reload(order)
    assert order.status == OrderStatus.SIGNED and order.signed_by_id == hl.urban_handler.pk
    assert order.ticket.status == TicketStatus.HANDLING
    html = body(client.get(url("order", order)))
    assert "Order signed for" in html
    assert 'action="' + url("reply", order) + '"' in html
    assert 'action="' + url("return", order) + '"' not in html


def test_return_needs_a_reason(client, hl):
    order = make_order(hl)
    client.force_login(hl.urban_handler)
    response = client.post(url("return", order), {"reason": "  "})
    assert response.status_code == 422
    assert 'id="return-reason-error"' in body(response)
    assert reload(order).status == OrderStatus.DISPATCHED


def test_return_with_a_reason_sends_the_ticket_back(client, hl):
    order = make_order(hl)
    client.force_login(hl.urban_handler)
    response = client.post(url("return", order), {"reason": "楼道照明属物业管理，应派住建局"})
    assert response.status_code == 302 and response["Location"] == INDEX
    order = reload(order)
    assert order.status == OrderStatus.RETURNED
    assert order.return_reason == "楼道照明属物业管理，应派住建局"
    assert order.ticket.status == TicketStatus.RECEIVED


def test_return_after_the_sign_for_limit_is_not_offered_and_refused(client, hl):
    order = make_order(hl)
    WorkOrder.objects.filter(pk=order.pk).update(sign_due_at=timezone.now() - timedelta(minutes=1))
    client.force_login(hl.urban_handler)
    html = body(client.get(url("order", order)))
    assert 'action="' + url("return", order) + '"' not in html
    response = client.post(url("return", order), {"reason": "不归我们"})
    assert response.status_code == 409
    assert "已超过签收时限" in body(response) or "sign-for limit has passed" in body(response)
    assert reload(order).status == OrderStatus.DISPATCHED


def test_reply_needs_text_and_then_reaches_the_ticket(client, hl):
    order = make_order(hl)
    services.sign_order(order_id=order.pk, by=hl.urban_handler)
    client.force_login(hl.urban_handler)
    refused = client.post(url("reply", order), {"reply": "", "internal_note": "x"})
    assert refused.status_code == 422
    assert 'id="reply-text-error"' in body(refused)
    assert reload(order).status == OrderStatus.SIGNED
    too_long = client.post(url("reply", order), {"reply": "答" * 4001})
    assert too_long.status_code == 422
    assert reload(order).reply == ""
    response = client.post(
        url("reply", order),
        {"reply": "已责令烧烤店晚十点后停止营业。", "internal_note": "执法队员出警两次"},
    )
    assert response.status_code == 302
    order = reload(order)
    assert order.status == OrderStatus.REPLIED
    assert order.reply == "已责令烧烤店晚十点后停止营业。"
    assert order.internal_note == "执法队员出警两次"
    assert order.ticket.status == TicketStatus.REPLIED


def test_request_an_extension(client, hl):
    order = make_order(hl)
    services.sign_order(order_id=order.pk, by=hl.urban_handler)
    client.force_login(hl.urban_handler)
    response = client.post(url("extension", order), {"days": "3", "reason": "需联合执法"})
    assert response.status_code == 302
    extension = Extension.objects.get(order=order)
    assert extension.days == 3 and extension.status == ExtensionStatus.PENDING
    html = body(client.get(url("order", order)))
    assert 'action="' + url("extension", order) + '"' not in html  # one pending at a time


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"days": "0", "reason": "需联合执法"}, "extension-days"),
        ({"days": "3"}, "extension-reason"),
    ],
)
def test_bad_extension_input_changes_nothing(client, hl, data, field):
    order = make_order(hl)
    services.sign_order(order_id=order.pk, by=hl.urban_handler)
    client.force_login(hl.urban_handler)
    response = client.post(url("extension", order), data)
    assert response.status_code == 422
    assert f'id="{field}-error"' in body(response)
    assert not Extension.objects.exists()


def test_no_extension_after_expiry(client, hl):
    order = make_order(hl)
    services.sign_order(order_id=order.pk, by=hl.urban_handler)
    WorkOrder.objects.filter(pk=order.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    client.force_login(hl.urban_handler)
    html = body(client.get(url("order", order)))
    assert 'action="' + url("extension", order) + '"' not in html
    assert "Overdue" in html
    response = client.post(url("extension", order), {"days": "3", "reason": "需联合执法"})
    assert response.status_code == 409
    assert 'id="action-error"' in body(response)
    assert not Extension.objects.exists()


def test_unknown_action_is_not_found(client, hl):
    order = make_order(hl)
    client.force_login(hl.urban_handler)
    response = client.post(f"/workbench/hotline/dept/orders/{order.pk}/close/")
    assert response.status_code == 404


def test_attachments_are_linked_and_served(client, hl):
    order = make_order(hl, attachments=[SimpleUploadedFile("street.png", PNG, "image/png")])
    attachment = order.ticket.attachments.get()
    link = reverse("hotline_dept:attachment", args=[order.pk, attachment.pk])
    client.force_login(hl.urban_handler)
    assert link in body(client.get(url("order", order)))
    response = client.get(link)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG
    client.force_login(hl.housing_handler)
    assert client.get(link).status_code == 404


# --- tabs, overdue and supervision --------------------------------------------------------------


def test_tabs_sort_orders_by_state_and_limit(client, hl):
    waiting = make_order(hl)
    late = make_order(hl, text="人行道被占道经营，请城管处理。")
    services.sign_order(order_id=late.pk, by=hl.urban_handler)
    WorkOrder.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    client.force_login(hl.urban_handler)
    handling = body(client.get(INDEX + "?tab=handling"))
    assert late.ticket.number in handling and waiting.ticket.number not in handling
    overdue = body(client.get(INDEX + "?tab=overdue"))
    assert late.ticket.number in overdue and "hl-row-overdue" in overdue
    assert waiting.ticket.number not in overdue
    assert client.get(INDEX + "?tab=nonsense").status_code == 404


def test_escalated_supervision_reaches_the_head_and_is_acknowledged(client, hl):
    order = make_order(hl)
    services.sign_order(order_id=order.pk, by=hl.urban_handler)
    services.supervise_orders(now=reload(order).due_at + timedelta(days=10))
    kinds = set(Supervision.objects.filter(order=order).values_list("kind", flat=True))
    assert SupervisionKind.ESCALATED in kinds and SupervisionKind.OVERDUE in kinds
    escalated = Supervision.objects.get(order=order, kind=SupervisionKind.ESCALATED)
    overdue = Supervision.objects.get(order=order, kind=SupervisionKind.OVERDUE)
    ack = reverse("hotline_dept:acknowledge", args=[escalated.pk])

    client.force_login(hl.urban_handler)
    html = body(client.get(INDEX))
    assert reverse("hotline_dept:acknowledge", args=[overdue.pk]) in html
    assert ack not in html
    refused = client.post(ack)
    assert refused.status_code == 302
    escalated.refresh_from_db()
    assert escalated.acknowledged_at is None

    client.force_login(hl.urban_head)
    assert ack in body(client.get(INDEX))
    response = client.post(ack, {"next": "order"})
    assert response.status_code == 302 and response["Location"] == url("order", order)
    escalated.refresh_from_db()
    assert escalated.acknowledged_at is not None

    client.force_login(hl.housing_handler)
    other = reverse("hotline_dept:acknowledge", args=[overdue.pk])
    client.post(other)
    overdue.refresh_from_db()
    assert overdue.acknowledged_at is None


# --- query counts -------------------------------------------------------------------------------


def test_query_counts_are_pinned(client, hl, django_assert_max_num_queries):
    orders = [make_order(hl) for _ in range(2)]
    client.force_login(hl.urban_handler)
    client.get(INDEX)  # warm the per-user caches the same way for both runs
    with django_assert_max_num_queries(10):
        assert client.get(INDEX).status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(url("order", orders[0])).status_code == 200
    orders += [make_order(hl) for _ in range(4)]
    with django_assert_max_num_queries(10):  # the same with more orders
        assert client.get(INDEX).status_code == 200
    assert Ticket.objects.count() == 6


# --- knowledge entries ----------------------------------------------------------------------------

KB = reverse("hotline_dept:knowledge")
KB_NEW = reverse("hotline_dept:knowledge_new")
QUESTION = "夜间施工噪音扰民向谁反映？"
ANSWER = "夜间（22时至次日6时）施工须取得夜间施工许可；无许可施工由区城管局查处，可拨打12345。"


def kb(name: str, entry) -> str:
    return reverse(f"hotline_dept:{name}", args=[entry.pk])


def _new_entry(client, **overrides):
    data = {"question": QUESTION, "answer": ANSWER, "keywords": "噪音，夜间施工"}
    data.update(overrides)
    return client.post(KB_NEW, data)


def test_department_staff_write_and_submit_an_entry(client, hl):
    client.force_login(hl.urban_handler)
    response = _new_entry(client)
    entry = KnowledgeEntry.objects.get()
    assert response.status_code == 302 and response["Location"] == kb("knowledge_entry", entry)
    assert entry.department_id == hl.urban.pk and entry.author_id == hl.urban_handler.pk
    assert entry.status == KnowledgeStatus.DRAFT and entry.keywords == "噪音,夜间施工"
    assert QUESTION in body(client.get(KB))
    edited = client.post(
        kb("knowledge_entry", entry),
        {"question": QUESTION, "answer": ANSWER + "（更新）", "keywords": "噪音"},
    )
    assert edited.status_code == 302
    entry.refresh_from_db()
    assert entry.answer.endswith("（更新）") and entry.version == 1
    client.post(kb("knowledge_submit", entry))
    entry.refresh_from_db()
    assert entry.status == KnowledgeStatus.PENDING
    html = body(client.get(kb("knowledge_entry", entry)))
    assert 'id="kb-question"' not in html  # a pending entry is not edited
    assert kb("knowledge_review", entry) not in html  # department staff do not review


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"question": ""}, "kb-question"), ({"answer": "答" * 4001}, "kb-answer")],
)
def test_bad_entry_input_changes_nothing(client, hl, overrides, field):
    client.force_login(hl.urban_handler)
    response = _new_entry(client, **overrides)
    assert response.status_code == 422
    assert f'id="{field}-error"' in body(response)
    assert not KnowledgeEntry.objects.exists()


def test_another_departments_entry_does_not_exist(client, hl):
    client.force_login(hl.urban_handler)
    _new_entry(client)
    entry = KnowledgeEntry.objects.get()
    client.force_login(hl.housing_handler)
    assert client.get(kb("knowledge_entry", entry)).status_code == 404
    assert (
        client.post(kb("knowledge_entry", entry), {"question": "改", "answer": "改"}).status_code
        == 404
    )
    assert client.post(kb("knowledge_submit", entry)).status_code == 404
    assert QUESTION not in body(client.get(KB))
    entry.refresh_from_db()
    assert entry.question == QUESTION and entry.status == KnowledgeStatus.DRAFT


def test_the_dispatcher_reviews_publishes_and_the_department_retires(client, hl):
    client.force_login(hl.urban_handler)
    _new_entry(client)
    entry = KnowledgeEntry.objects.get()
    client.post(kb("knowledge_submit", entry))
    refused = client.post(kb("knowledge_review", entry), {"decision": "approve"})
    assert refused.status_code == 403  # department staff do not review
    entry.refresh_from_db()
    assert entry.status == KnowledgeStatus.PENDING

    client.force_login(hl.dispatcher)
    index = body(client.get(KB))
    assert 'id="review-queue"' in index and QUESTION in index
    assert kb("knowledge_review", entry) in body(client.get(kb("knowledge_entry", entry)))
    no_note = client.post(kb("knowledge_review", entry), {"decision": "reject", "note": ""})
    assert no_note.status_code == 422
    assert 'id="kb-note-error"' in body(no_note)
    entry.refresh_from_db()
    assert entry.status == KnowledgeStatus.PENDING
    response = client.post(
        kb("knowledge_review", entry), {"decision": "approve", "note": "口径准确"}
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == KnowledgeStatus.PUBLISHED and entry.reviewer_id == hl.dispatcher.pk

    client.force_login(hl.urban_handler)
    client.post(kb("knowledge_retire", entry))
    entry.refresh_from_db()
    assert entry.status == KnowledgeStatus.RETIRED
    retired = body(client.get(KB + "?status=retired"))
    assert QUESTION in retired


def test_a_rejected_entry_goes_back_with_the_note(client, hl):
    client.force_login(hl.urban_handler)
    _new_entry(client)
    entry = KnowledgeEntry.objects.get()
    client.post(kb("knowledge_submit", entry))
    client.force_login(hl.supervisor)
    client.post(kb("knowledge_review", entry), {"decision": "reject", "note": "请写明投诉电话"})
    entry.refresh_from_db()
    assert entry.status == KnowledgeStatus.REJECTED
    client.force_login(hl.urban_handler)
    html = body(client.get(kb("knowledge_entry", entry)))
    assert "请写明投诉电话" in html and 'id="kb-question"' in html
    assert kb("knowledge_submit", entry) in html


def test_nobody_reviews_their_own_entry(client, hl):
    client.force_login(hl.dispatcher)
    _new_entry(client)
    entry = KnowledgeEntry.objects.get()
    assert entry.department_id == hl.centre.pk
    client.post(kb("knowledge_submit", entry))
    assert kb("knowledge_entry", entry) not in body(client.get(KB)).split('id="entries"')[0]
    response = client.post(kb("knowledge_review", entry), {"decision": "approve"})
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.status == KnowledgeStatus.PENDING
