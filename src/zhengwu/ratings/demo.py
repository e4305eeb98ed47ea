"""Demo data of 好差评 (run after the org, accounts, catalogue, cases and hotline demos).

Through the real services: the global limit row (1 / 15 / 3 working days), a 非常满意
window visit, a 满意 rating of the food licence's online service, and a 非常不满意 review of
the demo's concluded case that the market regulator has verified as valid — so the
workbench shows a rectification in progress and 三个100% has something to count.
Idempotent: what exists is left alone.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from zhengwu.cases import selectors as case_selectors
from zhengwu.catalog import selectors as catalog_selectors
from zhengwu.org import selectors as org_selectors
from zhengwu.ratings import services
from zhengwu.ratings.choices import SubjectType
from zhengwu.ratings.models import LimitSetting, Rectification, Review

FOOD = "食品经营许可"
HALL = "区行政审批服务局"


def _user(username: str) -> Any:
    return get_user_model().objects.filter(username=username).first()


def _rate_once(citizen: Any, subject_type: str, key: str, **kwargs: Any) -> Review:
    existing = Review.objects.filter(
        subject_type=subject_type, subject_key=key, rater=citizen
    ).first()
    if existing is not None:
        return existing
    return services.rate(by=citizen, subject_type=subject_type, subject_key=key, **kwargs)


def load_demo() -> dict[str, int]:
    """Create the demo ratings; answers how many reviews and rectifications exist."""
    LimitSetting.objects.get_or_create(
        department=None, defaults={"verify_days": 1, "rectify_days": 15, "revisit_days": 3}
    )
    citizen, approver = _user("citizen"), _user("approver")
    if citizen is None:
        return {"reviews": Review.objects.count(), "rectifications": 0}
    with transaction.atomic():
        if org_selectors.department_by_name(HALL) is not None:
            _rate_once(
                citizen, SubjectType.WINDOW, f"{HALL}/1号窗口/A001",
                level=1, channel="4", text="窗口人员耐心细致，一次办好",
            )  # fmt: skip
        food = catalog_selectors.published_versions(q=FOOD).filter(name=FOOD).first()
        if food is not None:
            _rate_once(
                citizen, SubjectType.ONLINE, food.implementation_code, level=2, channel="1",
                text="网上申报流程清楚",
            )  # fmt: skip
        concluded = (
            case_selectors.applicant_cases(citizen)
            .filter(status="concluded", number__isnull=False)
            .order_by("id")
            .first()
        )
        if concluded is not None:
            bad = _rate_once(
                citizen, SubjectType.CASE, concluded.number, level=5, channel="2",
                text="窗口要求提交指南上没有的场所平面图，多跑了一趟",
                tags=["指南外增加材料", "多次跑动"],
            )  # fmt: skip
            rect = Rectification.objects.filter(review=bad).first()
            if rect is not None and approver is not None and rect.status == "verifying":
                services.verify(
                    by=approver, rectification_id=rect.pk, valid=True,
                    evidence="调阅受理记录：窗口确曾要求补交平面图，不在办事指南材料清单内",
                )  # fmt: skip
    return {"reviews": Review.objects.count(), "rectifications": Rectification.objects.count()}
