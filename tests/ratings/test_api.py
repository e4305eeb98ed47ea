"""The ratings API (``/api/v1/ratings``) over HTTP with sessions and tokens: error shapes,
permissions (a matrix that also checks a denied call changed nothing), the whole flow."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.factories import make_staff
from zhengwu.accounts import services as account_services
from zhengwu.ratings.models import Rectification, Review

pytestmark = pytest.mark.django_db
BASE = "/api/v1/ratings"


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def call(client: Client, method: str, path: str, body: Any = None, **headers: str) -> Any:
    kwargs: dict[str, Any] = {"headers": headers} if headers else {}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(client, method)(f"{BASE}{path}", **kwargs)


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content.decode()[:2000]
    return response.json()


def error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content.decode()[:2000]
    body = response.json()
    assert {"code", "message", "message_en", "field"} <= set(body)
    return body


def _review_body(rw, **kw):
    body = {"subject_type": "case", "subject_key": rw.case.number, "level": 5, "channel": "2",
            "text": "多跑了两次", "tags": ["多次跑动"]}  # fmt: skip
    body.update(kw)
    return body


def test_the_whole_flow_through_the_api(rw):
    citizen = login(rw.applicant)
    review = ok(call(citizen, "post", "/reviews", _review_body(rw)), 201)
    assert review["is_bad"] and review["rectification_status"] == "verifying"
    assert review["level_label"] == "非常不满意" and review["may_revise"]
    rid = review["rectification_id"]

    staff = login(rw.market_handler)
    listed = ok(call(staff, "get", "/rectifications?status=verifying"))
    assert listed["count"] == 1 and listed["items"][0]["id"] == rid
    detail = ok(call(staff, "get", f"/rectifications/{rid}"))
    assert detail["rater"]["name"] == "张伟" and detail["events"][0]["kind"] == "opened"
    ok(call(staff, "post", f"/rectifications/{rid}/verify", {"valid": True, "evidence": "属实"}))
    out = ok(call(staff, "post", f"/rectifications/{rid}/rectify",
                  {"measures": "培训", "reply": "已整改"}))  # fmt: skip
    assert out["status"] == "revisiting" and out["revisit_due"]
    out = ok(call(staff, "post", f"/rectifications/{rid}/revisit",
                  {"satisfied": True, "note": "满意"}))  # fmt: skip
    assert out["status"] == "closed"
    assert [e["kind"] for e in out["events"]] == [
        "opened",
        "verified_valid",
        "rectified",
        "revisited",
    ]

    mine = ok(call(citizen, "get", "/reviews"))
    assert mine[0]["reply"] == "已整改" and mine[0]["rectification_status"] == "closed"
    revised = ok(call(citizen, "post", f"/reviews/{review['id']}/revise", {"level": 2}))
    assert revised["count"] == 2 and not revised["may_revise"]
    error(call(citizen, "post", f"/reviews/{review['id']}/revise", {"level": 1}), 409)

    [row] = ok(call(staff, "get", "/three-100"))
    assert row["department"] == rw.market.name and row["verified_rate"] == 1.0
    public = ok(call(Client(), "get", "/public/satisfaction"))
    assert public["departments"][0]["count"] == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"level": 7}, "level"),
        ({"level": "5"}, "level"),
        ({"channel": "9"}, "channel"),
        ({"text": "长" * 501}, "text"),
        ({"tags": ["乱写"]}, "tags"),
        ({"subject_type": "shop"}, "subject_type"),
        ({"extra": 1}, "extra"),
    ],
)
def test_bad_input_is_422_naming_the_field(rw, changes, field):
    body = error(call(login(rw.applicant), "post", "/reviews", _review_body(rw, **changes)), 422)
    assert body["field"] == field
    assert not Review.objects.exists()


def test_twice_is_409_and_someone_elses_case_is_404(rw):
    ok(call(login(rw.applicant), "post", "/reviews", _review_body(rw)), 201)
    assert (
        error(call(login(rw.applicant), "post", "/reviews", _review_body(rw)), 409)["code"]
        == "already_rated"
    )
    body = error(call(login(rw.stranger), "post", "/reviews", _review_body(rw)), 404)
    assert body["field"] == "subject_key"
    error(call(Client(), "post", "/reviews", _review_body(rw)), 401)
    assert Review.objects.count() == 1


def test_permission_matrix_on_a_rectification(rw):
    ok(call(login(rw.applicant), "post", "/reviews", _review_body(rw)), 201)
    rect = Rectification.objects.get()
    path = f"/rectifications/{rect.pk}/verify"
    body = {"valid": False, "evidence": "恶意评价"}
    error(call(Client(), "post", path, body), 401)
    error(call(login(rw.applicant), "post", path, body), 403)  # citizens: staff only
    error(call(login(rw.housing_handler), "post", path, body), 404)  # another department
    error(call(login(rw.housing_handler), "get", f"/rectifications/{rect.pk}"), 404)
    assert ok(call(login(rw.housing_handler), "get", "/rectifications"))["count"] == 0
    rect.refresh_from_db()
    assert rect.status == "verifying" and rect.verified_at is None
    ok(call(login(rw.market_handler), "post", path, body))
    decide = f"/rectifications/{rect.pk}/decide-invalid"
    error(call(login(rw.market_head), "post", decide, {"approve": True}), 403)
    error(call(login(rw.market_handler), "post", f"/rectifications/{rect.pk}/rectify",
               {"measures": "m", "reply": "r"}), 409)  # fmt: skip
    out = ok(call(login(rw.supervisor), "post", decide, {"approve": True, "note": "同意"}))
    assert out["status"] == "closed_invalid"


def test_upstream_pending_is_for_administrators_and_supervisors(rw):
    ok(call(login(rw.applicant), "post", "/reviews", _review_body(rw, level=2, tags=[])), 201)
    error(call(login(rw.applicant), "get", "/upstream/pending"), 403)
    error(call(login(rw.market_handler), "get", "/upstream/pending"), 403)
    admin = make_staff(department=rw.centre, roles=["administrator"], display_name="管理员")
    _token, secret = account_services.token_create(user=admin, name="对账", scopes=["read"])
    data = ok(call(Client(), "get", "/upstream/pending", Authorization=f"Bearer {secret}"))
    assert data["summary"]["pending"] == 1
    assert data["items"][0]["project_no"] == rw.case.number
    assert ok(call(login(rw.supervisor), "get", "/upstream/pending"))["summary"]["pending"] == 1


def test_list_filters_are_checked(rw):
    body = error(call(login(rw.market_handler), "get", "/rectifications?status=nonsense"), 422)
    assert body["field"] == "status"
