"""Licence types (fixture, loader, validation, editing), issuance from an approved case end
to end, and direct issuance by staff."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.management import call_command

from tests.cases.conftest import FOOD, _build_world, food_answers, upload_all, use_tmp_storage
from zhengwu.accounts.demo import CITIZEN_ID_NUMBER
from zhengwu.kernel.actors import SYSTEM, Actor
from zhengwu.kernel.errors import Conflict, InvalidInput, NotAllowed, NotFound
from zhengwu.kernel.models import AuditEntry
from zhengwu.licences import services, signing
from zhengwu.licences.choices import LicenceSource
from zhengwu.licences.models import Licence, LicenceType

pytestmark = pytest.mark.django_db

CATALOG = services.TYPES_FIXTURE.parents[2] / "catalog" / "fixtures" / "baqiao_catalog.json"
STAFF = Actor("user", "1", "审批员")


def _catalog_type_codes() -> set[str]:
    codes: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("licence_type", "result_licence_type") and value:
                    codes.add(value)
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(CATALOG.read_text("utf-8")))
    return codes


# --- types ----------------------------------------------------------------------------------


def test_fixture_defines_every_type_the_catalogue_uses():
    rows = json.loads(services.TYPES_FIXTURE.read_text("utf-8"))
    codes = {row["code"] for row in rows}
    assert _catalog_type_codes() <= codes
    for row in rows:
        assert services.validate_schema(row["metadata_schema"]) == row["metadata_schema"]
        assert row["defining_body_code"] == row["code"][:18]


def test_loader_is_idempotent_and_keeps_admin_edits():
    first = services.load_licence_types()
    assert first["created"] == LicenceType.objects.count() >= 19
    food = LicenceType.objects.get(code="11610111MB2961A368002")
    assert food.name == "食品经营许可证" and food.defining_body == "区市场监管局"
    assert food.validity_years == 5 and "食品经营许可证" in food.replaces
    services.update_licence_type(food.code, {"name_en": "Food licence"}, actor=SYSTEM)
    again = services.load_licence_types()
    assert again == {"created": 0, "updated": 0, "unchanged": first["created"]}
    food.refresh_from_db()
    assert food.name_en == "Food licence"
    updated = services.load_licence_types(update=True)
    assert updated["updated"] == 1
    food.refresh_from_db()
    assert food.name_en == "Food business licence"


def test_management_command_loads_types(capsys):
    call_command("licence_types", "load")
    assert LicenceType.objects.filter(code="11610111MB2961B32H001").exists()
    assert "created" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("schema", "field"),
    [
        ("nope", "metadata_schema"),
        ([{"key": "Bad Key", "label": "x"}], "metadata_schema[0].key"),
        ([{"key": "a", "label": ""}], "metadata_schema[0].label"),
        ([{"key": "a", "label": "A", "type": "colour"}], "metadata_schema[0].type"),
        ([{"key": "a", "label": "A", "type": "choice"}], "metadata_schema[0].choices"),
        ([{"key": "a", "label": "A"}, {"key": "a", "label": "B"}], "metadata_schema[1].key"),
        ([{"key": "a", "label": "A", "max_length": 0}], "metadata_schema[0].max_length"),
        ([{"key": "a", "label": "A", "from_case": "password"}], "metadata_schema[0].from_case"),
    ],
)
def test_bad_schemas_are_refused_naming_the_entry(lw, schema, field):
    with pytest.raises(InvalidInput) as err:
        services.update_licence_type(lw.food.code, {"metadata_schema": schema}, actor=SYSTEM)
    assert err.value.field == field
    lw.food.refresh_from_db()
    assert lw.food.metadata_schema[0]["key"] == "business_scope"


def test_only_administrators_edit_types(lw):
    with pytest.raises(NotAllowed):
        services.update_licence_type(lw.food.code, {"validity_years": 3}, actor=STAFF, user=lw.head)
    done = services.update_licence_type(
        lw.food.code, {"validity_years": 3}, actor=STAFF, user=lw.administrator
    )
    assert done.validity_years == 3
    assert AuditEntry.objects.filter(action="licence.type_updated").count() == 1
    with pytest.raises(InvalidInput) as err:
        services.update_licence_type(lw.food.code, {"validity_years": "x"}, actor=STAFF)
    assert err.value.field == "validity_years"
    with pytest.raises(InvalidInput) as err:
        services.update_licence_type(lw.food.code, {"code": "X"}, actor=STAFF)
    assert err.value.field == "code"
    with pytest.raises(NotFound):
        services.update_licence_type("11610111MB2961A368999", {"name": "x"}, actor=STAFF)


def test_create_type_checks_the_code(lw):
    with pytest.raises(Conflict):
        services.create_licence_type(
            {"code": lw.food.code, "name": "x", "defining_body": "y"}, actor=SYSTEM
        )
    with pytest.raises(InvalidInput) as err:
        services.create_licence_type(
            {"code": "11610111MB2961A36800X", "name": "x", "defining_body": "y"}, actor=SYSTEM
        )
    assert err.value.field == "code"


# --- issuance from a case -------------------------------------------------------------------


@pytest.fixture
def case_world(db, settings, tmp_path):
    use_tmp_storage(settings, tmp_path)
    world = _build_world()
    services.load_licence_types()
    return world


def _approved_food_case(world, callbacks):
    from zhengwu.cases import services as case_services
    from zhengwu.cases.choices import Decision

    case = case_services.draft_create(user=world.citizen, implementation_code=world.code(FOOD))
    case_services.draft_update(
        case_id=case.pk, user=world.citizen, answers=food_answers(world.version(FOOD))
    )
    case.refresh_from_db()
    upload_all(case, world.citizen)
    with callbacks(execute=True):
        case = case_services.submit(case_id=case.pk, user=world.citizen, idempotency_key="k")
        case = case_services.accept(case_id=case.pk, user=world.clerk)
        case = case_services.complete_step(
            case_id=case.pk, user=world.approver, action="pass", opinion="符合条件"
        )
        case = case_services.complete_step(
            case_id=case.pk,
            user=world.head,
            action="pass",
            decision=Decision.APPROVE,
            opinion="同意",
        )
    return case


def test_an_approved_case_issues_its_licence_once(case_world, django_capture_on_commit_callbacks):
    from zhengwu.cases.models import Message

    world = case_world
    case = _approved_food_case(world, django_capture_on_commit_callbacks)
    licence = Licence.objects.get(case_id=case.pk)
    profile = world.citizen.citizen_profile
    assert licence.source == LicenceSource.CASE
    assert licence.type_code == "11610111MB2961A368002"
    assert licence.number == case.result_number
    assert licence.holder_name == profile.real_name
    assert licence.holder_code == profile.id_number and licence.holder_code_type == "111"
    assert licence.holder_user_id == world.citizen.pk
    assert licence.issuer_code == case.department.uscc
    assert licence.issuer_name == case.department.name
    assert licence.issuer_department_id == case.department_id
    assert licence.metadata["business_scope"]  # from the case (item name)
    assert licence.metadata["premises"]
    assert signing.verify_stored(licence, remember=False).valid
    assert Message.objects.filter(user=world.citizen, case=case, title="电子证照已签发").exists()
    # a second event (redelivery) does nothing
    with django_capture_on_commit_callbacks(execute=True):
        services.on_case_result_produced(
            "case.result_produced",
            {
                "case_id": case.pk,
                "number": case.number,
                "result_number": case.result_number,
                "licence_type": "11610111MB2961A368002",
            },
        )
    assert Licence.objects.filter(case_id=case.pk).count() == 1
    assert services.issue_from_case(case.pk).pk == licence.pk


def test_no_licence_without_a_type_or_for_an_unknown_case(case_world):
    assert services.issue_from_case(987654) is None
    services.on_case_result_produced(
        "case.result_produced",
        {"case_id": 987654, "number": "", "result_number": "", "licence_type": ""},
    )
    assert not Licence.objects.exists()


# --- direct issuance ------------------------------------------------------------------------


def test_staff_issue_a_paper_licence_directly(lw):
    profile = lw.citizen.citizen_profile
    licence = services.issue_direct(
        user=lw.approver,
        actor=STAFF,
        type_code=lw.food.code,
        holder_name=profile.real_name,
        holder_code=profile.id_number,
        number="JY16101110000042",
        metadata={"business_scope": "预包装食品销售", "premises": "灞桥区 1 号"},
        issue_date=date(2022, 5, 1),
    )
    assert licence.source == LicenceSource.DIRECT
    assert licence.issuer_code == lw.market.uscc and licence.issuer_department_id == lw.market.pk
    assert licence.holder_user_id == lw.citizen.pk  # linked to the account by ID number
    assert licence.valid_from == date(2022, 5, 1) and licence.valid_until == date(2027, 4, 30)
    assert licence.created_by_id == lw.approver.pk
    assert signing.verify_stored(licence, remember=False).valid


def test_direct_issuance_to_an_enterprise_links_it(lw):
    holder = lw.enterprise_holder()
    licence = services.issue_direct(
        user=lw.head,
        actor=STAFF,
        type_code=lw.food.code,
        holder_name=holder.name,
        holder_code=holder.code,
        metadata={"business_scope": "热食类", "premises": "灞桥区 2 号"},
    )
    assert licence.holder_code_type == "001"
    assert licence.holder_enterprise_id == holder.enterprise_id


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"type_code": "11610111MB2961A368999"}, "type_code"),
        ({"holder_code": "610111199003151230"}, "holder_code"),
        ({"holder_name": ""}, "holder_name"),
        ({"metadata": {"business_scope": "x"}}, "metadata.premises"),
        (
            {"metadata": {"business_scope": "x", "premises": "y", "main_body": "z"}},
            "metadata.main_body",
        ),
        ({"issue_date": date(2999, 1, 1)}, "issue_date"),
        ({"number": "N" * 65}, "number"),
        ({"valid_until": date(2000, 1, 1)}, "valid_until"),
    ],
)
def test_direct_issuance_refuses_bad_input_naming_the_field(lw, change, field):
    values = {
        "type_code": lw.food.code,
        "holder_name": "王小明",
        "holder_code": CITIZEN_ID_NUMBER,
        "metadata": {"business_scope": "x", "premises": "y"},
        **change,
    }
    with pytest.raises(InvalidInput) as err:
        services.issue_direct(user=lw.approver, actor=STAFF, **values)
    assert err.value.field == field
    assert not Licence.objects.exists()


def test_duplicate_numbers_are_refused(lw):
    values = {
        "type_code": lw.food.code,
        "holder_name": "王小明",
        "holder_code": CITIZEN_ID_NUMBER,
        "metadata": {"business_scope": "x", "premises": "y"},
        "number": "JY1",
    }
    services.issue_direct(user=lw.approver, actor=STAFF, **values)
    with pytest.raises(InvalidInput) as err:
        services.issue_direct(user=lw.approver, actor=STAFF, **values)
    assert err.value.field == "number"
    assert Licence.objects.count() == 1


def test_who_may_issue_directly(lw):
    values = {
        "type_code": lw.food.code,
        "holder_name": "王小明",
        "holder_code": CITIZEN_ID_NUMBER,
        "metadata": {"business_scope": "x", "premises": "y"},
    }
    for user in (lw.clerk, lw.other_clerk, lw.citizen):
        with pytest.raises(NotAllowed):
            services.issue_direct(user=user, actor=STAFF, **values)
    with pytest.raises(NotAllowed):  # an approver cannot issue in another department's name
        services.issue_direct(
            user=lw.approver, actor=STAFF, department_id=lw.other_department.pk, **values
        )
    licence = services.issue_direct(
        user=lw.administrator, actor=STAFF, department_id=lw.other_department.pk, **values
    )
    assert licence.issuer_code == lw.other_department.uscc


# --- demo -----------------------------------------------------------------------------------


def test_demo_issues_licences_to_the_demo_accounts_once(db):
    from django.contrib.auth import get_user_model

    from zhengwu.accounts import demo as accounts_demo
    from zhengwu.licences import demo
    from zhengwu.licences import selectors as licence_selectors
    from zhengwu.org import demo as org_demo

    org_demo.load_demo()
    accounts_demo.load_demo()
    first = demo.load_demo()
    assert first["licence_types"] >= 19 and first["licences"] == 6
    assert demo.load_demo() == {"licence_types": 0, "licences": 0}
    assert Licence.objects.count() == 6
    users = get_user_model().objects
    citizen_wallet = licence_selectors.wallet(users.get(username="citizen"))
    food = citizen_wallet.get(type_code="11610111MB2961A368002")
    assert food.status == "valid" and licence_selectors.is_valid_now(food)
    assert food.holder_user_id == users.get(username="citizen").pk
    enterprise_wallet = licence_selectors.wallet(users.get(username="enterprise"))
    assert {lic.status for lic in enterprise_wallet} == {"valid", "suspended", "revoked"}
    assert all(signing.verify_stored(lic, remember=False).valid for lic in Licence.objects.all())


def test_a_licence_problem_leaves_the_approved_case_whole(
    case_world, django_capture_on_commit_callbacks, caplog
):
    from zhengwu.cases.choices import CaseStatus

    LicenceType.objects.filter(code="11610111MB2961A368002").update(holder_kind="enterprise")
    case = _approved_food_case(case_world, django_capture_on_commit_callbacks)
    case.refresh_from_db()
    assert case.status == CaseStatus.DECIDED and case.result_number
    assert not Licence.objects.filter(case_id=case.pk).exists()
    assert "licence not issued" in caplog.text
    # once the type is fixed, the licence can be issued for the case (repair command)
    LicenceType.objects.filter(code="11610111MB2961A368002").update(holder_kind="either")
    call_command("licences", "issue-from-case", str(case.pk))
    assert Licence.objects.filter(case_id=case.pk).count() == 1
