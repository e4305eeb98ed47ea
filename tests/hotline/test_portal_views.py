"""The citizen pages of the hotline (/hotline/): the web and mobile form, the confirmation,
"my tickets" and the lookup by number and phone.

Pages are read in English (the msgids) so that the assertions do not depend on the
translations; service messages are checked in their Chinese form where they surface.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.factories import make_citizen
from zhengwu.hotline import services
from zhengwu.hotline.choices import Category, Channel, RuleKind, TicketStatus
from zhengwu.hotline.models import Attachment, RoutingRule, Ticket, Topic

pytestmark = pytest.mark.django_db

FORM = reverse("hotline:submit")
SUBMITTED = reverse("hotline:submitted")
MINE = reverse("hotline:mine")
LOOKUP = reverse("hotline:lookup")
NOISE = "纺织城正街烧烤店每天深夜噪音扰民，凌晨两点还在营业，影响休息，请城管处理。"
PHONE_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Mobile Safari/537.36"
)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%test\n"


def body(response) -> str:
    return response.content.decode()


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def client() -> Client:
    cache.clear()  # the lookup's failure counter
    return english(Client())


@pytest.fixture
def noise_rule(hl):
    """A dispatcher's keyword rule: noise goes to 区城管局 (routing is certain)."""
    return RoutingRule.objects.create(
        kind=RuleKind.KEYWORD, pattern="噪音", department=hl.urban, category=Category.COMPLAINT
    )


def token_of(response) -> str:
    match = re.search(r'name="form_token" value="([^"]+)"', body(response))
    assert match, "the form carries its idempotency token"
    return match.group(1)


def form_data(client, **overrides) -> dict:
    data = {
        "form_token": token_of(client.get(FORM)),
        "category": Category.COMPLAINT,
        "topic": "",
        "text": NOISE,
        "address": "纺织城正街 18 号",
        "street": "",
        "community": "",
        "caller_phone": "13900139000",
        "caller_name": "李娜",
    }
    data.update(overrides)
    return data


# --- the form ------------------------------------------------------------------------------------


@pytest.fixture
def noise_topic(hl):
    return Topic.objects.create(
        code="noise", name="噪音扰民", category=Category.COMPLAINT, department=hl.urban
    )


def test_form_logged_out_shows_every_field_and_a_fresh_token(client, hl, noise_topic):
    response = client.get(FORM)
    assert response.status_code == 200
    html = body(response)
    for name in ("category", "topic", "text", "address", "street", "community", "attachments"):
        assert f'name="{name}"' in html
    assert 'name="caller_phone"' in html and 'name="anonymous"' in html
    assert 'maxlength="4000"' in html
    assert "纺织城" in html  # the street select
    assert "纺正街社区" in html  # the community select
    assert "噪音扰民" in html  # the topic select
    assert token_of(response) != token_of(client.get(FORM))


def test_form_is_prefilled_for_a_signed_in_citizen(client, hl):
    client.force_login(hl.citizen)
    html = body(client.get(FORM))
    assert 'value="13800138000"' in html
    assert 'value="张伟"' in html


def test_submit_logged_out_with_a_phone_makes_a_web_ticket(client, hl):
    response = client.post(FORM, form_data(client))
    assert response.status_code == 302 and response["Location"] == SUBMITTED
    ticket = Ticket.objects.get()
    assert ticket.channel == Channel.WEB
    assert ticket.category == Category.COMPLAINT
    assert ticket.text == NOISE
    assert ticket.caller_phone == "13900139000" and ticket.caller_name == "李娜"
    assert ticket.caller_user is None
    assert ticket.caller_phone_index
    page = client.get(SUBMITTED)
    assert page.status_code == 200
    html = body(page)
    assert ticket.number in html
    assert "What happens next" in html
    assert "13900139000" not in html


def test_submit_routed_with_certainty_is_dispatched_and_the_limit_shown(client, hl, noise_rule):
    client.post(FORM, form_data(client))
    ticket = Ticket.objects.get()
    assert ticket.status == TicketStatus.DISPATCHED
    assert ticket.department_id == hl.urban.pk
    html = body(client.get(SUBMITTED))
    assert "区城管局" in html
    assert ticket.due_at is not None
    from django.utils import timezone

    assert timezone.localtime(ticket.due_at).strftime("%Y-%m-%d %H:%M") in html


def test_a_phone_browser_makes_a_mobile_ticket(hl):
    client = english(Client(HTTP_USER_AGENT=PHONE_UA))
    client.post(FORM, form_data(client))
    assert Ticket.objects.get().channel == Channel.MOBILE


def test_the_hidden_channel_field_wins(client, hl):
    client.post(FORM, form_data(client, channel="mobile"))
    assert Ticket.objects.get().channel == Channel.MOBILE


