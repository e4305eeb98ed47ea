"""catalog.fixed_reads: the checklist read of a submission must give exactly what
``checklist_queryset`` prefetches, and ``checklist_for`` the same answers from either."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhengwu.catalog import fixed_reads, selectors
from zhengwu.catalog.models import ItemVersion

pytestmark = pytest.mark.django_db


def _fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def _shape(rows: selectors.ChecklistRows) -> tuple:
    return (
        [_fields(m) for m in rows.materials],
        [_fields(s) for s in rows.situations],
        {k: [_fields(o) for o in v] for k, v in rows.options.items()},
        {k: [m.pk for m in v] for k, v in rows.option_materials.items()},
    )


def test_every_version_reads_as_the_orm_prefetches_it(imported_small_catalog):
    versions = list(ItemVersion.objects.order_by("pk").values_list("pk", flat=True))
    with_follow_ups = 0
    for pk in versions:
        orm = selectors.checklist_queryset().get(pk=pk)
        with CaptureQueriesContext(connection) as queries:
            fixed = fixed_reads.checklist_version(pk)
        assert fixed is not None
        assert len(queries) <= 5
        assert _fields(fixed) == _fields(orm)
        assert _fields(fixed.item) == _fields(orm.item)
        assert _fields(fixed.department) == _fields(orm.department)
        assert _shape(selectors.checklist_rows(fixed)) == _shape(selectors.checklist_rows(orm))
        situations = selectors.checklist_rows(fixed).situations
        with_follow_ups += any(s.parent_option_id for s in situations)
    assert with_follow_ups  # the small catalogue has a follow-up question: the tree is exercised


def test_the_checklist_is_the_same_and_costs_no_further_query(imported_small_catalog):
    version = ItemVersion.objects.filter(situations__parent_option__isnull=False).first()
    assert version is not None
    orm = selectors.checklist_queryset().get(pk=version.pk)
    fixed = fixed_reads.checklist_version(version.pk)
    choices = ({}, {"applicant": "individual"}, {"applicant": "company", "premises": "leased"})
    for answers in choices:
        expected = selectors.checklist_for(orm, answers)
        with CaptureQueriesContext(connection) as queries:
            got = selectors.checklist_for(fixed, answers)
        assert len(queries) == 0
        assert [m.key for m in got.materials] == [m.key for m in expected.materials]
        assert (got.promised_limit, got.statutory_limit, got.conditions, got.answers) == (
            expected.promised_limit,
            expected.statutory_limit,
            expected.conditions,
            expected.answers,
        )
        assert [q.node.key for q in got.questions] == [q.node.key for q in expected.questions]
    with pytest.raises(Exception) as refused:
        selectors.checklist_for(fixed, {"applicant": "robot"})
    assert getattr(refused.value, "field", "") == "answers.applicant"


def test_an_unknown_version(imported_small_catalog):
    assert fixed_reads.checklist_version(999_999_999) is None
