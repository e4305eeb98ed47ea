"""Selectors: what each viewer sees, 三个100%, public satisfaction and rater masking."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from tests.factories import make_staff
from zhengwu.kernel.errors import NotFound
from zhengwu.ratings import policies, selectors, services
from zhengwu.ratings.models import Rectification

pytestmark = pytest.mark.django_db
CST = ZoneInfo("Asia/Shanghai")


def _rate(rw, by, key, level, subject_type="case"):
    return services.rate(by=by, subject_type=subject_type, subject_key=key, level=level,
                         channel="1")  # fmt: skip


def test_rateable_cases_are_own_concluded_unrated_ones(rw):
    open_case = rw.concluded_case(status="in_progress")
    others = rw.concluded_case(applicant=rw.stranger)
    second = rw.concluded_case()
    rows = selectors.rateable_cases(rw.applicant)
    numbers = {r.number for r in rows}
    assert numbers == {rw.case.number, second.number}
    assert open_case.number not in numbers and others.number not in numbers
    row = next(r for r in rows if r.number == rw.case.number)
    assert (row.item_name, row.department_name) == (rw.case.item_name, rw.market.name)
    assert row.concluded_at is not None
    _rate(rw, rw.applicant, rw.case.number, 2)
    assert {r.number for r in selectors.rateable_cases(rw.applicant)} == {second.number}
    assert selectors.review_for(rw.applicant, "case", rw.case.number).level == 2
    assert selectors.review_for(rw.stranger, "case", rw.case.number) is None
    assert selectors.reviews_of(rw.stranger).count() == 0


def test_rectifications_are_visible_to_their_department_and_overseers(rw):
    _rate(rw, rw.applicant, rw.case.number, 5)
    _rate(rw, rw.applicant, rw.ticket.number, 4, "ticket")
    market = selectors.rectifications_for(rw.market_handler)
    assert {r.department_id for r in market} == {rw.market.pk}
    assert selectors.rectifications_for(rw.supervisor).count() == 2
    assert selectors.rectifications_for(rw.applicant).count() == 0
    assert selectors.rectifications_for(rw.supervisor, "closed").count() == 0
    ticket_rect = Rectification.objects.get(department=rw.housing)
    with pytest.raises(NotFound):
        selectors.rectification_for(rw.market_handler, ticket_rect.pk)
    with pytest.raises(NotFound):
        selectors.rectification_for(rw.market_handler, "abc")
    assert selectors.rectification_for(rw.housing_handler, ticket_rect.pk) == ticket_rect


def test_three_100_counts_and_lists_the_late_ones(rw):
    with freeze_time("2025-03-03 09:00:00+08:00"):  # a Monday
        cases = [rw.concluded_case() for _ in range(4)]
        rects = [
            Rectification.objects.get(review=_rate(rw, rw.applicant, c.number, 5)) for c in cases
        ]
        # 0: closed all the way; 1: verified valid, not rectified; 2: invalid approved;
        # 3: never verified.
        services.verify(by=rw.market_handler, rectification_id=rects[0].pk, valid=True,
                        evidence="x")  # fmt: skip
        services.rectify(by=rw.market_handler, rectification_id=rects[0].pk, measures="m",
                         reply="r")  # fmt: skip
        services.revisit(by=rw.market_handler, rectification_id=rects[0].pk, satisfied=True,
                         note="n")  # fmt: skip
        services.verify(by=rw.market_handler, rectification_id=rects[1].pk, valid=True,
                        evidence="x")  # fmt: skip
        services.verify(by=rw.market_handler, rectification_id=rects[2].pk, valid=False,
                        evidence="x")  # fmt: skip
        services.decide_invalid(by=rw.supervisor, rectification_id=rects[2].pk, approve=True)
    # Next day: only the unverified one is late (verify limit 1 working day).
    [row] = selectors.three_100(rw.market.pk, now=datetime(2025, 3, 5, 9, tzinfo=CST))
    assert (row["bad"], row["verified"], row["valid"], row["rectified"], row["revisited"]) == (
        4, 3, 2, 1, 1,
    )  # fmt: skip
    assert row["verified_rate"] == 0.75 and row["rectified_rate"] == 1.0
    assert row["revisited_rate"] == 1.0 and row["breaking"] == [rects[3].pk]
    # A month later the valid, unrectified one is late too (15 working days).
    [row] = selectors.three_100(rw.market.pk, now=datetime(2025, 4, 30, 9, tzinfo=CST))
    assert row["rectified_rate"] == 0.5 and row["breaking"] == [rects[1].pk, rects[3].pk]
    assert selectors.three_100(rw.housing.pk) == []


def test_public_satisfaction_aggregates_only(rw):
    second = rw.concluded_case(applicant=rw.stranger)
    _rate(rw, rw.applicant, rw.case.number, 1)
    _rate(rw, rw.stranger, second.number, 5)
    _rate(rw, rw.applicant, rw.ticket.number, 3, "ticket")
    data = selectors.public_satisfaction()
    by_dept = {d["name"]: d for d in data["departments"]}
    assert by_dept[rw.market.name] == {
        "id": rw.market.pk, "name": rw.market.name, "count": 2, "satisfied": 1, "rate": 50.0,
    }  # fmt: skip
    assert by_dept[rw.housing.name]["rate"] == 100.0
    [item] = [i for i in data["items"] if i["name"] == rw.case.item_name and i["count"] == 1][:1]
    assert set(item) == {"code", "name", "count", "satisfied", "rate"}
    assert "张伟" not in str(data) and "13800138000" not in str(data)


def test_rater_is_masked_by_role(rw):
    review = _rate(rw, rw.applicant, rw.case.number, 5)
    agent = make_staff(department=rw.market, roles=["hotline_agent"], display_name="孙悦")
    full = selectors.rater_view(rw.supervisor, review)
    assert full == {"name": "张伟", "phone": "13800138000"}
    masked = selectors.rater_view(agent, review)
    assert masked["name"] != "张伟" and masked["phone"] != "13800138000"
    assert masked["phone"].startswith("138") and "*" in masked["phone"]
    assert selectors.rater_view(rw.applicant, review) == full  # themself
    assert policies.rater_label(agent, None) == "匿名(电话回访)"
