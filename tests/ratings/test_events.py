"""The handlers declared in kernel/events.py: ``case.concluded`` invites the applicant to
rate; ``hotline.callback_recorded`` records the phone callback as the ticket's rating."""

from __future__ import annotations

import pytest

from tests.factories import make_staff
from zhengwu.cases.models import Message
from zhengwu.hotline import services as hotline_services
from zhengwu.kernel import events
from zhengwu.ratings import selectors
from zhengwu.ratings.models import Invitation, Rectification, Review

pytestmark = pytest.mark.django_db


def test_case_concluded_invites_the_applicant_and_agent_once(
    rw, django_capture_on_commit_callbacks
):
    case = rw.concluded_case(agent=rw.agent)
    for _ in range(2):  # a re-delivered event does not invite twice
        with django_capture_on_commit_callbacks(execute=True):
            events.emit("case.concluded", case_id=case.pk, number=case.number, decision="approve")
    assert Invitation.objects.filter(subject_type="case", subject_key=case.number).count() == 1
    invited = set(
        Message.objects.filter(case=case, title__contains="评价").values_list("user_id", flat=True)
    )
    assert invited == {rw.applicant.pk, rw.agent.pk}
    assert case.number in {c.number for c in selectors.rateable_cases(rw.applicant)}


@pytest.mark.parametrize(
    ("result", "level", "rectified"),
    [("satisfied", 2, False), ("basically", 3, False), ("not_satisfied", 4, True)],
)
def test_callback_becomes_the_tickets_phone_rating(
    rw, django_capture_on_commit_callbacks, result, level, rectified
):
    agent = make_staff(department=rw.centre, roles=["hotline_agent"], display_name="孙悦")
    with django_capture_on_commit_callbacks(execute=True):
        hotline_services.record_callback(ticket_id=rw.ticket.pk, by=agent, result=result)
    review = Review.objects.get(subject_type="ticket", subject_key=rw.ticket.number)
    assert (review.level, review.channel, review.rater_id) == (level, "6", rw.applicant.pk)
    assert Rectification.objects.filter(review=review, department=rw.housing).exists() == rectified


def test_unreached_caller_gives_no_rating_and_own_rating_wins(
    rw, django_capture_on_commit_callbacks
):
    agent = make_staff(department=rw.centre, roles=["hotline_agent"], display_name="孙悦")
    with django_capture_on_commit_callbacks(execute=True):
        hotline_services.record_callback(ticket_id=rw.ticket.pk, by=agent, result="unreachable")
    assert not Review.objects.exists()
    from zhengwu.ratings import services

    services.rate(by=rw.applicant, subject_type="ticket", subject_key=rw.ticket.number, level=1,
                  channel="2")  # fmt: skip
    events.run_handler(
        "zhengwu.ratings.services.on_hotline_callback_recorded",
        "hotline.callback_recorded",
        {"ticket_id": rw.ticket.pk, "number": rw.ticket.number, "result": "not_satisfied"},
    )
    assert list(Review.objects.values_list("level", "channel")) == [(1, "2")]


def test_anonymous_callers_callback_is_rated_without_a_rater(rw):
    ticket = rw.closed_ticket(caller=None)
    payload = {"ticket_id": ticket.pk, "number": ticket.number, "result": "not_satisfied"}
    for _ in range(2):
        events.run_handler(
            "zhengwu.ratings.services.on_hotline_callback_recorded", "x", dict(payload)
        )
    review = Review.objects.get(subject_key=ticket.number)
    assert review.rater_id is None and review.rectification.status == "verifying"
