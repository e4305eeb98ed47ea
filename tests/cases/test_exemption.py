"""免证办 in applications: a material an e-licence can replace is satisfied from the
applicant's valid licence (citizen or enterprise), re-checked at submission, refusable by the
applicant, refused when a revoked / another holder's licence is named; the clerk sees it
verified and every read is logged; a material accepted once is reused with consent."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.cases.conftest import DOG, FOOD, food_answers, pdf_bytes, upload_all
from zhengwu.accounts.models import EnterpriseMembership
from zhengwu.cases import services
from zhengwu.cases.choices import CaseStatus, MaterialSource
from zhengwu.cases.models import Case, CaseEvent, CaseFile, CaseMaterial
from zhengwu.kernel.actors import SYSTEM
from zhengwu.kernel.audit import AuditEntry
from zhengwu.licences import services as licence_services
from zhengwu.licences.models import ExemptionUse, Licence, LicenceRead, LicenceType

pytestmark = pytest.mark.django_db

ID_TYPE = "11610111MB2961A79M001"  # 居民身份证 (the dog registration's id-card material)
BUSINESS_TYPE = "11610111MB2961A368001"  # 营业执照 (the food licence's business-licence)
API = "/api/v1/cases"


def _type(code: str, name: str, holder_kind: str) -> LicenceType:
    return LicenceType.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "defining_body": "西安市灞桥区",
            "defining_body_code": code[:18],
            "holder_kind": holder_kind,
            "validity_years": 10,
        },
    )[0]


def issue_id_card(user: Any) -> Licence:
    profile = user.citizen_profile
    holder = licence_services.parse_holder(profile.real_name, profile.id_number, user_id=user.pk)
    return licence_services.issue_licence(
        licence_type=_type(ID_TYPE, "居民身份证", "citizen"),
        holder=holder,
        issuer_code=ID_TYPE[:18],
        issuer_name="西安市公安局灞桥分局",
        actor=SYSTEM,
    )


def issue_business_licence(member: Any) -> Licence:
    membership = EnterpriseMembership.objects.select_related("enterprise").get(user=member)
    holder = licence_services.parse_holder(
        membership.enterprise.name,
        membership.enterprise.uscc,
        enterprise_id=membership.enterprise_id,
    )
    return licence_services.issue_licence(
        licence_type=_type(BUSINESS_TYPE, "营业执照", "enterprise"),
        holder=holder,
        issuer_code=BUSINESS_TYPE[:18],
        issuer_name="西安市灞桥区市场监督管理局",
        actor=SYSTEM,
    )


def set_status(licence: Licence, status: str) -> None:
    # the status is not signed (it changes after issuance); set it as the register would
    Licence.objects.filter(pk=licence.pk).update(status=status)


def dog_draft(world: Any, user: Any | None = None) -> Case:
    return services.draft_create(user=user or world.citizen, implementation_code=world.code(DOG))


def id_card_row(case: Case) -> CaseMaterial:
    return CaseMaterial.objects.get(case=case, key="id-card")


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- at application ------------------------------------------------------------------------------


def test_valid_licence_satisfies_the_material_and_is_recorded(world):
    licence = issue_id_card(world.citizen)
    case = dog_draft(world)
    row = id_card_row(case)
    assert row.source == MaterialSource.LICENCE
    assert row.licence_identifier == licence.identifier
    use = ExemptionUse.objects.get(case_id=case.pk, material_key="id-card")
    assert use.licence_id == licence.pk
    assert use.item_code == case.implementation_code and use.item_name == DOG

    # the other materials are uploaded; nothing is asked for the exempt one
    upload_all(case, world.citizen, skip=("id-card",))
    case = services.submit(case_id=case.pk, user=world.citizen, idempotency_key="k1")
    assert case.status == CaseStatus.SUBMITTED
    assert id_card_row(case).source == MaterialSource.LICENCE
    assert not id_card_row(case).files.exists()
    assert ExemptionUse.objects.filter(case_id=case.pk).count() == 1


def test_recording_twice_changes_nothing(world):
    from zhengwu.licences.exemptions import record_exemption

    licence = issue_id_card(world.citizen)
    case = dog_draft(world)
    for _ in range(2):
        record_exemption(
            case=case,
            item_code=case.implementation_code,
            item_name=case.item_name,
            material_key="id-card",
            material_name="居民身份证",
            licence=licence,
        )
    assert ExemptionUse.objects.filter(case_id=case.pk).count() == 1


def test_revoked_or_other_holders_licence_is_not_used(world):
    revoked = issue_id_card(world.citizen)
    set_status(revoked, "revoked")
    issue_id_card(world.citizen2)  # someone else's valid licence
    case = dog_draft(world)
    row = id_card_row(case)
    assert row.source == "" and row.licence_identifier == ""
    assert not ExemptionUse.objects.filter(case_id=case.pk).exists()


def test_licence_revoked_between_draft_and_submit_falls_back_to_upload(world):
    licence = issue_id_card(world.citizen)
    case = dog_draft(world)
    upload_all(case, world.citizen, skip=("id-card",))
    set_status(licence, "revoked")

    with pytest.raises(services.InvalidInput) as caught:
        services.submit(case_id=case.pk, user=world.citizen, idempotency_key="k2")
    errors = {e.field: e for e in (caught.value.errors or [caught.value])}
    error = errors["materials.id-card"]
    assert error.code == "licence_invalid"
    assert "吊销" in error.message and licence.number in error.message
    # the fall-back is kept: the material needs an upload, the exemption is gone
    row = id_card_row(case)
    assert row.source == "" and row.licence_identifier == ""
    assert not ExemptionUse.objects.filter(case_id=case.pk).exists()
    assert CaseEvent.objects.filter(case=case, code="licence_fallback", public=True).exists()
    assert Case.objects.get(pk=case.pk).status == CaseStatus.DRAFT

    services.material_upload(
        case_id=case.pk,
        material_key="id-card",
        user=world.citizen,
        filename="身份证.pdf",
        content=pdf_bytes("id"),
    )
    case = services.submit(case_id=case.pk, user=world.citizen, idempotency_key="k3")
    assert case.status == CaseStatus.SUBMITTED


def test_applicant_may_upload_instead(world):
    issue_id_card(world.citizen)
    case = dog_draft(world)
    services.material_decline_licence(case_id=case.pk, material_key="id-card", user=world.citizen)
    assert id_card_row(case).source == ""
    assert not ExemptionUse.objects.filter(case_id=case.pk).exists()
    # and back again
    services.material_use_licence(case_id=case.pk, material_key="id-card", user=world.citizen)
    assert id_card_row(case).source == MaterialSource.LICENCE
    # uploading a file replaces the licence
    services.material_upload(
        case_id=case.pk,
        material_key="id-card",
        user=world.citizen,
        filename="身份证.pdf",
        content=pdf_bytes("id"),
    )
    row = id_card_row(case)
    assert row.source == MaterialSource.UPLOAD and row.licence_identifier == ""
    assert not ExemptionUse.objects.filter(case_id=case.pk).exists()


def test_enterprise_licence_satisfies_the_enterprise_application(world):
    member = world.enterprise_member
    licence = issue_business_licence(member)
    enterprise_id = EnterpriseMembership.objects.get(user=member).enterprise_id
    case = services.draft_create(
        user=member, implementation_code=world.code(FOOD), enterprise_id=enterprise_id
    )
    services.draft_update(case_id=case.pk, user=member, answers=food_answers(world.version(FOOD)))
    keys = set(case.materials.values_list("key", flat=True))
    assert "business-licence" in keys
    row = CaseMaterial.objects.get(case=case, key="business-licence")
    assert row.source == MaterialSource.LICENCE and row.licence_identifier == licence.identifier
    assert ExemptionUse.objects.get(case_id=case.pk).licence_id == licence.pk


def test_walk_in_entry_does_not_use_licences_unasked(world):
    issue_id_card(world.citizen)
    profile = world.citizen.citizen_profile
    case = services.draft_create(
        user=world.clerk,
        implementation_code=world.code(DOG),
        channel="window",
        applicant=services.ApplicantData(
            kind="citizen", name=profile.real_name, id_number=profile.id_number
        ),
    )
    assert id_card_row(case).source == ""


# --- the API: naming a licence -------------------------------------------------------------------


def _put_licence(client: Client, case: Case, identifier: str) -> Any:
    return client.put(
        f"{API}/{case.pk}/materials/id-card/licence",
        data=json.dumps({"licence_identifier": identifier}),
        content_type="application/json",
    )


def test_api_names_a_valid_licence(world):
    licence = issue_id_card(world.citizen)
    case = dog_draft(world)
    services.material_decline_licence(case_id=case.pk, material_key="id-card", user=world.citizen)
    response = _put_licence(login(world.citizen), case, licence.identifier)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["source"] == "licence" and body["licence_identifier"] == licence.identifier
    assert ExemptionUse.objects.filter(case_id=case.pk, licence=licence).exists()


@pytest.mark.parametrize("status", ["revoked", "suspended", "expired"])
def test_api_refuses_an_invalid_licence_naming_the_field(world, status):
    licence = issue_id_card(world.citizen)
    case = dog_draft(world)
    services.material_decline_licence(case_id=case.pk, material_key="id-card", user=world.citizen)
    set_status(licence, status)
    response = _put_licence(login(world.citizen), case, licence.identifier)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["field"] == "materials.id-card"
    assert body["code"] == "licence_invalid"
    assert licence.number in body["message"] and body["message_en"]
    assert id_card_row(case).source == ""
    assert not ExemptionUse.objects.filter(case_id=case.pk).exists()


def test_api_refuses_another_holders_licence(world):
    others = issue_id_card(world.citizen2)
    case = dog_draft(world)
    response = _put_licence(login(world.citizen), case, others.identifier)
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "materials.id-card" and body["code"] == "licence_other_holder"
    assert not ExemptionUse.objects.filter(case_id=case.pk, licence=others).exists()


def test_api_refuses_an_unknown_identifier(world):
    case = dog_draft(world)
    response = _put_licence(login(world.citizen), case, "NOT-A-LICENCE")
    assert response.status_code == 422
    assert response.json()["field"] == "materials.id-card"


# --- the clerk's view ----------------------------------------------------------------------------


def _submitted_with_licence(world: Any) -> tuple[Case, Licence]:
    licence = issue_id_card(world.citizen)
    case = dog_draft(world)
    upload_all(case, world.citizen, skip=("id-card",))
    case = services.submit(case_id=case.pk, user=world.citizen, idempotency_key="kc")
    return case, licence


def test_clerk_sees_verified_licence_on_the_case_page(world):
    case, licence = _submitted_with_licence(world)
    response = login(world.clerk).get(f"/workbench/cases/{case.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-exemption="verified"' in page
    assert licence.number in page
    assert f"/workbench/licences/exemptions/cases/{case.pk}/licences/{licence.pk}/" in page

    set_status(licence, "revoked")
    page = login(world.clerk).get(f"/workbench/cases/{case.pk}/").content.decode()
    assert 'data-exemption="verified"' not in page
    assert 'data-exemption="invalid"' in page
    assert "吊销" in page  # the status now, from the register


def test_clerk_read_is_logged_for_the_holder(world):
    case, licence = _submitted_with_licence(world)
    url = f"/workbench/licences/exemptions/cases/{case.pk}/licences/{licence.pk}/"
    response = login(world.clerk).get(url)
    assert response.status_code == 200
    assert licence.number in response.content.decode()
    read = LicenceRead.objects.get(licence=licence)
    assert read.via == "case" and read.case_id == case.pk and read.reader_id == world.clerk.pk
    assert AuditEntry.objects.filter(action="licence.read", object_id=str(licence.pk)).exists()


def test_staff_who_may_not_view_the_case_cannot_read(world):
    case, licence = _submitted_with_licence(world)
    url = f"/workbench/licences/exemptions/cases/{case.pk}/licences/{licence.pk}/"
    assert login(world.other_approver).get(url).status_code == 404
    assert login(world.citizen2).get(url).status_code in (403, 404)
    # a licence the case does not use
    other = issue_id_card(world.citizen2)
    other_url = f"/workbench/licences/exemptions/cases/{case.pk}/licences/{other.pk}/"
    assert login(world.clerk).get(other_url).status_code == 404
    assert not LicenceRead.objects.exists()


# --- reusable materials --------------------------------------------------------------------------


def _accepted_dog_case(world: Any) -> Case:
    case = dog_draft(world)
    upload_all(case, world.citizen)
    services.submit(case_id=case.pk, user=world.citizen, idempotency_key="first")
    return services.accept(case_id=case.pk, user=world.clerk)


def test_material_accepted_once_is_reused_with_consent(world):
    from zhengwu.cases.selectors import reusable_files

    first = _accepted_dog_case(world)
    earlier = CaseFile.objects.get(material__case=first, material__key="residence-proof")
    draft = dog_draft(world)
    offered = reusable_files(draft)
    assert [f.pk for f in offered["residence-proof"]] == [earlier.pk]

    row = services.reusable_consent(
        case_id=draft.pk, material_key="residence-proof", user=world.citizen, file_id=earlier.pk
    )
    assert row.blob_id == earlier.blob_id and row.material.case_id == draft.pk
    material = CaseMaterial.objects.get(case=draft, key="residence-proof")
    assert material.source == MaterialSource.UPLOAD
    assert CaseEvent.objects.filter(case=draft, code="material_reused").exists()
    entry = AuditEntry.objects.get(action="case.material_reused", object_id=str(draft.pk))
    assert entry.after["consent"] is True and entry.after["from_case"] == first.pk
    assert "residence-proof" not in reusable_files(Case.objects.get(pk=draft.pk))


def test_reuse_refuses_files_of_others_or_not_accepted(world):
    first = _accepted_dog_case(world)
    earlier = CaseFile.objects.get(material__case=first, material__key="residence-proof")
    # another applicant cannot take it
    theirs = dog_draft(world, world.citizen2)
    with pytest.raises(services.InvalidInput) as caught:
        services.reusable_consent(
            case_id=theirs.pk,
            material_key="residence-proof",
            user=world.citizen2,
            file_id=earlier.pk,
        )
    assert caught.value.field == "materials.residence-proof"
    # a file of a case not accepted (only submitted) is not offered
    pending = dog_draft(world)
    upload_all(pending, world.citizen)
    services.submit(case_id=pending.pk, user=world.citizen, idempotency_key="second")
    pending_file = CaseFile.objects.get(material__case=pending, material__key="id-photo")
    draft = dog_draft(world)
    with pytest.raises(services.InvalidInput):
        services.reusable_consent(
            case_id=draft.pk, material_key="id-photo", user=world.citizen, file_id=pending_file.pk
        )
    assert not CaseFile.objects.filter(material__case=draft).exists()


def test_reuse_through_the_portal_form(world):
    first = _accepted_dog_case(world)
    earlier = CaseFile.objects.get(material__case=first, material__key="residence-proof")
    draft = dog_draft(world)
    client = login(world.citizen)
    page = client.get(f"/cases/{draft.pk}/edit/").content.decode()
    assert 'data-reuse="residence-proof"' in page
    assert f'id="reuse-residence-proof-{earlier.pk}"' in page
    response = client.post(
        f"/cases/{draft.pk}/reuse/", {"material_key": "residence-proof", "file_id": earlier.pk}
    )
    assert response.status_code == 302
    assert CaseFile.objects.filter(material__case=draft, blob_id=earlier.blob_id).exists()


# --- the portal pages ----------------------------------------------------------------------------


def test_portal_shows_the_exemption_and_lets_the_applicant_choose(world):
    licence = issue_id_card(world.citizen)
    case = dog_draft(world)
    client = login(world.citizen)
    page = client.get(f"/cases/{case.pk}/edit/").content.decode()
    assert 'data-exemption="licence"' in page and licence.number in page
    review = client.get(f"/cases/{case.pk}/review/").content.decode()
    assert 'data-exemption="licence"' in review and licence.number in review

    response = client.post(
        f"/cases/{case.pk}/licence/", {"material_key": "id-card", "action": "decline"}
    )
    assert response.status_code == 302
    assert id_card_row(case).source == ""
    page = client.get(f"/cases/{case.pk}/edit/").content.decode()
    assert 'data-exemption="offer"' in page

    response = client.post(f"/cases/{case.pk}/licence/", {"material_key": "id-card"})
    assert response.status_code == 302
    assert id_card_row(case).licence_identifier == licence.identifier


def test_portal_material_actions_refuse_bad_input(world):
    issue_id_card(world.citizen)
    case = dog_draft(world)
    client = login(world.citizen)
    bad_key = client.post(f"/cases/{case.pk}/licence/", {"material_key": "../x"})
    assert bad_key.status_code == 422
    unknown = client.post(f"/cases/{case.pk}/licence/", {"material_key": "nope"})
    assert unknown.status_code == 422
    bad_file = client.post(
        f"/cases/{case.pk}/reuse/", {"material_key": "residence-proof", "file_id": "abc"}
    )
    assert bad_file.status_code == 422
    not_mine = login(world.citizen2).post(
        f"/cases/{case.pk}/licence/", {"material_key": "id-card", "action": "decline"}
    )
    assert not_mine.status_code == 404
    assert id_card_row(case).source == MaterialSource.LICENCE


def test_api_reuse_with_consent(world):
    first = _accepted_dog_case(world)
    earlier = CaseFile.objects.get(material__case=first, material__key="id-photo")
    draft = dog_draft(world)
    client = login(world.citizen)
    response = client.post(
        f"{API}/{draft.pk}/materials/id-photo/reuse",
        data=json.dumps({"file_id": earlier.pk}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["files"][0]["sha256"] == earlier.blob_id
    refused = client.post(
        f"{API}/{draft.pk}/materials/residence-proof/reuse",
        data=json.dumps({"file_id": earlier.pk}),  # a file of another material
        content_type="application/json",
    )
    assert refused.status_code == 422
    assert refused.json()["field"] == "materials.residence-proof"
