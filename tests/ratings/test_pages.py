"""The 好差评 pages: the citizen's rate pages and the staff's rectification pages.

Each page renders for the right user and is refused (404/403) to others; bad input shows the
field's error and changes nothing; the POST flows move a rectification through its steps.
Data is set up cheaply (a concluded case row, departments and staff from the factories);
everything under test goes through the real views and services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import DepartmentFactory, make_citizen, make_staff
from zhengwu.cases.models import Case
from zhengwu.org.models import Department
from zhengwu.ratings import services
from zhengwu.ratings.models import Rectification, Review

pytestmark = pytest.mark.django_db

PC_AGENT = "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0"
PHONE_AGENT = "Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile Safari/537.36"
ITEM = "食品经营许可"
NUMBER = "BQ20261127000001"


@dataclass
class World:
    department: object
    other_department: object
    citizen: object
    other_citizen: object
    handler: object  # staff of the responsible department
    agent: object  # low clearance staff of the same department (sees the rater masked)
    outsider: object  # staff of another department
    supervisor: object
    case: Case


def _client(user=None, *, agent: str = PC_AGENT, language: str | None = None) -> Client:
    client = Client(HTTP_USER_AGENT=agent)
    if language:
        client.cookies["zhengwu_language"] = language
    if user is not None:
        client.force_login(user)
    return client


def _department(name: str):
    """The body of that name: the package's seeded org tree may hold it already."""
    return Department.objects.filter(name=name).first() or DepartmentFactory(name=name)


@pytest.fixture
def w(db) -> World:
    from zhengwu.kernel import workdays

    workdays.seed_from_package(years=[timezone.localdate().year])
    department = _department("区市场监管局")
    other = _department("区民政局")
    centre = _department("区行政审批服务局")
    citizen = make_citizen(real_name="张伟")
    case = Case.objects.create(
        number=NUMBER,
        item_name=ITEM,
        implementation_code="11610111MB29550370000011110001",
        channel="portal",
        applicant_kind="citizen",
        applicant_user=citizen,
        applicant_name="张伟",
        applicant_id_type="111",
        department=department,
        status="concluded",
        concluded_at=timezone.now(),
    )
    return World(
        department=department,
        other_department=other,
        citizen=citizen,
        other_citizen=make_citizen(real_name="李娜"),
        handler=make_staff(department=department, roles=["approver"], display_name="王建军"),
        agent=make_staff(department=department, roles=["hotline_agent"], display_name="赵敏"),
        outsider=make_staff(department=other, roles=["approver"], display_name="钱多"),
        supervisor=make_staff(department=centre, roles=["supervisor"], display_name="吴敏"),
        case=case,
    )


def _bad_review(w: World, **kwargs) -> Review:
    return services.rate(
        by=w.citizen,
        subject_type="case",
        subject_key=NUMBER,
        level=5,
        channel="1",
        text="窗口让我多跑了两次",
        tags=["多次跑动"],
        **kwargs,
    )


def _rectification(w: World) -> Rectification:
    return Rectification.objects.get(review=_bad_review(w))


# --- citizen pages -------------------------------------------------------------------------------


def test_my_ratings_lists_the_concluded_case_to_rate(w):
    response = _client(w.citizen).get(reverse("ratings:index"))
    assert response.status_code == 200
    body = response.content.decode()
    assert ITEM in body
    assert reverse("ratings:rate_case", args=[NUMBER]) in body
    # another citizen has nothing to rate
    other = _client(w.other_citizen).get(reverse("ratings:index")).content.decode()
    assert reverse("ratings:rate_case", args=[NUMBER]) not in other


def test_citizen_pages_need_a_sign_in(w):
    client = Client()
    for url in (reverse("ratings:index"), reverse("ratings:rate_case", args=[NUMBER])):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_rate_page_shows_the_five_levels_to_the_applicant_only(w):
    url = reverse("ratings:rate_case", args=[NUMBER])
    response = _client(w.citizen).get(url)
    assert response.status_code == 200
    body = response.content.decode()
    for label in ("非常满意", "满意", "基本满意", "不满意", "非常不满意"):
        assert label in body
    assert body.count('name="level"') == 5
    assert 'maxlength="500"' in body
    assert _client(w.other_citizen).get(url).status_code == 404
    assert _client(w.handler).get(url).status_code == 404
    assert _client(w.citizen).get(reverse("ratings:rate_case", args=["NOPE"])).status_code == 404


