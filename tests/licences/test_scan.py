"""Staff scan pages (``/workbench/licences/scan/``): dynamic code, personal code, expired,
used and forged codes, granted licences."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from zhengwu.licences import access
from zhengwu.licences.models import Licence, LicenceRead

pytestmark = pytest.mark.django_db
SCAN = "/workbench/licences/scan/"


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_scan_page_shows_the_live_licence_then_refuses_reuse(lw):
    licence = lw.issue()
    token = access.issue_licence_token(lw.citizen, licence.pk).token
    clerk = login(lw.clerk)

    assert clerk.get(SCAN).status_code == 200
    shown = clerk.post(SCAN, {"token": token})
    assert shown.status_code == 200
    html = shown.content.decode()
    assert licence.number in html and "王小明" in html
    assert LicenceRead.objects.filter(licence=licence, via="qr").count() == 1

    again = clerk.post(SCAN, {"token": token})
    assert again.status_code == 409
    assert "已使用" in again.content.decode()
    assert LicenceRead.objects.count() == 1


def test_expired_code_page_message(lw):
    licence = lw.issue()
    old = timezone.now() - timedelta(seconds=access.TOKEN_TTL * 2)
    token = access.issue_licence_token(lw.citizen, licence.pk, now=old).token
    response = login(lw.clerk).post(SCAN, {"token": token})
    assert response.status_code == 422
    assert "二维码已过期，请持证人刷新" in response.content.decode()


def test_forged_and_empty_codes_are_422(lw):
    licence = lw.issue()
    token = access.issue_licence_token(lw.citizen, licence.pk).token
    clerk = login(lw.clerk)
    forged = clerk.post(SCAN, {"token": token[:-2] + "00"})
    assert forged.status_code == 422 and "篡改" in forged.content.decode()
    assert clerk.post(SCAN, {"token": ""}).status_code == 422
    assert clerk.post(SCAN, {"token": "x" * 5000}).status_code == 422
    assert not LicenceRead.objects.exists()


def test_scan_shows_a_suspended_licence_as_not_valid(lw):
    licence = lw.issue()
    token = access.issue_licence_token(lw.citizen, licence.pk).token
    Licence.objects.filter(pk=licence.pk).update(status="suspended")
    html = login(lw.clerk).post(SCAN, {"token": token}).content.decode()
    assert "暂扣" in html


def test_scan_page_is_for_staff_only(lw):
    licence = lw.issue()
    token = access.issue_licence_token(lw.citizen, licence.pk).token
    assert login(lw.citizen).post(SCAN, {"token": token}).status_code == 403
    assert login(lw.citizen).get(SCAN + "granted/").status_code == 403
    assert Client().get(SCAN).status_code in (302, 403)
    assert not LicenceRead.objects.exists()


def test_personal_code_page_lists_valid_licences(lw):
    valid = lw.issue()
    revoked = lw.issue()
    Licence.objects.filter(pk=revoked.pk).update(status="revoked")
    token = access.issue_code_token(lw.citizen).token
    html = login(lw.clerk).post(SCAN, {"token": token}).content.decode()
    assert valid.number in html and revoked.number not in html
    assert list(LicenceRead.objects.values_list("via", flat=True)) == ["code"]


def test_granted_list_and_read(lw):
    licence = lw.issue()
    grant = access.create_grant(
        lw.citizen,
        licence_ids=[licence.pk],
        grantee_kind="department",
        department_id=lw.other_department.pk,
        purpose="核验资质",
        valid_until=timezone.now() + timedelta(days=2),
    )
    staff = login(lw.other_clerk)
    listing = staff.get(SCAN + "granted/").content.decode()
    assert "核验资质" in listing and licence.number in listing
    page = staff.get(f"{SCAN}granted/{grant.pk}/{licence.pk}/")
    assert page.status_code == 200 and licence.number in page.content.decode()
    # another department's clerk: the grant does not exist for them
    assert login(lw.clerk).get(f"{SCAN}granted/{grant.pk}/{licence.pk}/").status_code == 404
    assert login(lw.clerk).get(SCAN + "granted/").content.decode().count(licence.number) == 0
    assert LicenceRead.objects.filter(via="grant").count() == 1
