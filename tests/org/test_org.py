"""Org services, selectors and the public API."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import DepartmentFactory
from zhengwu.kernel.errors import InvalidInput
from zhengwu.kernel.identifiers import make_uscc, parse_uscc
from zhengwu.org import demo, selectors, services
from zhengwu.org.models import Department, Region

pytestmark = pytest.mark.django_db


def fields_of(error):
    return {error.field} | {e.field for e in error.errors}


def test_region_tree_rules():
    services.region_create(code="610000", name="陕西省", level=2)
    services.region_create(code="610100", name="西安市", level=3, parent_code="610000")
    services.region_create(code="610111", name="灞桥区", level=4, parent_code="610100")
    street = services.region_create(
        code="610111001", name="纺织城街道", level=5, parent_code="610111"
    )
    assert street.full_name == "陕西省西安市灞桥区纺织城街道"
    with pytest.raises(InvalidInput) as caught:
        services.region_create(code="610112001", name="错街道", level=5, parent_code="610111")
    assert "parent_code" in fields_of(caught.value)
    with pytest.raises(InvalidInput) as caught:
        services.region_create(code="6101110011", name="错", level=6, parent_code="610111001")
    assert "code" in fields_of(caught.value)
    assert Region.objects.count() == 4


def test_department_create_validates_uscc_and_uniqueness():
    services.region_create(code="610111", name="灞桥区", level=4)
    good = make_uscc("1", "1", "610111", "MB000001")
    department = services.department_create(
        name="区测试局", short_name="测试局", uscc=good, kind="government", region_code="610111"
    )
    assert department.uscc == good and department.level == 4
    with pytest.raises(InvalidInput) as caught:
        services.department_create(
            name="区坏局",
            uscc=good[:-1] + ("0" if good[-1] != "0" else "1"),
            kind="government",
            region_code="610111",
        )
    assert "uscc" in fields_of(caught.value)
    with pytest.raises(InvalidInput) as caught:
        services.department_create(
            name="区测试局",
            uscc=make_uscc("1", "1", "610111", "MB000002"),
            kind="nonsense",
            region_code="999999",
        )
    assert {"name", "kind", "region_code"} <= fields_of(caught.value)
    assert Department.objects.count() == 1


def test_demo_is_idempotent_and_has_every_body():
    first = demo.load_demo()
    counts = (Region.objects.count(), Department.objects.count())
    second = demo.load_demo()
    assert second == {"regions": 0, "departments": 0}
    assert (Region.objects.count(), Department.objects.count()) == counts
    assert first["departments"] == counts[1] == len(demo.all_body_names())
    names = set(Department.objects.values_list("name", flat=True))
    for name in [
        "区行政审批服务局",
        "区政府办",
        "区市场监管局",
        "区科技工信局",
        "区发改委",
        "区教育局",
        "公安灞桥分局",
        "区民政局",
        "区司法局",
        "区财政局",
        "区人社局",
        "资源规划灞桥分局",
        "区住建局",
        "区城管局",
        "区交通局",
        "区秦岭保护执法局",
        "区农业农村局",
        "区投资商务局",
        "区文旅体育局",
        "区卫生健康局",
        "区应急管理局",
        "区医疗保障局",
        "区退役军人局",
        "区残联",
        "区档案馆",
        "交警灞桥大队",
        "区消防救援大队",
        "区水务局",
        "区供热办",
        "西安市生态环境局灞桥分局",
        "国家税务总局西安市灞桥区税务局",
        "西安住房公积金管理中心灞桥区管理部",
        *(
            f"{s}街道办事处"
            for s in ("纺织城", "十里铺", "红旗", "席王", "洪庆", "狄寨", "灞桥", "新筑", "新合")
        ),
    ]:
        assert name in names, name
    assert Department.objects.get(name="国家税务总局西安市灞桥区税务局").short_name == "区税务局"
    enterprises = Department.objects.filter(kind="public_service_enterprise")
    assert {"供水", "供电", "燃气"} <= {
        k
        for d in enterprises
        for k in ("供水", "供电", "燃气")
        if k in d.name or (k == "燃气" and "天然气" in d.name)
    }
    for department in Department.objects.all():
        parsed = parse_uscc(department.uscc)
        assert parsed.region_code == "610111"
        expected = "91" if department.kind == "public_service_enterprise" else "1"
        assert department.uscc.startswith(expected)
    street_offices = Department.objects.filter(kind="street_office")
    assert street_offices.count() == 9 and {d.level for d in street_offices} == {5}
    assert Region.objects.filter(level=5, parent__code="610111").count() == 9
    streets_with_communities = Region.objects.filter(level=6).values("parent").distinct()
    assert streets_with_communities.count() >= 3
    assert Region.objects.get(code="610111").parent.code == "610100"
    assert Region.objects.get(code="610100").parent.code == "610000"


def test_public_department_and_region_api():
    demo.load_demo()
    client = Client()
    response = client.get("/api/v1/org/departments", {"kind": "street_office"})
    assert response.status_code == 200 and len(response.json()) == 9
    streets = client.get("/api/v1/org/regions", {"parent": "610111"}).json()
    assert [s["name"] for s in streets][:2] == ["纺织城街道", "十里铺街道"]
    assert client.get("/api/v1/org/regions/610111").json()["parent_code"] == "610100"
    assert client.get("/api/v1/org/regions/999999").status_code == 404
    response = client.get("/api/v1/org/regions", {"parent": "x" * 20})
    assert response.status_code == 422 and response.json()["field"] == "parent"
    dept = DepartmentFactory()
    assert client.get(f"/api/v1/org/departments/{dept.pk}").json()["uscc"] == dept.uscc
    assert client.get("/api/v1/org/departments/999999").status_code == 404


def test_department_list_query_count(django_assert_num_queries):
    demo.load_demo()
    with django_assert_num_queries(1):
        rows = list(selectors.departments())
        assert all(r.region.code for r in rows)
