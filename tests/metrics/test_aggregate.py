"""The incremental refresh agrees with the rebuild on generated data, and only recomputes
what changed."""

from __future__ import annotations

import io
import random
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.metrics.conftest import make_case, make_review, make_ticket
from zhengwu.cases.models import Case, CaseMaterial, Delivery
from zhengwu.hotline.models import Callback, Ticket
from zhengwu.metrics import aggregate
from zhengwu.metrics.models import DailyAggregate, MonthlyRollup, MonthlySnapshot, RefreshState
from zhengwu.ratings.models import Rectification, Review


def dump() -> dict[str, set[tuple]]:
    def rows(model, exclude=("id", "refreshed_at")):
        names = [f.name for f in model._meta.fields if f.name not in exclude]
        return {tuple(r) for r in model.objects.values_list(*names)}

    return {
        "daily": rows(DailyAggregate),
        "rollup": rows(MonthlyRollup),
        "snapshot": rows(MonthlySnapshot),
    }


def generate(world, rng: random.Random, now, n: int = 60) -> None:
    depts = [world.market, world.civil, world.street_office]
    codes = [world.item_x.implementation_code, world.item_y.implementation_code, ""]
    for _ in range(n):
        submitted = now - timedelta(days=rng.randint(1, 70), hours=rng.randint(0, 23))
        status = rng.choice(["concluded", "concluded", "in_progress", "not_accepted"])
        concluded = (
            submitted + timedelta(days=rng.randint(0, 9)) if status != "in_progress" else None
        )
        if concluded and concluded > now:
            concluded = now - timedelta(minutes=1)
        case = make_case(
            department=rng.choice(depts),
            receiving_department=rng.choice([None, world.street_office]),
            implementation_code=rng.choice(codes),
            channel=rng.choice(["portal", "window", "api", "post", "kiosk"]),
            status=status,
            submitted_at=submitted,
            concluded_at=concluded,
            promised_due=(submitted + timedelta(days=rng.randint(0, 8))).date(),
        )
        if rng.random() < 0.3:
            CaseMaterial.objects.create(case=case, key="m", name="材料", source="paper")
        if concluded:
            Delivery.objects.create(case=case, method=rng.choice(["window", "post", "download"]))
    for _ in range(n // 2):
        review = make_review(
            level=rng.randint(1, 5),
            department=rng.choice(depts),
            item_code=rng.choice(codes),
            street_code=rng.choice(["", world.street.code]),
            rated_at=now - timedelta(days=rng.randint(0, 70)),
        )
        if review.level >= 4:
            Rectification.objects.create(
                review=review,
                department=review.department,
                opened_at=review.rated_at,
                verify_due=review.rated_at + timedelta(days=1),
                status=rng.choice(["verifying", "closed", "closed_invalid", "revisiting"]),
            )
    for _ in range(n // 3):
        ticket = make_ticket(
            department=rng.choice(depts),
            street=rng.choice([None, world.street]),
            received_at=now - timedelta(days=rng.randint(0, 70)),
            status=rng.choice(["closed", "handling"]),
            closed_on_time=rng.choice([True, False]),
        )
        if ticket.status == "closed":
            Callback.objects.create(
                ticket=ticket,
                round=1,
                at=ticket.received_at,
                result=rng.choice(["satisfied", "basically", "not_satisfied", "unreachable"]),
                by=world.staff,
            )


def mutate(world, rng: random.Random, now) -> None:
    """Changes after the first refresh: conclusions, new reviews, rectification steps, a
    revised review, tickets closed and called back."""
    for case in Case.objects.filter(status="in_progress").order_by("id")[:5]:
        case.status = "concluded"
        case.concluded_at = now - timedelta(minutes=2)
        case.save()
        Delivery.objects.create(case=case, method="download")
    generate(world, rng, now, n=12)
    for rect in Rectification.objects.filter(status="verifying")[:3]:
        rect.status = "closed"
        rect.save()
    review = Rectification.objects.filter(status="closed").first().review
    review.level = 2
    review.save()
    for ticket in Ticket.objects.filter(status="handling")[:3]:
        ticket.status = "closed"
        ticket.save()
        Callback.objects.create(
            ticket=ticket,
            round=2,
            at=now - timedelta(minutes=1),
            result="satisfied",
            by=world.staff,
        )


def test_incremental_refresh_agrees_with_rebuild(mworld):
    rng = random.Random(20260320)
    start = timezone.now()
    generate(mworld, rng, start)
    first = aggregate.refresh(now=timezone.now())
    assert first.rebuilt  # no state yet: the first refresh is a rebuild
    mutate(mworld, rng, timezone.now())
    later = timezone.now()
    result = aggregate.refresh(now=later)
    assert not result.rebuilt
    incremental = dump()
    assert incremental["daily"] and incremental["rollup"] and incremental["snapshot"]
    call_command("metrics_rebuild", stdout=io.StringIO())  # the command works
    aggregate.rebuild(now=later)
    assert dump() == incremental


def test_refresh_recomputes_only_changed_days_and_is_idempotent(mworld):
    now = timezone.now()
    # the world was written "an hour ago": outside the refresh's look-back overlap
    for model in (Case, Ticket, Rectification, Review):
        model.objects.update(updated_at=now - timedelta(hours=1))
    aggregate.rebuild(now=now)
    before = dump()
    again = aggregate.refresh(now=timezone.now())
    # nothing changed since the rebuild apart from the overlap window: same rows
    assert dump() == before
    new = make_review(level=5, department=mworld.market, rated_at=now - timedelta(days=40))
    result = aggregate.refresh(now=timezone.now())
    assert timezone.localtime(new.rated_at).date() in result.days
    assert len(result.days) < 10
    assert again.daily_rows <= len(before["daily"])


def test_open_case_becomes_overdue_without_changing(mworld):
    now = timezone.now()
    today = timezone.localdate()
    case = make_case(
        department=mworld.market,
        status="in_progress",
        submitted_at=now - timedelta(days=3),
        promised_due=today,
    )
    aggregate.rebuild(now=now)
    submitted_month = timezone.localtime(case.submitted_at).date().replace(day=1)
    district = MonthlyRollup.objects.get(month=submitted_month, scope_kind="district")
    assert district.open_overdue == 0
    tomorrow = now + timedelta(days=1)
    aggregate.refresh(now=tomorrow)
    district = MonthlyRollup.objects.get(month=submitted_month, scope_kind="district")
    assert district.open_overdue == 1
    assert Case.objects.get(pk=case.pk).updated_at < tomorrow
    incremental = dump()
    aggregate.rebuild(now=tomorrow)
    assert dump() == incremental


@pytest.mark.django_db
def test_empty_database_rebuild_and_refresh():
    result = aggregate.refresh()
    assert result.rebuilt
    assert MonthlySnapshot.objects.filter(scope_kind="district").count() >= 1
    assert aggregate.refresh().rebuilt is False


@pytest.mark.django_db
def test_periodic_task_runs_the_refresh():
    from zhengwu.metrics.tasks import refresh_aggregates

    first = refresh_aggregates.enqueue()
    assert first.return_value["rebuilt"] is True
    second = refresh_aggregates.enqueue()
    assert second.return_value["rebuilt"] is False
    assert RefreshState.objects.get().watermark is not None
