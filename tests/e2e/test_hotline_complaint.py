"""A 12345 complaint end to end in Chromium: a citizen on a phone, staff on desktops.

A signed-in citizen reports late-night noise (投诉, topic 噪音扰民) on the web form from a
phone → the dispatcher dispatches it from the dispatcher's page to 区城管局 (the topic's
default department: routing proposes it but is not certain, so a person decides) → a handler
of 区城管局 signs for it and replies on the department's order page → the agent closes it on
the console's ticket page and records a "satisfied" callback → the citizen reads the reply
under "my tickets".

The database and the page are checked after every step; the citizen's form, the
department's work orders, order page and knowledge pages, and "my tickets" are checked with
axe-core at 1280 and 360 px, and the citizen's pages also
in elderly mode (≥ 20 px text, ≥ 48 px targets). Text the pages write themselves is found
by element ids, so the test does not depend on the translations.
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
from zhengwu.hotline.choices import (
    CallbackResult,
    Category,
    Channel,
    OrderStatus,
    TicketStatus,
)
from zhengwu.hotline.models import Callback, Ticket, Topic

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


# The Baqiao world of the hotline tests: org tree, calendar, centre and department staff.
@pytest.fixture
def hl(db, settings, tmp_path):
    return hotline_fixtures.build_world(settings, tmp_path)


NOISE = "纺织城正街的烧烤店每天营业到凌晨两点，噪音很大，老人孩子都睡不好，请管一管。"
ADDRESS = "纺织城正街 18 号"
REPLY = "经现场核查，已责令该烧烤店每晚十点后停止室外经营，执法队员将连续巡查一周。"
NOTE = "执法队员王某、李某出警两次"
PHONE_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Mobile Safari/537.36"
)


def _signed_in(new_context, user, next_url: str, **options):
    page = new_context(**options).new_page()
    page.goto(f"/accounts/login/?next={next_url}")
    sign_in(page, user.username)
    page.wait_for_url(re.compile(re.escape(next_url) + r"(\?.*)?$"))
    return page


def _phone_checks(page, label: str) -> None:
    """axe at 1280 and 360 px (no sideways scroll), then back to the phone's size."""
    check_page(page, label)
    page.set_viewport_size(PHONE)


def _elderly_checks(page, label: str) -> None:
    page.context.add_cookies([{"name": "zhengwu_elderly", "value": "1", "url": page.url}])
    page.reload()
    check_elderly_type(page, f"{label}, elderly")
    check_page(page, f"{label}, elderly")
    page.context.clear_cookies(name="zhengwu_elderly")
    page.reload()
    page.set_viewport_size(PHONE)


