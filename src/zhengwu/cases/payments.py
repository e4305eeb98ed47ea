"""Online fee payment of cases (办件网上缴费) through a payment gateway.

The gateway is a system outside zhengwu (e.g. a 非税收入 collection platform). Window
payment (cash, card) never needs it; online payment is offered only when
``settings.PAYMENT_GATEWAY_URL`` is set (see :func:`online_payment_enabled`).

Protocol with the gateway (:class:`HttpPaymentGateway`)
    *Order*: ``POST {url}/orders`` with the JSON body ``{"order_no", "amount": "12.50",
    "subject", "notify_url", "return_url"}`` (amount a string with two decimals) and the
    headers ``X-Zhengwu-Signature: sha256=<hex HMAC-SHA256(secret, body)>`` and
    ``Idempotency-Key: <order_no>``. The gateway answers 200/201 with
    ``{"pay_url", "gateway_ref"}``; the applicant is sent to ``pay_url``. Anything else
    (other status, timeout, refused connection, a body that is not the expected JSON) is a
    :class:`GatewayError` naming the reason, never a server error.

    *Notice*: when the payment ends the gateway ``POST``s to ``notify_url`` the JSON body
    ``{"order_no", "gateway_ref", "status": "paid"|"failed", "amount": "12.50",
    "receipt_no"}`` (``receipt_no``: the 电子票据号 it issued) signed the same way in the
    header ``X-Gateway-Signature``. :meth:`HttpPaymentGateway.parse_notice` checks the
    signature (constant-time) before it reads a byte of the JSON.

What the caller still has to do with a notice: find the ``Payment`` by ``order_no``, check
that ``notice.amount`` equals ``Payment.amount``, and apply it idempotently (gateways repeat
notices until they get a 2xx).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol
from urllib.parse import urlsplit

import orjson
import requests
from django.conf import settings

from zhengwu.kernel.errors import Conflict, ErrorCollector, InvalidInput

logger = logging.getLogger(__name__)

ORDER_SIGNATURE_HEADER = "X-Zhengwu-Signature"
NOTICE_SIGNATURE_HEADER = "X-Gateway-Signature"
ORDER_NO_MAX = 40  # Payment.order_no
REF_MAX = 64  # Payment.gateway_ref and Payment.receipt_no
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999.99")  # Payment.amount: max_digits=12, decimal_places=2
NOTICE_STATUSES = ("paid", "failed")


@dataclass(frozen=True)
class GatewayOrder:
    order_no: str
    pay_url: str
    gateway_ref: str


@dataclass(frozen=True)
class GatewayNotice:
    order_no: str
    gateway_ref: str
    paid: bool
    amount: Decimal
    receipt_no: str  # 电子票据号 issued by the gateway; may be empty for a failed payment


class GatewayError(Conflict):
    """The payment gateway could not be used (down, slow, refused, answered nonsense).

    A ``Conflict`` (409) because ``kernel.errors`` has no 502/503 class: the request was
    fine, the payment cannot be made right now; the applicant may retry or pay at the
    window. ``reason`` (also in ``details``) says what went wrong, for logs and support.
    """

    default_code = "payment_gateway_error"

    def __init__(self, reason: str) -> None:
        super().__init__(
            "支付平台暂时无法受理，请稍后再试或到窗口缴费",
            f"The payment gateway could not be used: {reason}. "
            "Try again later or pay at the service window.",
            details={"reason": reason},
        )
        self.reason = reason


class PaymentGateway(Protocol):
    def create_order(
        self, *, order_no: str, amount: Decimal, subject: str, notify_url: str, return_url: str
    ) -> GatewayOrder: ...

    def parse_notice(self, body: bytes, headers: Mapping[str, str]) -> GatewayNotice: ...


def signature(secret: str, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256(secret, body)>``, the value of both signature headers."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


# --- amounts -------------------------------------------------------------------------------


class _BadAmount(Exception):
    def __init__(self, message: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message = message
        self.message_en = message_en


def _money(value: Any, *, yuan_suffix: bool = False) -> Decimal:
    """A non-negative amount in yuan with at most two decimals, exactly (no float maths).

    Accepts an int, a float (read by its shortest repr: 0.1 is 0.1), a Decimal or a string;
    with ``yuan_suffix`` a string may end in 元 ("20元", as the catalogue writes fees).
    """
    if isinstance(value, bool):
        raise _BadAmount("金额必须是数字", "The amount must be a number")
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip()
        if yuan_suffix and text.endswith("元"):
            text = text[:-1].rstrip()
        elif yuan_suffix and "元/" in text:
            raise _BadAmount(
                f"“{value}”按数量计费，须在窗口核定金额",
                f"{value!r} is a price per unit; the amount must be set at the window",
            )
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise _BadAmount(
                f"金额“{value}”不是数字", f"The amount {value!r} is not a number"
            ) from None
    else:
        raise _BadAmount("金额必须是数字", "The amount must be a number")
    if not amount.is_finite():
        raise _BadAmount(f"金额“{value}”不是数字", f"The amount {value!r} is not a number")
    if amount < 0:
        raise _BadAmount("金额不能为负数", "The amount must not be negative")
    if amount > MAX_AMOUNT:
        raise _BadAmount("金额过大", f"The amount must not exceed {MAX_AMOUNT}")
    if amount != amount.quantize(CENT):
        raise _BadAmount("金额最多保留两位小数（分）", "The amount has more than two decimals")
    return amount.quantize(CENT)


def amount_from_fee_items(fee_items: list[dict[str, Any]]) -> Decimal:
    """The total of a catalogue item's ``fee_items`` (``[{"name", "amount", "basis"}]``).

    Amounts may be numbers or strings (``"12.50"``, ``"20元"``); the sum is exact, with two
    decimals. A negative, non-numeric ("按物价部门核定标准") or per-unit ("80元/件") amount
    is refused naming the item: ``InvalidInput(field="fee_items[i].amount")`` — such fees
    are set at the window, not paid online from the catalogue.
    """
    errors = ErrorCollector()
    total = Decimal("0")
    for index, item in enumerate(fee_items):
        if not isinstance(item, Mapping):
            errors.add(
                f"fee_items[{index}]",
                "invalid",
                "收费项目格式有误",
                "A fee item must be an object with name, amount and basis",
            )
            continue
        try:
            total += _money(item.get("amount"), yuan_suffix=True)
        except _BadAmount as bad:
            errors.add(f"fee_items[{index}].amount", "invalid", bad.message, bad.message_en)
    errors.raise_if_any()
    if total > MAX_AMOUNT:
        raise InvalidInput(
            "收费合计过大", f"The fees add up to more than {MAX_AMOUNT}", field="fee_items"
        )
    return total.quantize(CENT)


def new_order_no(case_number: str) -> str:
    """A fresh order number: ``PAY`` + the case number's letters and digits (its last 25
    if longer) + 12 random hex digits (48 bits); at most 40 characters. ``Payment.order_no``
    is unique, so a (vanishingly rare) repeat fails loudly instead of mixing two payments."""
    core = "".join(ch for ch in case_number if ch.isascii() and ch.isalnum())
    keep = ORDER_NO_MAX - 15
    core = core[len(core) - keep :] if len(core) > keep else core
    return f"PAY{core}{secrets.token_hex(6).upper()}"


# --- the HTTP gateway ------------------------------------------------------------------------


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def _is_web_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("https", "http") and bool(parts.netloc)


class HttpPaymentGateway:
    def __init__(self, *, url: str, secret: str, timeout: float) -> None:
        if not url or not secret:
            raise ValueError("a payment gateway needs a URL and a shared secret")
        self.url = url.rstrip("/")
        self.secret = secret
        self.timeout = timeout

    # --- order ----------------------------------------------------------------------------

    def create_order(
        self, *, order_no: str, amount: Decimal, subject: str, notify_url: str, return_url: str
    ) -> GatewayOrder:
        if not order_no or len(order_no) > ORDER_NO_MAX:
            raise InvalidInput(
                "订单号必须为 1–40 个字符", "The order number must be 1–40 characters",
                field="order_no",
            )  # fmt: skip
        try:
            money = _money(amount)
        except _BadAmount as bad:
            raise InvalidInput(bad.message, bad.message_en, field="amount") from None
        if money <= 0:
            raise InvalidInput("缴费金额必须大于零", "The amount must be positive", field="amount")
        body = orjson.dumps(
            {
                "order_no": order_no,
                "amount": f"{money:f}",
                "subject": subject,
                "notify_url": notify_url,
                "return_url": return_url,
            }
        )
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            "Idempotency-Key": order_no,
            ORDER_SIGNATURE_HEADER: signature(self.secret, body),
        }
        try:
            response = requests.post(
                f"{self.url}/orders",
                data=body,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.Timeout:
            raise self._failed(order_no, f"no answer within {self.timeout:g} s") from None
        except requests.ConnectionError as exc:
            raise self._failed(order_no, "could not connect", exc) from None
        except requests.RequestException as exc:
            raise self._failed(order_no, f"request failed ({type(exc).__name__})", exc) from None
        if response.status_code not in (200, 201):
            raise self._failed(
                order_no, f"HTTP {response.status_code}", response.text[:500]
            ) from None
        return self._order_from(order_no, response.content)

    def _order_from(self, order_no: str, content: bytes) -> GatewayOrder:
        try:
            data = orjson.loads(content)
        except orjson.JSONDecodeError:
            raise self._failed(order_no, "the reply is not JSON", content[:500]) from None
        if not isinstance(data, dict):
            raise self._failed(order_no, "the reply is not a JSON object", content[:500])
        pay_url = data.get("pay_url")
        if not isinstance(pay_url, str) or not _is_web_url(pay_url):
            # Never send the applicant to a javascript: or relative URL.
            raise self._failed(order_no, "the reply has no valid pay_url", content[:500])
        ref = data.get("gateway_ref")
        if isinstance(ref, int) and not isinstance(ref, bool):
            ref = str(ref)
        if not isinstance(ref, str) or not ref or len(ref) > REF_MAX:
            raise self._failed(order_no, "the reply has no valid gateway_ref", content[:500])
        echoed = data.get("order_no")
        if echoed is not None and echoed != order_no:
            raise self._failed(order_no, f"the reply is for another order ({echoed!r})")
        return GatewayOrder(order_no=order_no, pay_url=pay_url, gateway_ref=ref)

    @staticmethod
    def _failed(order_no: str, reason: str, detail: Any = None) -> GatewayError:
        logger.warning("payment order %s: gateway failed: %s %r", order_no, reason, detail or "")
        return GatewayError(reason)

    # --- notice ---------------------------------------------------------------------------

    def parse_notice(self, body: bytes, headers: Mapping[str, str]) -> GatewayNotice:
        given = _header(headers, NOTICE_SIGNATURE_HEADER)
        if not given:
            raise InvalidInput(
                "缴费通知缺少签名", "The payment notice is not signed", code="payment_signature"
            )
        expected = signature(self.secret, body).encode("ascii")
        if not hmac.compare_digest(expected, given.strip().lower().encode("utf-8")):
            raise InvalidInput(
                "缴费通知签名无效",
                "The payment notice signature is invalid",
                code="payment_signature",
            )
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            data = None
        if not isinstance(data, dict):
            raise InvalidInput(
                "缴费通知不是合法的 JSON 对象",
                "The payment notice is not a JSON object",
                code="malformed_json",
            )
        errors = ErrorCollector()
        order_no = _text(data, "order_no", ORDER_NO_MAX, errors, required=True)
        gateway_ref = _text(data, "gateway_ref", REF_MAX, errors, required=True)
        receipt_no = _text(data, "receipt_no", REF_MAX, errors, required=False)
        status = data.get("status")
        if status not in NOTICE_STATUSES:
            errors.add(
                "status",
                "required" if status is None else "invalid",
                "支付状态必须为 paid 或 failed",
                f"The status must be paid or failed, not {status!r}",
            )
        amount = Decimal("0")
        if data.get("amount") is None:
            errors.add("amount", "required", "缺少金额", "The amount is missing")
        else:
            try:
                amount = _money(data["amount"])
            except _BadAmount as bad:
                errors.add("amount", "invalid", bad.message, bad.message_en)
        errors.raise_if_any()
        return GatewayNotice(
            order_no=order_no,
            gateway_ref=gateway_ref,
            paid=status == "paid",
            amount=amount,
            receipt_no=receipt_no,
        )


def _text(
    data: dict[str, Any], name: str, limit: int, errors: ErrorCollector, *, required: bool
) -> str:
    value = data.get(name)
    if value is None and not required:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # some gateways send numeric references
    if not isinstance(value, str) or (required and not value.strip()):
        errors.add(name, "required", f"缺少 {name}", f"{name} is missing or not text")
        return ""
    if len(value) > limit:
        errors.add(
            name, "too_long", f"{name} 超过 {limit} 个字符", f"{name} is over {limit} characters"
        )
        return ""
    return value.strip()


# --- configuration ---------------------------------------------------------------------------


def online_payment_enabled() -> bool:
    """Whether to offer online payment at all (window payment always works)."""
    return bool(settings.PAYMENT_GATEWAY_URL and settings.PAYMENT_GATEWAY_SECRET)


def gateway() -> PaymentGateway:
    """The configured gateway. A 409 ``payment_gateway_unconfigured`` when there is none
    (no URL; or no shared secret, which production settings refuse but demo allows)."""
    if not settings.PAYMENT_GATEWAY_URL:
        raise Conflict(
            "未开通网上缴费，请到窗口缴费",
            "Online payment is not set up (ZHENGWU_PAYMENT_GATEWAY_URL is empty); "
            "pay at the service window",
            code="payment_gateway_unconfigured",
        )
    if not settings.PAYMENT_GATEWAY_SECRET:
        raise Conflict(
            "网上缴费配置不完整，请到窗口缴费",
            "Online payment is not set up (ZHENGWU_PAYMENT_GATEWAY_SECRET is empty); "
            "pay at the service window",
            code="payment_gateway_unconfigured",
        )
    return HttpPaymentGateway(
        url=settings.PAYMENT_GATEWAY_URL,
        secret=settings.PAYMENT_GATEWAY_SECRET,
        timeout=settings.PAYMENT_GATEWAY_TIMEOUT,
    )
