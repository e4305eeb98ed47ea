"""Working days and deadlines: real 2025/2026 schedules, suspensions, provisional years."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
from django.core.management import call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from zhengwu.kernel import events
from zhengwu.kernel.errors import InvalidInput
from zhengwu.kernel.models import CalendarYear, CalendarYearSource, HolidayCalendar
from zhengwu.kernel.workdays import (
    Calendar,
    TimeUnit,
    add_natural_days,
    add_working_days,
    calendar_warnings,
    current_calendar,
    deadline,
    fixed_date_holidays,
    is_working_day,
    merge_suspensions,
    package_years,
    seed_from_package,
    working_days_between,
)

PACKAGE = Calendar.from_package()
LAST_PACKAGE_YEAR = package_years()[-1]
D = date


def naive_add(start: date, n: int) -> date:
    """Oracle: walk day by day with the chinese-calendar package's own is_workday."""
    day, counted = start, 0
    while counted < n:
        day += timedelta(days=1)
        counted += chinese_calendar.is_workday(day)
    return day


# --- the real schedules ----------------------------------------------------------------------
class TestRealSchedules:
    def test_2025_spring_festival(self):
        for offset in range(8):  # 1/28 … 2/4 off
            assert not PACKAGE.is_working_day(D(2025, 1, 28) + timedelta(days=offset))
        assert PACKAGE.is_working_day(D(2025, 1, 26))  # Sunday, adjusted working day
        assert PACKAGE.is_working_day(D(2025, 2, 8))  # Saturday, adjusted working day
        assert PACKAGE.is_working_day(D(2025, 2, 5))
        assert not PACKAGE.is_working_day(D(2025, 2, 9))  # an ordinary Sunday

    def test_2025_national_day(self):
        for offset in range(8):  # 10/1 … 10/8 off
            assert not PACKAGE.is_working_day(D(2025, 10, 1) + timedelta(days=offset))
        assert PACKAGE.is_working_day(D(2025, 9, 28))  # Sunday
        assert PACKAGE.is_working_day(D(2025, 10, 11))  # Saturday
        assert PACKAGE.is_working_day(D(2025, 10, 9))

    def test_2026_schedule(self):
        assert not PACKAGE.is_working_day(D(2026, 1, 2))  # bridge day after 元旦
        assert PACKAGE.is_working_day(D(2026, 1, 4))  # Sunday worked
        assert not PACKAGE.is_working_day(D(2026, 2, 23))  # Spring Festival bridge Monday
        assert PACKAGE.is_working_day(D(2026, 2, 28))  # Saturday worked

    def test_next_working_day_across_national_day(self):
        assert add_working_days(D(2025, 9, 30), 1, calendar=PACKAGE) == D(2025, 10, 9)
        # Friday → the adjusted working Sunday 9/28.
        assert add_working_days(D(2025, 9, 26), 1, calendar=PACKAGE) == D(2025, 9, 28)

    def test_across_spring_festival(self):
        # Fri 1/24 → Sun 1/26 (worked), Mon 1/27, then nothing until Wed 2/5.
        assert add_working_days(D(2025, 1, 24), 3, calendar=PACKAGE) == D(2025, 2, 5)

    def test_n_zero_returns_start_even_on_a_holiday(self):
        assert add_working_days(D(2025, 10, 3), 0, calendar=PACKAGE) == D(2025, 10, 3)
        assert deadline(D(2025, 10, 3), 0, calendar=PACKAGE).due == D(2025, 10, 3)

    def test_start_never_counts(self):
        monday = D(2025, 3, 3)
        assert add_working_days(monday, 1, calendar=PACKAGE) == D(2025, 3, 4)
        saturday = D(2025, 3, 8)
        assert add_working_days(saturday, 1, calendar=PACKAGE) == D(2025, 3, 10)

    def test_twenty_working_days_statutory_limit(self):
        # 行政许可法 art. 42: accepted on Mon 2025-09-15, 20 working days.
        result = deadline(D(2025, 9, 15), 20, "工作日", calendar=PACKAGE)
        # 9/16–19, 9/22–26, Sun 9/28, 9/29–30, 10/9–10, Sat 10/11, 10/13–17.
        assert result.due == naive_add(D(2025, 9, 15), 20) == D(2025, 10, 17)
        assert result.provisional is False
        assert result.unit is TimeUnit.WORKING_DAY


