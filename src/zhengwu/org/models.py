"""Regions (行政区划) and the bodies that serve them (部门/机构).

A region is one node of the tree province → city → district → street → community; a
department is a body with a unified social credit code (统一社会信用代码) that implements
service items, answers hotline tickets or takes part in bundles. Venues come later.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from zhengwu.kernel.errors import InvalidInput
from zhengwu.kernel.identifiers import parse_uscc
from zhengwu.org.choices import AdministrativeLevel, CommunityKind, DepartmentKind


def validate_uscc(value: str) -> None:
    """Model-level check (admin forms); services call ``parse_uscc`` themselves."""
    try:
        parse_uscc(value)
    except InvalidInput as exc:
        raise ValidationError(f"{exc.message} / {exc.message_en}") from exc


class Region(models.Model):
    """行政区划: codes per GB/T 2260 (6 digits) and the statistical codes below it.

    District 610111, streets 610111001…, communities 610111001001… (the 12-digit urban/rural
    division code of the National Bureau of Statistics).
    """

    code = models.CharField("区划代码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=64)
    level = models.PositiveSmallIntegerField("层级", choices=AdministrativeLevel.choices)
    community_kind = models.CharField(
        "社区或村", max_length=16, choices=CommunityKind.choices, blank=True
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="上级区划",
        on_delete=models.PROTECT,
        related_name="children",
        null=True,
        blank=True,
    )
    sort_order = models.PositiveIntegerField("排序", default=0)
    active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "行政区划 / region"
        verbose_name_plural = "行政区划 / regions"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{6}([0-9]{3}([0-9]{3})?)?$"),
                name="region_code_shape",
            ),
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=6), name="region_level_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def ancestors(self) -> list[Region]:
        """From the root down to the parent (a handful of queries at most: depth ≤ 6)."""
        chain: list[Region] = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    @property
    def full_name(self) -> str:
        return "".join(r.name for r in [*self.ancestors(), self])


class Department(models.Model):
    """部门/机构: a government department, street office, co-operating body or enterprise."""

    name = models.CharField("全称", max_length=100, unique=True)
    short_name = models.CharField("简称", max_length=50, blank=True)
    uscc = models.CharField(
        "统一社会信用代码", max_length=18, unique=True, validators=[validate_uscc]
    )
    level = models.PositiveSmallIntegerField(
        "层级", choices=AdministrativeLevel.choices, default=AdministrativeLevel.COUNTY
    )
    kind = models.CharField("类别", max_length=32, choices=DepartmentKind.choices)
    region = models.ForeignKey(
        Region, verbose_name="所在区划", on_delete=models.PROTECT, related_name="departments"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="上级机构",
        on_delete=models.PROTECT,
        related_name="children",
        null=True,
        blank=True,
    )
    phone = models.CharField("咨询电话", max_length=32, blank=True)
    sort_order = models.PositiveIntegerField("排序", default=0)
    active = models.BooleanField("有效", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "部门/机构 / department"
        verbose_name_plural = "部门/机构 / departments"
        ordering = ["sort_order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=6), name="department_level_range"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in DepartmentKind]),
                name="department_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return self.short_name or self.name
