"""Open311 GeoReport v2 server: every JSON answer validated against the GeoReport v2 schemas
(upstream ones with Draft 4 + format checks, and the derived POST-response and error
schemas), every XML answer parsed and compared with its JSON twin, the error paths with
nothing written, the default 90-day / 1,000-result window, api_keys and the command."""

from __future__ import annotations

import io
import json
import re
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from jsonschema import Draft4Validator, FormatChecker, ValidationError
from jsonschema.validators import validator_for
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from tests.factories import make_staff
from tests.hotline.core_helpers import closed, counts, routing_rules
from zhengwu.hotline import clients, services
from zhengwu.hotline.choices import TicketStatus
from zhengwu.hotline.models import Open311Client, Ticket, Topic

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"
SCHEMAS = Path(__file__).parent / "open311_schemas"
NOISE = "纺织城街道纺正街工地夜间施工噪音扰民，凌晨两点还在打桩"
NOISE_ATTRIBUTES = [
    {
        "code": "period",
        "variable": True,
        "datatype": "singlevaluelist",
        "required": True,
        "datatype_description": "选择时段",
        "order": 1,
        "description": "噪音出现的时段",
        "values": [{"key": "night", "name": "夜间"}, {"key": "day", "name": "白天"}],
    },
    {
        "code": "floor",
        "variable": True,
        "datatype": "number",
        "required": False,
        "order": 2,
        "description": "楼层",
    },
    {
        "code": "notice",
        "variable": False,
        "datatype": "text",
        "required": False,
        "order": 3,
        "description": "夜间施工须经许可",
    },
]


# --- schemas -------------------------------------------------------------------------------------


def _load(name: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))


_REGISTRY = Registry().with_resources(
    (name, Resource(_load(name), specification=DRAFT4))
    for name in ("request.json", "requests.json", "service.json", "services.json")
)


# RFC 3339 date-time (what JSON Schema's "date-time" means). jsonschema checks this format
# only when the optional rfc3339-validator package is installed, which it is not here.
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
FORMAT_CHECKER = FormatChecker()
for _name, _check in Draft4Validator.FORMAT_CHECKER.checkers.items():
    FORMAT_CHECKER.checkers[_name] = _check


@FORMAT_CHECKER.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _RFC3339.match(value):
        return False
    datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    return True


def validate(schema_name: str, instance: Any) -> None:
    schema = _load(schema_name)
    if schema_name.startswith("derived/"):
        validator_for(schema)(schema, format_checker=FORMAT_CHECKER).validate(instance)
    else:
        Draft4Validator(schema, registry=_REGISTRY, format_checker=FORMAT_CHECKER).validate(
            instance
        )


def test_the_schemas_catch_what_the_tests_rely_on():
    # Formats are checked, ids must be strings, and the POST response takes one id kind.
    with pytest.raises(ValidationError):
        validate("requests.json", [{**_minimal_request(), "requested_datetime": "yesterday"}])
    with pytest.raises(ValidationError):
        validate("requests.json", [{**_minimal_request(), "service_request_id": 1}])
    with pytest.raises(ValidationError):
        validate("derived/post-request-response.json", [{"service_request_id": "1", "token": "t"}])
    with pytest.raises(ValidationError):
        validate("request.json", {**_minimal_request(), "updated_datetime": "2026-02-30T00:00:00Z"})
    validate("requests.json", [_minimal_request()])


def _minimal_request() -> dict[str, Any]:
    return {
        "service_request_id": "1",
        "status": "open",
        "service_code": "x",
        "requested_datetime": "2026-01-01T00:00:00+08:00",
    }


# --- fixtures and helpers ------------------------------------------------------------------------


@pytest.fixture
def o311(hl):
    routing_rules(hl)
    Topic.objects.create(
        code="noise",
        name="噪音扰民",
        category="complaint",
        description="施工、商业、社会生活噪音",
        keywords="噪音,扰民,施工",
        group="",
        attributes=NOISE_ATTRIBUTES,
        department=hl.urban,
        sort_order=1,
    )
    Topic.objects.create(code="consult", name="咨询", category="consult", sort_order=2)
    Topic.objects.create(code="retired", name="旧主题", category="other", active=False)
    admin = make_staff(department=hl.centre, roles=["administrator"], display_name="管理员")
    client, key = clients.open311_client_create(by=admin, name="城市服务 App")
    hl.open311_key = key
    hl.open311_client = client
    hl.admin = admin
    return hl


