"""Workbench pages of catalogue management render and refuse (200/403/302/404)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.catalog import helpers_manage as h
from tests.factories import DepartmentFactory, make_citizen, make_staff
from zhengwu.catalog.models import ItemVersion, Material

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    dept = DepartmentFactory()
    published = h.published_list(dept)
    editor = make_staff(department=dept, roles=["approver"])
    admin = make_staff(department=dept, roles=["administrator"])
    return dept, published, editor, admin


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_anonymous_redirected_and_outsiders_refused(setup):
    dept, _published, editor, _admin = setup
    assert Client().get("/workbench/catalog/").status_code == 302
    assert client_for(make_citizen()).get("/workbench/catalog/").status_code == 403
    clerk = client_for(make_staff(department=dept, roles=["window_clerk"]))
    assert clerk.get("/workbench/catalog/").status_code == 403
    assert client_for(editor).get("/workbench/catalog/review/").status_code == 403


def test_editor_changes_and_admin_approves(setup):
    dept, published, editor, admin = setup
    client = client_for(editor)
    page = client.get("/workbench/catalog/")
    assert page.status_code == 200 and published.name in page.content.decode()
    assert client.get(f"/workbench/catalog/versions/{published.pk}/").status_code == 200
    r = client.post(
        "/workbench/catalog/changes/",
        {"implementation_code": published.implementation_code, "reason": "提速"},
    )
    assert r.status_code == 302
    draft = ItemVersion.objects.get(
        implementation_code=published.implementation_code, status="draft"
    )
    edit_url = f"/workbench/catalog/versions/{draft.pk}/edit/"
    assert client.get(edit_url).status_code == 200
    values = {
        name: getattr(draft, name)
        for name in (
            "name",
            "statutory_limit",
            "case_type",
            "acceptance_conditions",
            "result_name",
            "place",
            "hours",
            "consultation_phone",
            "complaint_phone",
            "online_address",
            "fee_basis",
            "visits_required",
        )
    }
    r = client.post(
        edit_url, {**values, "form": "main", "promised_limit": 99, "online_handling": "on"}
    )
    assert r.status_code == 422
    r = client.post(
        edit_url, {**values, "form": "main", "promised_limit": 4, "online_handling": "on"}
    )
    assert r.status_code == 302
    r = client.post(
        edit_url,
        {
            "form": "material",
            "key": "licence",
            "name": "营业执照",
            "issuing_body": "市场监管局",
            "originals": "1",
            "copies": "",
            "required": "on",
        },
    )
    assert r.status_code == 302
    assert Material.objects.filter(version=draft, key="licence").exists()
    detail = client.get(f"/workbench/catalog/versions/{draft.pk}/")
    assert "promised_limit" in detail.content.decode()
    assert client.post(f"/workbench/catalog/versions/{draft.pk}/submit/").status_code == 302
    # the editor may not review
    r = client.post(f"/workbench/catalog/versions/{draft.pk}/review/", {"decision": "approve"})
    assert r.status_code == 403
    admin_client = client_for(admin)
    queue = admin_client.get("/workbench/catalog/review/")
    assert queue.status_code == 200 and draft.name in queue.content.decode()
    r = admin_client.post(
        f"/workbench/catalog/versions/{draft.pk}/review/", {"decision": "return", "comment": ""}
    )
    assert r.status_code == 422
    r = admin_client.post(
        f"/workbench/catalog/versions/{draft.pk}/review/",
        {"decision": "approve", "comment": "同意"},
    )
    assert r.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "published" and draft.promised_limit == 4
    history = client.get(f"/workbench/catalog/history/{published.implementation_code}/")
    assert history.status_code == 200 and "materials[licence]" in history.content.decode()
    assert admin_client.get(f"/workbench/catalog/?department={dept.pk}").status_code == 200


def test_other_department_cannot_see_drafts(setup):
    dept, _published, _editor, _admin = setup
    draft = h.new_draft(dept, name="食品经营许可注销")
    other = client_for(make_staff(department=DepartmentFactory(), roles=["approver"]))
    assert other.get(f"/workbench/catalog/versions/{draft.pk}/").status_code == 404
    assert other.get(f"/workbench/catalog/versions/{draft.pk}/edit/").status_code == 404
    assert other.post(f"/workbench/catalog/versions/{draft.pk}/submit/").status_code == 404
    draft.refresh_from_db()
    assert draft.status == "draft"
