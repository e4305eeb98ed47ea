"""The staff workbench: sign-in required, staff only, department and roles, calendar warning."""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.html import escape

pytestmark = pytest.mark.django_db
WORKBENCH = reverse("web:workbench")


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(WORKBENCH)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={WORKBENCH}"


def test_citizen_is_refused_with_a_403_page(client, citizen):
    client.force_login(citizen)
    response = client.get(WORKBENCH)
    assert response.status_code == 403
    body = response.content.decode()
    assert "<h1>无权访问</h1>" in body
    assert "员工" not in body and "工作台菜单" not in body  # no workbench chrome leaks


def test_staff_member_sees_department_and_roles(client, window_clerk):
    client.force_login(window_clerk)
    response = client.get(WORKBENCH)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>工作台首页</h1>" in body
    assert "西安市灞桥区行政审批服务局" in body
    assert "综合窗口人员" in body and "审批人员" in body
    assert 'aria-label="工作台菜单"' in body
    assert "window clerk" not in body  # the code-set label shows the page's language only

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(WORKBENCH).content.decode()
    assert "<li>window clerk</li>" in english
    assert "综合窗口人员" not in english


def test_staff_member_gets_the_workbench_link_on_the_portal(client, window_clerk):
    client.force_login(window_clerk)
    assert f'href="{WORKBENCH}"' in client.get("/").content.decode()


@pytest.fixture
def calendar_2026(db):
    """The official 2026 schedule loaded, 2027 not yet published."""
    from zhengwu.kernel.workdays import seed_from_package

    seed_from_package(years=[2026])


def test_administrator_is_warned_when_next_years_calendar_is_missing(
    client, administrator, calendar_2026, monkeypatch
):
    from zhengwu.kernel.workdays import calendar_warnings
    from zhengwu.web import context_processors

    # From 1 October the State Council's next schedule is due; 2027 is not loaded.
    monkeypatch.setattr(context_processors, "today", lambda: date(2026, 10, 8))
    (warning,) = calendar_warnings(date(2026, 10, 8))
    assert warning.code == "calendar_next_year_missing"

    client.force_login(administrator)
    body = client.get(WORKBENCH).content.decode()
    assert 'role="alert"' in body
    assert '<h2 id="calendar-warning-heading">工作日历</h2>' in body
    assert escape(warning.message) in body

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(WORKBENCH).content.decode()
    assert escape(warning.message_en) in english


def test_no_warning_while_the_calendar_is_complete(
    client, administrator, calendar_2026, monkeypatch
):
    from zhengwu.web import context_processors

    monkeypatch.setattr(context_processors, "today", lambda: date(2026, 9, 30))
    client.force_login(administrator)
    body = client.get(WORKBENCH).content.decode()
    assert "calendar-warning-heading" not in body


def test_calendar_warning_is_not_shown_to_other_staff(
    client, window_clerk, calendar_2026, monkeypatch
):
    from zhengwu.web import context_processors

    monkeypatch.setattr(context_processors, "today", lambda: date(2026, 10, 8))
    client.force_login(window_clerk)
    assert "calendar-warning-heading" not in client.get(WORKBENCH).content.decode()
