"""Bad input at intake (issue 7 "Bad input"): refused with a typed error naming the field,
messages in Chinese and English, and nothing written."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.hotline.core_helpers import NOISE_TEXT, counts, routing_rules
from zhengwu.hotline import services
from zhengwu.hotline.models import Attachment, Ticket
from zhengwu.kernel.errors import InvalidInput, NotAllowed, NotFound

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64 + b"\n%%EOF\n"


@pytest.fixture
def world(hl):
    routing_rules(hl)
    return hl


def intake(hl, **kwargs):
    params = {
        "by": hl.agent,
        "channel": "phone",
        "text": NOISE_TEXT,
        "caller_phone": "13912345678",
        "address": "纺织城街道纺正街",
    }
    params.update(kwargs)
    return services.intake_ticket(**params)


BAD = [
    ({"text": ""}, "text"),
    ({"text": "   \n "}, "text"),
    ({"text": "长" * 4001}, "text"),
    ({"channel": "fax"}, "channel"),
    ({"category": "gossip"}, "category"),
    ({"priority": "asap"}, "priority"),
    ({"topic_code": "no-such-topic"}, "topic_code"),
    ({"caller_phone": "12345"}, "caller_phone"),
    ({"caller_phone": "12912345678"}, "caller_phone"),  # no mobile prefix 12x
    ({"caller_phone": "88886666"}, "caller_phone"),  # landline without area code
    ({"latitude": "91", "longitude": "108.9"}, "latitude"),
    ({"latitude": "34.2", "longitude": "-181"}, "longitude"),
    ({"latitude": "abc", "longitude": "108.9"}, "latitude"),
    ({"street_code": "999999999"}, "street_code"),
    ({"community_code": "610111001999"}, "community_code"),
    ({"attributes": ["not", "a", "dict"]}, "attributes"),
    ({"anonymous": True, "category": "complaint", "caller_phone": ""}, "anonymous"),
    ({"caller_phone": ""}, "caller_phone"),  # a phone call needs the caller's number
    ({"idempotency_key": "k" * 129}, "idempotency_key"),
]


@pytest.mark.parametrize(("change", "field"), BAD)
def test_bad_intake_is_refused_and_writes_nothing(world, change, field):
    before = counts()
    with pytest.raises(InvalidInput) as err:
        intake(world, **change)
    assert err.value.field == field or any(e.field == field for e in err.value.errors)
    assert err.value.message and err.value.message_en
    assert counts() == before


def test_several_errors_are_reported_together(world):
    with pytest.raises(InvalidInput) as err:
        intake(world, text="", caller_phone="1", latitude="100", longitude="0")
    assert {e.field for e in err.value.errors} == {"text", "caller_phone", "latitude"}
    assert Ticket.objects.count() == 0


def test_phone_channel_is_for_agents_only(world):
    with pytest.raises(NotAllowed):
        intake(world, by=world.citizen)
    with pytest.raises(NotAllowed):
        intake(world, by=None)
    assert Ticket.objects.count() == 0


def test_anonymous_report_is_accepted_without_identity(world):
    ticket = intake(
        world, anonymous=True, category="report", caller_phone="", text="某餐馆使用地沟油"
    )
    assert ticket.anonymous and ticket.caller_phone == "" and ticket.caller_phone_index == ""


def test_phone_numbers_are_normalised(world):
    a = intake(world, caller_phone="+86 139-1234-5678")
    b = intake(world, caller_phone="(029) 8888-6666")
    c = intake(world, caller_phone="0917 1234567")
    assert a.caller_phone == "13912345678"
    assert b.caller_phone == "02988886666"
    assert c.caller_phone == "09171234567"


def test_coordinates_and_codes_are_stored(world):
    ticket = intake(
        world, latitude="34.276543", longitude="109.061234", street_code="610111004", address=""
    )
    assert str(ticket.latitude) == "34.276543" and str(ticket.longitude) == "109.061234"
    assert ticket.street.name == "席王街道" and ticket.community is None


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_attachments_are_sniffed_and_stored_by_content(world, settings):
    ticket = intake(
        world,
        attachments=[upload("a.jpg", JPEG), upload("b.bin", PNG), upload("c.pdf", PDF)],
    )
    rows = {a.name: a for a in Attachment.objects.filter(ticket=ticket)}
    assert rows["a.jpg"].content_type == "image/jpeg"
    assert rows["b.bin"].content_type == "image/png"  # the content decides, not the name
    assert rows["c.pdf"].content_type == "application/pdf"
    from django.core.files.storage import default_storage

    pdf = rows["c.pdf"]
    assert pdf.storage_name == f"hotline/{pdf.sha256[:2]}/{pdf.sha256}"
    with default_storage.open(pdf.storage_name) as f:
        assert f.read() == PDF


BAD_FILES = [
    [upload("x.jpg", b"GIF89a" + b"\x00" * 32)],  # a GIF named .jpg
    [upload("x.exe", b"MZ\x90\x00" + b"\x00" * 32)],
    [upload("empty.png", b"")],
    [upload(f"{n}.png", PNG) for n in range(6)],
    [upload("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024))],
]


@pytest.mark.parametrize("files", BAD_FILES)
def test_bad_attachments_are_refused(world, files):
    before = counts()
    with pytest.raises(InvalidInput) as err:
        intake(world, attachments=files)
    assert err.value.field.startswith("attachments")
    assert counts() == before


def test_unknown_ids_are_not_found(world):
    with pytest.raises(NotFound):
        services.sign_order(order_id=999999, by=world.urban_handler)
    with pytest.raises(NotFound):
        services.close_ticket(ticket_id="abc", by=world.agent)
    with pytest.raises(NotFound):
        services.decide_extension(extension_id=424242, by=world.dispatcher, approve=True)
    ticket = intake(world)
    with pytest.raises(InvalidInput):
        services.dispatch(ticket_id=ticket.pk, by=world.dispatcher, department_id=987654)
    with pytest.raises(InvalidInput):
        services.dispatch(
            ticket_id=ticket.pk, by=world.dispatcher, department_id=world.urban.pk,
            assisting_department_ids=[world.urban.pk],
        )  # fmt: skip


def test_callback_result_must_be_known(world):
    ticket = intake(world)
    services.answer_directly(ticket_id=ticket.pk, by=world.agent, answer="已答复")
    with pytest.raises(InvalidInput):
        services.record_callback(ticket_id=ticket.pk, by=world.agent, result="meh")
