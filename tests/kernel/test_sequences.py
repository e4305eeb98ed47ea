"""kernel.sequences: counter rows incremented by one UPDATE … RETURNING."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from zhengwu.cases.models import CaseNumberCounter
from zhengwu.kernel.sequences import next_value

pytestmark = pytest.mark.django_db

DAY = date(2026, 10, 9)


def test_the_first_number_makes_the_row_and_later_ones_take_one_statement():
    assert next_value(CaseNumberCounter, {"scope": "case", "day": DAY}) == 1
    with CaptureQueriesContext(connection) as queries:
        assert next_value(CaseNumberCounter, {"scope": "case", "day": DAY}) == 2
    assert len(queries) == 1
    assert queries[0]["sql"].startswith("UPDATE")
    assert "RETURNING" in queries[0]["sql"]
    assert CaseNumberCounter.objects.get(scope="case", day=DAY).last == 2


def test_each_key_counts_on_its_own():
    assert next_value(CaseNumberCounter, {"scope": "case", "day": DAY}) == 1
    assert next_value(CaseNumberCounter, {"scope": "notice:accept", "day": DAY}) == 1
    assert next_value(CaseNumberCounter, {"scope": "case", "day": date(2026, 10, 10)}) == 1
    assert next_value(CaseNumberCounter, {"scope": "case", "day": DAY}) == 2
    assert CaseNumberCounter.objects.count() == 3


def test_a_rolled_back_transaction_gives_its_number_back():
    next_value(CaseNumberCounter, {"scope": "case", "day": DAY})
    with pytest.raises(RuntimeError), transaction.atomic():
        assert next_value(CaseNumberCounter, {"scope": "case", "day": DAY}) == 2
        raise RuntimeError("the rest of the change failed")
    assert next_value(CaseNumberCounter, {"scope": "case", "day": DAY}) == 2


def test_an_existing_row_continues_from_its_value():
    CaseNumberCounter.objects.create(scope="result", day=DAY, last=41)
    assert next_value(CaseNumberCounter, {"scope": "result", "day": DAY}) == 42