def test_a_noise_complaint_from_the_web_form_to_the_callback(new_context, hl, screenshots_dir):
    Topic.objects.create(
        code="noise",
        name="噪音扰民",
        category=Category.COMPLAINT,
        keywords="噪音,扰民",
        department=hl.urban,
    )

    # 1. The citizen, on a phone, writes to 12345.
    form_url = reverse("hotline:submit")
    citizen = _signed_in(new_context, hl.citizen, form_url, viewport=PHONE, user_agent=PHONE_UA)
    expect(citizen.locator("#id_caller_phone")).to_have_value("13800138000")  # prefilled
    expect(citizen.locator("#id_caller_name")).to_have_value("张伟")
    _phone_checks(citizen, "hotline form")
    _elderly_checks(citizen, "hotline form")
    citizen.locator(f"input[name=category][value={Category.COMPLAINT}]").check()
    citizen.locator("#id_topic").select_option("noise")
    citizen.locator("#id_text").fill(NOISE)
    expect(citizen.locator("#text-count")).to_contain_text(str(4000 - len(NOISE)))
    citizen.locator("#id_address").fill(ADDRESS)
    citizen.locator("#id_street").select_option("610111001")  # 纺织城街道
    citizen.screenshot(path=str(screenshots_dir / "hotline-form-phone.png"), full_page=True)
    citizen.locator("#submit-ticket").click()
    citizen.wait_for_url(re.compile(re.escape(reverse("hotline:submitted")) + "$"))

    ticket = Ticket.objects.get()
    assert ticket.channel == Channel.MOBILE
    assert ticket.category == Category.COMPLAINT and ticket.topic.code == "noise"
    assert ticket.text == NOISE and ticket.address == ADDRESS
    assert ticket.street.code == "610111001"
    assert ticket.caller_user_id == hl.citizen.pk
    assert ticket.status == TicketStatus.RECEIVED  # not certain: a dispatcher decides
    assert ticket.proposed_department_id == hl.urban.pk
    expect(citizen.locator("#ticket-number")).to_have_text(ticket.number)
    expect(citizen.locator("#next-steps li")).to_have_count(3)
    _phone_checks(citizen, "hotline confirmation")

    # 2. The dispatcher dispatches it from the queue.
    dispatcher = _signed_in(new_context, hl.dispatcher, reverse("hotline_console:dispatch_queue"))
    item = dispatcher.locator(".hl-queue-item", has_text=ticket.number)
    expect(item).to_contain_text("区城管局")
    item.locator("form button[type=submit]").click()
    dispatcher.wait_for_load_state("load")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.DISPATCHED
    assert ticket.department_id == hl.urban.pk
    order = ticket.orders.get()
    assert order.status == OrderStatus.DISPATCHED and order.department_id == hl.urban.pk

    # 3. The department's handler signs for it and replies.
    handler = _signed_in(new_context, hl.urban_handler, reverse("hotline_dept:index"))
    expect(handler.locator("table a", has_text=ticket.number)).to_have_count(1)
    check_page(handler, "department work orders")
    handler.locator("table a", has_text=ticket.number).click()
    order_url = reverse("hotline_dept:order", args=[order.pk])
    handler.wait_for_url(re.compile(re.escape(order_url) + "$"))
    expect(handler.locator("#demand-text")).to_contain_text(NOISE)
    expect(handler.locator("#caller-phone")).to_have_text("138****8000")
    check_page(handler, "order page, awaiting sign-for")
    handler.locator("#action-sign button[type=submit]").click()
    handler.wait_for_url(re.compile(re.escape(order_url) + "$"))
    order.refresh_from_db()
    assert order.status == OrderStatus.SIGNED and order.signed_by_id == hl.urban_handler.pk
    expect(handler.locator("#action-reply")).to_be_visible()
    handler.locator("#reply-text").fill(REPLY)
    handler.locator("#reply-note").fill(NOTE)
    check_page(handler, "order page, in hand")
    handler.locator("#action-reply button[type=submit]").click()
    handler.wait_for_url(re.compile(re.escape(order_url) + "$"))
    order.refresh_from_db()
    ticket.refresh_from_db()
    assert order.status == OrderStatus.REPLIED
    assert order.reply == REPLY and order.internal_note == NOTE
    assert ticket.status == TicketStatus.REPLIED
    expect(handler.locator("#order-reply")).to_contain_text(REPLY)
    handler.goto(reverse("hotline_dept:knowledge_new"))
    check_page(handler, "new knowledge entry")
    handler.goto(reverse("hotline_dept:knowledge"))
    check_page(handler, "knowledge entries")

    # 4. The agent closes it with the department's reply and calls the citizen back.
    ticket_url = reverse("hotline_console:ticket", args=[ticket.number])
    agent = _signed_in(new_context, hl.agent, ticket_url)
    expect(agent.locator("#close-answer")).to_have_value(REPLY)
    agent.locator("#action-close button[type=submit]").click()
    agent.wait_for_load_state("load")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED
    assert ticket.answer == REPLY and ticket.closed_at is not None
    agent.locator(f"#action-callback input[name=result][value={CallbackResult.SATISFIED}]").check()
    agent.locator("#callback-note").fill("市民表示噪音已明显减少")
    agent.locator("#action-callback button[type=submit]").click()
    agent.wait_for_load_state("load")
    ticket.refresh_from_db()
    assert ticket.callback_result == CallbackResult.SATISFIED
    callback = Callback.objects.get(ticket=ticket)
    assert callback.result == CallbackResult.SATISFIED and callback.by_id == hl.agent.pk

    # 5. The citizen reads the answer under "my tickets".
    citizen.goto(reverse("hotline:mine"))
    card = citizen.locator("#tickets li", has_text=ticket.number)
    expect(card).to_have_count(1)
    _phone_checks(citizen, "my tickets")
    _elderly_checks(citizen, "my tickets")
    card = citizen.locator("#tickets li", has_text=ticket.number)
    card.locator("a.button").click()
    citizen.wait_for_url(
        re.compile(re.escape(reverse("hotline:mine_detail", args=[ticket.pk])) + "$")
    )
    expect(citizen.locator("#answer")).to_contain_text(REPLY)
    expect(citizen.locator("main")).not_to_contain_text(NOTE)  # the internal note stays inside
    expect(citizen.locator("#timeline")).to_contain_text(REPLY)
    _phone_checks(citizen, "my ticket")
    _elderly_checks(citizen, "my ticket")
    citizen.screenshot(path=str(screenshots_dir / "hotline-my-ticket-phone.png"), full_page=True)