@settings(max_examples=300)
@given(
    st.dates(min_value=D(2004, 1, 1), max_value=D(LAST_PACKAGE_YEAR, 6, 30)),
    st.integers(0, 120),
)
def test_matches_the_package_day_by_day(start, n):
    assert add_working_days(start, n, calendar=PACKAGE) == naive_add(start, n)
    assert PACKAGE.is_working_day(start) == chinese_calendar.is_workday(start)


# --- counting ------------------------------------------------------------------------------
class TestCounting:
    def test_working_days_between_is_half_open(self):
        # (Fri 2025-09-26, Thu 2025-10-09]: Sun 9/28, Mon 9/29, Tue 9/30, Thu 10/9.
        assert working_days_between(D(2025, 9, 26), D(2025, 10, 9), calendar=PACKAGE) == 4
        assert working_days_between(D(2025, 10, 9), D(2025, 9, 26), calendar=PACKAGE) == -4
        assert working_days_between(D(2025, 3, 3), D(2025, 3, 3), calendar=PACKAGE) == 0

    def test_working_days_between_across_years(self):
        a, b = D(2024, 12, 20), D(2026, 1, 9)
        expected = sum(
            chinese_calendar.is_workday(a + timedelta(days=i)) for i in range(1, (b - a).days + 1)
        )
        assert working_days_between(a, b, calendar=PACKAGE) == expected

    def test_natural_days(self):
        assert add_natural_days(D(2025, 9, 30), 1) == D(2025, 10, 1)
        assert add_natural_days(D(2025, 12, 25), 10) == D(2026, 1, 4)
        assert add_natural_days(D(2025, 1, 1), 0) == D(2025, 1, 1)
        result = deadline(D(2025, 9, 25), 10, "自然日", calendar=PACKAGE)
        assert result.due == D(2025, 10, 5)
        assert result.unit is TimeUnit.NATURAL_DAY

    def test_natural_days_roll_forward_past_rest_days(self):
        # 民法典 art. 203: a period ending on a rest day ends on the next working day.
        plain = deadline(D(2025, 9, 21), 10, "natural_day", calendar=PACKAGE)
        rolled = deadline(D(2025, 9, 21), 10, "natural_day", roll_forward=True, calendar=PACKAGE)
        assert plain.due == D(2025, 10, 1)
        assert rolled.due == D(2025, 10, 9)
        # Ending on a working day: nothing to roll.
        same = deadline(D(2025, 9, 1), 10, "natural_day", roll_forward=True, calendar=PACKAGE)
        assert same.due == D(2025, 9, 11)

    @pytest.mark.parametrize("bad", [-1, 1.5, True, "3"])
    def test_limit_must_be_a_whole_number(self, bad):
        with pytest.raises(InvalidInput) as info:
            deadline(D(2025, 1, 1), bad, calendar=PACKAGE)
        assert info.value.code == "deadline_limit"
        assert info.value.field == "limit"

    def test_unknown_unit(self):
        with pytest.raises(InvalidInput) as info:
            deadline(D(2025, 1, 1), 5, "hours", calendar=PACKAGE)
        assert info.value.code == "deadline_unit"
        assert info.value.field == "unit"

    def test_result_out_of_range(self):
        with pytest.raises(InvalidInput) as info:
            add_working_days(D(9999, 12, 1), 100, calendar=PACKAGE)
        assert info.value.code == "deadline_out_of_range"


