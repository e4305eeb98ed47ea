"""Loading a year's schedule from a file: every rule, all-or-nothing, the admin page."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from zhengwu.kernel import events
from zhengwu.kernel.calendar_io import (
    MAX_HOLIDAYS_PER_YEAR,
    RawRow,
    load_calendar_file,
    read_calendar_file,
    validate_calendar_rows,
)
from zhengwu.kernel.errors import InvalidInput
from zhengwu.kernel.models import CalendarYear, CalendarYearSource, HolidayCalendar
from zhengwu.kernel.workdays import deadline

D = date

# A plausible 2027 schedule in the shape of the State Council's notice (NOT the official
# one): 18 weekdays off and 5 worked weekend days, i.e. 13 statutory days net.
HOLIDAYS_2027 = [
    (D(2027, 1, 1), "元旦"),
    (D(2027, 2, 5), "春节"),
    *[(D(2027, 2, d), "春节") for d in range(8, 13)],
    (D(2027, 4, 5), "清明节"),
    *[(D(2027, 5, d), "劳动节") for d in range(3, 6)],
    (D(2027, 6, 9), "端午节"),
    (D(2027, 9, 15), "中秋节"),
    (D(2027, 10, 1), "国庆节"),
    *[(D(2027, 10, d), "国庆节") for d in range(4, 8)],
]
WORKDAYS_2027 = [
    (D(2027, 2, 20), "春节调休上班"),
    (D(2027, 4, 25), "劳动节调休上班"),
    (D(2027, 5, 8), "劳动节调休上班"),
    (D(2027, 9, 26), "国庆节调休上班"),
    (D(2027, 10, 9), "国庆节调休上班"),
]


def rows_2027() -> list[list[str]]:
    rows = [[d.isoformat(), "holiday", name] for d, name in HOLIDAYS_2027]
    rows += [[d.isoformat(), "workday", name] for d, name in WORKDAYS_2027]
    return rows


def to_csv(rows: list[list[str]], header: list[str] | None = None, encoding="utf-8") -> bytes:
    lines = ([",".join(header)] if header else []) + [",".join(map(str, r)) for r in rows]
    return ("\n".join(lines) + "\n").encode(encoding)


def valid_csv() -> bytes:
    return to_csv(rows_2027(), ["date", "kind", "name"])


@pytest.fixture
def recorded_events(monkeypatch):
    from tests.kernel import handlers

    handlers.calls.clear()
    spec = events.EVENTS["calendar.year_loaded"]
    monkeypatch.setitem(
        events.EVENTS,
        "calendar.year_loaded",
        events.EventSpec(
            spec.description, handlers=("tests.kernel.handlers.record",), payload=spec.payload
        ),
    )
    return handlers.calls


def test_premise_rows_are_weekday_holidays_and_weekend_workdays():
    assert all(d.weekday() < 5 for d, _ in HOLIDAYS_2027)
    assert all(d.weekday() >= 5 for d, _ in WORKDAYS_2027)


# --- reading -----------------------------------------------------------------------------------
class TestReading:
    def test_csv_with_english_header(self):
        rows = read_calendar_file(valid_csv(), filename="2027.csv")
        assert len(rows) == 23
        assert rows[0] == RawRow(2, "2027-01-01", "holiday", "元旦")

    def test_csv_without_header_and_chinese_kinds_in_gbk(self):
        body = [["2027/1/1", "休", "元旦"], ["2027年2月20日", "班", "春节"]]
        rows = read_calendar_file(to_csv(body, encoding="gb18030"), filename="x.csv")
        assert [(r.row, r.date, r.kind, r.name) for r in rows] == [
            (1, "2027/1/1", "休", "元旦"),
            (2, "2027年2月20日", "班", "春节"),
        ]

    def test_xlsx_with_chinese_header_and_date_cells(self):
        book = Workbook()
        sheet = book.active
        sheet.append(["日期", "类别", "名称"])
        sheet.append([D(2027, 1, 1), "节假日", "元旦"])
        sheet.append([D(2027, 2, 20), "调休上班", "春节"])
        buffer = io.BytesIO()
        book.save(buffer)
        rows = read_calendar_file(buffer.getvalue(), filename="2027.xlsx")
        assert [r.row for r in rows] == [2, 3]
        assert rows[0].kind == "节假日"

    def test_header_missing_a_column(self):
        with pytest.raises(InvalidInput) as info:
            read_calendar_file(to_csv([["2027-01-01", "holiday"]], ["date", "kind"]))
        assert info.value.code == "calendar_columns"
        assert "name" in info.value.message

    def test_empty_file(self):
        with pytest.raises(InvalidInput) as info:
            read_calendar_file(b"\n\n", filename="empty.csv")
        assert info.value.code == "calendar_empty"

    def test_damaged_xlsx(self):
        with pytest.raises(InvalidInput) as info:
            read_calendar_file(b"PK\x03\x04 not really a zip", filename="bad.xlsx")
        assert info.value.code == "calendar_file_unreadable"


# --- validating ------------------------------------------------------------------------------
def raw(rows: list[list[str]]) -> list[RawRow]:
    return [RawRow(i + 2, *r) for i, r in enumerate(rows)]


def codes_of(rows: list[list[str]], year: int | None = 2027) -> list[str]:
    with pytest.raises(InvalidInput) as info:
        validate_calendar_rows(raw(rows), year=year)
    error = info.value
    return [e.code for e in error.errors] or [error.code]


class TestValidation:
    def test_valid_schedule(self):
        year, days, warnings = validate_calendar_rows(raw(rows_2027()), year=None)
        assert year == 2027
        assert len(days) == 23
        assert warnings == []
        assert days[0].date == D(2027, 1, 1) and days[0].kind == "holiday"

    def test_chinese_kinds_and_date_formats(self):
        rows = rows_2027()
        rows[0] = ["2027年1月1日", "休", "元旦"]
        rows[-1] = ["2027/10/9", "班", "国庆节调休上班"]
        _, days, _ = validate_calendar_rows(raw(rows), year=2027)
        assert {(d.date, d.kind) for d in days} >= {
            (D(2027, 1, 1), "holiday"),
            (D(2027, 10, 9), "workday"),
        }

    def test_duplicate_date(self):
        rows = [*rows_2027(), ["2027-02-08", "holiday", "春节"]]
        assert codes_of(rows) == ["calendar_duplicate"]

    def test_date_outside_the_declared_year(self):
        rows = [*rows_2027(), ["2028-01-03", "holiday", "元旦"]]
        assert codes_of(rows) == ["calendar_year_mismatch"]
        # Declaring another year flags every row.
        assert set(codes_of(rows_2027(), year=2026)) >= {"calendar_year_mismatch"}

    def test_workday_on_a_weekday(self):
        rows = [*rows_2027(), ["2027-03-03", "workday", "错误"]]  # Wednesday
        assert codes_of(rows) == ["calendar_workday_weekday"]

    def test_holiday_on_a_weekend(self):
        rows = [*rows_2027(), ["2027-02-06", "holiday", "春节"]]  # Saturday
        assert codes_of(rows) == ["calendar_holiday_weekend"]

    def test_bad_date_kind_and_empty_name(self):
        rows = [*rows_2027(), ["2027-02-30", "holiday", "x"], ["2027-03-01", "rest", "x"]]
        rows.append(["2027-03-02", "holiday", " "])
        assert codes_of(rows) == ["calendar_date", "calendar_kind", "calendar_name"]

    def test_fixed_date_holiday_missing(self):
        rows = [r for r in rows_2027() if r[0] != "2027-10-01"]
        assert codes_of(rows) == ["calendar_fixed_holiday_missing"]

    def test_too_many_holidays(self):
        rows = rows_2027()
        day = D(2027, 6, 14)  # clear of the schedule's own dates until mid-September
        while len(rows) <= MAX_HOLIDAYS_PER_YEAR + 10:
            if day.weekday() < 5:
                rows.append([day.isoformat(), "holiday", "多余"])
            day += timedelta(days=1)
        assert codes_of(rows) == ["calendar_too_many_holidays"]

    def test_more_workdays_than_holidays(self):
        # Only the two fixed-date weekday holidays of 2027, but five worked weekend days.
        fixed = [["2027-01-01", "holiday", "元旦"], ["2027-10-01", "holiday", "国庆节"]]
        workdays = [r for r in rows_2027() if r[1] == "workday"]
        assert codes_of(fixed + workdays) == ["calendar_too_many_workdays"]

    def test_every_error_is_reported_with_row_and_column(self):
        rows = rows_2027()
        rows[1] = ["2027-02-06", "holiday", "春节"]  # row 3: Saturday holiday
        rows[5] = ["2027-02-11", "bogus", "春节"]  # row 7: bad kind
        with pytest.raises(InvalidInput) as info:
            validate_calendar_rows(raw(rows), year=2027)
        fields = [e.field for e in info.value.errors]
        assert "rows.3.date" in fields
        assert "rows.7.kind" in fields
        assert all(e.message and e.message_en for e in info.value.errors)
        assert any("第 3 行" in e.message for e in info.value.errors)

    def test_unusual_total_is_a_warning_not_an_error(self):
        rows = [r for r in rows_2027() if r[0] != "2027-02-20"]  # one fewer worked Saturday
        _year, days, warnings = validate_calendar_rows(raw(rows), year=2027)
        assert len(days) == 22
        assert [w.code for w in warnings] == ["calendar_unusual_total"]
        assert "14" in warnings[0].message and "13" in warnings[0].message


# --- loading ----------------------------------------------------------------------------------
@pytest.mark.django_db
class TestLoading:
    def test_load_replaces_the_year_and_emits_after_commit(
        self, recorded_events, django_capture_on_commit_callbacks
    ):
        provisional = deadline(D(2027, 2, 4), 1)
        assert provisional.provisional is True
        assert provisional.due == D(2027, 2, 5)
        with django_capture_on_commit_callbacks(execute=True):
            result = load_calendar_file(valid_csv(), filename="2027.csv")
        assert (result.year, result.holidays, result.workdays) == (2027, 18, 5)
        assert HolidayCalendar.objects.filter(year=2027).count() == 23
        year = CalendarYear.objects.get(year=2027)
        assert year.source == CalendarYearSource.FILE
        assert "2027.csv" in year.note
        assert recorded_events == [("calendar.year_loaded", {"year": 2027})]
        # The recomputed deadline now knows the Spring Festival break.
        final = deadline(D(2027, 2, 4), 1)
        assert final.provisional is False
        assert final.due == D(2027, 2, 15)

    def test_loading_again_replaces_every_row(self):
        load_calendar_file(valid_csv(), filename="a.csv")
        rows = [r for r in rows_2027() if r[0] != "2027-06-09"]
        load_calendar_file(to_csv(rows), filename="b.csv")
        assert not HolidayCalendar.objects.filter(date=D(2027, 6, 9)).exists()
        assert HolidayCalendar.objects.filter(year=2027).count() == 22

    @pytest.mark.parametrize(
        "mutate",
        [
            pytest.param(lambda rows: [*rows, ["2027-02-08", "holiday", "春节"]], id="duplicate"),
            pytest.param(lambda rows: [*rows, ["2028-01-03", "holiday", "元旦"]], id="year"),
            pytest.param(lambda rows: [*rows, ["2027-03-03", "workday", "x"]], id="workday"),
            pytest.param(lambda rows: [*rows, ["2027-02-06", "holiday", "x"]], id="weekend"),
            pytest.param(lambda rows: [*rows, ["2027-13-01", "holiday", "x"]], id="date"),
            pytest.param(lambda rows: [*rows, ["2027-03-01", "maybe", "x"]], id="kind"),
            pytest.param(lambda rows: [*rows, ["2027-03-01", "holiday", ""]], id="name"),
            pytest.param(lambda rows: [r for r in rows if r[0] != "2027-01-01"], id="fixed"),
        ],
    )
    def test_any_error_writes_nothing(self, mutate, recorded_events):
        load_calendar_file(valid_csv(), filename="first.csv")
        before_rows = set(HolidayCalendar.objects.values_list("date", "kind", "name"))
        before_year = CalendarYear.objects.get(year=2027)
        recorded_events.clear()
        bad = to_csv(mutate(rows_2027()))
        with pytest.raises(InvalidInput):
            load_calendar_file(bad, filename="second.csv", year=2027)
        assert set(HolidayCalendar.objects.values_list("date", "kind", "name")) == before_rows
        after_year = CalendarYear.objects.get(year=2027)
        assert (after_year.loaded_at, after_year.note) == (before_year.loaded_at, before_year.note)
        assert recorded_events == []

    def test_failed_first_load_creates_no_year(self):
        with pytest.raises(InvalidInput):
            load_calendar_file(to_csv([["2027-01-02", "holiday", "元旦"]]), filename="x.csv")
        assert not CalendarYear.objects.exists()
        assert not HolidayCalendar.objects.exists()

    def test_command_load(self, tmp_path, capsys):
        path = tmp_path / "2027.csv"
        path.write_bytes(valid_csv())
        call_command("calendar", "load", str(path))
        assert "2027" in capsys.readouterr().out
        assert CalendarYear.objects.get(year=2027).source == CalendarYearSource.FILE

    def test_command_load_reports_every_error(self, tmp_path):
        path = tmp_path / "bad.csv"
        path.write_bytes(to_csv([*rows_2027(), ["2027-03-03", "workday", "x"], ["x", "y", ""]]))
        with pytest.raises(CommandError) as info:
            call_command("calendar", "load", str(path))
        text = str(info.value)
        assert "rows.24.date" in text and "rows.25.kind" in text
        assert not CalendarYear.objects.exists()


# --- admin --------------------------------------------------------------------------------------
@pytest.mark.django_db
class TestAdmin:
    def test_changelist_links_to_import(self, admin_client):
        response = admin_client.get(reverse("admin:kernel_calendaryear_changelist"))
        assert response.status_code == 200
        assert reverse("admin:kernel_calendaryear_import") in response.content.decode()

    def test_day_list_filters_by_year_and_kind(self, admin_client):
        load_calendar_file(valid_csv(), filename="2027.csv")
        url = reverse("admin:kernel_holidaycalendar_changelist")
        response = admin_client.get(url, {"year": "2027", "kind": "workday"})
        assert response.status_code == 200
        page = response.content.decode()
        assert "国庆节调休上班" in page
        assert "端午节" not in page  # a holiday, filtered out

    def test_import_valid_file(self, admin_client):
        url = reverse("admin:kernel_calendaryear_import")
        assert admin_client.get(url).status_code == 200
        upload = SimpleUploadedFile("2027.csv", valid_csv(), content_type="text/csv")
        response = admin_client.post(url, {"file": upload, "note": "国办发明电〔2026〕"})
        assert response.status_code == 302
        assert CalendarYear.objects.get(year=2027).note == "国办发明电〔2026〕"
        assert HolidayCalendar.objects.filter(year=2027).count() == 23

    def test_import_invalid_file_shows_errors_and_writes_nothing(self, admin_client):
        url = reverse("admin:kernel_calendaryear_import")
        bad = to_csv([*rows_2027(), ["2027-03-03", "workday", "x"]])
        upload = SimpleUploadedFile("2027.csv", bad, content_type="text/csv")
        response = admin_client.post(url, {"file": upload})
        assert response.status_code == 200
        page = response.content.decode()
        assert "rows.24.date" in page
        assert "Saturday or Sunday" in page
        assert not HolidayCalendar.objects.exists()
        assert not CalendarYear.objects.exists()

    def test_editing_a_day_validates_the_weekday(self, admin_client):
        url = reverse("admin:kernel_holidaycalendar_add")
        response = admin_client.post(url, {"date": "2027-03-03", "kind": "workday", "name": "x"})
        assert response.status_code == 200  # form redisplayed with the error
        assert not HolidayCalendar.objects.exists()
        response = admin_client.post(url, {"date": "2027-03-06", "kind": "workday", "name": "x"})
        assert response.status_code == 302
        assert HolidayCalendar.objects.get(date=D(2027, 3, 6)).year == 2027

    def test_editing_a_loaded_year_refreshes_the_calendar(self, admin_client):
        load_calendar_file(valid_csv(), filename="2027.csv")
        assert deadline(D(2027, 6, 8), 1).due == D(2027, 6, 10)  # 6/9 端午 off
        row = HolidayCalendar.objects.get(date=D(2027, 6, 9))
        url = reverse("admin:kernel_holidaycalendar_delete", args=[row.pk])
        assert admin_client.post(url, {"post": "yes"}).status_code == 302
        assert deadline(D(2027, 6, 8), 1).due == D(2027, 6, 9)
