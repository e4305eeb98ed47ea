"""The licence wallet on the portal (``/licences/``): list, 亮证 with the dynamic code, the
view channel, download, personal code, grants and the read log; another holder's → 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from zhengwu.licences import access
from zhengwu.licences.models import Licence, LicenceRead, LicenceView, UseGrant

pytestmark = pytest.mark.django_db

IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"
DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) Chrome/120 Safari/537.36"


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_wallet_lists_licences_by_holder_with_their_state(lw):
    from tests.factories import make_enterprise_member
    from zhengwu.accounts.models import EnterpriseMembership
    from zhengwu.licences import services

    make_enterprise_member(user=lw.citizen)
    enterprise = EnterpriseMembership.objects.get(user=lw.citizen).enterprise
    mine = lw.issue()
    revoked = lw.issue()
    Licence.objects.filter(pk=revoked.pk).update(status="revoked")
    past = lw.issue()
    Licence.objects.filter(pk=past.pk).update(valid_until=timezone.localdate() - timedelta(days=1))
    company = lw.issue(
        holder=services.parse_holder(enterprise.name, enterprise.uscc, enterprise_id=enterprise.pk)
    )
    other = lw.issue(holder=lw.citizen_holder(lw.stranger))

    page = login(lw.citizen).get("/licences/")

    assert page.status_code == 200
    html = page.content.decode()
    # Personal licences first, then the enterprise's group.
    assert html.index("我的证照") < html.index(f">{enterprise.name}<")
    for licence in (mine, revoked, past, company):
        assert licence.number in html
    assert other.number not in html
    assert "吊销" in html  # revoked badge
    assert "已过期" in html or "Expired" in html  # expired by date
    assert html.index(mine.number) < html.index(enterprise.name) < html.index(company.number)


def test_show_page_records_the_channel_and_shows_a_dynamic_code(lw):
    licence = lw.issue()
    client = login(lw.citizen)

    phone = client.get(f"/licences/{licence.pk}/", headers={"User-Agent": IPHONE})
    desk = client.get(f"/licences/{licence.pk}/", headers={"User-Agent": DESKTOP})
    renewed = client.get(f"/licences/{licence.pk}/?refresh=1", headers={"User-Agent": IPHONE})

    assert phone.status_code == desk.status_code == renewed.status_code == 200
    channels = sorted(LicenceView.objects.filter(licence=licence).values_list("channel", flat=True))
    assert channels == ["mobile", "web"]
    html = phone.content.decode()
    assert licence.number in html and "<svg" in html
    assert "data-dynamic-code" in html
    token = phone.context["code"]["token"]
    assert token.startswith("ZW1.L.") and token in html
    assert access.scan(lw.clerk, token).licences[0].licence.pk == licence.pk


def test_token_endpoint_gives_a_fresh_code_as_json(lw):
    licence = lw.issue()
    client = login(lw.citizen)
    first = client.get(f"/licences/{licence.pk}/token/").json()
    second = client.get(f"/licences/{licence.pk}/token/").json()
    assert first["token"] != second["token"] and first["ttl"] == access.TOKEN_TTL
    assert second["svg"].startswith("<svg")
    assert not LicenceView.objects.exists()


def test_another_holders_licence_is_404_everywhere(lw, caplog):
    other = lw.issue(holder=lw.citizen_holder(lw.stranger))
    client = login(lw.citizen)
    with caplog.at_level("WARNING", logger="zhengwu.licences"):
        for path in ("", "token/", "pdf/"):
            assert client.get(f"/licences/{other.pk}/{path}").status_code == 404
        assert client.get("/licences/999999/").status_code == 404
    assert not LicenceView.objects.exists()
    # Each attempt on another holder's licence is logged; a missing one is not a probe.
    attempts = [r for r in caplog.records if "another holder" in r.getMessage()]
    assert len(attempts) == 3


def test_pages_need_a_login(lw):
    licence = lw.issue()
    response = Client().get(f"/licences/{licence.pk}/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_download_pdf_records_a_pdf_view(lw):
    licence = lw.issue()
    response = login(lw.citizen).get(f"/licences/{licence.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response).startswith(b"%PDF")
    assert list(LicenceView.objects.values_list("channel", flat=True)) == ["pdf"]


def test_personal_code_page(lw):
    lw.issue()
    client = login(lw.citizen)
    page = client.get("/licences/code/")
    assert page.status_code == 200
    token = page.context["code"]["token"]
    assert token.startswith("ZW1.C.")
    fresh = client.get("/licences/code/token/").json()
    assert fresh["token"].startswith("ZW1.C.") and fresh["token"] != token


def test_personal_code_needs_a_real_name_profile(lw):
    page = login(lw.member).get("/licences/code/")  # enterprise account without a profile
    assert page.status_code == 422
    assert "实名" in page.content.decode()


def test_enterprise_identity_shows_the_enterprise_code(lw):
    from zhengwu.accounts.models import EnterpriseMembership
    from zhengwu.accounts.selectors import IDENTITY_SESSION_KEY

    enterprise = EnterpriseMembership.objects.get(user=lw.member).enterprise
    client = login(lw.member)
    session = client.session
    session[IDENTITY_SESSION_KEY] = enterprise.pk
    session.save()
    page = client.get("/licences/code/")
    assert page.status_code == 200
    assert page.context["code"]["token"].startswith(f"ZW1.C.{lw.member.pk}-{enterprise.pk}.")


def _grant_post(lw, licence, **change):
    data = {
        "licence_ids": [licence.pk],
        "grantee_kind": "department",
        "department_id": lw.other_department.pk,
        "purpose": "办理公积金",
        "valid_until": (timezone.localdate() + timedelta(days=5)).isoformat(),
    }
    data.update(change)
    return data


def test_grant_revoke_and_read_log_through_the_pages(lw):
    licence = lw.issue()
    client = login(lw.citizen)
    form = client.get(f"/licences/grants/?licence={licence.pk}")
    assert form.status_code == 200 and lw.other_department.name in form.content.decode()

    made = client.post("/licences/grants/", _grant_post(lw, licence))
    assert made.status_code == 302
    grant = UseGrant.objects.get()
    assert grant.department == lw.other_department
    assert timezone.localtime(grant.valid_until).date() == timezone.localdate() + timedelta(days=5)

    staff = login(lw.other_clerk)
    assert (
        staff.get(f"/workbench/licences/scan/granted/{grant.pk}/{licence.pk}/").status_code == 200
    )
    (group,) = client.get("/licences/").context["groups"]
    assert [row["licence"].read_count for row in group["rows"]] == [1]  # the wallet's log link
    shown = client.get(f"/licences/{licence.pk}/").content.decode()
    assert lw.other_department.name in shown and "李*" in shown and "办理公积金" in shown

    assert client.post(f"/licences/grants/{grant.pk}/revoke/").status_code == 302
    assert UseGrant.objects.get().revoked_at is not None
    assert (
        staff.get(f"/workbench/licences/scan/granted/{grant.pk}/{licence.pk}/").status_code == 403
    )
    assert LicenceRead.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "status", "field_text"),
    [
        ({"purpose": ""}, 422, "用途"),
        ({"valid_until": "2001-01-01"}, 422, "授权截止"),
        ({"valid_until": "not-a-date"}, 422, "日期"),
        ({"grantee_kind": "case", "case_number": "NOPE"}, 404, "办件"),
        ({"department_id": "999999"}, 404, "部门"),
    ],
)
def test_bad_grant_forms_are_refused_and_nothing_written(lw, change, status, field_text):
    licence = lw.issue()
    response = login(lw.citizen).post("/licences/grants/", _grant_post(lw, licence, **change))
    assert response.status_code == status
    assert field_text in response.content.decode()
    assert not UseGrant.objects.exists()


def test_far_grant_is_refused(lw):
    licence = lw.issue()
    far = (timezone.localdate() + timedelta(days=access.GRANT_MAX_DAYS + 1)).isoformat()
    response = login(lw.citizen).post(
        "/licences/grants/", _grant_post(lw, licence, valid_until=far)
    )
    assert response.status_code == 422 and "90" in response.content.decode()
    ninety = (timezone.localdate() + timedelta(days=access.GRANT_MAX_DAYS)).isoformat()
    ok = login(lw.citizen).post("/licences/grants/", _grant_post(lw, licence, valid_until=ninety))
    assert ok.status_code == 302


def test_granting_another_holders_licence_is_404(lw):
    other = lw.issue(holder=lw.citizen_holder(lw.stranger))
    response = login(lw.citizen).post("/licences/grants/", _grant_post(lw, other))
    assert response.status_code == 404
    assert not UseGrant.objects.exists()


def test_revoking_another_holders_grant_is_404(lw):
    licence = lw.issue()
    login(lw.citizen).post("/licences/grants/", _grant_post(lw, licence))
    grant = UseGrant.objects.get()
    assert login(lw.stranger).post(f"/licences/grants/{grant.pk}/revoke/").status_code == 404
    assert UseGrant.objects.get().revoked_at is None