def get(path: str, **params: Any) -> Any:
    return Client().get(f"{BASE}/{path}", params)


def post(path: str, data: dict[str, Any], **headers: str) -> Any:
    # Open311 clients send no CSRF token: the endpoint must accept that.
    return Client(enforce_csrf_checks=True).post(f"{BASE}/{path}", data, headers=headers)


def as_json(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content.decode()[:2000]
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def as_xml(response: Any, status: int = 200) -> ET.Element:
    assert response.status_code == status, response.content.decode()[:2000]
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    return ET.fromstring(response.content)


def xml_records(root: ET.Element, root_name: str, item_name: str) -> list[dict[str, str | None]]:
    assert root.tag == root_name
    assert all(child.tag == item_name for child in root)
    return [{field.tag: field.text for field in item} for item in root]


def xml_value(value: Any) -> str | None:
    """What a JSON value looks like as XML text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def assert_mirrors(json_rows: list[dict[str, Any]], xml_rows: list[dict[str, Any]]) -> None:
    assert len(json_rows) == len(xml_rows)
    for json_row, xml_row in zip(json_rows, xml_rows, strict=True):
        assert list(xml_row) == list(json_row)
        assert xml_row == {k: xml_value(v) for k, v in json_row.items()}


def assert_error(response: Any, status: int, fmt: str = "json", contains: str = "") -> str:
    if fmt == "json":
        body = as_json(response, status)
        validate("derived/errors.json", body)
        assert body[0]["code"] == status
        description = body[0]["description"]
    else:
        root = as_xml(response, status)
        assert root.tag == "errors"
        (error,) = list(root)
        assert error.tag == "error"
        assert [c.tag for c in error] == ["code", "description"]
        assert error.find("code").text == str(status)
        description = error.find("description").text or ""
    assert contains in description
    return description


def new_request(hl: Any, fmt: str = "json", **overrides: Any) -> Any:
    data = {
        "api_key": hl.open311_key,
        "service_code": "noise",
        "description": NOISE,
        "lat": "34.273412",
        "long": "109.064381",
        "address_string": "灞桥区纺织城街道纺正街12号",
        "attribute[period]": "night",
        "attribute[floor]": "6",
        "first_name": "强",
        "last_name": "李",
        "phone": "13912345678",
        "email": "li@example.cn",
        "device_id": "device-1",
        "media_url": "https://img.example.cn/noise.jpg",
    }
    if overrides.get("service_code", "noise") != "noise":
        del data["attribute[period]"], data["attribute[floor]"]
    data.update(overrides)
    return post(f"requests.{fmt}", {k: v for k, v in data.items() if v is not None})


# --- discovery and services ----------------------------------------------------------------------


def test_discovery_in_both_formats(o311):
    body = as_json(get("discovery.json"))
    assert body["endpoints"][0]["url"] == "http://testserver/open311/v2/"
    assert body["endpoints"][0]["formats"] == ["text/xml", "application/json"]
    assert body["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    root = as_xml(get("discovery.xml"))
    assert root.tag == "discovery"
    assert [c.tag for c in root] == ["changeset", "contact", "key_service", "endpoints"]
    endpoint = root.find("endpoints/endpoint")
    assert endpoint.find("url").text == body["endpoints"][0]["url"]
    assert [f.text for f in endpoint.findall("formats/format")] == [
        "text/xml",
        "application/json",
    ]


def test_services_list_the_active_topics(o311):
    body = as_json(get("services.json"))
    validate("services.json", body)
    assert [s["service_code"] for s in body] == ["noise", "consult"]
    noise, consult = body
    assert noise == {
        "service_code": "noise",
        "service_name": "噪音扰民",
        "description": "施工、商业、社会生活噪音",
        "metadata": True,
        "type": "realtime",
        "keywords": "噪音,扰民,施工",
        "group": "投诉",
    }
    assert consult["metadata"] is False
    assert consult["description"] is None
    assert_mirrors(body, xml_records(as_xml(get("services.xml")), "services", "service"))


def test_service_definition_with_attributes(o311):
    body = as_json(get("services/noise.json"))
    validate("service-definition.json", body)
    assert body["service_code"] == "noise"
    period, floor, notice = body["attributes"]
    assert period["values"] == [{"key": "night", "name": "夜间"}, {"key": "day", "name": "白天"}]
    assert (period["required"], floor["datatype"], notice["variable"]) == (True, "number", False)
    assert "values" not in floor
    root = as_xml(get("services/noise.xml"))
    assert root.tag == "service_definition"
    assert [c.tag for c in root] == ["service_code", "attributes"]
    attributes = root.findall("attributes/attribute")
    assert len(attributes) == 3
    for json_attr, xml_attr in zip(body["attributes"], attributes, strict=True):
        assert [c.tag for c in xml_attr] == list(json_attr)
        for key, value in json_attr.items():
            if key == "values":
                options = [
                    {"key": v.find("key").text, "name": v.find("name").text}
                    for v in xml_attr.findall("values/value")
                ]
                assert options == value
            else:
                assert xml_attr.find(key).text == xml_value(value)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_or_inactive_service_is_404(o311, fmt):
    assert_error(get(f"services/nope.{fmt}"), 404, fmt, "service_code")
    assert_error(get(f"services/retired.{fmt}"), 404, fmt, "service_code")


def test_unknown_format_and_path_are_404_in_the_error_shape(o311):
    assert_error(get("services.html"), 404)
    assert_error(get("requests"), 404)
    assert_error(get("nothing/here.xml"), 404, "xml")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_jurisdiction(o311, fmt, settings):
    assert as_json(get("services.json", jurisdiction_id="610111"))
    assert_error(get(f"services.{fmt}", jurisdiction_id="city.gov"), 404, fmt, "jurisdiction_id")
    settings.HOTLINE_OPEN311_JURISDICTION = "xa.12345.gov.cn"
    assert as_json(get("services.json", jurisdiction_id="xa.12345.gov.cn"))
    before = counts()
    assert_error(new_request(o311, fmt, jurisdiction_id="610111"), 404, fmt, "jurisdiction_id")
    assert counts() == before


# --- POST requests -------------------------------------------------------------------------------


def test_post_request_creates_a_ticket(o311):
    body = as_json(new_request(o311))
    validate("derived/post-request-response.json", body)
    (row,) = body
    assert row["account_id"] is None
    ticket = Ticket.objects.get(number=row["service_request_id"])
    assert ticket.channel == "open311"
    assert ticket.topic.code == "noise"
    assert ticket.category == "complaint"
    assert ticket.text == NOISE
    assert ticket.attributes == {
        "period": "night",
        "floor": "6",
        "media_url": "https://img.example.cn/noise.jpg",
    }
    assert (ticket.caller_name, ticket.caller_phone) == ("李强", "13912345678")
    assert str(ticket.latitude) == "34.273412"
    assert ticket.caller_user_id is None
    # A confident rule (噪音 → 区城管局): dispatched at once, with its time limit.
    assert ticket.status == TicketStatus.DISPATCHED
    assert ticket.department_id == o311.urban.pk
    assert row["service_notice"].startswith("已受理，办理时限")

    detail = as_json(get(f"requests/{ticket.number}.json"))
    validate("requests.json", detail)
    (record,) = detail
    assert record["service_request_id"] == ticket.number
    assert record["status"] == "open"
    assert record["service_code"] == "noise"
    assert record["service_name"] == "噪音扰民"
    assert record["agency_responsible"] == "区城管局"
    assert record["lat"] == 34.273412 and record["long"] == 109.064381
    assert record["media_url"] == "https://img.example.cn/noise.jpg"
    assert record["expected_datetime"] is not None
    assert record["requested_datetime"].endswith("+08:00")
    assert record["zipcode"] is None
    # Never the caller's identity.
    text = json.dumps(detail, ensure_ascii=False)
    for secret in ("13912345678", "李强", "li@example.cn", "device-1"):
        assert secret not in text


def test_post_request_takes_its_number_outside_any_transaction(o311):
    """The counter row is written by one statement before the intake's own transaction (a
    savepoint here, inside the test's transaction): an outer transaction in the view would
    hold the row until the response and queue every other Open311 intake behind it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        (row,) = as_json(new_request(o311))
    statements = [q["sql"] for q in queries.captured_queries]
    counter = next(i for i, sql in enumerate(statements) if "hotline_ticketcounter" in sql)
    savepoints = [i for i, sql in enumerate(statements) if sql.startswith("SAVEPOINT")]
    assert savepoints and counter < savepoints[0]
    assert Ticket.objects.filter(number=row["service_request_id"]).exists()


def test_post_request_xml(o311):
    root = as_xml(new_request(o311, "xml"))
    (row,) = xml_records(root, "service_requests", "request")
    assert list(row) == ["service_request_id", "service_notice", "account_id"]
    assert row["account_id"] is None
    assert Ticket.objects.filter(number=row["service_request_id"]).exists()


def test_post_with_only_an_address_or_address_id(o311):
    row = as_json(new_request(o311, lat=None, long=None))[0]
    ticket = Ticket.objects.get(number=row["service_request_id"])
    assert ticket.latitude is None and ticket.address.startswith("灞桥区")
    street = ticket.street
    assert street is not None  # resolved from the address text
    row = as_json(
        new_request(o311, lat=None, long=None, address_string=None, address_id=street.code)
    )
    record = as_json(get(f"requests/{row[0]['service_request_id']}.json"))[0]
    assert record["address_id"] == street.code
    assert record["address"] is None


def test_idempotency_key_returns_the_same_request(o311):
    first = as_json(new_request(o311), 200)
    before = counts()
    again = post(
        "requests.json",
        {"api_key": o311.open311_key, "service_code": "consult", "address_string": "x",
         "description": "请问社保卡怎么补办"},
        **{"Idempotency-Key": "abc-1"},
    )  # fmt: skip
    one = as_json(again)[0]["service_request_id"]
    assert counts()["tickets"] == before["tickets"] + 1
    repeat = post(
        "requests.json",
        {"api_key": o311.open311_key, "service_code": "consult", "address_string": "x",
         "description": "请问社保卡怎么补办"},
        **{"Idempotency-Key": "abc-1"},
    )  # fmt: skip
    assert as_json(repeat)[0]["service_request_id"] == one
    assert counts()["tickets"] == before["tickets"] + 1
    assert one != first[0]["service_request_id"]


BAD_POSTS = [
    pytest.param({"api_key": None}, 403, "api_key", id="no-api-key"),
    pytest.param({"api_key": "o311_wrong"}, 403, "api_key", id="bad-api-key"),
    pytest.param({"api_key": "not-even-a-key"}, 403, "api_key", id="malformed-api-key"),
    pytest.param({"service_code": "nope"}, 404, "service_code", id="unknown-service"),
    pytest.param({"service_code": "retired"}, 404, "service_code", id="inactive-service"),
    pytest.param({"service_code": None}, 400, "service_code", id="no-service-code"),
    pytest.param(
        {"lat": None, "long": None, "address_string": None}, 400, "location", id="no-location"
    ),
    pytest.param({"long": None, "address_string": None}, 400, "lat", id="lat-without-long"),
    pytest.param({"lat": "91"}, 400, "lat", id="latitude-out-of-range"),
    pytest.param({"long": "east"}, 400, "long", id="longitude-not-a-number"),
    pytest.param({"address_id": "12"}, 400, "address_id", id="bad-address-id"),
    pytest.param({"address_id": "610111999999"}, 400, "address_id", id="unknown-address-id"),
    pytest.param({"description": "噪" * 4001}, 400, "description", id="description-too-long"),
    pytest.param({"attribute[period]": "noon"}, 400, "attribute[period]", id="bad-list-value"),
    pytest.param({"attribute[period]": None}, 400, "attribute[period]", id="required-missing"),
    pytest.param({"attribute[floor]": "six"}, 400, "attribute[floor]", id="not-a-number"),
    pytest.param({"attribute[colour]": "red"}, 400, "attribute[colour]", id="unknown-attribute"),
    pytest.param({"media_url": "javascript:alert(1)"}, 400, "media_url", id="bad-media-url"),
    pytest.param({"phone": "12345"}, 400, "phone", id="bad-phone"),
    pytest.param({"description": "噪音\x00扰民"}, 400, "NUL", id="nul-character"),
]


@pytest.mark.parametrize(("changes", "status", "field"), BAD_POSTS)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_posts_are_refused_and_write_nothing(o311, changes, status, field, fmt):
    before = counts()
    assert_error(new_request(o311, fmt, **changes), status, fmt, field)
    assert counts() == before


def test_revoked_key_is_refused(o311):
    clients.open311_client_revoke(by=o311.admin, client_id=o311.open311_client.pk)
    before = counts()
    assert_error(new_request(o311), 403, contains="api_key")
    assert counts() == before


def test_only_administrators_manage_keys(o311):
    from zhengwu.kernel.errors import NotAllowed

    with pytest.raises(NotAllowed):
        clients.open311_client_create(by=o311.dispatcher, name="x")
    with pytest.raises(NotAllowed):
        clients.open311_client_revoke(by=o311.agent, client_id=o311.open311_client.pk)
    assert Open311Client.objects.filter(active=True).count() == 1
    client = Open311Client.objects.get()
    assert len(client.key_hash) == 64 and o311.open311_key not in client.key_hash
    assert o311.open311_key.startswith("o311_" + client.key_prefix)


def test_management_command_prints_a_working_key_once(o311):
    out = io.StringIO()
    call_command("hotline_open311_key", "create", "区数字城管平台", stdout=out)
    key = out.getvalue().split("api_key (shown once / 仅显示一次): ")[1].strip()
    assert as_json(new_request(o311, api_key=key))[0]["service_request_id"]
    client = Open311Client.objects.get(name="区数字城管平台")
    listing = io.StringIO()
    call_command("hotline_open311_key", "list", stdout=listing)
    assert key not in listing.getvalue() and client.key_prefix in listing.getvalue()
    call_command("hotline_open311_key", "revoke", str(client.pk), stdout=io.StringIO())
    assert_error(new_request(o311, api_key=key), 403)


# --- GET requests --------------------------------------------------------------------------------


def test_requests_list_and_filters(o311):
    open_id = as_json(new_request(o311))[0]["service_request_id"]
    consult_id = as_json(
        new_request(o311, service_code="consult", description="请问办理居住证需要什么材料")
    )[0]["service_request_id"]
    done = closed(o311)  # a phone ticket, dispatched, replied and closed

    body = as_json(get("requests.json"))
    validate("requests.json", body)
    ids = [r["service_request_id"] for r in body]
    assert set(ids) == {open_id, consult_id, done.number}
    assert_mirrors(body, xml_records(as_xml(get("requests.xml")), "service_requests", "request"))

    closed_rows = as_json(get("requests.json", status="closed"))
    assert [r["service_request_id"] for r in closed_rows] == [done.number]
    assert closed_rows[0]["status_notes"] == done.answer
    assert closed_rows[0]["updated_datetime"] == timezone.localtime(done.closed_at).isoformat(
        timespec="seconds"
    )
    assert {r["service_request_id"] for r in as_json(get("requests.json", status="open"))} == {
        open_id,
        consult_id,
    }
    assert len(as_json(get("requests.json", status="open,closed"))) == 3
    noise = as_json(get("requests.json", service_code="noise"))
    assert [r["service_request_id"] for r in noise] == [open_id]
    by_id = as_json(get("requests.json", service_request_id=f"{done.number},{open_id},nope"))
    assert [r["service_request_id"] for r in by_id] == [done.number, open_id]
    # The phone ticket has no topic: it reports its category's general service.
    assert by_id[0]["service_code"] == done.category


def test_requests_date_window(o311):
    number = as_json(new_request(o311))[0]["service_request_id"]
    now = timezone.now()
    Ticket.objects.filter(number=number).update(received_at=now - timedelta(days=100))
    assert as_json(get("requests.json")) == []  # default: the last 90 days
    start = (now - timedelta(days=110)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (now - timedelta(days=95)).strftime("%Y-%m-%dT%H:%M:%SZ")
    found = as_json(get("requests.json", start_date=start, end_date=end))
    assert [r["service_request_id"] for r in found] == [number]
    # Only a start: the 90 days after it.
    assert len(as_json(get("requests.json", start_date=start))) == 1
    assert as_json(get("requests.json", end_date=start)) == []


BAD_QUERIES = [
    pytest.param({"status": "pending"}, "status", id="bad-status"),
    pytest.param({"service_code": "noise\x00"}, "NUL", id="nul-character"),
    pytest.param({"start_date": "yesterday"}, "start_date", id="bad-start"),
    pytest.param({"end_date": "2026-13-40T00:00:00Z"}, "end_date", id="bad-end"),
    pytest.param({"start_date": "2026-01-01T00:00:00"}, "start_date", id="no-time-zone"),
    pytest.param(
        {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
        "90 days",
        id="span-over-90-days",
    ),
    pytest.param(
        {"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
        "start_date",
        id="start-after-end",
    ),
]


@pytest.mark.parametrize(("params", "contains"), BAD_QUERIES)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_request_queries_are_400(o311, params, contains, fmt):
    assert_error(get(f"requests.{fmt}", **params), 400, fmt, contains)


def test_at_most_1000_results(o311):
    now = timezone.now()
    Ticket.objects.bulk_create(
        Ticket(
            number=f"T{i:06d}",
            channel="open311",
            category="consult",
            text=f"请问第 {i} 个问题",
            address="灞桥区",
            received_at=now - timedelta(minutes=i),
        )
        for i in range(1001)
    )
    body = as_json(get("requests.json"))
    assert len(body) == 1000
    validate("requests.json", body)
    assert body[0]["service_request_id"] == "T000000"  # newest first
    assert "T001000" not in {r["service_request_id"] for r in body}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_request_id_is_404(o311, fmt):
    assert_error(get(f"requests/12345202601019999999.{fmt}"), 404, fmt, "service_request_id")


def test_tokens(o311):
    number = as_json(new_request(o311))[0]["service_request_id"]
    ticket = Ticket.objects.get(number=number)
    body = as_json(get(f"tokens/{ticket.token}.json"))
    assert body == [{"service_request_id": number, "token": str(ticket.token)}]
    validate("derived/post-request-response.json", [{"service_request_id": number}])
    root = as_xml(get(f"tokens/{ticket.token}.xml"))
    assert_mirrors(body, xml_records(root, "service_requests", "request"))
    assert_error(get(f"tokens/{uuid.uuid4()}.json"), 404, contains="token")
    assert_error(get("tokens/not-a-token.xml"), 404, "xml")


def test_merged_request_keeps_its_id_and_reports_the_other(o311):
    first = Ticket.objects.get(number=as_json(new_request(o311))[0]["service_request_id"])
    second = Ticket.objects.get(
        number=as_json(new_request(o311, description=NOISE + "，再次反映"))[0]["service_request_id"]
    )
    services.merge_tickets(ticket_id=second.pk, into_ticket_id=first.pk, by=o311.agent)
    record = as_json(get(f"requests/{second.number}.json"))[0]
    validate("request.json", record)
    assert record["service_request_id"] == second.number
    assert record["status"] == "open"  # the ticket it joined is still being handled
    assert first.number in record["status_notes"]
    assert record["agency_responsible"] == "区城管局"
    assert {r["service_request_id"] for r in as_json(get("requests.json", status="open"))} == {
        first.number,
        second.number,
    }


def test_reports_and_masked_descriptions(o311):
    row = as_json(
        new_request(
            o311,
            service_code="consult",
            description="我的电话13700001111，请问居住证怎么办",
        )
    )[0]
    record = as_json(get(f"requests/{row['service_request_id']}.json"))[0]
    assert "13700001111" not in record["description"]
    report = services.intake_ticket(
        by=o311.agent,
        channel="phone",
        text="某餐馆后厨卫生极差，举报",
        category="report",
        anonymous=True,
        address="灞桥区纺织城",
    )
    record = as_json(get(f"requests/{report.number}.json"))[0]
    validate("request.json", record)
    assert record["description"] is None


def test_post_on_read_only_endpoints_is_refused(o311):
    assert Client().post(f"{BASE}/services.json").status_code in (403, 405)
    assert Client().put(f"{BASE}/requests.json").status_code == 405
