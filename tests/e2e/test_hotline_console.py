"""The 12345 agent console in Chromium.

(a) New caller → knowledge-base answer → close: an agent types a number nobody called from
    (the console says "new caller"), types the caller's question, the knowledge panel offers
    the published FAQ entry, the agent answers with it and closes the call at once; the
    ticket is closed and answered directly, on the page and in the database.
(b) The console, the ticket page and the dispatcher's queue pass axe-core (no serious or
    critical violation) at 1280 and 360 px without sideways scrolling, also in elderly mode
    (text ≥ 20 px, controls ≥ 48 px).

Page texts of this module may not be translated yet, so the journey finds elements by id,
name and class, and the knowledge content (Chinese data) by its text.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.checks import check_elderly_type, check_page
from tests.e2e.conftest import PHONE
from tests.e2e.test_citizen_journey import sign_in
from tests.hotline import conftest as hotline_fixtures
from zhengwu.hotline import knowledge, routing, services
from zhengwu.hotline.choices import Category, RuleKind, TicketStatus
from zhengwu.hotline.models import KnowledgeEntry, RoutingRule, Ticket

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


# The Baqiao world of the hotline tests: org tree, calendar, centre and department staff.
@pytest.fixture
def hl(db, settings, tmp_path):
    return hotline_fixtures.build_world(settings, tmp_path)


NEW_CALLER = "13666666666"
QUESTION = "请问公租房怎么申请？需要带什么材料"
FAQ_QUESTION = "公租房怎么申请？"
FAQ_ANSWER = "公租房申请：携带身份证、户口簿和收入证明，到户籍所在街道办事处住房保障窗口提交申请。"
NOISE = "纺织城街道纺正街工地夜间施工噪音扰民，凌晨两点还在打桩，严重影响休息"


def _signed_in(new_context, user, next_url: str, **options):
    page = new_context(**options).new_page()
    page.goto(f"/accounts/login/?next={next_url}")
    sign_in(page, user.username)
    page.wait_for_url(re.compile(re.escape(next_url) + r"(\?.*)?$"))
    return page


def _published_faq(hl) -> KnowledgeEntry:
    entry = KnowledgeEntry.objects.create(
        department=hl.housing,
        question=FAQ_QUESTION,
        answer=FAQ_ANSWER,
        keywords="公租房 申请 材料",
        status="published",
    )
    # The word segmenter loads its dictionary once per process (seconds): do it before the
    # browser waits on the live server, which runs in this process.
    routing.propose_route(text=QUESTION)
    knowledge.knowledge_search(query=QUESTION)
    return entry


def test_new_caller_answered_from_the_knowledge_base_and_closed(new_context, hl, screenshots_dir):
    entry = _published_faq(hl)
    page = _signed_in(new_context, hl.agent, reverse("hotline_console:console"))

    # The caller's number first: nobody called from it before.
    phone = page.locator("#id_caller_phone")
    expect(phone).to_be_focused()
    phone.press_sequentially(NEW_CALLER)
    expect(page.locator("#caller-history .hl-caller-new")).to_be_visible()

    # The question: the knowledge panel offers the published entry as the agent types.
    page.select_option("#id_category", Category.CONSULT)
    page.locator("#id_text").press_sequentially(QUESTION)
    hit = page.locator("#assist .hl-hit", has_text=FAQ_QUESTION)
    expect(hit).to_be_visible()
    expect(page.locator("#text-count")).to_contain_text(str(len(QUESTION)))
    check_page(page, "agent console with knowledge hits")
    page.screenshot(path=screenshots_dir / "hotline-console-1280.png", full_page=True)

    # Answer with it: the answer box is filled in (still editable) and remembers the entry.
    hit.locator("button").click()
    answer = page.locator("#id_answer")
    expect(answer).to_have_value(FAQ_ANSWER)
    expect(page.locator("#answer-box input[name=knowledge_entry_id]")).to_have_value(str(entry.pk))
    answer.press("End")
    answer.type("如有疑问可拨打 12345。")
    page.locator("#submit-answer").click()

    # The ticket page: closed, answered directly, with the answer given.
    page.wait_for_url(re.compile(r"/workbench/hotline/tickets/12345\d+/$"))
    ticket = Ticket.objects.get()
    assert page.url.endswith(reverse("hotline_console:ticket", args=[ticket.number]))
    expect(page.locator(".hl-status")).to_have_class(re.compile(r"\bhl-status-closed\b"))
    expect(page.locator("#answered-directly")).to_be_visible()
    expect(page.locator("#ticket-answer")).to_contain_text(FAQ_ANSWER + "如有疑问可拨打 12345。")
    expect(page.locator("#caller")).to_contain_text(NEW_CALLER)
    assert ticket.status == TicketStatus.CLOSED
    assert ticket.answered_directly is True
    assert ticket.knowledge_entry_id == entry.pk
    assert ticket.answer == FAQ_ANSWER + "如有疑问可拨打 12345。"
    assert ticket.caller_phone == NEW_CALLER
    check_page(page, "ticket page, answered directly")
    page.screenshot(path=screenshots_dir / "hotline-ticket-1280.png", full_page=True)

    # The same number again: now a known caller with that ticket.
    page.goto(reverse("hotline_console:console"))
    page.locator("#id_caller_phone").press_sequentially(NEW_CALLER)
    expect(page.locator("#caller-history")).to_contain_text(ticket.number)


def test_console_ticket_and_queue_are_accessible_also_in_elderly_mode(
    new_context, hl, screenshots_dir
):
    RoutingRule.objects.create(
        kind=RuleKind.KEYWORD, pattern="噪音", department=hl.urban, category=Category.COMPLAINT
    )
    _published_faq(hl)
    ticket = services.intake_ticket(
        by=hl.agent, channel="phone", text=NOISE, caller_phone="13912345678",
        caller_name="李强", address="灞桥区纺织城街道纺正街12号",
    )  # fmt: skip
    returned = services.intake_ticket(
        by=hl.agent, channel="phone", text="小区供水管道破裂，楼道积水", caller_phone="13912345678"
    )
    services.dispatch(ticket_id=returned.pk, by=hl.dispatcher, department_id=hl.housing.pk)
    order = returned.orders.get()
    services.return_order(order_id=order.pk, by=hl.housing_handler, reason="属供水公司职责")

    page = _signed_in(new_context, hl.dispatcher, reverse("hotline_console:dispatch_queue"))
    expect(page.locator(".hl-queue-item")).to_have_count(2)
    expect(page.locator(".hl-returns")).to_contain_text("属供水公司职责")
    check_page(page, "dispatcher queue")

    page.goto(reverse("hotline_console:ticket", args=[ticket.number]))
    expect(page.locator("#dispatch-department")).to_have_value(str(hl.urban.pk))
    check_page(page, "ticket page, awaiting dispatch")

    page.goto(reverse("hotline_console:console"))
    page.locator("#id_caller_phone").press_sequentially("13912345678")
    expect(page.locator("#caller-history table")).to_be_visible()
    street = page.locator("#id_street_code option").nth(1).get_attribute("value")
    page.select_option("#id_street_code", street)
    expect(page.locator("#id_community_code option")).not_to_have_count(1)
    page.locator("#id_text").fill(NOISE)
    expect(page.locator("#proposal-department")).to_contain_text("区城管局")
    check_page(page, "agent console, known caller")

    # Elderly mode: large type and targets on the same three pages. (Wait for the live
    # lookups of the typing above to settle, so the toggle's swap is the last one.)
    page.wait_for_function("!document.querySelector('.htmx-request')")
    page.click("#elderly-toggle")
    expect(page.locator("#app")).to_have_class(re.compile(r"\belderly\b"))
    page.locator("#id_caller_phone").press_sequentially("13912345678")
    expect(page.locator("#caller-history table")).to_be_visible()
    page.locator("#id_text").fill(QUESTION)
    expect(page.locator("#assist .hl-hit")).not_to_have_count(0)
    check_elderly_type(page, "agent console, elderly")
    check_page(page, "agent console, elderly")
    page.set_viewport_size(PHONE)
    page.screenshot(path=screenshots_dir / "hotline-console-elderly-360.png", full_page=True)
    for address in (
        reverse("hotline_console:ticket", args=[ticket.number]),
        reverse("hotline_console:dispatch_queue"),
    ):
        page.goto(address)
        check_elderly_type(page, f"{address}, elderly")
        check_page(page, f"{address}, elderly")

    # One-click dispatch to the proposal from the queue.
    page.locator(f"form[action$='/tickets/{ticket.number}/dispatch/'] button").click()
    expect(page.locator(".hl-queue-item")).to_have_count(1)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.DISPATCHED
    assert ticket.department_id == hl.urban.pk
