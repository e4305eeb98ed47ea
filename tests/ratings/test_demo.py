"""The ratings demo: limits, ratings and a bad review in rectification, loaded twice
without duplicates (on the demo accounts, with a concluded case of the demo citizen)."""

from __future__ import annotations

import pytest

from zhengwu.ratings import demo
from zhengwu.ratings.models import LimitSetting, Rectification, Review


@pytest.fixture
def demo_world(rw):
    from django.contrib.auth import get_user_model

    from zhengwu.accounts import demo as accounts_demo

    accounts_demo.load_demo()
    citizen = get_user_model().objects.get(username="citizen")
    return rw, rw.concluded_case(applicant=citizen)


def test_load_demo_twice_without_duplicates(demo_world):
    _rw, case = demo_world
    first = demo.load_demo()
    assert first == {"reviews": 2, "rectifications": 1}  # no catalogue here: no online rating
    assert demo.load_demo() == first
    assert LimitSetting.objects.filter(department__isnull=True).count() == 1
    bad = Review.objects.get(subject_key=case.number)
    assert bad.level == 5 and bad.tags == ["指南外增加材料", "多次跑动"]
    rect = Rectification.objects.get(review=bad)
    assert rect.status == "rectifying" and rect.valid is True