def test_a_double_submit_makes_one_ticket(client, hl):
    data = form_data(client)
    first = client.post(FORM, data)
    second = client.post(FORM, data)
    assert first.status_code == second.status_code == 302
    assert Ticket.objects.count() == 1
    assert Ticket.objects.get().number in body(client.get(SUBMITTED))


def test_a_signed_in_citizen_submits_and_finds_it_under_my_tickets(client, hl):
    client.force_login(hl.citizen)
    data = form_data(client, caller_phone="13800138000", caller_name="张伟")
    client.post(FORM, data)
    ticket = Ticket.objects.get()
    assert ticket.caller_user_id == hl.citizen.pk
    html = body(client.get(MINE))
    assert ticket.number in html
    detail = client.get(reverse("hotline:mine_detail", args=[ticket.pk]))
    assert detail.status_code == 200
    assert NOISE in body(detail)


def test_an_anonymous_report_needs_no_phone(client, hl):
    data = form_data(
        client, category=Category.REPORT, anonymous="on", caller_phone="", caller_name=""
    )
    response = client.post(FORM, data)
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.anonymous and ticket.caller_phone == "" and ticket.caller_phone_index == ""
    assert "You reported anonymously" in body(client.get(SUBMITTED))


# --- bad input: a field error and no ticket -------------------------------------------------------


def _refused(response, field: str) -> str:
    assert response.status_code == 422
    assert Ticket.objects.count() == 0
    html = body(response)
    assert f'id="id_{field}-error"' in html
    assert 'id="error-summary"' in html
    return html


def test_over_long_text_is_refused(client, hl):
    html = _refused(client.post(FORM, form_data(client, text="噪" * 4001)), "text")
    assert "4000" in html


def test_empty_text_is_refused(client, hl):
    _refused(client.post(FORM, form_data(client, text="   ")), "text")


def test_a_phone_is_required_unless_anonymous(client, hl):
    _refused(client.post(FORM, form_data(client, caller_phone="")), "caller_phone")


def test_a_malformed_phone_is_refused(client, hl):
    html = _refused(client.post(FORM, form_data(client, caller_phone="12345")), "caller_phone")
    assert "电话号码格式不正确" in html or "phone number is invalid" in html


def test_only_a_report_may_be_anonymous(client, hl):
    data = form_data(client, anonymous="on", caller_phone="", caller_name="")
    _refused(client.post(FORM, data), "anonymous")


def test_a_community_outside_the_street_is_refused(client, hl):
    data = form_data(client, street="610111002", community="610111001001")
    _refused(client.post(FORM, data), "community")


def test_an_oversized_upload_is_refused(client, hl):
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (10 * 1024 * 1024), "application/pdf")
    html = _refused(client.post(FORM, {**form_data(client), "attachments": [big]}), "attachments")
    assert "10 MB" in html
    assert Attachment.objects.count() == 0


def test_a_file_of_the_wrong_type_is_refused_by_its_content(client, hl):
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not an image", "image/jpeg")
    html = _refused(client.post(FORM, {**form_data(client), "attachments": [fake]}), "attachments")
    assert "photo.jpg" in html


def test_more_than_five_files_are_refused(client, hl):
    files = [SimpleUploadedFile(f"p{n}.png", PNG, "image/png") for n in range(6)]
    _refused(client.post(FORM, {**form_data(client), "attachments": files}), "attachments")


def test_photos_and_a_pdf_are_stored_with_the_ticket(client, hl):
    files = [
        SimpleUploadedFile("street.png", PNG, "image/png"),
        SimpleUploadedFile("letter.pdf", PDF, "application/pdf"),
    ]
    response = client.post(FORM, {**form_data(client), "attachments": files})
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert sorted(ticket.attachments.values_list("content_type", flat=True)) == [
        "application/pdf",
        "image/png",
    ]


def test_the_confirmation_without_a_submission_goes_back_to_the_form(client, hl):
    response = client.get(SUBMITTED)
    assert response.status_code == 302 and response["Location"] == FORM


# --- my tickets and the lookup ----------------------------------------------------------------


def _ticket(hl, **kwargs) -> Ticket:
    values = {
        "by": None,
        "channel": Channel.WEB,
        "text": NOISE,
        "category": Category.COMPLAINT,
        "caller_phone": "13900139000",
        "caller_name": "李娜",
    }
    values.update(kwargs)
    return services.intake_ticket(**values)


