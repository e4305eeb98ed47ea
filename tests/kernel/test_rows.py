"""kernel.rows.insert_unless_exists: one INSERT … ON CONFLICT DO NOTHING RETURNING."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from zhengwu.kernel.models import CalendarYear
from zhengwu.kernel.rows import insert_unless_exists

pytestmark = pytest.mark.django_db


def test_a_new_row_is_inserted_in_one_statement_with_its_key_and_defaults():
    year = CalendarYear(year=2031, source="admin", note="首次")
    with CaptureQueriesContext(connection) as queries:
        assert insert_unless_exists(year) is True
    assert len(queries) == 1
    assert year.pk is not None and year._state.adding is False
    stored = CalendarYear.objects.get(pk=year.pk)
    assert (stored.year, stored.source, stored.note) == (2031, "admin", "首次")
    assert stored.loaded_at is not None  # auto_now ran as save() would run it


def test_an_existing_row_wins_and_the_transaction_stays_usable():
    first = CalendarYear.objects.create(year=2032, source="package", note="原有")
    with transaction.atomic():
        again = CalendarYear(year=2032, source="admin", note="重复")
        assert insert_unless_exists(again) is False
        assert again.pk is None
        # no error was raised inside the transaction: it goes on
        assert CalendarYear.objects.filter(year=2032).count() == 1
    stored = CalendarYear.objects.get(year=2032)
    assert (stored.pk, stored.source, stored.note) == (first.pk, "package", "原有")
