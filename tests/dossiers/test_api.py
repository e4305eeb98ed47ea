"""The dossiers API over HTTP: the owner's dossier, the staff lookup (422 naming ``code``,
403 without a ground), the archive package and its check."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.dossiers.conftest import accepted_case, concluded_case
from zhengwu.dossiers.models import ArchivePackage
from zhengwu.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db
BASE = "/api/v1/dossiers"


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, path: str, body: Any) -> Any:
    return client.post(f"{BASE}{path}", data=json.dumps(body), content_type="application/json")


def test_owner_and_staff_through_the_api(world):
    case = accepted_case(world)
    mine = login(world.citizen).get(f"{BASE}/me")
    assert mine.status_code == 200, mine.content
    body = mine.json()
    assert [c["number"] for c in body["cases"]] == [case.number]
    assert "ratings" in body["parts"] and body["reads"] == []
    assert login(world.citizen).get(f"{BASE}/me?enterprise_id=999999").status_code == 404
    assert login(world.citizen).get(f"{BASE}/me?enterprise_id=-1").status_code == 422

    staff = login(world.approver)
    bad = post(staff, "/lookup", {"code": "610111199001011235"})
    assert bad.status_code == 422 and bad.json()["field"] == "code"
    refused = post(
        login(world.other_approver), "/lookup", {"code": world.citizen.citizen_profile.id_number}
    )
    assert refused.status_code == 403 and refused.json()["code"] == "no_ground"
    assert not AuditEntry.objects.filter(action="dossier.read").exists()

    shown = post(staff, "/lookup", {"code": world.citizen.citizen_profile.id_number})
    assert shown.status_code == 200, shown.content
    data = shown.json()
    assert data["parts"] == ["cases", "credit", "licences", "materials"]
    assert data["ratings"] == [] and data["grounds"][0]["case_number"] == case.number
    assert len(login(world.citizen).get(f"{BASE}/me").json()["reads"]) == 1


def test_archive_package_and_check_through_the_api(
    world, admin_pair, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = concluded_case(world)
    admin, _second = admin_pair
    client = login(admin)
    detail = client.get(f"{BASE}/archives/{case.number}")
    assert detail.status_code == 200, detail.content
    assert detail.json()["manifest"]["case_number"] == case.number
    assert login(world.approver).get(f"{BASE}/archives/{case.number}").status_code == 403
    checked = client.post(f"{BASE}/archives/{case.number}/check")
    assert checked.status_code == 200 and checked.json()["ok"] is True
    early = post(client, f"/archives/{case.number}/disposals", {"reason": "到期"})
    assert early.status_code == 409 and early.json()["code"] == "retention_running"
    assert not ArchivePackage.objects.get(case_id=case.pk).disposals.exists()
    assert client.get(f"{BASE}/archives").json()[0]["case_number"] == case.number
