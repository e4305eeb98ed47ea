"""Licence use (``licences.access``): dynamic codes (expiry, one-time use, forgery), the
personal / enterprise code, grants (scope, expiry, revocation) and the holder's read log."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from zhengwu.cases.models import Case
from zhengwu.kernel.audit import AuditEntry
from zhengwu.kernel.errors import Conflict, InvalidInput, NotAllowed, NotFound
from zhengwu.licences import access
from zhengwu.licences.models import Licence, LicenceRead, LicenceView, TokenUse, UseGrant

pytestmark = pytest.mark.django_db
_serial = itertools.count(1)


def make_case(lw, applicant, *, department=None, enterprise=None):
    n = next(_serial)
    now = timezone.now()
    return Case.objects.create(
        number=f"LW{now:%Y%m%d}{n:06d}",
        implementation_code=f"11610111MB2961A3XK{n:013d}"[:31],
        item_name="食品经营许可",
        channel="portal",
        applicant_kind="citizen",
        applicant_user=applicant,
        applicant_name="王小明",
        applicant_id_type="111",
        enterprise=enterprise,
        department=department or lw.market,
        receiving_department=lw.market,
        status="submitted",
        submitted_at=now,
    )


def refusals(reason: str) -> int:
    return sum(
        1
        for e in AuditEntry.objects.filter(action="licence.token_refused")
        if e.after.get("reason") == reason
    )


# --- dynamic licence code ----------------------------------------------------------------------


def test_dynamic_code_shows_the_live_licence_once_and_logs_the_read(lw):
    licence = lw.issue()
    token = access.issue_licence_token(lw.citizen, licence.pk)
    assert token.token.startswith("ZW1.L.") and token.purpose == "licence"
    assert (token.expires_at - timezone.now()).total_seconds() <= access.TOKEN_TTL

    result = access.scan(lw.clerk, token.token)

    assert result.purpose == "licence"
    (live,) = result.licences
    assert live.licence.pk == licence.pk
    assert live.valid_now and live.signature.valid
    read = LicenceRead.objects.get(licence=licence)
    assert read.via == "qr" and read.reader == lw.clerk
    assert read.reader_department_id == lw.market.pk
    assert TokenUse.objects.filter(jti=token.jti, used_by=lw.clerk).exists()
    assert LicenceView.objects.filter(licence=licence, channel="scan").count() == 1
    # the window clerk (level 3) sees the name, not the whole ID number
    assert result.holder_name == "王小明"
    assert "*" in result.holder_code

    with pytest.raises(Conflict) as used:
        access.scan(lw.other_clerk, token.token)
    assert used.value.code == "token_used" and "已使用" in used.value.message
    assert LicenceRead.objects.filter(licence=licence).count() == 1
    assert refusals("used") == 1


def test_scan_shows_the_live_status_not_the_status_when_shown(lw):
    licence = lw.issue()
    token = access.issue_licence_token(lw.citizen, licence.pk)
    Licence.objects.filter(pk=licence.pk).update(status="suspended")

    (live,) = access.scan(lw.clerk, token.token).licences

    assert live.licence.status == "suspended"
    assert not live.valid_now


def test_an_expired_code_is_refused_and_logged(lw):
    licence = lw.issue()
    shown = timezone.now() - timedelta(seconds=access.TOKEN_TTL + 1)
    token = access.issue_licence_token(lw.citizen, licence.pk, now=shown)

    with pytest.raises(InvalidInput) as expired:
        access.scan(lw.clerk, token.token)

    assert expired.value.code == "token_expired"
    assert expired.value.message == "二维码已过期，请持证人刷新"
    assert not LicenceRead.objects.exists() and not TokenUse.objects.exists()
    assert refusals("expired") == 1


def test_a_code_is_good_until_its_last_second(lw):
    licence = lw.issue()
    now = timezone.now()
    token = access.issue_licence_token(lw.citizen, licence.pk, now=now)
    later = now + timedelta(seconds=access.TOKEN_TTL - 2)
    assert access.scan(lw.clerk, token.token, now=later).licences


@pytest.mark.parametrize(
    "alter",
    [
        lambda t: t.replace(".L.", ".C.", 1),  # other purpose
        lambda t: t[:-1] + ("0" if t[-1] != "0" else "1"),  # MAC changed
        lambda t: ".".join(
            [*t.split(".")[:4], str(int(t.split(".")[4]) + 3600), *t.split(".")[5:]]
        ),
        lambda t: "garbage",
        lambda t: t + "x",
    ],
    ids=["purpose", "mac", "expiry", "garbage", "suffix"],
)
def test_a_forged_or_altered_code_is_refused_and_logged(lw, alter):
    licence = lw.issue()
    token = access.issue_licence_token(lw.citizen, licence.pk).token

    with pytest.raises(InvalidInput) as forged:
        access.scan(lw.clerk, alter(token))

    assert forged.value.code == "token_invalid" and forged.value.field == "token"
    assert not LicenceRead.objects.exists()
    assert refusals("forged") == 1


def test_a_code_for_another_licence_id_cannot_be_made_without_the_key(lw):
    mine = lw.issue()
    other = lw.issue(holder=lw.citizen_holder(lw.stranger))
    token = access.issue_licence_token(lw.citizen, mine.pk).token
    parts = token.split(".")
    parts[2] = str(other.pk)
    with pytest.raises(InvalidInput):
        access.scan(lw.clerk, ".".join(parts))


def test_a_scanned_url_carrying_the_code_is_accepted(lw):
    licence = lw.issue()
    token = access.issue_licence_token(lw.citizen, licence.pk).token
    result = access.scan(lw.clerk, f"https://zw.example/scan?token={token}\n")
    assert result.licences[0].licence.pk == licence.pk


def test_only_staff_may_scan_and_a_refused_scan_does_not_use_the_code(lw):
    licence = lw.issue()
    token = access.issue_licence_token(lw.citizen, licence.pk).token
    with pytest.raises(NotAllowed):
        access.scan(lw.stranger, token)
    assert access.scan(lw.clerk, token).licences


def test_no_code_for_another_holders_licence(lw):
    other = lw.issue(holder=lw.citizen_holder(lw.stranger))
    with pytest.raises(NotFound):
        access.issue_licence_token(lw.citizen, other.pk)


def test_an_enterprise_licence_code_is_made_by_its_member(lw):
    licence = lw.issue(holder=lw.enterprise_holder())
    token = access.issue_licence_token(lw.member, licence.pk)
    result = access.scan(lw.clerk, token.token)
    assert result.holder_kind == "enterprise"
    assert result.holder_code == licence.holder_code  # a USCC is public
    with pytest.raises(NotFound):
        access.issue_licence_token(lw.citizen, licence.pk)


# --- 一人一码 / 一企一码 ---------------------------------------------------------------------


def test_personal_code_identifies_the_holder_and_shows_only_valid_licences(lw):
    valid = lw.issue()
    suspended = lw.issue()
    Licence.objects.filter(pk=suspended.pk).update(status="suspended")
    past = lw.issue()
    Licence.objects.filter(pk=past.pk).update(valid_until=timezone.localdate() - timedelta(days=1))
    lw.issue(holder=lw.citizen_holder(lw.stranger))  # someone else's

    token = access.issue_code_token(lw.citizen)
    assert token.token.startswith("ZW1.C.") and token.purpose == "code"
    result = access.scan(lw.clerk, token.token)

    assert result.purpose == "code" and result.holder_kind == "citizen"
    assert [live.licence.pk for live in result.licences] == [valid.pk]
    assert result.holder_name == "王小明" and "*" in result.holder_code
    assert list(LicenceRead.objects.values_list("licence_id", "via")) == [(valid.pk, "code")]
    with pytest.raises(Conflict):
        access.scan(lw.clerk, token.token)


def test_personal_code_masks_by_role(lw):
    lw.issue()
    result = access.scan(lw.approver, access.issue_code_token(lw.citizen).token)
    assert "*" not in result.holder_code  # level-4 clearance sees the ID number


def test_enterprise_code_shows_the_enterprise_and_its_licences(lw):
    licence = lw.issue(holder=lw.enterprise_holder())
    from zhengwu.accounts.models import EnterpriseMembership

    enterprise = EnterpriseMembership.objects.get(user=lw.member).enterprise
    token = access.issue_code_token(lw.member, enterprise_id=enterprise.pk)

    result = access.scan(lw.clerk, token.token)

    assert result.holder_kind == "enterprise" and result.holder_name == enterprise.name
    assert [live.licence.pk for live in result.licences] == [licence.pk]
    assert result.presented_by


def test_code_of_an_enterprise_the_user_is_not_in_is_refused(lw):
    from zhengwu.accounts.models import EnterpriseMembership

    enterprise = EnterpriseMembership.objects.get(user=lw.member).enterprise
    with pytest.raises(NotFound):
        access.issue_code_token(lw.citizen, enterprise_id=enterprise.pk)


def test_an_expired_personal_code_is_refused(lw):
    shown = timezone.now() - timedelta(minutes=5)
    token = access.issue_code_token(lw.citizen, now=shown)
    with pytest.raises(InvalidInput) as expired:
        access.scan(lw.clerk, token.token)
    assert expired.value.code == "token_expired"


# --- grants ------------------------------------------------------------------------------------


def _grant_dept(lw, licences, *, department=None, days=7, user=None):
    return access.create_grant(
        user or lw.citizen,
        licence_ids=[lic.pk for lic in licences],
        grantee_kind="department",
        department_id=(department or lw.other_department).pk,
        purpose="办理住房公积金业务",
        valid_until=timezone.now() + timedelta(days=days),
    )


def test_department_grant_lets_its_staff_read_and_the_holder_sees_it(lw):
    granted = lw.issue()
    kept = lw.issue()
    grant = _grant_dept(lw, [granted])

    assert [g.pk for g in access.grants_for_staff(lw.other_clerk)] == [grant.pk]
    assert access.grants_for_staff(lw.clerk) == []  # another department
    live = access.read_granted(lw.other_clerk, grant.pk, granted.pk)
    assert live.licence.pk == granted.pk and live.signature.valid

    read = LicenceRead.objects.get()
    assert read.via == "grant" and read.grant_id == grant.pk
    with pytest.raises(NotFound):  # not in the grant
        access.read_granted(lw.other_clerk, grant.pk, kept.pk)
    with pytest.raises(NotFound):  # not their department's grant
        access.read_granted(lw.clerk, grant.pk, granted.pk)

    (row,) = access.reads_of(lw.citizen, granted.pk)
    assert row.department == lw.other_department.name
    assert row.reader == "李*"  # staff name masked
    assert row.via == "grant" and row.purpose == "办理住房公积金业务"
    assert access.reads_of(lw.citizen, kept.pk) == []
    with pytest.raises(NotFound):
        access.reads_of(lw.stranger, granted.pk)


def test_expired_and_revoked_grants_open_nothing(lw):
    licence = lw.issue()
    grant = _grant_dept(lw, [licence], days=1)
    later = timezone.now() + timedelta(days=2)
    with pytest.raises(NotAllowed):
        access.read_granted(lw.other_clerk, grant.pk, licence.pk, now=later)
    assert access.grants_for_staff(lw.other_clerk, now=later) == []

    access.revoke_grant(lw.citizen, grant.pk)
    with pytest.raises(NotAllowed):
        access.read_granted(lw.other_clerk, grant.pk, licence.pk)
    with pytest.raises(Conflict):
        access.revoke_grant(lw.citizen, grant.pk)
    assert not LicenceRead.objects.exists()


def test_only_the_holder_may_revoke(lw):
    grant = _grant_dept(lw, [lw.issue()])
    with pytest.raises(NotFound):
        access.revoke_grant(lw.stranger, grant.pk)
    assert UseGrant.objects.get(pk=grant.pk).revoked_at is None


def test_another_holders_licence_cannot_be_granted(lw):
    other = lw.issue(holder=lw.citizen_holder(lw.stranger))
    with pytest.raises(NotFound) as refused:
        _grant_dept(lw, [other])
    assert refused.value.field == "licence_ids"
    assert not UseGrant.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"valid_until": "past"}, "valid_until"),
        ({"valid_until": "far"}, "valid_until"),
        ({"valid_until": None}, "valid_until"),
        ({"purpose": "  "}, "purpose"),
        ({"purpose": "长" * 201}, "purpose"),
        ({"licence_ids": []}, "licence_ids"),
        ({"licence_ids": ["x"]}, "licence_ids"),
        ({"grantee_kind": "everyone"}, "grantee_kind"),
        ({"department_id": "abc"}, "department_id"),
    ],
)
def test_bad_grants_are_refused_naming_the_field(lw, change, field):
    licence = lw.issue()
    now = timezone.now()
    kwargs = {
        "licence_ids": [licence.pk],
        "grantee_kind": "department",
        "department_id": lw.other_department.pk,
        "purpose": "办事",
        "valid_until": now + timedelta(days=3),
    }
    kwargs.update(change)
    if change.get("valid_until") == "past":
        kwargs["valid_until"] = now - timedelta(minutes=1)
    if change.get("valid_until") == "far":
        kwargs["valid_until"] = now + timedelta(days=access.GRANT_MAX_DAYS, minutes=1)
    with pytest.raises(InvalidInput) as refused:
        access.create_grant(lw.citizen, now=now, **kwargs)
    assert refused.value.field == field
    assert not UseGrant.objects.exists()


def test_a_grant_holds_one_holders_licences(lw):
    from tests.factories import make_enterprise_member

    make_enterprise_member(user=lw.citizen)
    from zhengwu.accounts.models import EnterpriseMembership

    enterprise = EnterpriseMembership.objects.get(user=lw.citizen).enterprise
    from zhengwu.licences import services

    mine = lw.issue()
    theirs = lw.issue(
        holder=services.parse_holder(enterprise.name, enterprise.uscc, enterprise_id=enterprise.pk)
    )
    with pytest.raises(InvalidInput) as refused:
        _grant_dept(lw, [mine, theirs])
    assert refused.value.field == "licence_ids"
    assert _grant_dept(lw, [theirs]).holder_index == theirs.holder_index


def test_case_grant_is_for_staff_handling_that_case(lw):
    licence = lw.issue()
    case = make_case(lw, lw.citizen, department=lw.other_department)
    grant = access.create_grant(
        lw.citizen,
        licence_ids=[licence.pk],
        grantee_kind="case",
        case_number=case.number,
        purpose="办件材料",
        valid_until=timezone.now() + timedelta(days=30),
    )

    handler = lw.other_clerk  # the case's department
    assert grant.pk in [g.pk for g in access.grants_for_staff(handler)]
    access.read_granted(handler, grant.pk, licence.pk)
    read = LicenceRead.objects.get()
    assert read.via == "case" and read.case_id == case.pk and read.grant_id == grant.pk
    (row,) = access.reads_of(lw.citizen, licence.pk)
    assert row.case_number == case.number

    from tests.factories import DepartmentFactory, make_staff

    outsider = make_staff(department=DepartmentFactory(name="无关部门"), roles=["approver"])
    with pytest.raises(NotFound):
        access.read_granted(outsider, grant.pk, licence.pk)


def test_only_the_holders_own_case_can_be_granted(lw):
    licence = lw.issue()
    someone_elses = make_case(lw, lw.stranger)
    with pytest.raises(NotFound) as refused:
        access.create_grant(
            lw.citizen,
            licence_ids=[licence.pk],
            grantee_kind="case",
            case_number=someone_elses.number,
            purpose="办件材料",
            valid_until=timezone.now() + timedelta(days=3),
        )
    assert refused.value.field == "case_number"
    assert not UseGrant.objects.exists()


def test_channel_rule(lw):
    iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"
    android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/120 Mobile Safari/537.36"
    desktop = "Mozilla/5.0 (X11; Linux x86_64) Chrome/120 Safari/537.36"
    assert access.channel_for(iphone) == "mobile"
    assert access.channel_for(android) == "mobile"
    assert access.channel_for(desktop) == "web"
    assert access.channel_for("") == "web"


def test_purge_forgets_long_expired_token_uses(lw):
    licence = lw.issue()
    token = access.issue_licence_token(lw.citizen, licence.pk)
    access.scan(lw.clerk, token.token)
    assert access.purge_token_uses() == 0
    assert access.purge_token_uses(now=timezone.now() + timedelta(days=2)) == 1
