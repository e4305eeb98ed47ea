"""Every path of the rectification flow: verify → rectify/explain (reply) → revisit → closed;
invalid decisions approved or rejected by a supervisor; steps out of order, the wrong
department and bad input refused with nothing changed."""

from __future__ import annotations

import pytest

from zhengwu.cases.models import Message
from zhengwu.kernel.errors import Conflict, InvalidInput, NotAllowed, NotFound
from zhengwu.kernel.models import AuditEntry, OutboxMessage
from zhengwu.ratings import services
from zhengwu.ratings.models import LimitSetting, Rectification

pytestmark = pytest.mark.django_db


def _bad(rw, level=5):
    review = services.rate(
        by=rw.applicant, subject_type="case", subject_key=rw.case.number, level=level,
        channel="1", text="指南上没有的材料也要我交", tags=["指南外增加材料"],
    )  # fmt: skip
    return Rectification.objects.get(review=review)


def _kinds(rect):
    return list(rect.events.order_by("at", "id").values_list("kind", flat=True))


def test_valid_review_is_rectified_replied_and_revisited(rw):
    rect = _bad(rw)
    rect = services.verify(by=rw.market_handler, rectification_id=rect.pk, valid=True,
                           evidence="调阅窗口录像，确有要求额外材料")  # fmt: skip
    assert rect.status == "rectifying" and rect.valid is True and rect.rectify_due is not None
    rect = services.rectify(
        by=rw.market_handler, rectification_id=rect.pk,
        measures="对窗口人员进行一次性告知培训", reply="已整改，今后按指南收取材料",
    )  # fmt: skip
    assert rect.status == "revisiting" and rect.replied_at and rect.revisit_due
    # The reply reaches the applicant through the cases' messaging.
    assert Message.objects.filter(user=rw.applicant, body="已整改，今后按指南收取材料").exists()
    rect = services.revisit(by=rw.market_handler, rectification_id=rect.pk, satisfied=True,
                            note="电话回访，群众表示满意")  # fmt: skip
    assert rect.status == "closed" and rect.closed_at and rect.revisit_satisfied is True
    assert _kinds(rect) == ["opened", "verified_valid", "rectified", "revisited"]
    actions = set(
        AuditEntry.objects.filter(
            object_type="ratings.rectification", object_id=str(rect.pk)
        ).values_list("action", flat=True)
    )
    assert actions == {
        "rectification.opened", "rectification.verified", "rectification.rectified",
        "rectification.revisited",
    }  # fmt: skip
    topics = list(
        OutboxMessage.objects.filter(topic__startswith="rectification.")
        .order_by("id").values_list("topic", flat=True)
    )  # fmt: skip
    assert topics == [
        "rectification.opened", "rectification.verified", "rectification.rectified",
        "rectification.revisited",
    ]  # fmt: skip


def test_valid_review_with_nothing_to_fix_is_explained(rw):
    rect = _bad(rw, level=4)
    services.verify(by=rw.market_head, rectification_id=rect.pk, valid=True, evidence="属实")
    rect = services.explain(
        by=rw.market_head, rectification_id=rect.pk,
        explanation="该材料为法定要求", reply="依据《食品经营许可管理办法》须提交该材料",
    )  # fmt: skip
    assert rect.status == "revisiting" and rect.explanation and not rect.measures
    rect = services.revisit(by=rw.supervisor, rectification_id=rect.pk, satisfied=False,
                            note="群众仍不满意，已记录")  # fmt: skip
    assert rect.status == "closed" and rect.revisit_satisfied is False
    assert _kinds(rect) == ["opened", "verified_valid", "explained", "revisited"]


def test_invalid_decision_approved_by_a_supervisor_closes_it(rw):
    rect = _bad(rw)
    rect = services.verify(by=rw.market_handler, rectification_id=rect.pk, valid=False,
                           evidence="评价人非本办件申请人提交的恶意评价")  # fmt: skip
    assert rect.status == "invalid_pending"
    with pytest.raises(NotAllowed):  # the department itself may not approve it
        services.decide_invalid(by=rw.market_head, rectification_id=rect.pk, approve=True)
    rect = services.decide_invalid(by=rw.supervisor, rectification_id=rect.pk, approve=True,
                                   note="同意")  # fmt: skip
    assert rect.status == "closed_invalid" and rect.closed_at and rect.valid is False
    assert _kinds(rect) == ["opened", "verified_invalid", "invalid_approved"]


def test_rejected_invalid_decision_goes_back_to_verification(rw):
    rect = _bad(rw)
    services.verify(by=rw.market_handler, rectification_id=rect.pk, valid=False, evidence="无效")
    with pytest.raises(InvalidInput) as exc:  # a rejection needs its reason
        services.decide_invalid(by=rw.supervisor, rectification_id=rect.pk, approve=False)
    assert exc.value.field == "note"
    rect = services.decide_invalid(by=rw.supervisor, rectification_id=rect.pk, approve=False,
                                   note="证据不足，请重新核实")  # fmt: skip
    assert rect.status == "verifying" and rect.valid is None
    rect = services.verify(by=rw.market_handler, rectification_id=rect.pk, valid=True,
                           evidence="重新核实属实")  # fmt: skip
    assert rect.status == "rectifying"


