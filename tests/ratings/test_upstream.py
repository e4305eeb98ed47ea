"""Upstream reporting through the outbox to a real local HTTP receiver: receiver down then
up — nothing lost, nothing duplicated; the reconciliation report shows what is pending."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time

from zhengwu.kernel.models import OutboxEndpoint, OutboxMessage
from zhengwu.kernel.outbox import deliver_due_messages
from zhengwu.ratings import selectors, services
from zhengwu.ratings.models import Rectification

pytestmark = pytest.mark.django_db

GBT_FIELDS = {
    "projectNo", "taskCode", "taskName", "pf", "raterId", "assessTime", "assessNumber",
    "alternate", "writingEvaluation", "areaCode",
}  # fmt: skip


def _endpoint(url: str) -> OutboxEndpoint:
    return OutboxEndpoint.objects.create(name="ratings-upstream", url=url, timeout_seconds=3)


def _traffic(rw) -> None:
    """Two ratings, one revision, and a bad review through verify and rectify."""
    window = f"{rw.centre.name}/1号窗口/A001"
    good = services.rate(
        by=rw.applicant, subject_type="window", subject_key=window, level=1, channel="4"
    )
    services.revise(by=rw.applicant, review_id=good.pk, level=2)
    bad = services.rate(
        by=rw.applicant, subject_type="case", subject_key=rw.case.number, level=5,
        channel="2", text="材料反复要求补交", tags=["多次跑动"],
    )  # fmt: skip
    rect = Rectification.objects.get(review=bad)
    services.verify(by=rw.market_handler, rectification_id=rect.pk, valid=True, evidence="属实")
    services.rectify(by=rw.market_handler, rectification_id=rect.pk, measures="m", reply="r")


def test_receiver_down_then_up_loses_nothing_and_duplicates_nothing(rw, http_receiver):
    _endpoint(http_receiver.url)
    _traffic(rw)
    expected = set(OutboxMessage.objects.values_list("idempotency_key", flat=True))
    assert len(expected) == 6  # 2 ratings + 1 revision + opened, verified, rectified

    http_receiver.always(503)  # upstream down
    assert deliver_due_messages() == {"retry": 6}
    pending = selectors.upstream_pending()
    assert {p["status"] for p in pending} == {"pending"} and len(pending) == 6
    assert all("503" in p["last_error"] for p in pending)
    assert all(p["review_id"] for p in pending)
    assert selectors.upstream_summary()["pending"] == 6

    http_receiver.always(200)  # upstream back
    with freeze_time(timezone.now() + timedelta(minutes=5)):  # past the back-off
        assert deliver_due_messages() == {"delivered": 6}
        assert deliver_due_messages() == {}  # nothing left, nothing resent
    assert selectors.upstream_pending() == []
    delivered = http_receiver.requests[6:]
    keys = [r.headers["Idempotency-Key"] for r in delivered]
    assert len(keys) == len(set(keys)) == 6 and set(keys) == expected
    first = next(r.json() for r in delivered if r.headers["X-Zhengwu-Topic"] == "rating.recorded")
    assert set(first) >= GBT_FIELDS


def test_payload_uses_gbt_39046_names_and_no_personal_identifiers(rw, http_receiver):
    _endpoint(http_receiver.url)
    review = services.rate(by=rw.applicant, subject_type="case", subject_key=rw.case.number,
                           level=4, channel="6", text="等了很久", tags=["超时未办结"])  # fmt: skip
    deliver_due_messages()
    bodies = {r.headers["X-Zhengwu-Topic"]: r.json() for r in http_receiver.requests}
    rating = bodies["rating.recorded"]
    assert rating["projectNo"] == rw.case.number and rating["pf"] == "6"
    assert rating["alternate"] == "4" and rating["assessNumber"] == 1
    assert rating["writingEvaluation"] == "等了很久" and rating["evaluationTags"] == ["超时未办结"]
    assert rating["raterId"] == str(rw.applicant.public_id) and rating["raterType"] == "1"
    assert rating["areaCode"] and rating["deptName"] == rw.market.name
    assert "13800138000" not in str(bodies)  # the rater's phone never leaves
    step = bodies["rectification.opened"]
    assert step["reviewId"] == review.pk and step["rectificationStatus"] == "verifying"


def test_a_rolled_back_rating_sends_nothing(rw):
    from zhengwu.kernel.errors import Conflict

    services.rate(by=rw.applicant, subject_type="case", subject_key=rw.case.number, level=2,
                  channel="1")  # fmt: skip
    before = OutboxMessage.objects.count()
    with pytest.raises(Conflict):
        services.rate(by=rw.applicant, subject_type="case", subject_key=rw.case.number, level=5,
                      channel="1")  # fmt: skip
    assert OutboxMessage.objects.count() == before


def test_reconciliation_command_lists_what_is_pending(rw):
    import json
    from io import StringIO

    from django.core.management import call_command

    services.rate(by=rw.applicant, subject_type="case", subject_key=rw.case.number, level=2,
                  channel="1")  # fmt: skip
    out = StringIO()
    call_command("ratings_upstream", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["summary"]["pending"] == 1
    assert data["items"][0]["project_no"] == rw.case.number
    out = StringIO()
    call_command("ratings_escalate", stdout=out)
    assert "escalated 0" in out.getvalue()
