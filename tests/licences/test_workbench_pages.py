"""The staff pages of the register (/workbench/licences/): list and search (holder masked),
a licence's page and its actions, direct issuance, the xlsx import and the types. Each page
renders for the right staff and is refused (403/404) to others; bad input shows the field's
error with a 4xx and changes nothing."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from zhengwu.licences.models import Licence, StatusChange

pytestmark = pytest.mark.django_db


def client(user=None, language: str | None = None) -> Client:
    c = Client()
    if language:
        c.cookies["zhengwu_language"] = language
    if user is not None:
        c.force_login(user)
    return c


def url(name: str, *args) -> str:
    return reverse(f"licences_workbench:{name}", args=args)


def test_register_lists_the_departments_licences_masked(lw):
    licence = lw.issue()
    other = lw.issue(
        issuer_code=lw.other_department.uscc,
        issuer_name=lw.other_department.name,
        issuer_department_id=lw.other_department.pk,
    )
    page = client(lw.approver).get(url("register"))
    assert page.status_code == 200
    html = page.content.decode()
    assert licence.identifier in html and other.identifier not in html
    id_number = lw.citizen.citizen_profile.id_number
    assert id_number not in html and id_number[:6] in html  # masked in the list
    assert "王小明" not in html
    assert 'lang="zh-Hans"' in html or "zh-hans" in html.lower()
    found = client(lw.approver).get(url("register"), {"q": id_number}).content.decode()
    assert licence.identifier in found
    none = client(lw.approver).get(url("register"), {"status": "revoked"}).content.decode()
    assert licence.identifier not in none
    bad = client(lw.approver).get(url("register"), {"status": "lost"})
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.content.decode()


def test_pages_are_for_staff_only(lw):
    licence = lw.issue()
    assert client(lw.citizen).get(url("register")).status_code == 403
    assert client().get(url("register")).status_code == 302  # to the sign-in
    assert client(lw.other_clerk).get(url("detail", licence.pk)).status_code == 404
    assert client(lw.clerk).get(url("issue")).status_code == 403  # no issuing role
    assert client(lw.clerk).get(url("import")).status_code == 403
    assert client(lw.clerk).get(url("types")).status_code == 200


def test_detail_shows_everything_and_masks_by_role(lw):
    licence = lw.issue()
    id_number = lw.citizen.citizen_profile.id_number
    approver_page = client(lw.approver).get(url("detail", licence.pk)).content.decode()
    assert licence.identifier in approver_page and id_number in approver_page
    assert "热食类食品制售" in approver_page and "经营项目" in approver_page
    assert 'id="action-status"' in approver_page and 'id="action-renew"' in approver_page
    clerk_page = client(lw.clerk).get(url("detail", licence.pk)).content.decode()
    assert id_number not in clerk_page and 'id="actions"' not in clerk_page
    english = client(lw.approver, "en").get(url("detail", licence.pk)).content.decode()
    assert "Business scope" in english


def test_status_change_from_the_page(lw):
    licence = lw.issue()
    c = client(lw.approver)
    refused = c.post(url("status", licence.pk), {"status": "revoked", "reason": ""})
    assert refused.status_code == 422
    assert 'id="st-reason-error"' in refused.content.decode()
    by_hand = c.post(url("status", licence.pk), {"status": "expired", "reason": "x"})
    assert by_hand.status_code == 422 and 'id="st-status-error"' in by_hand.content.decode()
    illegal = c.post(url("status", licence.pk), {"status": "valid", "reason": "x"})
    assert illegal.status_code == 409
    assert not StatusChange.objects.exists()
    done = c.post(url("status", licence.pk), {"status": "suspended", "reason": "责令停业整顿"})
    assert done.status_code == 302
    licence.refresh_from_db()
    assert licence.status == "suspended"
    page = c.get(url("detail", licence.pk)).content.decode()
    assert "责令停业整顿" in page and 'id="st-valid"' in page  # may reinstate
    assert 'id="action-renew"' not in page  # a suspended licence is not renewed
    assert (
        client(lw.clerk)
        .post(url("status", licence.pk), {"status": "valid", "reason": "x"})
        .status_code
        == 403
    )
    assert (
        client(lw.other_clerk)
        .post(url("status", licence.pk), {"status": "valid", "reason": "x"})
        .status_code
        == 404
    )


def test_renew_and_change_from_the_page(lw):
    licence = lw.issue()
    c = client(lw.head)
    bad = c.post(url("renew", licence.pk), {"valid_until": "2030-02-30", "reason": ""})
    assert bad.status_code == 422 and 'id="rn-until-error"' in bad.content.decode()
    renewed = c.post(url("renew", licence.pk), {"valid_until": "", "reason": "到期延续"})
    assert renewed.status_code == 302
    new = Licence.objects.get(previous=licence)
    assert renewed["Location"] == url("detail", new.pk)
    bad_change = c.post(
        url("change", new.pk),
        {"holder_name": new.holder_name, "meta_business_scope": "热食类食品制售",
         "meta_premises": "灞桥区 9 号", "meta_main_body": "不存在的业态", "reason": "迁址"},
    )  # fmt: skip
    assert bad_change.status_code == 422
    assert 'id="c-main_body-error"' in bad_change.content.decode()
    changed = c.post(
        url("change", new.pk),
        {"holder_name": new.holder_name, "meta_business_scope": "热食类食品制售",
         "meta_premises": "灞桥区 9 号", "meta_main_body": "餐饮服务经营者", "reason": "迁址"},
    )  # fmt: skip
    assert changed.status_code == 302
    newest = Licence.objects.get(previous=new)
    assert newest.metadata["premises"] == "灞桥区 9 号" and newest.relation == "change"


def test_issue_form(lw):
    c = client(lw.approver)
    choose = c.get(url("issue"))
    assert choose.status_code == 200 and lw.food.code in choose.content.decode()
    form = c.get(url("issue"), {"type": lw.food.code}).content.decode()
    assert 'name="meta_premises"' in form and 'name="holder_code"' in form
    unknown = c.get(url("issue"), {"type": "NOPE"})
    assert unknown.status_code == 422
    profile = lw.citizen.citizen_profile
    data = {
        "type": lw.food.code,
        "holder_name": profile.real_name,
        "holder_code": "610111199003151230",
        "number": "JY-PAGE-1",
        "issue_date": "2023-04-01",
        "meta_business_scope": "预包装食品销售",
        "meta_premises": "灞桥区 5 号",
    }
    bad = c.post(url("issue"), data)
    assert bad.status_code == 422
    html = bad.content.decode()
    assert 'id="i-holder-code-error"' in html and "JY-PAGE-1" in html  # values kept
    assert not Licence.objects.exists()
    data["holder_code"] = profile.id_number
    data["meta_premises"] = ""
    missing = c.post(url("issue"), data)
    assert missing.status_code == 422 and 'id="m-premises-error"' in missing.content.decode()
    data["meta_premises"] = "灞桥区 5 号"
    done = c.post(url("issue"), data)
    assert done.status_code == 302
    licence = Licence.objects.get(number="JY-PAGE-1")
    assert licence.source == "direct" and licence.holder_user_id == lw.citizen.pk


def _xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(
        [
            "type_code",
            "holder_name",
            "holder_code",
            "number",
            "issue_date",
            "business_scope",
            "premises",
        ]
    )
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_import_page_reports_rows(lw):
    profile = lw.citizen.citizen_profile
    content = _xlsx(
        [
            [
                lw.food.code,
                profile.real_name,
                profile.id_number,
                "JY-IMP-1",
                "2022-01-05",
                "热食",
                "灞桥 1 号",
            ],
            [
                lw.food.code,
                profile.real_name,
                profile.id_number,
                "JY-IMP-2",
                "2022-01-05",
                "热食",
                None,
            ],
        ]
    )
    c = client(lw.approver)
    assert c.get(url("import")).status_code == 200
    upload = io.BytesIO(content)
    upload.name = "licences.xlsx"
    page = c.post(url("import"), {"file": upload})
    assert page.status_code == 200
    html = page.content.decode()
    assert "第 3 行 G 列" in html and 'id="report-rows"' in html
    assert Licence.objects.filter(source="import").count() == 1
    bad = io.BytesIO(b"not a workbook")
    bad.name = "x.xlsx"
    refused = c.post(url("import"), {"file": bad})
    assert refused.status_code == 422 and 'id="u-file-error"' in refused.content.decode()
    assert c.post(url("import"), {}).status_code == 422
    template = c.get(url("import_template"), {"type": lw.food.code})
    assert template.status_code == 200
    header = [cell.value for cell in load_workbook(io.BytesIO(template.content)).worksheets[0][1]]
    assert "business_scope" in header
    assert c.get(url("import_template"), {"type": "NOPE"}).status_code == 404


def test_types_page(lw):
    page = client(lw.administrator).get(url("types")).content.decode()
    assert "食品经营许可证" in page and "经营项目" in page and "5" in page
    assert "licencetype" in page  # the administrator's edit link


def test_elderly_mode_and_phone_markup(lw):
    licence = lw.issue()
    c = client(lw.approver)
    c.cookies["zhengwu_elderly"] = "1"
    html = c.get(url("detail", licence.pk)).content.decode()
    assert 'name="viewport"' in html
    assert html.count("<h1") == 1
    assert 'for="st-reason"' in html and 'id="st-reason"' in html  # every input labelled
