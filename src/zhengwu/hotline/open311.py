"""Open311 GeoReport v2 server at ``/open311/v2/`` (see ``docs/open311.md``).

Endpoints (``.json`` or ``.xml``; any other extension is 404):

- ``GET discovery``, ``GET services``, ``GET services/{service_code}``
- ``POST requests`` (form-encoded, ``api_key`` required), ``GET tokens/{token}``
- ``GET requests`` (filters ``service_request_id``, ``service_code``, ``start_date``,
  ``end_date``, ``status``; default window the last 90 days, at most 1,000 results),
  ``GET requests/{service_request_id}``

Services are the active hotline topics. A service request is a ticket: its number is the
``service_request_id``; internal states map to ``open``/``closed`` (``choices.OPEN_STATES``);
``status_notes`` is the last public reply, ``agency_responsible`` the department in charge,
``expected_datetime`` the time limit. The caller's identity is never returned. A merged
ticket keeps its own id and reports the state of the ticket it was merged into.

Errors use the spec's shape: ``[{"code": 400, "description": "…"}]`` /
``<errors><error><code>400</code><description>…</description></error></errors>``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

import orjson
from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from zhengwu.hotline import clients, selectors, services
from zhengwu.hotline.choices import OPEN_STATES, Category, Channel, TicketStatus
from zhengwu.hotline.models import Ticket, TicketEvent, Topic
from zhengwu.kernel.errors import DomainError, NotAllowed, NotFound
from zhengwu.kernel.masking import mask_text

FORMATS = {"json": "application/json", "xml": "text/xml; charset=utf-8"}
DEFAULT_JURISDICTION = "610111"  # 西安市灞桥区 (GB/T 2260)
WINDOW = timedelta(days=90)  # spec: default and maximum span of GET requests
MAX_RESULTS = 1000  # spec: "first 1000 requests returned"
MAX_DESCRIPTION = 4000  # spec: description limited to 4,000 characters
MAX_IDS = 1000
CHANGESET = "2026-11-27T00:00:00+08:00"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
MEDIA_URL_ATTRIBUTE = "media_url"
_ATTRIBUTE_FIELD = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")

REQUEST_FIELDS = (
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
)


class Open311Error(Exception):
    """An error answered in the spec's error shape with the given HTTP status."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def _bad(field: str, zh: str, en: str) -> Open311Error:
    return Open311Error(400, f"{field}: {en} / {zh}")


# The intake service's field names as an Open311 client knows them.
OPEN311_FIELDS = {
    "text": "description",
    "latitude": "lat",
    "longitude": "long",
    "address": "address_string",
    "street_code": "address_id",
    "community_code": "address_id",
    "caller_phone": "phone",
    "caller_name": "first_name/last_name",
    "topic_code": "service_code",
    "idempotency_key": "Idempotency-Key",
}


def _field(name: str | None) -> str:
    if not name:
        return ""
    name = OPEN311_FIELDS.get(name, name)
    if name.startswith("attributes."):
        name = f"attribute[{name.removeprefix('attributes.')}]"
    return f"{name}: "


def _from_domain(error: DomainError) -> Open311Error:
    """A service's typed error in the spec's shape (invalid input and conflicts are 400)."""
    status = 404 if isinstance(error, NotFound) else 403 if isinstance(error, NotAllowed) else 400
    text = f"{_field(error.field)}{error.message_en} / {error.message}"
    for item in error.errors[1:]:
        text += f"; {_field(item.field)}{item.message_en} / {item.message}"
    return Open311Error(status, text)


# --- rendering ---------------------------------------------------------------------------------


def _xml_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _xml_element(parent: ET.Element, name: str, value: Any) -> None:
    node = ET.SubElement(parent, name)
    node.text = _xml_text(value)


