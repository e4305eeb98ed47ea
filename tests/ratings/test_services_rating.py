"""Rating and revising: who may rate what, once, and every kind of bad input refused with
the field named and nothing written."""

from __future__ import annotations

import pytest

from zhengwu.kernel.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from zhengwu.kernel.models import AuditEntry, OutboxMessage
from zhengwu.ratings import services
from zhengwu.ratings.models import Rectification, Review

pytestmark = pytest.mark.django_db


def _rate(rw, by=None, **kw):
    args = {
        "by": by or rw.applicant,
        "subject_type": "case",
        "subject_key": rw.case.number,
        "level": 2,
        "channel": "2",
    }
    args.update(kw)
    return services.rate(**args)


def _nothing_written() -> None:
    assert Review.objects.count() == 0
    assert Rectification.objects.count() == 0
    assert not OutboxMessage.objects.filter(endpoint="ratings-upstream").exists()


def test_applicant_rates_a_concluded_case_with_traceable_fields(rw):
    review = _rate(rw, level=1, text="很快，窗口很耐心")
    assert review.subject_type == "case" and review.case_id == rw.case.pk
    assert review.department_id == rw.market.pk
    assert review.item_name == rw.case.item_name and review.item_code == rw.case.implementation_code
    assert review.venue == rw.centre.name and review.staff_id == rw.clerk.pk
    assert (review.level, review.channel, review.count, review.is_bad) == (1, "2", 1, False)
    assert not Rectification.objects.exists()
    assert AuditEntry.objects.filter(action="rating.recorded", object_id=str(review.pk)).exists()
    message = OutboxMessage.objects.get(endpoint="ratings-upstream")
    assert message.payload["projectNo"] == rw.case.number
    assert message.payload["alternate"] == "1" and message.payload["assessNumber"] == 1


def test_bad_review_opens_a_rectification_at_the_handling_department(rw):
    review = _rate(rw, level=5, text="让我跑了三次", tags=["多次跑动", "态度不好"])
    rect = review.rectification
    assert review.is_bad and review.tags == ["多次跑动", "态度不好"]
    assert rect.department_id == rw.market.pk and rect.status == "verifying"
    assert rect.verify_due > rect.opened_at
    assert list(rect.events.values_list("kind", flat=True)) == ["opened"]
    topics = set(OutboxMessage.objects.values_list("topic", flat=True))
    assert topics == {"rating.recorded", "rectification.opened"}


def test_agent_may_rate_the_case_they_filed(rw):
    case = rw.concluded_case(agent=rw.agent)
    review = _rate(rw, by=rw.agent, subject_key=case.number)
    assert review.rater_id == rw.agent.pk


def test_rating_twice_is_a_conflict_and_changes_nothing(rw):
    first = _rate(rw, level=2)
    with pytest.raises(Conflict) as exc:
        _rate(rw, level=5)
    assert exc.value.code == "already_rated"
    first.refresh_from_db()
    assert first.level == 2 and Review.objects.count() == 1
    assert not Rectification.objects.exists()


def test_someone_elses_case_does_not_exist_for_the_rater(rw):
    with pytest.raises(NotFound) as exc:
        _rate(rw, by=rw.stranger)
    assert exc.value.field == "subject_key"
    with pytest.raises(NotFound):
        _rate(rw, subject_key="BQ-NO-SUCH-CASE")
    _nothing_written()


def test_a_case_not_yet_concluded_cannot_be_rated(rw):
    case = rw.concluded_case(status="in_progress")
    with pytest.raises(Conflict) as exc:
        _rate(rw, subject_key=case.number)
    assert exc.value.code == "not_concluded"
    _nothing_written()


def test_anonymous_cannot_rate(rw):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(Unauthenticated):
        _rate(rw, by=AnonymousUser())
    _nothing_written()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"level": 0}, "level"),
        ({"level": 6}, "level"),
        ({"level": "x"}, "level"),
        ({"level": True}, "level"),
        ({"level": None}, "level"),
        ({"channel": "8"}, "channel"),
        ({"channel": ""}, "channel"),
        ({"text": "慢" * 501}, "text"),
        ({"level": 5, "tags": ["不存在的标签"]}, "tags"),
        ({"level": 5, "tags": "多次跑动"}, "tags"),
        ({"level": 1, "tags": ["多次跑动"]}, "tags"),
        ({"subject_type": "shop"}, "subject_type"),
        ({"subject_type": "window", "subject_key": "only-one-part"}, "subject_key"),
        ({"subject_type": "window", "subject_key": "无此大厅/3号窗口/A001"}, "subject_key"),
    ],
)
def test_bad_input_names_the_field_in_both_languages(rw, changes, field):
    with pytest.raises(InvalidInput) as exc:
        _rate(rw, **changes)
    assert exc.value.field == field
    assert exc.value.message and exc.value.message_en and exc.value.message != exc.value.message_en
    _nothing_written()


