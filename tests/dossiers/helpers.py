"""Small helpers of the dossier tests: a signed licence of a holder and a use grant."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from zhengwu.kernel.actors import SYSTEM
from zhengwu.licences import access as licence_access
from zhengwu.licences import services as licence_services
from zhengwu.licences.models import LicenceType

FOOD_TYPE = "11610111MB2961A368002"


def licence_of(user: Any, department: Any) -> Any:
    """A real signed 食品经营许可证 of the citizen ``user``, issued by ``department``."""
    licence_type, _ = LicenceType.objects.get_or_create(
        code=FOOD_TYPE,
        defaults={
            "name": "食品经营许可证",
            "name_en": "Food business licence",
            "defining_body": department.name,
            "defining_body_code": FOOD_TYPE[:18],
            "holder_kind": "either",
            "metadata_schema": [
                {"key": "premises", "label": "经营场所", "type": "text", "required": True}
            ],
            "validity_years": 5,
        },
    )
    profile = user.citizen_profile
    holder = licence_services.parse_holder(profile.real_name, profile.id_number, user_id=user.pk)
    return licence_services.issue_licence(
        licence_type=licence_type,
        holder=holder,
        issuer_code=department.uscc,
        issuer_name=department.name,
        issuer_department_id=department.pk,
        actor=SYSTEM,
        metadata={"premises": "西安市灞桥区纺织城正街 1 号"},
        region="610111",
    )


def grant_to(user: Any, licence: Any, department: Any, *, hours: int = 24) -> Any:
    return licence_access.create_grant(
        user,
        licence_ids=[licence.pk],
        grantee_kind="department",
        department_id=department.pk,
        purpose="办理营业执照变更",
        valid_until=timezone.now() + timedelta(hours=hours),
    )