# --- suspensions (行政许可法 art. 45) ----------------------------------------------------------
class TestSuspensions:
    def test_suspension_extends_the_deadline(self):
        start = D(2025, 9, 22)  # Monday
        plain = deadline(start, 5, calendar=PACKAGE)
        assert plain.due == D(2025, 9, 28)  # 23, 24, 25, 26, Sun 28 (worked)
        suspended = deadline(
            start, 5, suspensions=[(D(2025, 9, 24), D(2025, 9, 26))], calendar=PACKAGE
        )
        # Counted: 9/23, Sun 9/28, 9/29, 9/30, then past the National Day break, 10/9.
        assert suspended.due == D(2025, 10, 9)
        assert suspended.suspended_days == 3

    def test_suspension_across_a_holiday(self):
        start = D(2025, 9, 29)
        assert deadline(start, 3, calendar=PACKAGE).due == D(2025, 10, 10)
        # Expert review 9/30–10/10: the clock restarts on 10/11 (a worked Saturday).
        result = deadline(
            start, 3, suspensions=[(D(2025, 9, 30), D(2025, 10, 10))], calendar=PACKAGE
        )
        assert result.due == D(2025, 10, 14)
        assert result.suspended_days == 11

    def test_overlapping_suspensions_are_merged(self):
        start = D(2025, 3, 3)
        one = deadline(start, 10, suspensions=[(D(2025, 3, 5), D(2025, 3, 12))], calendar=PACKAGE)
        two = deadline(
            start,
            10,
            suspensions=[(D(2025, 3, 8), D(2025, 3, 12)), (D(2025, 3, 5), D(2025, 3, 10))],
            calendar=PACKAGE,
        )
        assert one.due == two.due
        assert one.suspended_days == two.suspended_days == 8
        assert merge_suspensions(
            [(D(2025, 3, 8), D(2025, 3, 12)), (D(2025, 3, 5), D(2025, 3, 7))]
        ) == [(D(2025, 3, 5), D(2025, 3, 12))]

    def test_suspension_before_start_or_after_due_changes_nothing(self):
        start = D(2025, 3, 3)
        plain = deadline(start, 5, calendar=PACKAGE)
        before = deadline(start, 5, suspensions=[(D(2025, 2, 1), D(2025, 3, 3))], calendar=PACKAGE)
        after = deadline(start, 5, suspensions=[(D(2025, 4, 1), D(2025, 4, 30))], calendar=PACKAGE)
        assert plain.due == before.due == after.due
        assert before.suspended_days == after.suspended_days == 0

    def test_suspension_running_at_start(self):
        # Started before acceptance and ends on Wed 3/5: counting starts on Thu 3/6.
        result = deadline(
            D(2025, 3, 3), 1, suspensions=[(D(2025, 3, 1), D(2025, 3, 5))], calendar=PACKAGE
        )
        assert result.due == D(2025, 3, 6)
        assert result.suspended_days == 2

    def test_natural_days_with_suspension(self):
        result = deadline(
            D(2025, 1, 1),
            10,
            "natural_day",
            suspensions=[(D(2025, 1, 3), D(2025, 1, 5))],
            calendar=PACKAGE,
        )
        assert result.due == D(2025, 1, 14)
        assert result.suspended_days == 3

    def test_reversed_suspension_is_invalid_input(self):
        with pytest.raises(InvalidInput) as info:
            deadline(
                D(2025, 3, 3),
                5,
                suspensions=[(D(2025, 3, 4), D(2025, 3, 5)), (D(2025, 3, 9), D(2025, 3, 8))],
                calendar=PACKAGE,
            )
        assert info.value.code == "suspension_order"
        assert info.value.field == "suspensions.1"

    def test_malformed_suspension(self):
        with pytest.raises(InvalidInput) as info:
            deadline(D(2025, 3, 3), 5, suspensions=[(D(2025, 3, 4),)], calendar=PACKAGE)
        assert info.value.code == "suspension_format"


suspension_lists = st.lists(
    st.tuples(st.integers(-20, 200), st.integers(0, 30)).map(
        lambda t: (
            D(2025, 3, 1) + timedelta(days=t[0]),
            D(2025, 3, 1) + timedelta(days=t[0] + t[1]),
        )
    ),
    max_size=4,
)


@settings(max_examples=300)
@given(
    st.dates(min_value=D(2024, 1, 1), max_value=D(2025, 12, 31)),
    st.integers(0, 150),
    suspension_lists,
)
def test_deadline_properties(start, n, suspensions):
    shorter = deadline(start, n, suspensions=suspensions, calendar=PACKAGE)
    longer = deadline(start, n + 1, suspensions=suspensions, calendar=PACKAGE)
    assert longer.due > shorter.due  # monotonic
    if n == 0:
        assert shorter.due == start
        return
    merged = merge_suspensions(suspensions)

    def suspended(day: date) -> bool:
        return any(a <= day <= b for a, b in merged)

    # The due day is a counted day, and exactly n counted days lie in (start, due].
    assert PACKAGE.is_working_day(shorter.due) and not suspended(shorter.due)
    counted = sum(
        1
        for i in range(1, (shorter.due - start).days + 1)
        if PACKAGE.is_working_day(start + timedelta(days=i))
        and not suspended(start + timedelta(days=i))
    )
    assert counted == n
    assert shorter.due >= add_working_days(start, n, calendar=PACKAGE)


