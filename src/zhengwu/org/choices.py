"""Code sets of the org domain, each value with its Chinese and English label."""

from __future__ import annotations

from django.db import models


class AdministrativeLevel(models.IntegerChoices):
    """层级 per GB/T 39046-2020 (level of exercise): used for regions and bodies alike."""

    NATIONAL = 1, "国家级 / national"
    PROVINCE = 2, "省级 / province"
    CITY = 3, "市级 / city"
    COUNTY = 4, "县级 / county or district"
    STREET = 5, "乡镇(街道)级 / town or street"
    COMMUNITY = 6, "村(社区)级 / village or community"


class DepartmentKind(models.TextChoices):
    GOVERNMENT = "government", "政府部门 / government department"
    STREET_OFFICE = "street_office", "街道办事处 / street office"
    COOPERATING = "cooperating", "协作单位 / co-operating body"
    PUBLIC_SERVICE_ENTERPRISE = (
        "public_service_enterprise",
        "公共服务企业 / public-service enterprise",
    )


class CommunityKind(models.TextChoices):
    """Only for level-6 regions: urban community (社区) or rural village (村)."""

    COMMUNITY = "community", "社区 / urban community"
    VILLAGE = "village", "村 / village"