def _xml(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _response(fmt: str, body: bytes, status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type=FORMATS[fmt])


def _json(data: Any) -> bytes:
    return orjson.dumps(data)


def _error_response(fmt: str, error: Open311Error) -> HttpResponse:
    fmt = fmt if fmt in FORMATS else "json"
    if fmt == "json":
        body = _json([{"code": error.status, "description": error.description}])
    else:
        root = ET.Element("errors")
        item = ET.SubElement(root, "error")
        _xml_element(item, "code", error.status)
        _xml_element(item, "description", error.description)
        body = _xml(root)
    return _response(fmt, body, status=error.status)


def _records(fmt: str, root: str, item: str, rows: list[dict[str, Any]]) -> HttpResponse:
    """A list of flat records: a JSON array, or ``<root><item>…</item></root>``."""
    if fmt == "json":
        return _response(fmt, _json(rows))
    tree = ET.Element(root)
    for row in rows:
        node = ET.SubElement(tree, item)
        for key, value in row.items():
            _xml_element(node, key, value)
    return _response(fmt, _xml(tree))


def _endpoint(view: Any) -> Any:
    """Check the format and the jurisdiction; turn errors into the spec's error shape."""

    def wrapped(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
        if fmt not in FORMATS:
            return _error_response(
                "json",
                Open311Error(404, f"Unknown format .{fmt[:16]} (json or xml) / 不支持的格式"),
            )
        try:
            _check_nul(request, kwargs)
            _check_jurisdiction(request)
            return view(request, fmt, **kwargs)
        except DomainError as error:
            return _error_response(fmt, _from_domain(error))
        except Open311Error as error:
            return _error_response(fmt, error)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _check_nul(request: HttpRequest, path_values: dict[str, Any]) -> None:
    # PostgreSQL text cannot hold NUL, and no Open311 field has a use for one.
    values = [*path_values.values()]
    for params in (request.GET, request.POST):
        for key in params:
            values.append(key)
            values.extend(params.getlist(key))
    if any("\x00" in str(v) for v in values):
        raise Open311Error(400, "The request contains a NUL character / 请求中含有空字符（NUL）")


def jurisdiction() -> str:
    return str(getattr(settings, "HOTLINE_OPEN311_JURISDICTION", "") or DEFAULT_JURISDICTION)


def _check_jurisdiction(request: HttpRequest) -> None:
    given = (request.POST if request.method == "POST" else request.GET).get("jurisdiction_id")
    if given is None:
        given = request.GET.get("jurisdiction_id")
    if given is not None and given.strip() not in ("", jurisdiction()):
        raise Open311Error(
            404, "jurisdiction_id provided was not found / 未找到该辖区 (jurisdiction_id)"
        )


# --- services ----------------------------------------------------------------------------------


def _category_label(value: str) -> str:
    return str(dict(Category.choices).get(value, value)).partition(" / ")[0]


def _service(topic: Topic) -> dict[str, Any]:
    return {
        "service_code": topic.code,
        "service_name": topic.name,
        "description": topic.description or None,
        "metadata": bool(topic.attributes),
        "type": "realtime",
        "keywords": topic.keywords or None,
        "group": topic.group or _category_label(topic.category),
    }


def _attribute_definitions(topic: Topic) -> list[dict[str, Any]]:
    result = []
    for position, raw in enumerate(topic.attributes or [], start=1):
        attribute: dict[str, Any] = {
            "variable": bool(raw.get("variable", True)),
            "code": str(raw.get("code", "")),
            "datatype": str(raw.get("datatype", "string")),
            "required": bool(raw.get("required", False)),
            "datatype_description": raw.get("datatype_description") or None,
            "order": int(raw.get("order") or position),
            "description": raw.get("description") or None,
        }
        values = raw.get("values")
        if values:
            attribute["values"] = [
                {"key": str(v.get("key", "")), "name": str(v.get("name", ""))} for v in values
            ]
        result.append(attribute)
    result.sort(key=lambda a: a["order"])
    return result


def _topic(code: str) -> Topic:
    topic = selectors.topic_by_code(code) if code else None
    if topic is None:
        raise Open311Error(404, f"service_code {code[:64]!r} was not found / 未找到该服务代码")
    return topic


@_endpoint
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": fmt}))
    url = base.rsplit("/", 1)[0] + "/"
    data: dict[str, Any] = {
        "changeset": CHANGESET,
        "contact": str(
            getattr(settings, "HOTLINE_OPEN311_CONTACT", "")
            or "12345 政务服务便民热线 / 12345 government service hotline"
        ),
        "key_service": str(
            getattr(settings, "HOTLINE_OPEN311_KEY_SERVICE", "")
            or "api_key 由平台管理员签发 / api_keys are issued by the platform administrators"
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": url,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    if fmt == "json":
        return _response(fmt, _json(data))
    root = ET.Element("discovery")
    for key in ("changeset", "contact", "key_service"):
        _xml_element(root, key, data[key])
    endpoints = ET.SubElement(root, "endpoints")
    for endpoint in data["endpoints"]:
        node = ET.SubElement(endpoints, "endpoint")
        for key in ("specification", "url", "changeset", "type"):
            _xml_element(node, key, endpoint[key])
        formats = ET.SubElement(node, "formats")
        for value in endpoint["formats"]:
            _xml_element(formats, "format", value)
    return _response(fmt, _xml(root))


@_endpoint
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    return _records(fmt, "services", "service", [_service(t) for t in selectors.topics()])


@_endpoint
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    topic = _topic(code)
    attributes = _attribute_definitions(topic)
    if fmt == "json":
        return _response(fmt, _json({"service_code": topic.code, "attributes": attributes}))
    root = ET.Element("service_definition")
    _xml_element(root, "service_code", topic.code)
    nodes = ET.SubElement(root, "attributes")
    for attribute in attributes:
        node = ET.SubElement(nodes, "attribute")
        for key, value in attribute.items():
            if key == "values":
                values = ET.SubElement(node, "values")
                for option in value:
                    item = ET.SubElement(values, "value")
                    _xml_element(item, "key", option["key"])
                    _xml_element(item, "name", option["name"])
            else:
                _xml_element(node, key, value)
    return _response(fmt, _xml(root))


# --- service requests: reading -----------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _root(ticket: Ticket) -> Ticket:
    """The ticket a merged ticket was merged into (following a chain, bounded)."""
    current = ticket
    for _ in range(10):
        if current.status != TicketStatus.MERGED or current.merged_into_id is None:
            break
        parent = (
            Ticket.objects.select_related("department")
            .defer(*selectors.CALLER_FIELDS)
            .filter(pk=current.merged_into_id)
            .first()
        )
        if parent is None:
            break
        current = parent
    return current


def _status_notes(ticket: Ticket) -> str:
    if ticket.answer:
        return ticket.answer
    # Annotated by the list query; fall back to one query for a single ticket.
    note = getattr(ticket, "last_public_note", None)
    if note is None and not hasattr(ticket, "last_public_note"):
        note = selectors.last_public_reply(ticket)
    return note or ""


def _service_notice(ticket: Ticket) -> str | None:
    if ticket.status in (TicketStatus.CLOSED, TicketStatus.MERGED):
        return None
    if ticket.status == TicketStatus.TRANSFERRED:
        return "已转紧急线处置 / handed over to an emergency line"
    if ticket.due_at is None:
        return "已受理，等待派单 / received, waiting to be dispatched"
    due = timezone.localtime(ticket.due_at).strftime("%Y-%m-%d %H:%M")
    return f"已受理，办理时限 {due} / received; to be handled by {due}"


def _address_id(ticket: Ticket) -> str | None:
    region = ticket.community or ticket.street
    return region.code if region is not None else None


def _description(ticket: Ticket) -> str | None:
    # 举报 and anonymous demands are not published; other texts with ID and phone numbers masked.
    if ticket.category == Category.REPORT or ticket.anonymous:
        return None
    return mask_text(ticket.text)[:MAX_DESCRIPTION]


def request_record(ticket: Ticket) -> dict[str, Any]:
    """One ticket as a GeoReport v2 service request (never the caller's identity)."""
    root = _root(ticket)
    status = "open" if root.status in OPEN_STATES else "closed"
    notes = _status_notes(root)
    if root.pk != ticket.pk:
        merged = f"已并入工单 {root.number} 一并办理 / merged into request {root.number}"
        notes = f"{merged}. {notes}" if notes else merged
    topic = ticket.topic
    media = (ticket.attributes or {}).get(MEDIA_URL_ATTRIBUTE)
    return {
        "service_request_id": ticket.number,
        "status": status,
        "status_notes": notes or None,
        "service_name": topic.name if topic else _category_label(ticket.category),
        "service_code": topic.code if topic else str(ticket.category),
        "description": _description(ticket),
        "agency_responsible": root.department.name if root.department else None,
        "service_notice": _service_notice(root),
        "requested_datetime": _iso(ticket.received_at),
        "updated_datetime": _iso(root.closed_at if status == "closed" else root.updated_at)
        or _iso(ticket.updated_at),
        "expected_datetime": _iso(root.due_at),
        "address": ticket.address or None,
        "address_id": _address_id(ticket),
        "zipcode": None,
        "lat": _number(ticket.latitude),
        "long": _number(ticket.longitude),
        "media_url": media if isinstance(media, str) and media else None,
    }


def _public_tickets() -> Any:
    last_note = (
        TicketEvent.objects.filter(ticket_id=OuterRef("pk"), public=True, kind="replied")
        .order_by("-at", "-id")
        .values("note")[:1]
    )
    return (
        Ticket.objects.select_related("topic", "department", "street", "community")
        .defer(*selectors.CALLER_FIELDS)
        .annotate(last_public_note=Subquery(last_note))
    )


def _parse_w3(name: str, value: str, *, end: bool = False) -> datetime:
    text = value.strip()
    try:
        parsed = parse_datetime(text)
        if parsed is None:
            day = parse_date(text)
            if day is not None:
                parsed = timezone.make_aware(datetime.combine(day, time.max if end else time.min))
    except ValueError:
        parsed = None
    if parsed is None or timezone.is_naive(parsed):
        raise _bad(
            name,
            "应为 W3C 日期时间，如 2026-01-01T00:00:00Z",
            "must be a w3 datetime with a time zone, e.g. 2026-01-01T00:00:00Z",
        )
    return parsed


def _window(params: Any) -> tuple[datetime, datetime]:
    start_text, end_text = params.get("start_date", ""), params.get("end_date", "")
    start = _parse_w3("start_date", start_text) if start_text.strip() else None
    end = _parse_w3("end_date", end_text, end=True) if end_text.strip() else None
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        assert end is not None
        start = end - WINDOW
    if end is None:
        end = start + WINDOW
    if start > end:
        raise _bad("start_date", "开始时间晚于结束时间", "start_date is after end_date")
    if end - start > WINDOW:
        raise _bad("end_date", "查询范围不得超过 90 天", "the range may not span more than 90 days")
    return start, end


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


@_endpoint
def request_list(request: HttpRequest, fmt: str) -> HttpResponse:
    rows = [request_record(t) for t in _query_requests(request.GET)]
    return _records(fmt, "service_requests", "request", rows)


def _query_requests(params: Any) -> list[Ticket]:
    ids = _split(params.get("service_request_id", ""))
    if ids:  # spec: overrides all other arguments
        if len(ids) > MAX_IDS:
            raise _bad("service_request_id", "编号过多", f"at most {MAX_IDS} ids")
        found = {t.number: t for t in _public_tickets().filter(number__in=ids)}
        return [found[i] for i in dict.fromkeys(ids) if i in found]
    start, end = _window(params)
    qs = _public_tickets().filter(received_at__gte=start, received_at__lte=end)
    codes = _split(params.get("service_code", ""))
    if codes:
        by_topic = Topic.objects.filter(code__in=codes).values_list("pk", flat=True)
        general = [c for c in codes if c in Category.values]
        qs = qs.filter(topic_id__in=list(by_topic)) | qs.filter(
            topic__isnull=True, category__in=general
        )
    statuses = _split(params.get("status", ""))
    if statuses:
        unknown = [s for s in statuses if s not in ("open", "closed")]
        if unknown:
            raise _bad("status", "状态只能是 open 或 closed", "status must be open or closed")
        if set(statuses) == {"open"}:
            # Merged tickets may be open: they report the ticket they were merged into.
            qs = qs.filter(status__in=[*OPEN_STATES, TicketStatus.MERGED])
        elif set(statuses) == {"closed"}:
            qs = qs.exclude(status__in=OPEN_STATES)
    tickets = list(qs.order_by("-received_at", "-id")[:MAX_RESULTS])
    if statuses and len(set(statuses)) == 1:
        # A merged ticket reports the state of the ticket it was merged into.
        wanted = statuses[0]
        tickets = [t for t in tickets if _reported_status(t) == wanted]
    return tickets


def _reported_status(ticket: Ticket) -> str:
    return "open" if _root(ticket).status in OPEN_STATES else "closed"


@_endpoint
def request_detail(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    ticket = _public_tickets().filter(number=request_id[:32]).first()
    if ticket is None:
        raise Open311Error(
            404, f"service_request_id {request_id[:32]!r} was not found / 未找到该诉求"
        )
    return _records(fmt, "service_requests", "request", [request_record(ticket)])


@_endpoint
def token_detail(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    ticket = selectors.ticket_by_token(token)
    rows = [{"service_request_id": ticket.number, "token": str(ticket.token)}]
    return _records(fmt, "service_requests", "request", rows)


# --- service requests: creating ----------------------------------------------------------------


def _client(request: HttpRequest) -> Any:
    client = clients.open311_client_for_key(request.POST.get("api_key", ""))
    if client is None:
        raise Open311Error(403, "Invalid api_key received -- can't proceed / api_key 无效")
    return client


def _submitted_attributes(data: Any) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for key in data:
        match = _ATTRIBUTE_FIELD.match(key)
        if match:
            values.setdefault(match.group(1), []).extend(
                v.strip() for v in data.getlist(key) if v.strip()
            )
    return values


def _check_attributes(topic: Topic, submitted: dict[str, list[str]]) -> dict[str, Any]:
    """The attribute values checked against the service definition (``attribute[code]``)."""
    definitions = {a["code"]: a for a in _attribute_definitions(topic)}
    unknown = sorted(set(submitted) - set(definitions))
    if unknown:
        raise _bad(f"attribute[{unknown[0][:64]}]", "该服务没有此附加字段", "unknown attribute")
    result: dict[str, Any] = {}
    for code, definition in definitions.items():
        field = f"attribute[{code}]"
        given = submitted.get(code, [])
        if not definition["variable"]:
            continue
        if not given:
            if definition["required"]:
                raise _bad(field, "必填", "this attribute is required")
            continue
        datatype = definition["datatype"]
        keys = {v["key"] for v in definition.get("values", [])}
        if datatype in ("singlevaluelist", "multivaluelist"):
            if datatype == "singlevaluelist" and len(given) > 1:
                raise _bad(field, "只能选择一项", "only one value may be given")
            bad = [v for v in given if v not in keys]
            if bad:
                raise _bad(field, "不是允许的取值", f"{bad[0][:64]!r} is not one of the values")
            result[code] = given[0] if datatype == "singlevaluelist" else given
            continue
        if len(given) > 1:
            raise _bad(field, "只能填写一个值", "only one value may be given")
        value = given[0]
        if len(value) > MAX_DESCRIPTION:
            raise _bad(field, "过长", "too long")
        if datatype == "number":
            try:
                number = Decimal(value)
            except InvalidOperation:
                raise _bad(field, "应为数字", "must be a number") from None
            if not number.is_finite():
                raise _bad(field, "应为数字", "must be a number")
        elif datatype == "datetime":
            _parse_w3(field, value)
        elif datatype == "string" and ("\n" in value or "\r" in value):
            raise _bad(field, "不能换行", "a string may not contain line breaks")
        result[code] = value
    return result


def _coordinate(data: Any, name: str, limit: int) -> Decimal | None:
    text = data.get(name, "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or abs(value) > limit:
        raise _bad(name, "坐标不正确", f"must be a number between -{limit} and {limit}")
    return value.quantize(Decimal("0.000001"))


def _media_url(data: Any) -> str:
    url = data.get("media_url", "").strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if len(url) > 500 or parts.scheme not in ("http", "https") or not parts.netloc:
        raise _bad("media_url", "应为 http(s) 网址", "must be an http(s) URL of at most 500 chars")
    return url


def _location(data: Any) -> dict[str, Any]:
    lat = _coordinate(data, "lat", 90)
    long = _coordinate(data, "long", 180)
    if (lat is None) != (long is None):
        raise _bad("lat/long", "lat 与 long 须同时提供", "lat and long must both be sent")
    address = data.get("address_string", "").strip()
    address_id = data.get("address_id", "").strip()
    if lat is None and not address and not address_id:
        raise _bad(
            "location",
            "须提供位置：lat 与 long、address_string 或 address_id",
            "a location is required: lat & long, address_string or address_id",
        )
    if len(address) > 255:
        raise _bad("address_string", "地址过长（最多 255 字）", "too long (at most 255)")
    street_code = community_code = ""
    if address_id:
        # address_id: the statistical code of a street (9 digits) or community (12 digits).
        if re.fullmatch(r"\d{12}", address_id):
            community_code = address_id
        elif re.fullmatch(r"\d{9}", address_id):
            street_code = address_id
        else:
            raise _bad(
                "address_id",
                "应为街道（9 位）或社区/村（12 位）区划代码",
                "must be a street (9-digit) or community (12-digit) region code",
            )
    return {
        "latitude": lat,
        "longitude": long,
        "address": address,
        "street_code": street_code,
        "community_code": community_code,
    }


def _caller(data: Any) -> dict[str, Any]:
    # 姓 before 名: a Chinese name is family name first.
    name = f"{data.get('last_name', '').strip()}{data.get('first_name', '').strip()}"
    if len(name) > 64:
        raise _bad("first_name/last_name", "姓名过长", "the name is too long")
    phone = data.get("phone", "").strip()
    if phone:
        try:
            phone = selectors.normalise_phone(phone)
        except DomainError:
            raise _bad("phone", "电话号码格式不正确", "the phone number is invalid") from None
    return {"caller_name": name, "caller_phone": phone}


@csrf_exempt
@require_http_methods(["GET", "POST"])
def requests_collection(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return request_create(request, fmt=fmt)
    return request_list(request, fmt=fmt)


@_endpoint
def request_create(request: HttpRequest, fmt: str) -> HttpResponse:
    data = request.POST
    client = _client(request)
    code = data.get("service_code", "").strip()
    if not code:
        raise _bad("service_code", "缺少服务代码", "service_code was not provided")
    topic = _topic(code)
    description = data.get("description", "")
    if len(description) > MAX_DESCRIPTION:
        raise _bad("description", "超过 4000 字", "longer than 4,000 characters")
    location = _location(data)
    attributes = _check_attributes(topic, _submitted_attributes(data))
    media_url = _media_url(data)
    if media_url:
        attributes[MEDIA_URL_ATTRIBUTE] = media_url
    caller = _caller(data)
    header_key = request.headers.get("Idempotency-Key", "").strip()
    if len(header_key) > 64:
        raise _bad("Idempotency-Key", "过长（最多 64）", "too long (at most 64)")
    # intake_ticket is its own transaction; it takes the ticket number just before it (one
    # statement), so no outer transaction here: one would hold the day's counter row until
    # this request committed, and every Open311 intake would queue behind the previous one.
    ticket = services.intake_ticket(
        by=None,
        channel=Channel.OPEN311,
        text=description.strip() or topic.name,
        category=topic.category,
        topic_code=topic.code,
        attributes=attributes,
        origin="open311",
        origin_ref=f"client:{client.pk}",
        idempotency_key=f"open311:{client.pk}:{header_key}" if header_key else None,
        **caller,
        **location,
    )
    row = {
        "service_request_id": ticket.number,
        "service_notice": _service_notice(ticket),
        "account_id": None,
    }
    return _records(fmt, "service_requests", "request", [row])


def not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    """Anything else under ``/open311/v2/`` (no or an unknown extension): 404, spec shape."""
    fmt = "xml" if path.endswith(".xml") else "json"
    return _error_response(fmt, Open311Error(404, "No such Open311 resource / 未找到该资源"))