@given(st.dates(min_value=D(2004, 1, 1), max_value=D(2035, 12, 31)), st.integers(0, 400))
def test_between_inverts_add(start, n):
    due = add_working_days(start, n, calendar=PACKAGE)
    assert working_days_between(start, due, calendar=PACKAGE) == n
    assert add_working_days(start, n + 1, calendar=PACKAGE) > due


# --- provisional years -----------------------------------------------------------------------
class TestProvisional:
    def test_fixed_date_holidays_follow_the_law_in_force(self):
        assert (5, 2, "劳动节") in fixed_date_holidays(2025)
        assert (5, 2, "劳动节") not in fixed_date_holidays(2024)
        assert (5, 3, "劳动节") in fixed_date_holidays(2007)
        assert {(m, d) for m, d, _ in fixed_date_holidays(2027)} == {
            (1, 1),
            (5, 1),
            (5, 2),
            (10, 1),
            (10, 2),
            (10, 3),
        }

    def test_unloaded_year_uses_weekdays_minus_fixed_holidays(self):
        assert LAST_PACKAGE_YEAR < 2027  # the premise of this test
        assert not PACKAGE.is_working_day(D(2027, 1, 1))  # Friday, 元旦
        assert not PACKAGE.is_working_day(D(2027, 10, 1))  # Friday, 国庆
        assert PACKAGE.is_working_day(D(2027, 10, 4))  # Monday: the bridge is unknown
        assert PACKAGE.is_working_day(D(2027, 2, 8))  # lunar holidays are unknown

    def test_deadline_past_the_last_loaded_year_is_provisional(self):
        result = deadline(D(2026, 12, 15), 20, calendar=PACKAGE)
        # 12 working days left in December 2026, 1/1/2027 (Fri) off, then 1/4 … 1/13.
        assert result.due == D(2027, 1, 13)
        assert result.provisional is True
        assert result.provisional_years == (2027,)

    def test_deadline_inside_loaded_years_is_final(self):
        result = deadline(D(2026, 11, 2), 20, calendar=PACKAGE)
        assert result.provisional is False
        assert result.provisional_years == ()

    def test_natural_days_are_never_provisional(self):
        result = deadline(D(2026, 12, 15), 60, "natural_day", calendar=PACKAGE)
        assert result.due == D(2027, 2, 13)
        assert result.provisional is False

    def test_suspension_pushing_into_an_unloaded_year_makes_it_provisional(self):
        start = D(2026, 12, 1)
        assert deadline(start, 5, calendar=PACKAGE).provisional is False
        result = deadline(
            start, 5, suspensions=[(D(2026, 12, 2), D(2026, 12, 31))], calendar=PACKAGE
        )
        assert result.provisional is True
        assert result.due == D(2027, 1, 8)  # 12/1 counts nothing; 1/1 off; 1/4 … 1/8

    def test_loading_the_year_turns_provisional_into_final(self):
        partial = Calendar.from_package(years=[2025])
        result = deadline(D(2026, 2, 10), 5, calendar=partial)
        assert result.provisional is True
        assert result.provisional_years == (2026,)
        # Without the notice the lunar Spring Festival is unknown: 2/11–13, 2/16, 2/17.
        assert result.due == D(2026, 2, 17)
        final = deadline(D(2026, 2, 10), 5, calendar=PACKAGE)
        assert final.provisional is False
        # With it: 2/11–13, Sat 2/14 (worked), then the break until Tue 2/24.
        assert final.due == naive_add(D(2026, 2, 10), 5) == D(2026, 2, 24)