def test_text_of_exactly_500_characters_is_accepted(rw):
    assert len(_rate(rw, text="好" * 500).text) == 500


def test_revise_once_then_never_again(rw):
    review = _rate(rw, level=3)
    revised = services.revise(by=rw.applicant, review_id=review.pk, level=1, text="后来补办很顺利")
    assert (revised.level, revised.count, revised.revised_at is not None) == (1, 2, True)
    keys = set(OutboxMessage.objects.values_list("idempotency_key", flat=True))
    assert keys == {f"ratings:review:{review.pk}:1", f"ratings:review:{review.pk}:2"}
    with pytest.raises(Conflict) as exc:
        services.revise(by=rw.applicant, review_id=review.pk, level=5)
    assert exc.value.code == "already_revised"
    review.refresh_from_db()
    assert review.level == 1 and not Rectification.objects.exists()


def test_revising_into_a_bad_review_opens_the_rectification(rw):
    review = _rate(rw, level=2)
    services.revise(by=rw.applicant, review_id=review.pk, level=4, tags=["系统故障"])
    assert Rectification.objects.get(review=review).status == "verifying"


def test_revising_a_bad_review_keeps_its_rectification_and_notes_it(rw):
    review = _rate(rw, level=5)
    services.revise(by=rw.applicant, review_id=review.pk, level=3)
    rect = Rectification.objects.get(review=review)
    assert rect.status == "verifying"
    assert list(rect.events.values_list("kind", flat=True)) == ["opened", "revised"]


def test_revising_someone_elses_review_is_not_found(rw):
    review = _rate(rw, level=2)
    with pytest.raises(NotFound):
        services.revise(by=rw.stranger, review_id=review.pk, level=5)
    with pytest.raises(InvalidInput):
        services.revise(by=rw.applicant, review_id=review.pk, level=9)
    review.refresh_from_db()
    assert review.level == 2 and review.count == 1


def test_caller_rates_their_closed_ticket_and_only_theirs(rw):
    review = _rate(rw, subject_type="ticket", subject_key=rw.ticket.number, level=4)
    assert review.ticket_id == rw.ticket.pk
    assert review.rectification.department_id == rw.housing.pk  # the lead department
    open_ticket = rw.closed_ticket(caller=rw.applicant, status="handling")
    with pytest.raises(Conflict):
        _rate(rw, subject_type="ticket", subject_key=open_ticket.number)
    with pytest.raises(NotFound):
        _rate(rw, by=rw.stranger, subject_type="ticket", subject_key=rw.ticket.number)


def test_window_visit_is_rated_by_any_signed_in_user_once(rw):
    key = f"{rw.centre.name}/3号窗口/A017"
    review = _rate(rw, by=rw.stranger, subject_type="window", subject_key=key, level=5)
    assert (review.venue, review.window, review.department_id) == (
        rw.centre.name,
        "3号窗口",
        rw.centre.pk,
    )
    assert review.rectification.department_id == rw.centre.pk
    _rate(rw, by=rw.applicant, subject_type="window", subject_key=key, level=1)  # another rater
    with pytest.raises(Conflict):
        _rate(rw, by=rw.stranger, subject_type="window", subject_key=key, level=1)


def test_online_service_of_an_unknown_item_is_not_found(rw):
    with pytest.raises(NotFound) as exc:
        _rate(rw, subject_type="online", subject_key="NO-SUCH-ITEM-CODE")
    assert exc.value.field == "subject_key"
    _nothing_written()


def test_online_service_of_a_published_item_is_traceable_to_its_department(rw):
    from tests.cases.conftest import _catalog_subset
    from zhengwu.catalog.io import import_catalog
    from zhengwu.catalog.models import ItemVersion
    from zhengwu.kernel.actors import SYSTEM

    import_catalog(_catalog_subset({"食品经营许可"}, set()), actor=SYSTEM)
    version = ItemVersion.objects.get(name="食品经营许可", status="published")
    review = _rate(rw, subject_type="online", subject_key=version.implementation_code.lower(),
                   level=4, tags=["系统故障"])  # fmt: skip
    assert review.subject_key == version.implementation_code  # normalised
    assert (review.item_code, review.item_name) == (version.implementation_code, version.name)
    assert review.rectification.department_id == version.department_id


def test_rating_costs_a_bounded_number_of_statements(rw, django_assert_max_num_queries):
    case = rw.concluded_case()
    with django_assert_max_num_queries(38):  # 2 audit entries, 2 outbox messages, calendar
        _rate(rw, subject_key=case.number, level=5, tags=["多次跑动"])