def test_another_users_case_cannot_be_rated_by_post(w):
    url = reverse("ratings:rate_case", args=[NUMBER])
    response = _client(w.other_citizen).post(url, {"level": "1"})
    assert response.status_code == 404
    assert not Review.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "level"),
        ({"level": "6"}, "level"),
        ({"level": "0"}, "level"),
        ({"level": "5", "text": "差" * 501}, "text"),
        ({"level": "5", "tags": ["不存在的标签"]}, "tags"),
    ],
)
def test_bad_rating_input_shows_the_field_error_and_changes_nothing(w, data, field):
    response = _client(w.citizen).post(reverse("ratings:rate_case", args=[NUMBER]), data)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.content.decode()
    assert not Review.objects.exists()
    assert not Rectification.objects.exists()


def test_a_bad_rating_opens_a_rectification_and_the_channel_follows_the_browser(w):
    url = reverse("ratings:rate_case", args=[NUMBER])
    response = _client(w.citizen, agent=PHONE_AGENT).post(
        url, {"level": "5", "text": "多跑了两次", "tags": ["多次跑动", "态度不好"]}
    )
    assert response.status_code == 302
    assert response["Location"] == url
    review = Review.objects.get()
    assert (review.level, review.channel, review.count) == (5, "2", 1)
    assert review.tags == ["多次跑动", "态度不好"]
    assert review.rater_id == w.citizen.pk
    assert Rectification.objects.get(review=review).status == "verifying"
    # the case is no longer offered; the page shows the rating and the one revision
    index = _client(w.citizen).get(reverse("ratings:index")).content.decode()
    assert f'href="{url}"' in index
    page = _client(w.citizen).get(url).content.decode()
    assert 'id="review-level"' in page and "非常不满意" in page
    assert reverse("ratings:revise", args=[review.pk]) in page


def test_a_good_rating_from_a_pc_drops_the_tags_and_opens_nothing(w):
    url = reverse("ratings:rate_case", args=[NUMBER])
    response = _client(w.citizen).post(url, {"level": "1", "tags": ["态度不好"]})
    assert response.status_code == 302
    review = Review.objects.get()
    assert (review.level, review.channel, review.tags) == (1, "1", [])
    assert not Rectification.objects.exists()
    # a second rating is not taken: the page offers the revision instead
    again = _client(w.citizen).post(url, {"level": "5"})
    assert again.status_code == 302
    assert Review.objects.get().level == 1


def test_revise_once_then_refused_in_chinese_or_english(w):
    review = _bad_review(w)
    url = reverse("ratings:revise", args=[review.pk])
    assert _client(w.citizen).post(url, {"level": "2", "text": "已解决"}).status_code == 302
    review.refresh_from_db()
    assert (review.level, review.count, review.tags) == (2, 2, [])
    page = _client(w.citizen).get(reverse("ratings:rate_case", args=[NUMBER])).content.decode()
    assert url not in page  # no second revision offered
    refused = _client(w.citizen).post(url, {"level": "4"})
    assert refused.status_code == 409
    assert "评价只能修改一次" in refused.content.decode()
    english = _client(w.citizen, language="en").post(url, {"level": "4"})
    assert english.status_code == 409
    assert "A review may be revised only once" in english.content.decode()
    review.refresh_from_db()
    assert (review.level, review.count) == (2, 2)
    # someone else's review does not exist for them
    assert _client(w.other_citizen).post(url, {"level": "1"}).status_code == 404


def test_revise_with_bad_input_changes_nothing(w):
    review = _bad_review(w)
    response = _client(w.citizen).post(reverse("ratings:revise", args=[review.pk]), {"level": "9"})
    assert response.status_code == 422
    assert 'id="level-error"' in response.content.decode()
    review.refresh_from_db()
    assert (review.level, review.count) == (5, 1)