def test_a_supervisor_may_not_approve_their_own_invalid_proposal(rw):
    rect = _bad(rw)
    services.verify(by=rw.supervisor, rectification_id=rect.pk, valid=False, evidence="无效")
    with pytest.raises(NotAllowed):
        services.decide_invalid(by=rw.supervisor, rectification_id=rect.pk, approve=True)
    services.decide_invalid(by=rw.supervisor2, rectification_id=rect.pk, approve=True)
    assert Rectification.objects.get(pk=rect.pk).status == "closed_invalid"


@pytest.mark.parametrize("step", ["rectify", "explain", "revisit", "decide_invalid"])
def test_steps_out_of_order_are_conflicts(rw, step):
    rect = _bad(rw)
    calls = {
        "rectify": lambda: services.rectify(by=rw.market_handler, rectification_id=rect.pk,
                                            measures="m", reply="r"),
        "explain": lambda: services.explain(by=rw.market_handler, rectification_id=rect.pk,
                                            explanation="e", reply="r"),
        "revisit": lambda: services.revisit(by=rw.market_handler, rectification_id=rect.pk,
                                            satisfied=True, note="n"),
        "decide_invalid": lambda: services.decide_invalid(by=rw.supervisor,
                                                          rectification_id=rect.pk, approve=True),
    }  # fmt: skip
    with pytest.raises(Conflict) as exc:
        calls[step]()
    assert exc.value.code == "wrong_state"
    rect.refresh_from_db()
    assert rect.status == "verifying" and _kinds(rect) == ["opened"]


def test_closing_a_bad_review_without_the_revisit_is_impossible(rw):
    rect = _bad(rw)
    services.verify(by=rw.market_handler, rectification_id=rect.pk, valid=True, evidence="属实")
    with pytest.raises(Conflict):  # rectifying: the revisit needs the rectification first
        services.revisit(by=rw.market_handler, rectification_id=rect.pk, satisfied=True, note="n")
    with pytest.raises(Conflict):  # valid reviews cannot be closed as invalid either
        services.decide_invalid(by=rw.supervisor, rectification_id=rect.pk, approve=True)
    services.rectify(by=rw.market_handler, rectification_id=rect.pk, measures="m", reply="r")
    with pytest.raises(Conflict):  # verify again / rectify again
        services.verify(by=rw.market_handler, rectification_id=rect.pk, valid=True, evidence="x")
    with pytest.raises(Conflict):
        services.rectify(by=rw.market_handler, rectification_id=rect.pk, measures="m", reply="r")
    rect.refresh_from_db()
    assert rect.status == "revisiting" and rect.closed_at is None
    services.revisit(by=rw.market_handler, rectification_id=rect.pk, satisfied=True, note="好")
    with pytest.raises(Conflict):
        services.revisit(by=rw.market_handler, rectification_id=rect.pk, satisfied=True, note="n")


def test_another_departments_staff_and_citizens_cannot_see_it(rw):
    rect = _bad(rw)
    for outsider in (rw.housing_handler, rw.applicant, rw.stranger):
        with pytest.raises(NotFound):
            services.verify(by=outsider, rectification_id=rect.pk, valid=True, evidence="x")
    with pytest.raises(NotFound):
        services.verify(by=rw.market_handler, rectification_id=999999, valid=True, evidence="x")
    rect.refresh_from_db()
    assert rect.status == "verifying" and rect.verified_at is None


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda rw, pk: services.verify(by=rw.market_handler, rectification_id=pk, valid=True,
                                        evidence="  "), "evidence"),
        (lambda rw, pk: services.verify(by=rw.market_handler, rectification_id=pk, valid="yes",
                                        evidence="x"), "valid"),
        (lambda rw, pk: services.verify(by=rw.market_handler, rectification_id=pk, valid=True,
                                        evidence="x" * 2001), "evidence"),
    ],
)  # fmt: skip
def test_bad_step_input_names_the_field(rw, call, field):
    rect = _bad(rw)
    with pytest.raises(InvalidInput) as exc:
        call(rw, rect.pk)
    assert exc.value.field == field
    rect.refresh_from_db()
    assert rect.status == "verifying" and _kinds(rect) == ["opened"]


def test_rectify_and_revisit_need_their_texts(rw):
    rect = _bad(rw)
    services.verify(by=rw.market_handler, rectification_id=rect.pk, valid=True, evidence="属实")
    with pytest.raises(InvalidInput) as exc:
        services.rectify(by=rw.market_handler, rectification_id=rect.pk, measures="m", reply="")
    assert exc.value.field == "reply"
    services.rectify(by=rw.market_handler, rectification_id=rect.pk, measures="m", reply="r")
    with pytest.raises(InvalidInput) as exc:
        services.revisit(by=rw.market_handler, rectification_id=rect.pk, satisfied=True, note="")
    assert exc.value.field == "note"
    assert Rectification.objects.get(pk=rect.pk).status == "revisiting"


def test_department_limits_override_the_global_ones(rw):
    LimitSetting.objects.create(department=None, verify_days=2, rectify_days=10, revisit_days=5)
    LimitSetting.objects.create(department=rw.market, verify_days=3, rectify_days=5, revisit_days=1)
    from zhengwu.ratings.limits import limits_for

    assert limits_for(rw.market.pk).verify_days == 3
    assert limits_for(rw.housing.pk).verify_days == 2
    LimitSetting.objects.all().delete()
    assert (limits_for(rw.housing.pk).verify_days, limits_for(None).rectify_days) == (1, 15)
