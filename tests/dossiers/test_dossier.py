"""一人一档: what the owner sees, what staff see on which ground, the audit of every staff
read shown to the owner, and refusals (no ground 403, wrong check character 422)."""

from __future__ import annotations

import pytest

from tests.dossiers.conftest import accepted_case, concluded_case
from tests.dossiers.helpers import grant_to, licence_of
from zhengwu.dossiers import selectors, services
from zhengwu.dossiers.choices import Part
from zhengwu.kernel.errors import InvalidInput, NotAllowed, NotFound
from zhengwu.kernel.models import AuditEntry
from zhengwu.licences.models import LicenceRead

pytestmark = pytest.mark.django_db


def _id(user):
    return user.citizen_profile.id_number


def _reads():
    return AuditEntry.objects.filter(action="dossier.read")


def test_the_owner_sees_every_part_of_their_dossier(world):
    done = concluded_case(world)
    open_case = accepted_case(world, key="k2")
    concluded_case(world, world.citizen2, key="other")  # someone else's: not in it
    dossier = selectors.owner_dossier(world.citizen)
    assert dossier.parts == frozenset(Part.values)
    assert [c.number for c in dossier.cases] == [open_case.number, done.number]
    assert dossier.materials and {f.material.case_id for f in dossier.materials} == {
        done.pk,
        open_case.pk,
    }
    assert dossier.credit == [] and dossier.ratings == [] and dossier.tickets == []
    assert dossier.reads == []
    assert dossier.subject.masked_code.startswith(_id(world.citizen)[:6])
    assert _id(world.citizen) not in dossier.subject.masked_code


def test_an_enterprise_dossier_is_for_its_members_only(world):
    from zhengwu.accounts.selectors import user_identities

    enterprise_id = next(
        i.enterprise_id for i in user_identities(world.enterprise_member) if i.enterprise_id
    )
    dossier = selectors.owner_dossier(world.enterprise_member, enterprise_id=enterprise_id)
    assert dossier.subject.kind == "enterprise" and dossier.persons_only
    with pytest.raises(NotFound):
        selectors.owner_dossier(world.citizen, enterprise_id=enterprise_id)


def test_staff_without_a_ground_are_refused_and_nothing_is_written(world):
    concluded_case(world)  # concluded: handling it is over, no ground left
    before = AuditEntry.objects.count()
    for staff in (world.approver, world.other_approver, world.supervisor):
        with pytest.raises(NotAllowed) as refused:
            services.dossier_read_by_staff(user=staff, code=_id(world.citizen))
        assert refused.value.code == "no_ground" and refused.value.field == "code"
    with pytest.raises(NotAllowed):
        services.dossier_read_by_staff(user=world.citizen2, code=_id(world.citizen))
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize(
    "code",
    ["610111199001011235", "91610111MA6TG1234X", "12345", "", "6101111990010112"],
)
def test_a_wrong_number_is_422_naming_the_field(world, code):
    accepted_case(world)
    with pytest.raises(InvalidInput) as bad:
        services.dossier_read_by_staff(user=world.approver, code=code)
    assert bad.value.field == "code"
    assert not _reads().exists()


def test_the_handler_of_a_current_case_sees_cases_licences_materials_and_is_audited(world):
    done = concluded_case(world)
    current = accepted_case(world, key="k2")
    licence = licence_of(world.citizen, world.approver.staff_profile.department)
    dossier = services.dossier_read_by_staff(user=world.approver, code=_id(world.citizen))
    assert dossier.parts == {Part.CASES, Part.LICENCES, Part.MATERIALS, Part.CREDIT}
    assert {c.number for c in dossier.cases} == {done.number, current.number}
    assert [lic.pk for lic in dossier.licences] == [licence.pk]
    assert dossier.ratings == [] and dossier.tickets == []
    assert [g.case_number for g in dossier.grounds] == [current.number]
    entry = _reads().get()
    assert entry.object_type == "dossier" and entry.actor_id == str(world.approver.pk)
    assert entry.after["case_numbers"] == [current.number]
    assert _id(world.citizen) not in str(entry.after)  # only the masked number is kept
    reads = selectors.owner_dossier(world.citizen).reads
    assert len(reads) == 1 and reads[0].department == "区市场监管局"
    assert current.number in reads[0].ground
    # The holder also sees the read in the licence's own read log (用证记录).
    (read,) = LicenceRead.objects.filter(licence=licence)
    assert (read.via, read.case_id, read.reader_id) == ("case", current.pk, world.approver.pk)


def test_a_use_grant_opens_only_the_granted_licences(world):
    concluded_case(world)
    other_department = world.other_approver.staff_profile.department
    granted = licence_of(world.citizen, world.approver.staff_profile.department)
    licence_of(world.citizen, world.approver.staff_profile.department)  # not granted
    with pytest.raises(NotAllowed):
        services.dossier_read_by_staff(user=world.other_approver, code=_id(world.citizen))
    grant = grant_to(world.citizen, granted, other_department)
    dossier = services.dossier_read_by_staff(user=world.other_approver, code=_id(world.citizen))
    assert dossier.parts == {Part.LICENCES}
    assert [lic.pk for lic in dossier.licences] == [granted.pk]
    assert dossier.cases == [] and dossier.materials == []
    assert _reads().get().after["grant_ids"] == [grant.pk]
    (read,) = LicenceRead.objects.all()
    assert (read.licence_id, read.via, read.grant_id) == (granted.pk, "grant", grant.pk)
    # another department has no ground from that grant
    with pytest.raises(NotAllowed):
        services.dossier_read_by_staff(user=world.approver, code=_id(world.citizen))
