"""Change control: drafts, validation, submit/review, scheduled publication, withdrawal,
immutability, tampered content, and the selectors built on top."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from freezegun import freeze_time

from tests.catalog import helpers_manage as h
from tests.factories import DepartmentFactory, make_staff
from zhengwu.catalog import selectors, services
from zhengwu.catalog.choices import ChangeKind, VersionStatus
from zhengwu.catalog.models import ItemVersion, Material, Situation, SituationOption, VersionEvent
from zhengwu.kernel.actors import SYSTEM, Actor
from zhengwu.kernel.errors import Conflict, InvalidInput, NotAllowed, NotFound
from zhengwu.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db

ACTOR = Actor("user", "1", "tester")


@pytest.fixture
def dept():
    return DepartmentFactory(name="区市场监督管理局(测试)")


# --- drafts and validation ------------------------------------------------------------------


def test_new_list_gets_code_from_department_and_item(dept):
    version = h.new_draft(dept, basic_code="000201001000")
    assert version.implementation_code == f"{dept.uscc}4000201001000"
    assert version.status == VersionStatus.DRAFT
    assert version.change_kind == ChangeKind.CREATE
    assert version.version == 1
    assert version.implementing_uscc == dept.uscc
    assert VersionEvent.objects.filter(version=version, action="created").exists()
    assert AuditEntry.objects.filter(action="catalog.version.created").count() == 1


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"promised_limit": 25}, "fields.promised_limit", "promised_exceeds_statutory"),
        ({"case_type": "1", "promised_limit": 3}, "fields.promised_limit", "immediate_with_limit"),
        ({"service_objects": ["x"]}, "fields.service_objects", "invalid_choice"),
        ({"online_depth": 9}, "fields.online_depth", "invalid"),
    ],
)
def test_new_list_rules_refused_nothing_written(dept, fields, field, code):
    before = ItemVersion.objects.count()
    with pytest.raises(InvalidInput) as info:
        h.new_draft(dept, **fields)
    fields_in_error = {info.value.field} | {e.field for e in info.value.errors}
    codes = {info.value.code} | {e.code for e in info.value.errors}
    assert field in fields_in_error or field.removeprefix("fields.") in fields_in_error
    assert code in codes
    assert ItemVersion.objects.count() == before


def test_wrong_uscc_in_code_refused(dept):
    other = DepartmentFactory()
    item = {"basic_code": "000201001000", "name": "x", "item_type": "01", "legal_basis": "法"}
    with pytest.raises(InvalidInput) as info:
        services.version_create_draft(
            user=None,
            actor=SYSTEM,
            department_id=dept.pk,
            item=item,
            fields=h.BASE_FIELDS,
            implementation_code=f"{other.uscc}4000201001000",
        )
    assert info.value.field == "implementation_code"
    assert info.value.code == "implementation_code_department"
    broken = dept.uscc[:-1] + ("0" if dept.uscc[-1] != "0" else "1")
    with pytest.raises(InvalidInput) as info:
        services.version_create_draft(
            user=None,
            actor=SYSTEM,
            department_id=dept.pk,
            item=item,
            fields=h.BASE_FIELDS,
            implementation_code=f"{broken}4000201001000",
        )
    assert info.value.code == "implementation_code_uscc"
    assert not ItemVersion.objects.exists()


def test_update_draft_validates_and_audits(dept):
    version = h.new_draft(dept)
    updated = services.version_update_draft(
        version_id=version.pk,
        user=None,
        actor=ACTOR,
        changes={"promised_limit": 5, "hours": "工作日", "change_reason": "提速"},
    )
    assert updated.promised_limit == 5 and updated.change_reason == "提速"
    with pytest.raises(InvalidInput) as info:
        services.version_update_draft(
            version_id=version.pk, user=None, actor=ACTOR, changes={"promised_limit": 30}
        )
    assert info.value.field == "promised_limit"
    with pytest.raises(InvalidInput) as info:
        services.version_update_draft(
            version_id=version.pk, user=None, actor=ACTOR, changes={"status": "published"}
        )
    assert info.value.code == "unknown_field"
    version.refresh_from_db()
    assert version.promised_limit == 5 and version.status == VersionStatus.DRAFT


def test_situation_cycle_refused(dept):
    version = h.add_materials_and_situations(h.new_draft(dept))
    kw = {"version_id": version.pk, "user": None, "actor": SYSTEM}
    # "premises" would follow an option of its own follow-up "agent": a cycle.
    with pytest.raises(InvalidInput) as info:
        services.situation_save(
            key="premises", question="经营场所是否为租赁？", parent_option="agent.yes", **kw
        )
    assert info.value.code == "situation_cycle"
    with pytest.raises(InvalidInput):
        services.situation_save(key="agent", question="q", parent_option="agent.no", **kw)
    assert Situation.objects.get(version=version, key="premises").parent_option is None


def test_option_unknown_material_refused(dept):
    version = h.add_materials_and_situations(h.new_draft(dept))
    with pytest.raises(InvalidInput) as info:
        services.option_save(
            version_id=version.pk,
            situation_key="premises",
            key="x",
            user=None,
            actor=SYSTEM,
            data={"label": "x", "materials": ["nope"]},
        )
    assert info.value.code == "unknown_material"
    assert not SituationOption.objects.filter(key="x").exists()


# --- workflow -------------------------------------------------------------------------------


def test_full_cycle_and_copy_on_write(dept):
    v1 = h.published_list(dept)
    assert v1.status == VersionStatus.PUBLISHED and v1.content_digest
    v2 = services.version_create_draft(
        user=None,
        actor=ACTOR,
        implementation_code=v1.implementation_code,
        change_reason="缩短时限",
    )
    assert v2.version == 2 and v2.based_on_id == v1.pk and v2.change_kind == ChangeKind.CHANGE
    assert sorted(v2.materials.values_list("key", flat=True)) == sorted(
        v1.materials.values_list("key", flat=True)
    )
    rented = SituationOption.objects.get(situation__version=v2, key="rented")
    assert [m.version_id for m in rented.materials.all()] == [v2.pk]
    agent = Situation.objects.get(version=v2, key="agent")
    assert agent.parent_option.situation.version_id == v2.pk
    # the copy says the same thing
    from zhengwu.catalog.diff import diff_versions

    assert diff_versions(v1, v2) == []
    services.version_update_draft(
        version_id=v2.pk, user=None, actor=ACTOR, changes={"promised_limit": 5}
    )
    h.approve(v2)
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert v1.status == VersionStatus.SUPERSEDED and v1.superseded_at == v2.effective_from
    assert v2.status == VersionStatus.PUBLISHED
    assert selectors.published_version(v1.implementation_code).pk == v2.pk


def test_open_change_is_unique(dept):
    v1 = h.published_list(dept, situations=False)
    services.version_create_draft(
        user=None, actor=ACTOR, implementation_code=v1.implementation_code
    )
    with pytest.raises(Conflict) as info:
        services.version_create_draft(
            user=None, actor=ACTOR, implementation_code=v1.implementation_code
        )
    assert info.value.code == "open_change_exists"


@pytest.mark.parametrize(
    "status", ["published", "superseded", "withdrawn", "submitted", "approved"]
)
def test_only_drafts_are_editable(dept, status):
    version = h.new_draft(dept)
    ItemVersion.objects.filter(pk=version.pk).update(status=status)
    with pytest.raises(Conflict) as info:
        services.version_update_draft(
            version_id=version.pk, user=None, actor=ACTOR, changes={"hours": "x"}
        )
    assert info.value.details["status"] == status
    with pytest.raises(Conflict):
        services.material_save(
            version_id=version.pk, key="x", user=None, actor=ACTOR, data={"name": "x"}
        )


def test_published_version_refuses_every_edit(dept):
    v1 = h.published_list(dept)
    kw = {"version_id": v1.pk, "user": None, "actor": ACTOR}
    for call in (
        lambda: services.version_update_draft(changes={"name": "改"}, **kw),
        lambda: services.material_delete(key="id-card", **kw),
        lambda: services.situation_delete(key="premises", **kw),
        lambda: services.option_save(
            situation_key="premises", key="owned", data={"label": "x"}, **kw
        ),
    ):
        with pytest.raises(Conflict) as info:
            call()
        assert info.value.code == "version_immutable"
    assert v1.materials.count() == 4


def test_illegal_transitions_name_the_state(dept):
    version = h.new_draft(dept)
    with pytest.raises(Conflict) as info:
        services.version_review(version_id=version.pk, user=None, actor=ACTOR, approve=True)
    assert info.value.details["status"] == "draft"
    assert "草稿" in info.value.message
    with pytest.raises(Conflict):
        services.version_publish(version_id=version.pk)  # publishing without review
    services.version_submit(version_id=version.pk, user=None, actor=ACTOR)
    with pytest.raises(Conflict):
        services.version_submit(version_id=version.pk, user=None, actor=ACTOR)


def test_return_needs_comment_then_resubmit(dept):
    version = h.new_draft(dept)
    services.version_submit(version_id=version.pk, user=None, actor=ACTOR)
    with pytest.raises(InvalidInput) as info:
        services.version_review(version_id=version.pk, user=None, actor=ACTOR, approve=False)
    assert info.value.field == "comment"
    returned = services.version_review(
        version_id=version.pk, user=None, actor=ACTOR, approve=False, comment="补充收费依据"
    )
    assert returned.status == VersionStatus.RETURNED
    services.version_update_draft(
        version_id=version.pk, user=None, actor=ACTOR, changes={"hours": "全天"}
    )
    assert services.version_submit(version_id=version.pk, user=None, actor=ACTOR).status == (
        VersionStatus.SUBMITTED
    )
    event = VersionEvent.objects.get(version=version, action="returned")
    assert event.comment == "补充收费依据" and event.from_status == "submitted"


def test_review_permissions(dept):
    approver = make_staff(department=dept, roles=["approver"])
    other = make_staff(department=DepartmentFactory(), roles=["approver"])
    admin = make_staff(department=dept, roles=["administrator"])
    version = h.new_draft(dept, user=approver)
    with pytest.raises(NotFound):
        services.version_submit(version_id=version.pk, user=other, actor=ACTOR)
    services.version_submit(version_id=version.pk, user=approver, actor=ACTOR)
    with pytest.raises(NotAllowed):
        services.version_review(version_id=version.pk, user=approver, actor=ACTOR, approve=True)
    with pytest.raises(NotFound):
        services.version_review(version_id=version.pk, user=other, actor=ACTOR, approve=True)
    assert (
        services.version_review(version_id=version.pk, user=admin, actor=ACTOR, approve=True).status
        == VersionStatus.PUBLISHED
    )
    clerk = make_staff(department=dept, roles=["window_clerk"])
    with pytest.raises(NotAllowed):
        h.new_draft(dept, user=clerk)


# --- scheduled publication ------------------------------------------------------------------


def test_scheduled_publication_supersedes_at_effective_date(dept):
    with freeze_time("2025-03-01 09:00:00+08:00"):
        v1 = h.published_list(dept)
        v2 = services.version_create_draft(
            user=None, actor=ACTOR, implementation_code=v1.implementation_code
        )
        services.version_update_draft(
            version_id=v2.pk, user=None, actor=ACTOR, changes={"promised_limit": 3}
        )
        effective = timezone.now() + timedelta(days=10)
        h.approve(v2, effective_from=effective)
        v2.refresh_from_db()
        assert v2.status == VersionStatus.APPROVED
        assert services.version_publish_due() == {"published": [], "refused": []}
        assert selectors.published_version(v1.implementation_code).pk == v1.pk
    with freeze_time("2025-03-11 09:00:30+08:00"):
        result = services.version_publish_due()
        assert result["published"] == [v2.pk]
        assert services.version_publish_due() == {"published": [], "refused": []}  # idempotent
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert v1.status == VersionStatus.SUPERSEDED and v1.superseded_at == effective
    assert v2.status == VersionStatus.PUBLISHED and v2.effective_from == effective
    code = v1.implementation_code
    assert selectors.published_version(code, at=effective - timedelta(seconds=1)).pk == v1.pk
    assert selectors.published_version(code, at=effective).pk == v2.pk
    with pytest.raises(NotFound):
        selectors.published_version(code, at=v1.effective_from - timedelta(days=1))


def test_tampered_version_is_not_published(dept):
    with freeze_time("2025-03-01 09:00:00+08:00"):
        v1 = h.published_list(dept, situations=False)
        v2 = services.version_create_draft(
            user=None, actor=ACTOR, implementation_code=v1.implementation_code
        )
        h.approve(v2, effective_from=timezone.now() + timedelta(days=1))
        # someone edits the approved content behind the services' back
        ItemVersion.objects.filter(pk=v2.pk).update(promised_limit=1)
    with freeze_time("2025-03-03 09:00:00+08:00"):
        assert services.version_publish_due() == {"published": [], "refused": [v2.pk]}
        services.version_publish_due()
    v2.refresh_from_db()
    v1.refresh_from_db()
    assert v2.status == VersionStatus.APPROVED and v1.status == VersionStatus.PUBLISHED
    assert VersionEvent.objects.filter(version=v2, action="publish_refused").count() == 1
    Material.objects.create(version=v1, key="sneaky", name="x")  # not through a service
    with pytest.raises(Conflict) as info:
        services.version_publish(version_id=v2.pk, now=timezone.now() + timedelta(days=5))
    assert info.value.code == "digest_mismatch"


def test_withdrawal_goes_through_review(dept):
    v1 = h.published_list(dept, situations=False)
    with pytest.raises(InvalidInput):
        services.version_withdraw_request(
            implementation_code=v1.implementation_code, user=None, actor=ACTOR, reason=""
        )
    request = services.version_withdraw_request(
        implementation_code=v1.implementation_code, user=None, actor=ACTOR, reason="法律废止"
    )
    assert request.status == VersionStatus.SUBMITTED and request.change_kind == "withdraw"
    with pytest.raises(Conflict):
        services.version_update_draft(
            version_id=request.pk, user=None, actor=ACTOR, changes={"name": "x"}
        )
    assert selectors.published_version(v1.implementation_code).pk == v1.pk
    services.version_review(version_id=request.pk, user=None, actor=ACTOR, approve=True)
    v1.refresh_from_db()
    request.refresh_from_db()
    assert v1.status == VersionStatus.WITHDRAWN and v1.superseded_at
    assert request.status == VersionStatus.WITHDRAWN
    with pytest.raises(NotFound):
        selectors.published_version(v1.implementation_code)
    assert selectors.published_version(v1.implementation_code, at=v1.effective_from).pk == v1.pk


def test_publish_twice_is_safe(dept):
    v1 = h.published_list(dept, situations=False)
    v2 = services.version_create_draft(
        user=None, actor=ACTOR, implementation_code=v1.implementation_code
    )
    h.approve(v2, effective_from=timezone.now() + timedelta(hours=1))
    later = timezone.now() + timedelta(hours=2)
    services.version_publish(version_id=v2.pk, now=later)
    with pytest.raises(Conflict):
        services.version_publish(version_id=v2.pk, now=later)
    assert services.version_publish_due(now=later)["published"] == []
    assert (
        ItemVersion.objects.filter(
            implementation_code=v1.implementation_code, status="published"
        ).count()
        == 1
    )


@pytest.mark.django_db(transaction=True)
def test_concurrent_publish_due_publishes_once():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    dept = DepartmentFactory()
    v1 = h.published_list(dept, situations=False)
    v2 = services.version_create_draft(
        user=None, actor=ACTOR, implementation_code=v1.implementation_code
    )
    h.approve(v2, effective_from=timezone.now() + timedelta(hours=1))
    later = timezone.now() + timedelta(hours=2)
    results: list[dict] = []
    barrier = threading.Barrier(2)

    def run():
        from django.db import connections

        barrier.wait()
        try:
            results.append(services.version_publish_due(now=later))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(len(r["published"]) for r in results) == [0, 1]
    assert VersionEvent.objects.filter(version=v2, action="published").count() == 1


def test_publish_due_task(dept):
    from zhengwu.catalog.tasks import publish_due_versions

    v1 = h.published_list(dept, situations=False)
    v2 = services.version_create_draft(
        user=None, actor=ACTOR, implementation_code=v1.implementation_code
    )
    h.approve(v2, effective_from=timezone.now() + timedelta(seconds=1))
    with freeze_time(timezone.now() + timedelta(minutes=1)):
        publish_due_versions.call()
    v2.refresh_from_db()
    assert v2.status == VersionStatus.PUBLISHED


def test_back_dated_effective_date_refused(dept):
    version = h.new_draft(dept)
    services.version_submit(version_id=version.pk, user=None, actor=ACTOR)
    with pytest.raises(InvalidInput) as info:
        services.version_review(
            version_id=version.pk,
            user=None,
            actor=ACTOR,
            approve=True,
            effective_from=timezone.now() - timedelta(days=2),
        )
    assert info.value.field == "effective_from"


# --- selectors ------------------------------------------------------------------------------


def test_guide_and_checklist(dept, django_assert_num_queries):
    v1 = h.published_list(dept)
    version = selectors.published_version(v1.implementation_code)
    with django_assert_num_queries(0):
        guide = selectors.guide_for(version)
        checklist = selectors.checklist_for(version, {})
    assert [m.key for m in guide.summary.what_to_bring] == ["id-card", "application"]
    assert guide.summary.what_you_get == "食品经营许可证"
    assert str(guide.summary.promised_limit) == "10 工作日"
    assert [n.key for n in guide.situations] == ["premises"]
    assert [f.key for f in guide.situations[0].options[0].follow_ups] == ["agent"]
    assert [m.key for m in checklist.materials] == ["id-card", "application"]
    assert checklist.unanswered == ["premises"]

    rented = selectors.checklist_for(version, {"premises": "rented", "agent": "yes"})
    assert [m.key for m in rented.materials] == ["id-card", "application", "lease", "proxy"]
    assert rented.conditions == ["租期一年以上"] and rented.promised_limit == 12
    assert rented.complete
    owned = selectors.checklist_for(version, {"premises": "owned", "agent": "yes"})
    assert [m.key for m in owned.materials] == ["id-card", "application"]
    assert owned.answers == {"premises": "owned"}  # the follow-up does not apply
    assert [q.node.key for q in owned.questions] == ["premises"]
    with pytest.raises(InvalidInput) as info:
        selectors.checklist_for(version, {"nope": "x"})
    assert info.value.field == "answers.nope"
    with pytest.raises(InvalidInput) as info:
        selectors.checklist_for(version, {"premises": "yes"})
    assert info.value.field == "answers.premises"


def test_published_versions_filters(dept):
    event = h.life_event()
    child = h.life_event("kaiban-food", "开餐馆", parent=event)
    v1 = h.published_list(dept, situations=False, online_handling=True)
    other = h.published_list(
        DepartmentFactory(),
        situations=False,
        online_handling=False,
        online_address="",
        online_depth=1,
        name="公共场所卫生许可",
        service_objects=["1"],
    )
    v2 = services.version_create_draft(
        user=None, actor=ACTOR, implementation_code=v1.implementation_code, life_events=[child.code]
    )
    h.approve(v2)
    pks = lambda qs: sorted(v.pk for v in qs)  # noqa: E731
    assert pks(selectors.published_versions()) == sorted([v2.pk, other.pk])
    assert pks(selectors.published_versions(department_id=dept.pk)) == [v2.pk]
    assert pks(selectors.published_versions(life_event="kaiban")) == [v2.pk]
    assert pks(selectors.published_versions(life_event=child.pk)) == [v2.pk]
    assert pks(selectors.published_versions(service_object="1")) == [other.pk]
    assert pks(selectors.published_versions(online=False)) == [other.pk]
    assert pks(selectors.published_versions(q="卫生")) == [other.pk]
    assert pks(selectors.published_versions(cross_province=True)) == []
    tree = selectors.life_event_tree("legal_person")
    assert tree[0].event.code == "kaiban" and tree[0].children[0].item_count == 1
    departments = selectors.departments_with_items()
    assert {d.pk for d in departments} >= {dept.pk} and departments[0].item_count == 1
    history = list(selectors.version_history(v1.implementation_code))
    assert [v.version for v in history] == [2, 1]


def test_bundle_merges_materials(dept):
    from zhengwu.catalog.models import Bundle, BundleMember

    a = h.published_list(dept)
    b = h.published_list(dept, name="企业设立登记")
    bundle = Bundle.objects.create(
        code="kaiban",
        name="企业开办一件事",
        audience="legal_person",
        lead_department=dept,
        promised_limit=1,
        form_fields=[
            {"key": "name", "label": "名称", "used_by": ["a"]},
            {"key": "name", "label": "名称", "required": True, "used_by": ["b"]},
        ],
    )
    for n, v in enumerate((a, b)):
        BundleMember.objects.create(
            bundle=bundle, implementation_code=v.implementation_code, item=v.item, sort_order=n
        )
    view = selectors.bundle_with_members("kaiban")
    assert [m.key for m in view.materials] == ["id-card", "application"]
    assert view.material_members["id-card"] == [a.implementation_code, b.implementation_code]
    assert view.form_fields == [
        {"key": "name", "label": "名称", "used_by": ["a", "b"], "required": True}
    ]
    with pytest.raises(NotFound):
        selectors.bundle_with_members("nope")
