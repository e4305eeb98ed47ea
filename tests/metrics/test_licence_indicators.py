"""The two e-licence indicators from real rows: the mobile view rate of common licences
(snapshot at the month's end) and 免证办 usage (concluded cases with an exemption), computed
by hand; the incremental refresh agrees with the rebuild."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.metrics.conftest import MONTH, at, d, make_case
from tests.metrics.test_aggregate import dump
from zhengwu.licences.models import ExemptionUse, Licence, LicenceType, LicenceView
from zhengwu.metrics import aggregate, selectors
from zhengwu.metrics.models import MonthlyRollup, MonthlySnapshot

_serial = iter(range(1, 10**6))


def values(scope: str, month: date = MONTH) -> dict[str, tuple[str, float | None]]:
    report = selectors.report(selectors.parse_scope(scope), month)
    return {row.indicator.key: (row.current.status, row.current.value) for row in report.rows}


def licence_type(code: str, *, common: bool) -> LicenceType:
    return LicenceType.objects.create(
        code=code,
        name=f"证照{code[-3:]}",
        defining_body="区市场监管局",
        defining_body_code=code[:18],
        common=common,
    )


def licence(kind: LicenceType, department: Any, created: Any, **fields: Any) -> Licence:
    """A licence row as the register holds it (metrics only reads; the signature is not
    looked at), recorded at ``created``."""
    n = next(_serial)
    row = Licence.objects.create(
        identifier=f"{kind.code}.TEST.{n:06d}",
        number=f"N{n:06d}",
        licence_type=kind,
        type_code=kind.code,
        type_name=kind.name,
        issuer_code=department.uscc,
        issuer_name=department.name,
        issuer_department=department,
        serial=f"{n:06d}",
        holder_name="张伟",
        holder_code="110101199003070011",
        holder_code_type="111",
        holder_index=f"h{n}",
        issue_date=created.date(),
        valid_from=created.date(),
        source="direct",
        signature="-",
        key_id="k",
        signed_at=created,
        qr_token=f"q{n}",
        **fields,
    )
    Licence.objects.filter(pk=row.pk).update(created_at=created)
    return row


def view(row: Licence, channel: str, when: Any) -> None:
    seen = LicenceView.objects.create(licence=row, channel=channel)
    LicenceView.objects.filter(pk=seen.pk).update(at=when)


@pytest.fixture
def lworld(mworld):
    common = licence_type("11610111MB2961A368901", common=True)
    rare = licence_type("11610111MB2961A368902", common=False)
    market, civil = mworld.market, mworld.civil
    # L0: recorded in February, shown on a phone on 1 March
    l0 = licence(common, market, at(d(10, 2)))
    view(l0, "mobile", at(d(1)))
    # L1: March, shown on a phone; L2: March, only looked at on the web
    l1 = licence(common, market, at(d(1)))
    view(l1, "mobile", at(d(5)))
    l2 = licence(common, market, at(d(2)))
    view(l2, "web", at(d(6)))
    # L3: civil affairs, revoked on 10 March (not valid at the end of March)
    l3 = licence(common, civil, at(d(3)), status="revoked", status_changed_at=at(d(10)))
    view(l3, "mobile", at(d(4)))
    # L4: expired by its dates on 15 March
    licence(common, market, at(d(3)), valid_until=d(15))
    # L5: not a common licence type: never counted
    l5 = licence(rare, market, at(d(3)))
    view(l5, "mobile", at(d(4)))
    # 免证办: two more cases concluded in March, one of them with an exemption; an open
    # case with an exemption does not count
    used = make_case(
        department=market, status="concluded", submitted_at=at(d(2)), concluded_at=at(d(9))
    )
    make_case(department=market, status="concluded", submitted_at=at(d(2)), concluded_at=at(d(9)))
    still_open = make_case(department=market, status="in_progress", submitted_at=at(d(2)))
    for case in (used, still_open):
        for key in ("a", "b"):  # two exempt materials: still one case
            ExemptionUse.objects.create(
                case=case,
                item_code="X",
                item_name="食品经营许可",
                material_key=key,
                material_name="营业执照",
                licence=l1,
            )
    return mworld


def test_mobile_view_rate_by_hand(lworld):
    aggregate.rebuild(now=lworld.now)
    district = MonthlySnapshot.objects.get(month=MONTH, scope_kind="district")
    # valid at the end of March (now): L0, L1, L2; shown on a phone: L0, L1
    assert (district.licences_common, district.licences_common_mobile) == (3, 2)
    assert values("district")["licence_mobile_view_rate"] == ("ok", round(200 / 3, 1))
    assert values(f"department:{lworld.market.pk}")["licence_mobile_view_rate"] == (
        "ok",
        round(200 / 3, 1),
    )
    # civil affairs: its only licence was revoked
    assert values(f"department:{lworld.civil.pk}")["licence_mobile_view_rate"] == (
        "no_data",
        None,
    )
    # February: L0 existed but was first shown on a phone in March
    assert values("district", MONTH.replace(month=2))["licence_mobile_view_rate"] == (
        "ok",
        0.0,
    )
    item = values(f"item:{lworld.item_x.implementation_code}")
    assert item["licence_mobile_view_rate"] == ("not_applicable", None)


def test_free_usage_by_hand(lworld):
    aggregate.rebuild(now=lworld.now)
    row = MonthlyRollup.objects.get(month=MONTH, scope_kind="district")
    # the conftest world concludes 4 cases in March; two more here, one with exemptions
    assert (row.concluded, row.licence_free) == (6, 1)
    assert values("district")["licence_free_usage"] == ("ok", round(100 / 6, 1))


def test_refresh_agrees_with_rebuild_for_licence_counters(lworld):
    now = timezone.now()
    aggregate.refresh(now=now)  # first refresh: a rebuild
    # after it: a case is concluded with an exemption, a licence issued and shown on a phone
    common = LicenceType.objects.get(common=True)
    case = make_case(
        department=lworld.market,
        status="concluded",
        submitted_at=now - timedelta(days=1),
        concluded_at=now - timedelta(minutes=2),
    )
    fresh = licence(common, lworld.market, now - timedelta(minutes=3))
    view(fresh, "mobile", now - timedelta(minutes=1))
    ExemptionUse.objects.create(
        case=case,
        item_code="X",
        item_name="食品经营许可",
        material_key="a",
        material_name="营业执照",
        licence=fresh,
    )
    later = timezone.now()
    assert not aggregate.refresh(now=later).rebuilt
    incremental = dump()
    month = timezone.localdate(later).replace(day=1)
    district = MonthlyRollup.objects.get(month=month, scope_kind="district")
    assert district.licence_free >= 1
    snapshot = MonthlySnapshot.objects.get(month=month, scope_kind="district")
    assert snapshot.licences_common_mobile >= 1
    aggregate.rebuild(now=later)
    assert dump() == incremental
