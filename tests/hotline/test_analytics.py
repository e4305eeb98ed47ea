"""Hotline analytics: the daily aggregates (incremental = rebuild), the reads of the
dashboard, hot topics, repeat callers, the xlsx daily report, the pages and their access."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.core.management import call_command
from freezegun import freeze_time
from openpyxl import load_workbook

from tests.factories import make_staff
from zhengwu.hotline import analytics, services
from zhengwu.hotline.models import DailyStat, WorkOrder
from zhengwu.kernel.errors import InvalidInput, NotAllowed

TZ = ZoneInfo("Asia/Shanghai")
FANGZHI = "610111001"  # 纺织城街道
SHILIPU = "610111002"  # 十里铺街道
MON = date(2026, 11, 2)  # a working week: Mon 2 … Fri 6 November 2026
TUE = date(2026, 11, 3)
URL = "/workbench/hotline/analytics/"


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def no_overlap(monkeypatch):
    """Look back exactly to the watermark, so the test sees which days a refresh took."""
    monkeypatch.setattr(analytics, "WATERMARK_OVERLAP", timedelta(0))


def take(hl, when, text, *, street=FANGZHI, phone="13912345678", category="complaint", **kw):
    with freeze_time(when):
        return services.intake_ticket(
            by=hl.agent,
            channel="phone",
            text=text,
            category=category,
            caller_phone=phone,
            caller_name="李强",
            address="灞桥区纺织城街道纺正街12号",
            street_code=street,
            **kw,
        )


def dispatch(hl, when, ticket, department) -> WorkOrder:
    with freeze_time(when):
        services.dispatch(ticket_id=ticket.pk, by=hl.dispatcher, department_id=department.pk)
    return WorkOrder.objects.get(ticket=ticket, role="lead", round=ticket.reopen_count + 1)


def sign(when, order, by):
    with freeze_time(when):
        services.sign_order(order_id=order.pk, by=by)


def reply_and_close(hl, when, ticket, order, by):
    with freeze_time(when):
        services.reply_order(order_id=order.pk, by=by, reply="已处理，工地夜间停工。")
        services.close_ticket(ticket_id=ticket.pk, by=hl.agent)


def callback(hl, when, ticket, result):
    with freeze_time(when):
        services.record_callback(ticket_id=ticket.pk, by=hl.agent, result=result)


def answer(hl, when, ticket):
    with freeze_time(when):
        services.answer_directly(ticket_id=ticket.pk, by=hl.agent, answer="工作日 9:00 办理。")


def refresh(when, **kw):
    with freeze_time(when):
        return analytics.refresh_daily_stats(**kw)


def snapshot() -> set[tuple]:
    return set(
        DailyStat.objects.values_list(
            "day", "category", "department_id", "street_id", *analytics.COUNTS
        )
    )


def week(start=MON, end=TUE, **kw) -> analytics.StatFilter:
    return analytics.StatFilter(start=start, end=end, **kw)


@pytest.fixture
def known(hl):
    """Five tickets over two days with known outcomes (see the assertions)."""
    t1 = take(hl, at(MON, 10), "纺正街工地夜间施工噪音扰民")
    o1 = dispatch(hl, at(MON, 10, 5), t1, hl.urban)
    sign(at(MON, 10, 30), o1, hl.urban_handler)  # on time (limit: 2 working hours)
    reply_and_close(hl, at(MON, 15), t1, o1, hl.urban_handler)  # on time
    callback(hl, at(TUE, 10), t1, "satisfied")

    t2 = take(hl, at(MON, 11), "社保卡补办需要什么材料", category="consult", phone="13700000001")
    answer(hl, at(MON, 11, 2), t2)

    t3 = take(hl, at(MON, 14), "十里铺小区供暖不热", street=SHILIPU, phone="13700000002")
    o3 = dispatch(hl, at(MON, 14, 5), t3, hl.housing)
    sign(at(TUE, 16), o3, hl.housing_handler)  # late

    t4 = take(hl, at(TUE, 9, 30), "纺正街夜间噪音又出现了")
    o4 = dispatch(hl, at(TUE, 9, 35), t4, hl.urban)
    sign(at(TUE, 10), o4, hl.urban_handler)
    reply_and_close(hl, at(TUE, 11), t4, o4, hl.urban_handler)
    callback(hl, at(TUE, 15), t4, "not_satisfied")  # reopens the ticket

    t5 = take(hl, at(TUE, 10), "办证大厅几点开门", category="consult", phone="13700000003")
    answer(hl, at(TUE, 10, 1), t5)
    callback(hl, at(TUE, 16), t5, "unreachable")
    return t1, t2, t3, t4, t5


# --- the aggregates ------------------------------------------------------------------------------


def test_aggregates_of_a_known_set_of_tickets(hl, known):
    result = refresh(at(TUE, 18))
    assert result.rebuilt  # first run: nothing yet, so everything is computed
    assert set(result.days) == {MON, TUE}

    total = analytics.totals(week())
    assert (total.received, total.answered_directly) == (5, 2)
    # t1, t2, t5 closed (t4 was reopened after the unsatisfied callback); t1, t2, t5 on time.
    assert (total.closed, total.closed_on_time) == (3, 3)
    # t1, t4 signed on time; t3 signed a day late.
    assert (total.signed, total.signed_on_time, total.sign_rate) == (3, 2, 66.7)
    # reached callbacks: t1 satisfied, t4 not satisfied (t5 unreachable is left out).
    assert (total.callbacks, total.satisfied, total.satisfaction_rate) == (2, 1, 50.0)

    monday = analytics.totals(week(MON, MON))
    assert (monday.received, monday.closed, monday.signed, monday.signed_on_time) == (3, 2, 2, 1)
    days = analytics.volume_by_day(week(MON, date(2026, 11, 4)))
    assert [(d.key, d.received) for d in days] == [(MON, 3), (TUE, 2), (date(2026, 11, 4), 0)]

    departments = {row.label: row for row in analytics.by_department(week())}
    assert departments["区城管局"].received == 2
    assert (departments["区城管局"].signed, departments["区城管局"].sign_rate) == (2, 100.0)
    assert (departments["区住建局"].signed, departments["区住建局"].sign_rate) == (1, 0.0)
    assert departments[analytics.UNASSIGNED].received == 2  # answered directly, no order

    categories = {row.key: row.received for row in analytics.by_category(week())}
    assert categories == {"consult": 2, "complaint": 3}
    streets = {row.label: row.received for row in analytics.by_street(week())}
    assert streets == {"纺织城街道": 4, "十里铺街道": 1}
    heat = analytics.heat_table(week())
    assert [v for v, _label in heat.categories] == ["consult", "complaint"]
    assert heat.rows[0][0] == "纺织城街道" and heat.rows[0][2] == [2, 2] and heat.maximum == 2

    only_urban = analytics.totals(week(department_id=hl.urban.pk))
    assert (only_urban.received, only_urban.signed) == (2, 2)
    only_consult = analytics.totals(week(category="consult"))
    assert (only_consult.received, only_consult.answered_directly) == (2, 2)


def test_incremental_refresh_equals_rebuild_after_every_change(hl, no_overlap):
    wed, thu = date(2026, 11, 4), date(2026, 11, 5)
    t1 = take(hl, at(MON, 10), "纺正街工地夜间施工噪音扰民")
    t2 = take(hl, at(TUE, 10), "十里铺小区供暖不热", street=SHILIPU, phone="13700000002")
    assert refresh(at(TUE, 12)).rebuilt

    def check(when, expected_days):
        result = refresh(when)
        assert set(result.days) == expected_days
        incremental = snapshot()
        with freeze_time(when):
            analytics.rebuild_daily_stats()
        assert snapshot() == incremental
        return result

    # a new ticket on Wednesday: only Wednesday is recomputed
    t3 = take(hl, at(wed, 9), "办证大厅几点开门", category="consult", phone="13700000003")
    check(at(wed, 9, 1), {wed})
    # Monday's ticket dispatched and signed on Wednesday: Monday's counts change
    o1 = dispatch(hl, at(wed, 10), t1, hl.urban)
    sign(at(wed, 10, 30), o1, hl.urban_handler)
    check(at(wed, 11), {MON})
    assert analytics.totals(week(MON, MON)).signed_on_time == 1
    # closed and called back (satisfied) on Thursday, Tuesday's ticket dispatched
    reply_and_close(hl, at(thu, 9, 30), t1, o1, hl.urban_handler)
    o2 = dispatch(hl, at(thu, 9, 40), t2, hl.housing)
    check(at(thu, 9, 50), {MON, TUE})
    callback(hl, at(thu, 10), t1, "not_satisfied")  # reopens Monday's ticket
    check(at(thu, 10, 5), {MON})
    monday = analytics.totals(week(MON, MON))
    assert (monday.closed, monday.callbacks, monday.satisfied) == (0, 1, 0)
    # Wednesday's ticket answered directly; Tuesday's order signed late
    answer(hl, at(thu, 11), t3)
    sign(at(thu, 16), o2, hl.housing_handler)
    check(at(thu, 16, 5), {TUE, wed})
    # nothing changed: nothing recomputed, nothing lost
    before = snapshot()
    assert check(at(thu, 17), set()).days == ()
    assert snapshot() == before
    total = analytics.totals(week(MON, thu))
    assert (total.received, total.answered_directly, total.closed, total.signed) == (3, 1, 1, 2)


def test_refresh_of_given_days_and_rebuild_without_tickets(hl):
    assert analytics.rebuild_daily_stats().rows == 0
    take(hl, at(MON, 10), "纺正街工地夜间施工噪音扰民")
    result = refresh(at(MON, 11), days=[MON])
    assert result.days == (MON,) and not result.rebuilt
    assert analytics.totals(week(MON, MON)).received == 1
    # a row per cell: the uniqueness constraint holds after repeated refreshes
    refresh(at(MON, 12), days=[MON])
    assert DailyStat.objects.count() == 1


def test_refreshing_chosen_days_keeps_the_watermark(hl, no_overlap):
    take(hl, at(MON, 10), "纺正街工地夜间施工噪音扰民")
    refresh(at(MON, 11))
    take(hl, at(TUE, 10), "十里铺小区供暖不热", street=SHILIPU, phone="13700000002")
    refresh(at(TUE, 11), days=[MON])  # Tuesday's ticket is not looked at …
    assert analytics.totals(week()).received == 1
    assert set(refresh(at(TUE, 12)).days) == {TUE}  # … so the next refresh still finds it
    assert analytics.totals(week()).received == 2


def test_filters_are_checked():
    with pytest.raises(InvalidInput) as error:
        analytics.StatFilter(start=TUE, end=MON)
    assert error.value.field == "end"
    with pytest.raises(InvalidInput):
        analytics.StatFilter(start=date(2025, 1, 1), end=date(2026, 6, 1))
    with pytest.raises(InvalidInput) as error:
        analytics.StatFilter(start=MON, end=TUE, category="gossip")
    assert error.value.field == "category"


def test_management_command_refresh_rebuild_and_report(hl, known, tmp_path):
    out = io.StringIO()
    call_command("hotline_stats", "rebuild", stdout=out)
    assert "rebuilt" in out.getvalue()
    assert analytics.totals(week()).received == 5
    out = io.StringIO()
    call_command("hotline_stats", "refresh", "--day", MON.isoformat(), stdout=out)
    assert "1 天 days" in out.getvalue()
    assert analytics.totals(week()).received == 5
    target = tmp_path / "report.xlsx"
    call_command("hotline_stats", "report", MON.isoformat(), "-o", str(target), stdout=out)
    summary = load_workbook(target)["汇总"]
    assert {r[0]: r[1] for r in summary.iter_rows(values_only=True)}["受理量 received"] == 3


# --- hot topics and repeat callers ---------------------------------------------------------------


def test_hot_topics_pick_the_rising_term(hl):
    day = date(2026, 11, 13)  # Friday; this week = 7th … 13th, the week before = 31st … 6th
    for n in range(2):
        take(hl, at(date(2026, 11, 2 + n), 10), "纺正街工地噪音扰民", phone=f"1370000010{n}")
    for n in range(2):
        take(hl, at(date(2026, 11, 9 + n), 10), "纺正街工地噪音扰民", phone=f"1370000020{n}")
    texts = ["半坡路小区供暖不热", "家中供暖温度太低", "十里铺供暖时断时续", "洪庆供暖停了三天"]
    heating = [
        take(hl, at(date(2026, 11, 9 + n), 11), text, phone=f"1370000030{n}")
        for n, text in enumerate(texts)
    ]
    take(hl, at(date(2026, 11, 3), 11), "供暖什么时候开始", phone="13700000400")

    topics = analytics.hot_topics(day=day)
    assert topics[0].term == "供暖"
    assert (topics[0].this_week, topics[0].last_week, topics[0].rise) == (4, 1, 3)
    assert set(topics[0].examples) <= {t.number for t in heating}
    assert len(topics[0].examples) == 3
    assert "噪音" not in {t.term for t in topics}  # as often as the week before
    assert not {"小区", "问题", "反映"} & {t.term for t in topics}  # stop words
    # cached for the day: a new ticket does not change today's answer
    take(hl, at(day, 9), "停车难停车难", phone="13700000500")
    assert analytics.hot_topics(day=day) == topics


def test_repeat_callers_are_masked_and_counted(hl):
    mine = [take(hl, at(MON, 10 + n), f"纺正街噪音第{n + 1}次反映") for n in range(3)]
    take(hl, at(MON, 14), "供暖不热", phone="13700000002")
    take(hl, at(MON, 15), "举报工地违规", category="report", anonymous=True, phone="")
    callers = analytics.repeat_callers(week())
    assert len(callers) == 1
    caller = callers[0]
    assert caller.caller == "139****5678"
    assert caller.tickets == 3
    assert caller.last_numbers == tuple(t.number for t in reversed(mine))
    assert analytics.repeat_callers(week(), min_tickets=4) == []
    with pytest.raises(InvalidInput):
        analytics.repeat_callers(week(), min_tickets=1)


# --- the daily report ----------------------------------------------------------------------------


def test_daily_report_workbook(hl, known):
    refresh(at(TUE, 18))
    with freeze_time(at(TUE, 18)):
        data = analytics.daily_report_xlsx(MON)
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == list(analytics.REPORT_SHEETS)
    summary = {row[0]: row[1] for row in workbook["汇总"].iter_rows(min_row=2, values_only=True)}
    assert summary["日期 day"] == "2026-11-02"
    assert summary["受理量 received"] == 3
    assert summary["直接答复 answered directly"] == 1
    assert summary["签收 signed"] == 2 and summary["按时签收 signed on time"] == 1
    categories = {r[0]: r[1] for r in workbook["按类别"].iter_rows(min_row=2, values_only=True)}
    assert categories == {"咨询 / enquiry": 1, "投诉 / complaint": 2}
    departments = [r[0] for r in workbook["按部门"].iter_rows(min_row=2, values_only=True)]
    assert "区城管局" in departments and "区住建局" in departments
    streets = {r[0]: r[1] for r in workbook["按街道"].iter_rows(min_row=2, values_only=True)}
    assert streets == {"纺织城街道": 2, "十里铺街道": 1}
    header = next(workbook["超期工单"].iter_rows(max_row=1, values_only=True))
    assert header[0] == "工单编号 ticket"
    assert next(workbook["热点诉求"].iter_rows(max_row=1, values_only=True))[0] == "热词 term"


def test_overdue_orders_sheet_lists_late_open_orders(hl):
    ticket = take(hl, at(MON, 10), "纺正街工地夜间施工噪音扰民")
    dispatch(hl, at(MON, 10, 5), ticket, hl.urban)
    late = analytics.overdue_orders(now=at(date(2026, 12, 1), 9))
    assert [(o.number, o.department) for o in late] == [(ticket.number, "区城管局")]
    assert analytics.overdue_orders(now=at(MON, 11)) == []
    assert analytics.overdue_orders(now=at(date(2026, 12, 1), 9), department_id=hl.housing.pk) == []
    with freeze_time(at(date(2026, 12, 1), 9)):
        data = analytics.daily_report_xlsx(date(2026, 12, 1))
    rows = list(load_workbook(io.BytesIO(data))["超期工单"].iter_rows(min_row=2, values_only=True))
    assert rows[0][0] == ticket.number and rows[0][7] > 0


# --- access ------------------------------------------------------------------------------------


def test_scope_by_role(hl):
    admin = make_staff(department=hl.centre, roles=["administrator"])
    for user in (hl.agent, hl.dispatcher, hl.supervisor, admin):
        assert analytics.analytics_scope(user) is None
    assert analytics.analytics_scope(hl.urban_head) == hl.urban.pk
    for user in (hl.urban_handler, hl.citizen, hl.street_handler):
        with pytest.raises(NotAllowed):
            analytics.analytics_scope(user)


@pytest.mark.parametrize("who", ["agent", "dispatcher", "supervisor", "urban_head"])
def test_dashboard_renders_for_the_analytics_roles(client, hl, known, who):
    refresh(at(TUE, 18))
    client.force_login(getattr(hl, who))
    response = client.get(URL, {"start": "2026-11-02", "end": "2026-11-03"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="hla-chart-data"' in html and "vendor/echarts/echarts.min.js" in html
    assert "hotline/analytics.js" in html and 'id="hla-trend-table"' in html
    assert "/workbench/hotline/analytics/tickets/?start=2026-11-02" in html
    assert "report.xlsx?day=2026-11-03" in html
    if who == "urban_head":  # their department only
        assert response.context["total"].received == 2
        assert "区住建局" not in response.context["chart_data"]["departments"]["names"]
    else:
        assert response.context["total"].received == 5


def test_dashboard_is_refused_to_citizens_and_other_staff(client, hl):
    for user in (hl.citizen, hl.urban_handler, hl.street_handler):
        client.force_login(user)
        for path in (URL, URL + "tickets/", URL + "report.xlsx"):
            assert client.get(path).status_code == 403
    client.logout()
    assert client.get(URL).status_code == 302


def test_dashboard_query_count_is_pinned(client, hl, known, django_assert_num_queries):
    refresh(at(TUE, 18))
    client.force_login(hl.supervisor)
    params = {"start": "2026-11-02", "end": "2026-11-03"}
    client.get(URL, params)  # warms the hot-topics cache of the day
    with django_assert_num_queries(16):  # 3 session/user/roles, 3 session save, 10 page
        response = client.get(URL, params)
    assert response.status_code == 200


def test_dashboard_shows_no_phone_number(client, hl):
    for n in range(3):
        take(hl, at(MON, 10 + n), f"纺正街噪音第{n + 1}次反映")
    refresh(at(MON, 18))
    client.force_login(hl.agent)
    html = client.get(URL, {"start": "2026-11-02", "end": "2026-11-02"}).content.decode()
    assert "139****5678" in html
    assert "13912345678" not in html


def test_bad_filters_show_the_message_with_422(client, hl):
    client.force_login(hl.agent)
    response = client.get(URL, {"start": "2026-13-01"})
    assert response.status_code == 422
    assert "YYYY-MM-DD" in response.content.decode()
    assert client.get(URL, {"start": "2026-11-03", "end": "2026-11-01"}).status_code == 422
    assert client.get(URL, {"department": "abc"}).status_code == 422
    assert client.get(URL + "tickets/", {"status": "nonsense"}).status_code == 422
    assert client.get(URL + "report.xlsx", {"day": "2999-01-01"}).status_code == 422


def test_ticket_list_drill_down(client, hl, known):
    t1, t2, t3, t4, t5 = known
    client.force_login(hl.dispatcher)
    response = client.get(
        URL + "tickets/", {"start": "2026-11-02", "end": "2026-11-03", "category": "consult"}
    )
    assert response.status_code == 200
    numbers = [row["ticket"].number for row in response.context["rows"]]
    assert numbers == [t5.number, t2.number]
    assert f"/workbench/hotline/tickets/{t5.number}/" in response.content.decode()
    response = client.get(
        URL + "tickets/",
        {
            "start": "2026-11-02",
            "end": "2026-11-03",
            "street": response.context["rows"][0]["ticket"].street_id,
        },
    )
    assert t3.number not in [row["ticket"].number for row in response.context["rows"]]
    response = client.get(
        URL + "tickets/", {"start": "2026-11-02", "end": "2026-11-03", "status": "open"}
    )
    assert {row["ticket"].number for row in response.context["rows"]} == {t3.number, t4.number}
    # a department head only ever sees their department, whatever the filter says
    client.force_login(hl.urban_head)
    response = client.get(
        URL + "tickets/",
        {"start": "2026-11-02", "end": "2026-11-03", "department": hl.housing.pk},
    )
    assert {row["ticket"].number for row in response.context["rows"]} == {t1.number, t4.number}


def test_report_download(client, hl, known):
    refresh(at(TUE, 18))
    client.force_login(hl.supervisor)
    response = client.get(URL + "report.xlsx", {"day": "2026-11-02"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    summary = load_workbook(io.BytesIO(response.content))["汇总"]
    assert {r[0]: r[1] for r in summary.iter_rows(values_only=True)}["受理量 received"] == 3


def test_periodic_task_refreshes_the_aggregates(hl):
    from zhengwu.hotline import tasks

    take(hl, at(MON, 10), "纺正街工地夜间施工噪音扰民")
    result = tasks.refresh_daily_stats.enqueue()
    assert result.return_value["rebuilt"] is True
    assert result.return_value["days"] == ["2026-11-02"]
    assert analytics.totals(week(MON, MON)).received == 1
