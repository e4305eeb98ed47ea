"""The "two exemptions" report (两个免于提交): per item, the materials an e-licence replaces and
how often the exemption was used in a date range; its xlsx export; who may see it; and the
exemption helpers (explicit choice refused for a bad licence, clerk reads logged)."""

from __future__ import annotations

import io
from datetime import date, datetime, time

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from tests.factories import make_staff
from tests.licences.conftest import FOOD_TYPE
from tests.metrics.conftest import make_case, make_version
from zhengwu.catalog import selectors as catalog_selectors
from zhengwu.catalog.models import Material
from zhengwu.kernel.errors import InvalidInput
from zhengwu.licences import exemptions
from zhengwu.licences.models import ExemptionUse, Licence

URL = "/workbench/licences/exemptions/"


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def moment(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10)))


@pytest.fixture
def report_world(lw):
    version_a = make_version(lw.market, f"{lw.market.uscc}A00000000001", "食品经营许可")
    version_b = make_version(lw.market, f"{lw.market.uscc}B00000000001", "食品经营许可延续")
    Material.objects.create(
        version=version_a, key="food-licence", name="食品经营许可证", licence_type=FOOD_TYPE
    )
    Material.objects.create(version=version_a, key="layout", name="平面布局图")
    Material.objects.create(
        version=version_b, key="food-licence", name="食品经营许可证", licence_type=FOOD_TYPE
    )
    licence = lw.issue()
    for day, code in (
        (date(2026, 3, 2), version_a.implementation_code),
        (date(2026, 3, 20), version_a.implementation_code),
        (date(2026, 1, 5), version_a.implementation_code),  # outside March
    ):
        case = make_case(department=lw.market, implementation_code=code)
        use = ExemptionUse.objects.create(
            case=case,
            item_code=code,
            item_name="食品经营许可",
            material_key="food-licence",
            material_name="食品经营许可证",
            licence=licence,
        )
        ExemptionUse.objects.filter(pk=use.pk).update(at=moment(day))
    lw.version_a, lw.version_b = version_a, version_b
    return lw


def test_report_counts_uses_per_item_and_material(report_world):
    rows = exemptions.exemption_report(
        catalog_selectors.exempt_materials(),
        first=date(2026, 3, 1),
        last=date(2026, 3, 31),
    )
    by_code = {r.item_code: r for r in rows}
    a = by_code[report_world.version_a.implementation_code]
    assert [(m.key, m.uses, m.type_name) for m in a.materials] == [
        ("food-licence", 2, "食品经营许可证")
    ]
    b = by_code[report_world.version_b.implementation_code]
    assert [(m.key, m.uses) for m in b.materials] == [("food-licence", 0)]
    everything = exemptions.exemption_report(catalog_selectors.exempt_materials())
    assert {r.item_code: r.uses for r in everything}[a.item_code] == 3


def test_report_page_for_administrators_and_supervisors(report_world):
    supervisor = make_staff(department=report_world.market, roles=["supervisor"])
    for user in (report_world.administrator, supervisor):
        response = login(user).get(URL, {"from": "2026-03-01", "to": "2026-03-31"})
        assert response.status_code == 200
        page = response.content.decode()
        assert f'data-item="{report_world.version_a.implementation_code}"' in page
        assert 'data-uses="2"' in page
        assert "平面布局图" not in page  # not exempt: not listed
    assert login(report_world.clerk).get(URL).status_code == 403
    assert Client().get(URL).status_code == 302  # to the login page


def test_report_refuses_bad_dates_naming_the_field(report_world):
    response = login(report_world.administrator).get(URL, {"from": "2026-13-01"})
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.content.decode()
    response = login(report_world.administrator).get(
        URL, {"from": "2026-03-31", "to": "2026-03-01"}
    )
    assert response.status_code == 422
    xlsx = login(report_world.administrator).get(URL + "report.xlsx", {"to": "x"})
    assert xlsx.status_code == 422 and b"to" in xlsx.content


def test_report_xlsx_export(report_world):
    response = login(report_world.administrator).get(
        URL + "report.xlsx", {"from": "2026-03-01", "to": "2026-03-31"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [tuple(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "事项实施编码"
    data = {(r[0], r[3]): r[7] for r in rows[1:] if r and r[0] and r[3]}
    assert data[(report_world.version_a.implementation_code, "food-licence")] == 2
    assert data[(report_world.version_b.implementation_code, "food-licence")] == 0


# --- the helpers cases relies on -----------------------------------------------------------------


def test_explicit_choice_refuses_revoked_and_other_holders_licences(lw):
    mine = lw.issue()
    index = mine.holder_index
    chosen = exemptions.licence_for_material(
        identifier=mine.identifier,
        holder_index=index,
        type_code=FOOD_TYPE,
        material_key="food-licence",
        material_name="食品经营许可证",
    )
    assert chosen.pk == mine.pk
    theirs = lw.issue(lw.citizen_holder(lw.stranger))
    with pytest.raises(InvalidInput) as caught:
        exemptions.licence_for_material(
            identifier=theirs.identifier,
            holder_index=index,
            type_code=FOOD_TYPE,
            material_key="food-licence",
            material_name="食品经营许可证",
        )
    assert caught.value.field == "materials.food-licence"
    assert caught.value.code == "licence_other_holder"
    Licence.objects.filter(pk=mine.pk).update(status="suspended")
    with pytest.raises(InvalidInput) as caught:
        exemptions.licence_for_material(
            identifier=mine.identifier,
            holder_index=index,
            type_code=FOOD_TYPE,
            material_key="food-licence",
            material_name="食品经营许可证",
        )
    assert caught.value.code == "licence_invalid" and "暂扣" in caught.value.message
    assert exemptions.find_valid_licence(index, FOOD_TYPE) is None


def test_exemption_state_detects_tampering(lw):
    licence = lw.issue()
    assert exemptions.exemption_state(licence.identifier).verified
    Licence.objects.filter(pk=licence.pk).update(number="FORGED-1")
    state = exemptions.exemption_state(licence.identifier)
    assert state.valid_now and not state.signature_ok and not state.verified
    assert not exemptions.exemption_state("NO-SUCH").verified