def _dispatched_and_replied(hl, ticket: Ticket, reply: str) -> None:
    services.dispatch(ticket_id=ticket.pk, by=hl.dispatcher, department_id=hl.urban.pk)
    order = ticket.orders.get()
    services.sign_order(order_id=order.pk, by=hl.urban_handler)
    services.reply_order(order_id=order.pk, by=hl.urban_handler, reply=reply, internal_note="内部")


def test_my_tickets_needs_an_account(client, hl):
    response = client.get(MINE)
    assert response.status_code == 302 and response["Location"] == LOOKUP


def test_my_tickets_shows_only_mine_and_the_public_reply(client, hl):
    mine = _ticket(hl, by=hl.citizen, caller_phone="13800138000", caller_name="张伟")
    other_citizen = make_citizen(real_name="王芳", phone="13700137000")
    theirs = _ticket(hl, by=other_citizen, caller_phone="13700137000", caller_name="王芳")
    _dispatched_and_replied(hl, mine, "已责令烧烤店晚十点后停止营业。")
    client.force_login(hl.citizen)
    html = body(client.get(MINE))
    assert mine.number in html and theirs.number not in html
    detail = body(client.get(reverse("hotline:mine_detail", args=[mine.pk])))
    assert "已责令烧烤店晚十点后停止营业。" in detail
    assert client.get(reverse("hotline:mine_detail", args=[theirs.pk])).status_code == 404


def test_the_internal_note_never_reaches_the_caller(client, hl):
    ticket = _ticket(hl, by=hl.citizen, caller_phone="13800138000", caller_name="张伟")
    services.dispatch(ticket_id=ticket.pk, by=hl.dispatcher, department_id=hl.urban.pk)
    order = ticket.orders.get()
    services.sign_order(order_id=order.pk, by=hl.urban_handler)
    services.reply_order(
        order_id=order.pk, by=hl.urban_handler, reply="已处理。", internal_note="执法队员王某出警"
    )
    client.force_login(hl.citizen)
    detail = body(client.get(reverse("hotline:mine_detail", args=[ticket.pk])))
    assert "已处理。" in detail
    assert "执法队员王某出警" not in detail


def test_staff_do_not_see_tickets_on_the_citizen_page(client, hl):
    ticket = _ticket(hl)
    client.force_login(hl.agent)
    assert client.get(reverse("hotline:mine_detail", args=[ticket.pk])).status_code == 404


def test_lookup_by_number_and_phone_without_showing_the_phone(client, hl):
    ticket = _ticket(hl)
    response = client.post(LOOKUP, {"number": ticket.number, "phone": "139-0013-9000"})
    assert response.status_code == 200
    html = body(response)
    assert ticket.number in html and NOISE in html
    assert "13900139000" not in html and "139-0013-9000" not in html


def test_lookup_with_the_wrong_phone_finds_nothing(client, hl):
    ticket = _ticket(hl)
    response = client.post(LOOKUP, {"number": ticket.number, "phone": "13900139001"})
    assert response.status_code == 404
    assert NOISE not in body(response)
    assert 'id="lookup-error"' in body(response)


def test_repeated_failed_lookups_are_paused(client, hl):
    ticket = _ticket(hl)
    for n in range(10):
        wrong = client.post(LOOKUP, {"number": ticket.number, "phone": f"1390013{n:04d}"})
        assert wrong.status_code == 404
    paused = client.post(LOOKUP, {"number": ticket.number, "phone": "13900139000"})
    assert paused.status_code == 429
    assert NOISE not in body(paused)


def test_an_anonymous_report_cannot_be_looked_up_by_phone(client, hl):
    ticket = _ticket(hl, category=Category.REPORT, anonymous=True, caller_phone="", caller_name="")
    response = client.post(LOOKUP, {"number": ticket.number, "phone": "13900139000"})
    assert response.status_code == 404


def test_lookup_with_a_malformed_phone_shows_a_field_error(client, hl):
    response = client.post(LOOKUP, {"number": "123", "phone": "abc"})
    assert response.status_code == 422
    assert 'id="id_phone-error"' in body(response)


# --- query counts ---------------------------------------------------------------------------------


def test_query_counts_are_pinned(client, hl, django_assert_max_num_queries):
    client.force_login(hl.citizen)
    for _ in range(3):
        _ticket(hl, by=hl.citizen, caller_phone="13800138000", caller_name="张伟")
    client.get(MINE)  # the session is written once after signing in
    with django_assert_max_num_queries(7):
        assert client.get(MINE).status_code == 200
    with django_assert_max_num_queries(9):  # streets, communities, topics, profile
        assert client.get(FORM).status_code == 200
    for _ in range(5):
        _ticket(hl, by=hl.citizen, caller_phone="13800138000", caller_name="张伟")
    with django_assert_max_num_queries(7):  # the same with more tickets
        assert client.get(MINE).status_code == 200
