"""Field-by-field diffs between versions."""

from __future__ import annotations

import json

import pytest

from tests.catalog import helpers_manage as h
from tests.factories import DepartmentFactory
from zhengwu.catalog import services
from zhengwu.catalog.diff import content_digest, diff_versions
from zhengwu.kernel.actors import SYSTEM

pytestmark = pytest.mark.django_db


def test_diff_covers_fields_materials_situations_and_life_events():
    h.life_event()
    v1 = h.published_list(DepartmentFactory())
    v2 = services.version_create_draft(
        user=None, actor=SYSTEM, implementation_code=v1.implementation_code
    )
    kw = {"version_id": v2.pk, "user": None, "actor": SYSTEM}
    services.version_update_draft(changes={"promised_limit": 5, "life_events": ["kaiban"]}, **kw)
    services.material_save(key="id-card", data={"copies": 2}, **kw)
    services.material_delete(key="lease", **kw)
    services.material_save(
        key="licence", data={"name": "营业执照", "issuing_body": "市场监管"}, **kw
    )
    services.option_save(
        situation_key="premises",
        key="owned",
        data={"label": "自有房产", "materials": ["licence"]},
        **kw,
    )
    services.situation_save(key="chain", question="是否连锁经营？", **kw)
    v2.refresh_from_db()
    changes = diff_versions(v1, v2)
    paths = [(c.path, c.kind) for c in changes]
    assert paths == [
        ("promised_limit", "changed"),
        ("life_events[kaiban]", "added"),
        ("materials[id-card].copies", "changed"),
        ("materials[lease]", "removed"),
        ("materials[licence]", "added"),
        ("situations[chain]", "added"),
        ("situations[premises].options[owned].label", "changed"),
        ("situations[premises].options[owned].materials", "changed"),
        ("situations[premises].options[rented].materials", "changed"),
    ]
    assert changes[0].before == 10 and changes[0].after == 5
    assert changes[0].label == "承诺办结时限"
    json.dumps([c.as_dict() for c in changes], ensure_ascii=False)  # JSON-serialisable
    assert diff_versions(v2, v1)[0].kind == "changed"
    assert diff_versions(v1, v1) == []
    assert content_digest(v1) != content_digest(v2)
