"""Guide quality checks and scores."""

from __future__ import annotations

import pytest

from tests.catalog import helpers_manage as h
from tests.factories import DepartmentFactory
from zhengwu.catalog import quality, selectors
from zhengwu.catalog.models import ItemVersion

pytestmark = pytest.mark.django_db


def codes(version: ItemVersion) -> set[str]:
    fresh = selectors.guide_queryset().get(pk=version.pk)
    return {f.code for f in quality.check_version(fresh).findings}


def test_complete_guide_scores_high():
    version = h.published_list(DepartmentFactory())
    result = quality.check_version(selectors.guide_queryset().get(pk=version.pk))
    # only the form-type 申请书 lacks a blank form
    assert {f.code for f in result.findings} == {"form_without_blank"}
    assert result.score == 95


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"fee_charged": True, "fee_basis": ""}, "fee_without_basis"),
        ({"online_address": ""}, "online_without_address"),
        ({"promised_limit": 30}, "promised_exceeds_statutory"),
        ({"case_type": "1", "promised_limit": 3}, "immediate_with_limit"),
        ({"faqs": []}, "no_faq"),
        ({"handling_forms": ["1"]}, "depth_without_online_form"),
        ({"acceptance_conditions": ""}, "missing_acceptance_conditions"),
        ({"complaint_phone": ""}, "missing_complaint_phone"),
        ({"hall_negative_list": True}, "negative_list_without_reason"),
    ],
)
def test_findings(changes, expected):
    version = h.published_list(DepartmentFactory(), situations=False)
    # data imported or edited outside the services can break the rules; the check reports it
    ItemVersion.objects.filter(pk=version.pk).update(**changes)
    assert expected in codes(version)


def test_material_findings_and_report():
    dept = DepartmentFactory()
    version = h.new_draft(dept)
    from zhengwu.catalog import services
    from zhengwu.kernel.actors import SYSTEM

    services.material_save(
        version_id=version.pk, key="form", user=None, actor=SYSTEM, data={"name": "申请表"}
    )
    h.approve(version)
    found = codes(version)
    assert {"material_without_issuer", "form_without_blank"} <= found
    h.published_list(DepartmentFactory(), situations=False)
    report = quality.quality_report()
    assert len(report.items) == 2
    assert report.departments[0].department_id == dept.pk  # worst first
    only = quality.quality_report(department_id=dept.pk)
    assert [r.version_id for r in only.items] == [version.pk]
    assert only.as_dict()["departments"][0]["items"] == 1
