"""The payment-gateway adapter (办件网上缴费) against a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import hashlib
import hmac
import os
import socket
import subprocess
import sys
from decimal import Decimal

import orjson
import pytest

from zhengwu.cases.payments import (
    GatewayError,
    GatewayNotice,
    GatewayOrder,
    HttpPaymentGateway,
    amount_from_fee_items,
    gateway,
    new_order_no,
    online_payment_enabled,
)
from zhengwu.kernel.errors import Conflict, InvalidInput, http_status

SECRET = "gateway-secret-for-tests"


def _sign(body: bytes, secret: str = SECRET) -> str:
    # Computed here, not with the module's helper, so a wrong scheme there is caught.
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@pytest.fixture
def configured(settings, http_receiver):
    settings.PAYMENT_GATEWAY_URL = http_receiver.url
    settings.PAYMENT_GATEWAY_SECRET = SECRET
    settings.PAYMENT_GATEWAY_TIMEOUT = 5
    return settings


def _order(**overrides):
    arguments = {
        "order_no": "PAY202501010001ABC123",
        "amount": Decimal("12.5"),
        "subject": "居民身份证工本费",
        "notify_url": "https://zw.example.cn/payments/notify",
        "return_url": "https://zw.example.cn/cases/1",
    }
    arguments.update(overrides)
    return gateway().create_order(**arguments)


# --- create_order ------------------------------------------------------------------------------


def test_create_order_posts_a_signed_body_and_returns_the_order(configured, http_receiver):
    http_receiver.reply_json(
        {"pay_url": "https://pay.example.cn/cashier?t=abc", "gateway_ref": "G-778899"}
    )
    order = _order()

    assert order == GatewayOrder(
        order_no="PAY202501010001ABC123",
        pay_url="https://pay.example.cn/cashier?t=abc",
        gateway_ref="G-778899",
    )
    [request] = http_receiver.requests
    assert (request.method, request.path) == ("POST", "/orders")
    assert request.json() == {
        "order_no": "PAY202501010001ABC123",
        "amount": "12.50",
        "subject": "居民身份证工本费",
        "notify_url": "https://zw.example.cn/payments/notify",
        "return_url": "https://zw.example.cn/cases/1",
    }
    assert request.headers["X-Zhengwu-Signature"] == _sign(request.body)
    assert request.headers["Idempotency-Key"] == "PAY202501010001ABC123"
    assert request.headers["Content-Type"].startswith("application/json")


def test_a_trailing_slash_in_the_url_and_a_201_answer_are_fine(configured, http_receiver):
    configured.PAYMENT_GATEWAY_URL = http_receiver.url + "/"
    http_receiver.reply_json(
        {"pay_url": "https://pay.example.cn/c", "gateway_ref": 4455, "order_no": "PAY1"},
        status=201,
    )
    order = _order(order_no="PAY1", amount=Decimal("20"))
    assert order.gateway_ref == "4455"
    [request] = http_receiver.requests
    assert request.path == "/orders"
    assert request.json()["amount"] == "20.00"


def test_gateway_error_status_is_a_gateway_error_not_a_server_error(configured, http_receiver):
    http_receiver.always(500)
    with pytest.raises(GatewayError) as caught:
        _order()
    error = caught.value
    assert error.code == "payment_gateway_error"
    assert error.reason == "HTTP 500"
    assert "HTTP 500" in error.message_en
    assert error.message  # Chinese message for the applicant
    assert http_status(error) == 409
    assert error.as_dict()["details"] == {"reason": "HTTP 500"}


def test_a_redirect_is_not_followed(configured, http_receiver):
    http_receiver.reply_json({"pay_url": "https://x.example.cn", "gateway_ref": "1"}, status=302)
    with pytest.raises(GatewayError, match="HTTP 302"):
        _order()


def test_connection_refused_is_a_gateway_error(configured):
    with socket.socket() as probe:  # a port that was free a moment ago: nobody listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    configured.PAYMENT_GATEWAY_URL = f"http://127.0.0.1:{port}"
    with pytest.raises(GatewayError) as caught:
        _order()
    assert caught.value.reason == "could not connect"


def test_a_gateway_that_does_not_answer_times_out(configured):
    with socket.socket() as silent:  # accepts connections (backlog) and never replies
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        configured.PAYMENT_GATEWAY_URL = f"http://127.0.0.1:{silent.getsockname()[1]}"
        configured.PAYMENT_GATEWAY_TIMEOUT = 0.3
        with pytest.raises(GatewayError) as caught:
            _order()
    assert caught.value.reason == "no answer within 0.3 s"


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (b"<html>Bad gateway</html>", "the reply is not JSON"),
        (b"[1, 2]", "the reply is not a JSON object"),
        (b'{"gateway_ref": "G1"}', "the reply has no valid pay_url"),
        (b'{"pay_url": "javascript:alert(1)", "gateway_ref": "G1"}', "no valid pay_url"),
        (b'{"pay_url": "/relative", "gateway_ref": "G1"}', "no valid pay_url"),
        (b'{"pay_url": "https://pay.example.cn/c"}', "the reply has no valid gateway_ref"),
        (b'{"pay_url": "https://p.example.cn", "gateway_ref": ""}', "no valid gateway_ref"),
        (
            b'{"pay_url": "https://p.example.cn", "gateway_ref": "G1", "order_no": "OTHER"}',
            "the reply is for another order",
        ),
    ],
)
def test_a_reply_that_is_not_the_expected_json_is_a_gateway_error(
    configured, http_receiver, reply, reason
):
    http_receiver.reply(reply)
    with pytest.raises(GatewayError) as caught:
        _order()
    assert reason in caught.value.reason
    assert reason in str(caught.value)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": Decimal("0")}, "amount"),
        ({"amount": Decimal("-1")}, "amount"),
        ({"amount": Decimal("1.005")}, "amount"),
        ({"amount": Decimal("NaN")}, "amount"),
        ({"order_no": ""}, "order_no"),
        ({"order_no": "P" * 41}, "order_no"),
    ],
)
def test_a_bad_order_is_refused_before_calling_the_gateway(
    configured, http_receiver, overrides, field
):
    with pytest.raises(InvalidInput) as caught:
        _order(**overrides)
    assert caught.value.field == field
    assert http_receiver.requests == []


# --- parse_notice ------------------------------------------------------------------------------

NOTICE = {
    "order_no": "PAY202501010001ABC123",
    "gateway_ref": "G-778899",
    "status": "paid",
    "amount": "12.50",
    "receipt_no": "61010125000012345",
}


def _notice_gateway() -> HttpPaymentGateway:
    return HttpPaymentGateway(url="http://127.0.0.1:9", secret=SECRET, timeout=1)


def test_a_correctly_signed_notice_is_accepted():
    body = orjson.dumps(NOTICE)
    notice = _notice_gateway().parse_notice(body, {"X-Gateway-Signature": _sign(body)})
    assert notice == GatewayNotice(
        order_no="PAY202501010001ABC123",
        gateway_ref="G-778899",
        paid=True,
        amount=Decimal("12.50"),
        receipt_no="61010125000012345",
    )


def test_header_names_are_case_insensitive_and_numbers_are_read_exactly():
    body = orjson.dumps({**NOTICE, "amount": 0.3, "status": "failed", "receipt_no": None})
    signature = _sign(body).upper().replace("SHA256=", "sha256=")  # upper-case hex is fine
    notice = _notice_gateway().parse_notice(body, {"x-gateway-signature": signature})
    assert notice.paid is False
    assert notice.amount == Decimal("0.30")
    assert str(notice.amount) == "0.30"
    assert notice.receipt_no == ""


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Gateway-Signature": ""},
        {"X-Gateway-Signature": "sha256=" + "0" * 64},
        {"X-Gateway-Signature": _sign(orjson.dumps(NOTICE), secret="another-secret")},
        {"X-Gateway-Signature": "sha256=签名"},
        {"X-Zhengwu-Signature": _sign(orjson.dumps(NOTICE))},  # our header, not theirs
    ],
)
def test_a_notice_without_a_valid_signature_is_refused(headers):
    with pytest.raises(InvalidInput) as caught:
        _notice_gateway().parse_notice(orjson.dumps(NOTICE), headers)
    assert caught.value.code == "payment_signature"
    assert http_status(caught.value) == 422


def test_a_tampered_body_is_refused():
    signed = orjson.dumps(NOTICE)
    tampered = orjson.dumps({**NOTICE, "amount": "0.01"})
    with pytest.raises(InvalidInput) as caught:
        _notice_gateway().parse_notice(tampered, {"X-Gateway-Signature": _sign(signed)})
    assert caught.value.code == "payment_signature"


@pytest.mark.parametrize("body", [b"{not json", b"", b'["paid"]', b'"paid"'])
def test_a_signed_but_malformed_notice_is_refused(body):
    with pytest.raises(InvalidInput) as caught:
        _notice_gateway().parse_notice(body, {"X-Gateway-Signature": _sign(body)})
    assert caught.value.code == "malformed_json"


def test_missing_fields_are_all_named():
    payload = {"gateway_ref": "G-1", "amount": "1.00"}  # no order_no, no status
    body = orjson.dumps(payload)
    with pytest.raises(InvalidInput) as caught:
        _notice_gateway().parse_notice(body, {"X-Gateway-Signature": _sign(body)})
    fields = {e.field for e in caught.value.errors}
    assert fields == {"order_no", "status"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": "十二元"}, "amount"),
        ({"amount": "12.5.0"}, "amount"),
        ({"amount": True}, "amount"),
        ({"amount": "-12.50"}, "amount"),
        ({"amount": "Infinity"}, "amount"),
        ({"amount": None}, "amount"),
        ({"status": "refunded"}, "status"),
        ({"order_no": ""}, "order_no"),
        ({"order_no": "P" * 41}, "order_no"),
        ({"gateway_ref": ["G"]}, "gateway_ref"),
        ({"receipt_no": "R" * 65}, "receipt_no"),
    ],
)
def test_a_bad_field_is_refused_and_named(changes, field):
    body = orjson.dumps({**NOTICE, **changes})
    with pytest.raises(InvalidInput) as caught:
        _notice_gateway().parse_notice(body, {"X-Gateway-Signature": _sign(body)})
    assert caught.value.field == field
    assert caught.value.code != "payment_signature"


def test_the_configured_gateway_parses_notices_with_the_configured_secret(configured):
    body = orjson.dumps(NOTICE)
    assert gateway().parse_notice(body, {"X-Gateway-Signature": _sign(body)}).paid


# --- amounts and order numbers -----------------------------------------------------------------


def test_fee_items_are_summed_exactly_from_strings_and_numbers():
    fee_items = [
        {"name": "工本费", "amount": "12.50", "basis": "…"},
        {"name": "a", "amount": 0.1, "basis": ""},
        {"name": "b", "amount": 0.2, "basis": ""},
        {"name": "c", "amount": 3, "basis": ""},
        {"name": "居民身份证工本费", "amount": "20元", "basis": ""},  # as the catalogue writes it
        {"name": "d", "amount": " 1.5 ", "basis": ""},
    ]
    total = amount_from_fee_items(fee_items)
    assert total == Decimal("37.30")
    assert str(total) == "37.30"
    assert str(amount_from_fee_items([])) == "0.00"


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("-5", "negative"),
        (-5, "negative"),
        ("按西安市物价部门核定标准", "not a number"),
        ("80元/件", "per unit"),
        ("", "not a number"),
        (None, "must be a number"),
        (True, "must be a number"),
        ("NaN", "not a number"),
        ("1.005", "two decimals"),
        ("1,000", "not a number"),
    ],
)
def test_a_bad_fee_amount_is_refused_naming_the_item(amount, words):
    fee_items = [{"name": "ok", "amount": "1"}, {"name": "bad", "amount": amount, "basis": ""}]
    with pytest.raises(InvalidInput) as caught:
        amount_from_fee_items(fee_items)
    assert caught.value.field == "fee_items[1].amount"
    assert words in caught.value.message_en


def test_every_bad_fee_item_is_reported_at_once():
    with pytest.raises(InvalidInput) as caught:
        amount_from_fee_items([{"amount": "x"}, {"amount": "2"}, "not an object", {}])
    assert [e.field for e in caught.value.errors] == [
        "fee_items[0].amount",
        "fee_items[2]",
        "fee_items[3].amount",
    ]


def test_order_numbers_are_unique_and_fit_the_column():
    numbers = {new_order_no("ZW20250101000123") for _ in range(2000)}
    assert len(numbers) == 2000
    for number in numbers:
        assert number.startswith("PAYZW20250101000123")
        assert len(number) == 3 + 16 + 12
    long_number = new_order_no("610111-20250101-XK-0000000000000123")  # 35 chars with dashes
    assert len(long_number) <= 40
    assert long_number.isalnum()
    assert "0000000000000123" in long_number
    assert len(new_order_no("")) == 15


# --- configuration -----------------------------------------------------------------------------


def test_an_unconfigured_gateway_is_a_clear_409(settings):
    settings.PAYMENT_GATEWAY_URL = ""
    settings.PAYMENT_GATEWAY_SECRET = SECRET
    assert online_payment_enabled() is False
    with pytest.raises(Conflict) as caught:
        gateway()
    assert caught.value.code == "payment_gateway_unconfigured"
    assert http_status(caught.value) == 409
    assert "ZHENGWU_PAYMENT_GATEWAY_URL" in caught.value.message_en
    assert not isinstance(caught.value, GatewayError)


def test_a_gateway_without_a_secret_is_not_used(settings, http_receiver):
    settings.PAYMENT_GATEWAY_URL = http_receiver.url
    settings.PAYMENT_GATEWAY_SECRET = ""
    assert online_payment_enabled() is False
    with pytest.raises(Conflict) as caught:
        gateway()
    assert caught.value.code == "payment_gateway_unconfigured"
    assert "ZHENGWU_PAYMENT_GATEWAY_SECRET" in caught.value.message_en


def test_configured_gateway_is_enabled(configured):
    assert online_payment_enabled() is True
    assert isinstance(gateway(), HttpPaymentGateway)


def test_production_refuses_a_gateway_url_without_its_secret(tmp_path):
    from zhengwu.config.keys import local_rsa_key

    key_file = tmp_path / "oidc.pem"
    local_rsa_key(key_file)
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ZHENGWU_")}
    clean.update(
        {
            "DJANGO_SETTINGS_MODULE": "zhengwu.config.settings",
            "ZHENGWU_VAR_DIR": str(tmp_path),
            "ZHENGWU_MODE": "production",
            "ZHENGWU_SECRET_KEY": "s" * 50,
            "ZHENGWU_FIELD_KEYS": "k2:" + "A" * 22 + "==",
            "ZHENGWU_BLIND_INDEX_KEY": "B" * 44,
            "ZHENGWU_OIDC_PRIVATE_KEY_FILE": str(key_file),
            "ZHENGWU_PAYMENT_GATEWAY_URL": "https://pay.example.cn/api",
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "ZHENGWU_PAYMENT_GATEWAY_SECRET" in result.stderr
    assert "started" not in result.stdout