def test_window_visit_rating_from_the_qr_code(w):
    url = reverse("ratings:rate_window")
    missing = _client(w.other_citizen).get(url + "?venue=区市场监管局&window=A01")
    assert missing.status_code == 400
    query = "?venue=区市场监管局&window=A01&ticket=A017"
    page = _client(w.other_citizen).get(url + query)
    assert page.status_code == 200
    assert "A01" in page.content.decode()
    response = _client(w.other_citizen, agent=PHONE_AGENT).post(url + query, {"level": "2"})
    assert response.status_code == 302
    review = Review.objects.get()
    assert (review.subject_type, review.subject_key) == ("window", "区市场监管局/A01/A017")
    assert review.channel == "3"  # 二维码, whatever the browser
    assert review.department_id == w.department.pk
    # a hall tablet says which it is
    tablet = _client(w.citizen).post(
        url + "?venue=区市场监管局&window=A01&ticket=A018", {"level": "1", "channel": "4"}
    )
    assert tablet.status_code == 302
    assert Review.objects.get(subject_key__endswith="A018").channel == "4"


def test_unknown_venue_is_refused_at_the_top_and_nothing_is_stored(w):
    url = reverse("ratings:rate_window") + "?venue=不存在的大厅&window=A01&ticket=A017"
    response = _client(w.citizen).post(url, {"level": "2"})
    assert response.status_code == 422
    assert 'id="error-summary"' in response.content.decode()
    assert not Review.objects.exists()