# --- the database-backed calendar -------------------------------------------------------------
@pytest.fixture
def recorded_events(monkeypatch):
    """Route calendar.year_loaded to a recording handler through the real event table."""
    RECORDED.clear()
    spec = events.EVENTS["calendar.year_loaded"]
    monkeypatch.setitem(
        events.EVENTS,
        "calendar.year_loaded",
        events.EventSpec(
            spec.description,
            handlers=("tests.kernel.test_workdays.record_event",),
            payload=spec.payload,
        ),
    )
    return RECORDED


RECORDED: list[tuple[str, dict]] = []


def record_event(name: str, payload: dict) -> None:
    RECORDED.append((name, payload))


@pytest.mark.django_db
class TestDatabaseCalendar:
    def test_seed_loads_every_package_year(self):
        written = seed_from_package()
        assert written == list(package_years())
        years = dict(CalendarYear.objects.values_list("year", "source"))
        assert set(years) == set(package_years())
        assert set(years.values()) == {CalendarYearSource.PACKAGE}
        row = HolidayCalendar.objects.get(date=D(2025, 1, 28))
        assert (row.kind, row.name, row.year) == ("holiday", "春节", 2025)
        assert HolidayCalendar.objects.get(date=D(2025, 1, 26)).kind == "workday"
        # Weekend days inside a holiday period need no row: they are rest days anyway.
        assert not HolidayCalendar.objects.filter(date=D(2025, 2, 1)).exists()
        assert not HolidayCalendar.objects.filter(
            kind="holiday", date__week_day__in=[1, 7]
        ).exists()
        assert not HolidayCalendar.objects.filter(
            kind="workday", date__week_day__in=[2, 3, 4, 5, 6]
        ).exists()

    def test_seed_is_idempotent(self):
        seed_from_package(years=[2025, 2026])
        stamp = list(CalendarYear.objects.values_list("year", "loaded_at"))
        rows = HolidayCalendar.objects.count()
        assert seed_from_package(years=[2025, 2026]) == []
        assert list(CalendarYear.objects.values_list("year", "loaded_at")) == stamp
        assert HolidayCalendar.objects.count() == rows

    def test_seed_keeps_years_loaded_from_files_unless_forced(self):
        seed_from_package(years=[2025])
        CalendarYear.objects.filter(year=2025).update(source=CalendarYearSource.FILE)
        HolidayCalendar.objects.filter(date=D(2025, 1, 28)).delete()
        assert seed_from_package(years=[2025]) == []
        assert not HolidayCalendar.objects.filter(date=D(2025, 1, 28)).exists()
        assert seed_from_package(years=[2025], force=True) == [2025]
        assert HolidayCalendar.objects.filter(date=D(2025, 1, 28)).exists()
        assert CalendarYear.objects.get(year=2025).source == CalendarYearSource.PACKAGE

    def test_seed_refuses_unknown_years(self):
        with pytest.raises(InvalidInput) as info:
            seed_from_package(years=[2099])
        assert info.value.code == "calendar_year_unknown"
        assert not CalendarYear.objects.exists()

    def test_current_calendar_matches_the_package(self):
        seed_from_package(years=[2025, 2026])
        calendar = current_calendar()
        assert calendar.loaded_years == {2025, 2026}
        for start, n in [(D(2025, 1, 24), 3), (D(2025, 9, 15), 20), (D(2025, 12, 20), 20)]:
            assert add_working_days(start, n) == naive_add(start, n)
        assert is_working_day(D(2025, 9, 28)) is True
        assert working_days_between(D(2025, 9, 26), D(2025, 10, 9)) == 4

    def test_cache_costs_one_query_and_sees_new_years(self, django_assert_num_queries):
        from django.db import transaction

        seed_from_package(years=[2025])
        first = current_calendar()
        with transaction.atomic():  # a new transaction (block): the stamp is checked once
            with django_assert_num_queries(1):
                assert current_calendar() is first
            with django_assert_num_queries(0):
                assert current_calendar() is first
                assert add_working_days(D(2025, 3, 3), 2) == D(2025, 3, 5)
            # a savepoint is a block of its own: checked again
            with transaction.atomic(), django_assert_num_queries(1):
                assert current_calendar() is first
        assert deadline(D(2025, 12, 20), 20).provisional is True
        seed_from_package(years=[2026])
        assert current_calendar() is not first
        result = deadline(D(2025, 12, 20), 20)
        assert result.provisional is False
        assert result.due == naive_add(D(2025, 12, 20), 20)

    def test_a_year_loaded_inside_the_transaction_is_seen_at_once(self):
        from django.db import transaction

        seed_from_package(years=[2025])
        with transaction.atomic():
            assert current_calendar().loaded_years == {2025}  # checked, remembered
            seed_from_package(years=[2026])  # in this same transaction
            assert current_calendar().loaded_years == {2025, 2026}
            assert deadline(D(2025, 12, 20), 20).provisional is False

    def test_a_block_entered_again_is_checked_again_after_a_second(self, monkeypatch):
        # ``@transaction.atomic`` enters one Atomic object on every call: the memo of an
        # earlier call must not outlive it for long (a year loaded by another process)
        from django.db import transaction

        from zhengwu.kernel import workdays
        from zhengwu.kernel.models import CalendarYear

        seed_from_package(years=[2025])
        block = transaction.atomic()
        with block:
            assert current_calendar().loaded_years == {2025}
        memo = workdays._validated.memo
        assert memo is not None and memo[0] is block
        seed_from_package(years=[2026])
        workdays._validated.memo = memo  # as if another process had loaded it: our memo stays
        clock = [workdays.time.monotonic()]
        monkeypatch.setattr(workdays.time, "monotonic", lambda: clock[0])
        with block:
            assert CalendarYear.objects.filter(year=2026).exists()
            assert current_calendar().loaded_years == {2025}  # within the second: remembered
            clock[0] += workdays._VALIDATED_FOR
            assert current_calendar().loaded_years == {2025, 2026}  # then checked again

    def test_rows_of_a_year_not_declared_loaded_are_ignored(self):
        HolidayCalendar.objects.create(date=D(2027, 2, 8), kind="holiday", name="春节", year=2027)
        assert is_working_day(D(2027, 2, 8)) is True
        assert deadline(D(2027, 2, 5), 1).provisional is True

    def test_seeding_emits_year_loaded_after_commit(
        self, recorded_events, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            seed_from_package(years=[2026])
        assert recorded_events == []  # nothing runs before commit
        for callback in callbacks:
            callback()
        assert recorded_events == [("calendar.year_loaded", {"year": 2026})]


# --- warnings for administrators -----------------------------------------------------------------
class TestWarnings:
    CAL = Calendar.from_package(years=[2025, 2026])

    def test_from_october_next_year_missing(self):
        warnings = calendar_warnings(D(2026, 10, 1), calendar=self.CAL)
        assert [w.code for w in warnings] == ["calendar_next_year_missing"]
        assert warnings[0].year == 2027
        assert "2027" in warnings[0].message and "2027" in warnings[0].message_en

    def test_no_warning_before_october(self):
        assert calendar_warnings(D(2026, 9, 30), calendar=self.CAL) == []

    def test_no_warning_when_next_year_loaded(self):
        assert calendar_warnings(D(2025, 11, 1), calendar=self.CAL) == []

    def test_current_year_missing(self):
        warnings = calendar_warnings(D(2027, 3, 1), calendar=self.CAL)
        assert [w.code for w in warnings] == ["calendar_current_year_missing"]
        warnings = calendar_warnings(D(2027, 12, 1), calendar=self.CAL)
        assert [w.code for w in warnings] == [
            "calendar_current_year_missing",
            "calendar_next_year_missing",
        ]

    @pytest.mark.django_db
    def test_from_the_database(self):
        seed_from_package(years=[2026])
        assert [w.code for w in calendar_warnings(D(2026, 11, 27))] == [
            "calendar_next_year_missing"
        ]


# --- management command -------------------------------------------------------------------------
@pytest.mark.django_db
def test_calendar_command_seed_and_status(capsys):
    call_command("calendar", "seed", "--year", "2025", "--year", "2026")
    assert set(CalendarYear.objects.values_list("year", flat=True)) == {2025, 2026}
    assert "2025, 2026" in capsys.readouterr().out
    call_command("calendar", "seed", "--year", "2025")
    assert "nothing to do" in capsys.readouterr().out
    call_command("calendar", "status")
    out = capsys.readouterr().out
    assert "2025  package" in out and "2026  package" in out