def test_public_page_shows_aggregates_without_raters(w):
    _bad_review(w)
    response = Client().get(reverse("ratings:public"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "区市场监管局" in body and ITEM in body
    assert "张伟" not in body and "窗口让我多跑了两次" not in body


# --- workbench pages -----------------------------------------------------------------------------


def test_queue_shows_the_departments_rectifications_only(w):
    rect = _rectification(w)
    detail = reverse("ratings_workbench:detail", args=[rect.pk])
    page = _client(w.handler).get(reverse("ratings_workbench:queue"))
    assert page.status_code == 200
    assert detail in page.content.decode()
    other = _client(w.outsider).get(reverse("ratings_workbench:queue"))
    assert other.status_code == 200 and detail not in other.content.decode()
    assert detail in _client(w.supervisor).get(reverse("ratings_workbench:queue")).content.decode()
    assert _client(w.citizen).get(reverse("ratings_workbench:queue")).status_code == 403
    assert (
        _client(w.handler).get(reverse("ratings_workbench:queue") + "?status=x").status_code == 404
    )
    closed = _client(w.handler).get(reverse("ratings_workbench:queue") + "?status=closed")
    assert detail not in closed.content.decode()


def test_queue_marks_an_overdue_rectification(w):
    rect = _rectification(w)
    queue = reverse("ratings_workbench:queue")
    detail = reverse("ratings_workbench:detail", args=[rect.pk])
    assert detail not in _client(w.handler).get(queue + "?status=overdue").content.decode()
    Rectification.objects.filter(pk=rect.pk).update(verify_due=timezone.now() - timedelta(hours=1))
    body = _client(w.handler).get(queue).content.decode()
    assert "rt-row-overdue" in body
    assert detail in _client(w.handler).get(queue + "?status=overdue").content.decode()
    assert 'id="supervisions"' not in _client(w.handler).get(detail).content.decode()
    assert services.escalate_overdue() == 1
    assert 'id="supervisions"' in _client(w.handler).get(detail).content.decode()


def test_detail_for_the_department_masks_the_rater_by_role(w):
    rect = _rectification(w)
    url = reverse("ratings_workbench:detail", args=[rect.pk])
    page = _client(w.handler).get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "窗口让我多跑了两次" in body and "多次跑动" in body
    assert 'id="rater">张伟<' in body
    assert 'action="{}"'.format(reverse("ratings_workbench:verify", args=[rect.pk])) in body
    masked = _client(w.agent).get(url).content.decode()
    assert 'id="rater">张*<' in masked
    assert _client(w.outsider).get(url).status_code == 404
    assert _client(w.citizen).get(url).status_code == 403


def test_the_valid_path_moves_the_status_to_closed(w):
    rect = _rectification(w)
    client = _client(w.handler)

    def post(action, data):
        return client.post(reverse(f"ratings_workbench:{action}", args=[rect.pk]), data)

    assert (
        post("verify", {"valid": "yes", "evidence": "调取窗口记录，确认多次跑动"}).status_code
        == 302
    )
    rect.refresh_from_db()
    assert (rect.status, rect.valid) == ("rectifying", True)
    assert (
        post("rectify", {"measures": "一次性告知培训", "reply": "已整改，致歉"}).status_code == 302
    )
    rect.refresh_from_db()
    assert rect.status == "revisiting" and rect.measures == "一次性告知培训"
    # the rater sees the reply on the rate page
    page = _client(w.citizen).get(reverse("ratings:rate_case", args=[NUMBER])).content.decode()
    assert "已整改，致歉" in page
    assert post("revisit", {"satisfied": "yes", "note": "电话回访满意"}).status_code == 302
    rect.refresh_from_db()
    assert (rect.status, rect.revisit_satisfied) == ("closed", True)
    body = client.get(reverse("ratings_workbench:detail", args=[rect.pk])).content.decode()
    assert 'id="timeline"' in body and "回访办结" in body


def test_explain_instead_of_rectify(w):
    rect = _rectification(w)
    services.verify(by=w.handler, rectification_id=rect.pk, valid=True, evidence="核实")
    response = _client(w.handler).post(
        reverse("ratings_workbench:explain", args=[rect.pk]),
        {"explanation": "法定材料", "reply": "向您解释"},
    )
    assert response.status_code == 302
    rect.refresh_from_db()
    assert rect.status == "revisiting" and rect.explanation == "法定材料"


@pytest.mark.parametrize(
    ("action", "data", "field"),
    [
        ("verify", {"valid": "yes", "evidence": ""}, "verify-evidence"),
        ("verify", {"evidence": "核实"}, "verify-valid"),
        ("verify", {"valid": "maybe", "evidence": "核实"}, "verify-valid"),
    ],
)
def test_bad_step_input_shows_the_field_error_and_changes_nothing(w, action, data, field):
    rect = _rectification(w)
    response = _client(w.handler).post(reverse(f"ratings_workbench:{action}", args=[rect.pk]), data)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.content.decode()
    rect.refresh_from_db()
    assert rect.status == "verifying" and rect.verified_at is None


def test_a_step_out_of_order_is_refused_with_a_message(w):
    rect = _rectification(w)
    response = _client(w.handler).post(
        reverse("ratings_workbench:revisit", args=[rect.pk]),
        {"satisfied": "yes", "note": "满意"},
    )
    assert response.status_code == 409
    assert 'id="action-error"' in response.content.decode()
    rect.refresh_from_db()
    assert rect.status == "verifying" and rect.revisited_at is None


def test_other_departments_staff_cannot_act(w):
    rect = _rectification(w)
    response = _client(w.outsider).post(
        reverse("ratings_workbench:verify", args=[rect.pk]), {"valid": "yes", "evidence": "x"}
    )
    assert response.status_code == 404
    rect.refresh_from_db()
    assert rect.status == "verifying"


def test_invalid_review_needs_the_supervisors_approval(w):
    rect = _rectification(w)
    client = _client(w.handler)
    verify = reverse("ratings_workbench:verify", args=[rect.pk])
    assert client.post(verify, {"valid": "no", "evidence": "监控显示一次办结"}).status_code == 302
    rect.refresh_from_db()
    assert rect.status == "invalid_pending"
    decide = reverse("ratings_workbench:decide", args=[rect.pk])
    # the handler is not offered the decision, and is refused it
    assert (
        decide
        not in client.get(reverse("ratings_workbench:detail", args=[rect.pk])).content.decode()
    )
    assert client.post(decide, {"approve": "yes"}).status_code == 403
    rect.refresh_from_db()
    assert rect.status == "invalid_pending"
    supervisor = _client(w.supervisor)
    assert (
        decide
        in supervisor.get(reverse("ratings_workbench:detail", args=[rect.pk])).content.decode()
    )
    assert supervisor.post(decide, {"approve": "yes", "note": "同意"}).status_code == 302
    rect.refresh_from_db()
    assert rect.status == "closed_invalid"


def test_three_100_shows_rates_and_the_cases_breaking_them(w):
    rect = _rectification(w)
    url = reverse("ratings_workbench:three_100")
    link = reverse("ratings_workbench:detail", args=[rect.pk])
    page = _client(w.handler).get(url)
    assert page.status_code == 200
    assert "区市场监管局" in page.content.decode()
    assert link not in page.content.decode()  # nothing late yet
    Rectification.objects.filter(pk=rect.pk).update(verify_due=timezone.now() - timedelta(hours=1))
    body = _client(w.handler).get(url).content.decode()
    assert '<dd class="rt-rate-bad">0.0%</dd>' in body
    assert link in body
    services.verify(by=w.handler, rectification_id=rect.pk, valid=True, evidence="核实")
    body = _client(w.handler).get(url).content.decode()
    assert "<dd>100.0%</dd>" in body and link not in body
    # another department's staff see only their own department (nothing here)
    assert "区市场监管局" not in _client(w.outsider).get(url).content.decode()
    assert "区市场监管局" in _client(w.supervisor).get(url).content.decode()
    assert _client(w.citizen).get(url).status_code == 403


def test_a_closed_hotline_ticket_is_rated_by_its_caller_only(w):
    from zhengwu.hotline.models import Ticket

    Ticket.objects.create(
        number="12345202611270001",
        channel="web",
        category="complaint",
        text="路灯不亮",
        caller_user=w.citizen,
        status="closed",
        department=w.department,
        received_at=timezone.now() - timedelta(days=3),
        closed_at=timezone.now(),
    )
    url = reverse("ratings:rate_ticket", args=["12345202611270001"])
    assert url in _client(w.citizen).get(reverse("ratings:index")).content.decode()
    assert _client(w.other_citizen).get(url).status_code == 404
    assert _client(w.other_citizen).post(url, {"level": "1"}).status_code == 404
    response = _client(w.citizen).post(url, {"level": "4", "tags": ["态度不好"]})
    assert response.status_code == 302
    review = Review.objects.get()
    assert (review.subject_type, review.level, review.department_id) == (
        "ticket",
        4,
        w.department.pk,
    )
    assert (
        url
        not in _client(w.citizen)
        .get(reverse("ratings:index"))
        .content.decode()
        .split('id="my-reviews"')[0]
    )


def test_unknown_item_has_no_online_rating_page(w):
    url = reverse("ratings:rate_online", args=["NO-SUCH-ITEM"])
    assert _client(w.citizen).get(url).status_code == 404


def test_rate_page_in_english(w):
    page = _client(w.citizen, language="en").get(reverse("ratings:rate_case", args=[NUMBER]))
    assert page.status_code == 200
    body = page.content.decode()
    assert '<html lang="en">' in body
    assert "very dissatisfied" in body and "非常不满意" not in body


def test_the_online_service_of_an_item_is_rated_by_any_signed_in_user(db):
    from tests.cases.conftest import FOOD, _catalog_subset
    from zhengwu.catalog.io import import_catalog
    from zhengwu.catalog.models import ItemVersion
    from zhengwu.kernel.actors import SYSTEM
    from zhengwu.org import demo as org_demo

    org_demo.load_demo()
    import_catalog(_catalog_subset({FOOD}, set()), actor=SYSTEM)
    version = ItemVersion.objects.get(name=FOOD, status="published")
    citizen = make_citizen(real_name="李娜")
    url = reverse("ratings:rate_online", args=[version.implementation_code])
    page = _client(citizen).get(url)
    assert page.status_code == 200 and FOOD in page.content.decode()
    assert _client(citizen).post(url, {"level": "3"}).status_code == 302
    review = Review.objects.get()
    assert (review.subject_type, review.subject_key, review.level) == (
        "online",
        version.implementation_code,
        3,
    )
    assert review.department_id == version.department_id
