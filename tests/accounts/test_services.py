"""Service tests: accounts are set up through the real services, outcomes read back."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from freezegun import freeze_time

from tests.factories import (
    PASSWORD,
    DepartmentFactory,
    citizen_id_for,
    make_citizen,
    make_enterprise,
    make_enterprise_member,
    make_staff,
)
from zhengwu.accounts import policies, selectors, services
from zhengwu.accounts.models import ApiToken, CitizenProfile, User
from zhengwu.kernel.errors import (
    Conflict,
    InvalidInput,
    NotAllowed,
    NotFound,
    TooManyAttempts,
    Unauthenticated,
)
from zhengwu.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db


def fields_of(error):
    return {error.field} | {e.field for e in error.errors}


def codes_of(error):
    return {error.code} | {e.code for e in error.errors}


# --- users and citizens -------------------------------------------------------------------


def test_citizen_register_stores_id_number_encrypted_with_derived_fields():
    user = services.citizen_register(
        username="zhangwei",
        password=PASSWORD,
        real_name="张伟",
        id_number="11010519491231002x",
        phone="13912345678",
    )
    citizen = CitizenProfile.objects.get(user=user)
    assert citizen.id_number == "11010519491231002X"  # normalised, decrypts back
    assert citizen.birth_date == date(1949, 12, 31)
    assert citizen.sex == "2"  # sequence 002: even → female
    assert citizen.birth_region_code == "110105"
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM accounts_citizenprofile WHERE id = %s", [citizen.pk])
        stored = cursor.fetchone()[0]
        cursor.execute("SELECT phone FROM accounts_user WHERE id = %s", [user.pk])
        stored_phone = cursor.fetchone()[0]
    assert "11010519491231002X" not in stored and stored.startswith("sm4gcm:")
    assert "13912345678" not in stored_phone
    entry = AuditEntry.objects.get(action="citizen.created", object_id=str(citizen.pk))
    assert entry.after["id_number"] == "110105********002X"
    assert "张伟" not in str(entry.after)


def test_citizen_register_wrong_check_digit_names_the_field_and_writes_nothing():
    with pytest.raises(InvalidInput) as caught:
        services.citizen_register(
            username="lisi", password=PASSWORD, real_name="李四", id_number="110105194912310021"
        )
    assert "id_number" in fields_of(caught.value)
    assert not User.objects.filter(username="lisi").exists()
    assert CitizenProfile.objects.count() == 0


def test_register_collects_all_field_errors_at_once():
    with pytest.raises(InvalidInput) as caught:
        services.citizen_register(
            username="x", password="123", real_name="", id_number="abc", phone="12345"
        )
    fields = fields_of(caught.value)
    assert {"username", "password", "real_name", "id_number", "phone"} <= fields


def test_duplicate_id_number_is_refused():
    make_citizen(id_number=citizen_id_for(7))
    with pytest.raises(InvalidInput) as caught:
        make_citizen(id_number=citizen_id_for(7))
    assert "id_number_taken" in codes_of(caught.value)


def test_citizen_by_id_number_uses_the_blind_index():
    user = make_citizen(id_number="440524188001010014", real_name="王强")
    make_citizen(id_number=citizen_id_for(3))
    found = selectors.citizen_by_id_number("440524188001010014")
    assert found is not None and found.user_id == user.pk
    assert selectors.citizen_by_id_number(citizen_id_for(4)) is None
    with pytest.raises(InvalidInput) as caught:
        selectors.citizen_by_id_number("440524188001010015")
    assert caught.value.field == "id_number"


def test_masking_by_role():
    citizen_user = make_citizen(
        id_number="440524188001010014", real_name="王强", phone="13912345678"
    )
    citizen = citizen_user.citizen_profile
    other_citizen = make_citizen()
    dept = DepartmentFactory()
    hotline = make_staff(department=dept, roles=["hotline_agent"])
    clerk = make_staff(department=dept, roles=["window_clerk"])
    approver = make_staff(department=dept, roles=["approver"])
    admin = make_staff(department=dept, roles=["administrator"])

    assert selectors.citizen_id_number_for(citizen_user, citizen) == "440524188001010014"
    for viewer in (other_citizen, hotline, clerk):
        assert selectors.citizen_id_number_for(viewer, citizen) == "440524********0014"
    for viewer in (approver, admin):
        assert selectors.citizen_id_number_for(viewer, citizen) == "440524188001010014"
    assert selectors.citizen_name_for(other_citizen, citizen) == "王*"
    assert selectors.citizen_name_for(hotline, citizen) == "王强"
    assert selectors.phone_for(hotline, citizen_user) == "139****5678"
    assert selectors.phone_for(clerk, citizen_user) == "13912345678"
    assert [
        policies.clearance_for(u) for u in (other_citizen, hotline, clerk, approver, admin)
    ] == [
        1,
        2,
        3,
        4,
        4,
    ]


def test_user_set_preferences_persists_and_audits():
    user = make_citizen()
    services.user_set_preferences(user=user, elderly_mode=True, language="en")
    user.refresh_from_db()
    assert user.elderly_mode is True and user.language == "en"
    entry = AuditEntry.objects.filter(action="user.preferences_changed").get()
    assert entry.before == {"elderly_mode": False, "language": "zh-hans"}
    with pytest.raises(InvalidInput) as caught:
        services.user_set_preferences(user=user, language="fr")
    assert caught.value.field == "language"


# --- login and lockout --------------------------------------------------------------------


def test_login_success_resets_counter_and_audits():
    user = make_citizen()
    with pytest.raises(Unauthenticated):
        services.user_authenticate(username=user.username, password="wrong-password")
    user.refresh_from_db()
    assert user.failed_login_count == 1
    assert services.user_authenticate(username=user.username, password=PASSWORD).pk == user.pk
    user.refresh_from_db()
    assert user.failed_login_count == 0
    assert AuditEntry.objects.filter(action="login.succeeded", object_id=str(user.pk)).exists()
    assert AuditEntry.objects.filter(action="login.failed", object_id=str(user.pk)).count() == 1


def test_unknown_user_fails_like_a_wrong_password():
    with pytest.raises(Unauthenticated) as caught:
        services.user_authenticate(username="nobody", password="whatever")
    assert caught.value.code == "invalid_credentials"
    assert AuditEntry.objects.filter(action="login.failed", object_id="unknown").exists()


def test_lockout_refuses_right_password_until_expiry(settings):
    settings.LOGIN_MAX_FAILURES = 3
    settings.LOGIN_LOCKOUT_MINUTES = 15
    user = make_citizen()
    start = timezone.now()
    with freeze_time(start):
        for _ in range(2):
            with pytest.raises(Unauthenticated):
                services.user_authenticate(username=user.username, password="bad-password")
        with pytest.raises(TooManyAttempts) as caught:
            services.user_authenticate(username=user.username, password="bad-password")
        assert caught.value.code == "account_locked"
        assert "锁定" in caught.value.message and "locked" in caught.value.message_en
        # The right password is refused while locked.
        with pytest.raises(TooManyAttempts):
            services.user_authenticate(username=user.username, password=PASSWORD)
    user.refresh_from_db()
    assert user.locked_until == start + timedelta(minutes=15)
    assert AuditEntry.objects.filter(action="account.locked", object_id=str(user.pk)).count() == 1
    assert AuditEntry.objects.filter(action="login.refused_locked").count() == 1
    with freeze_time(start + timedelta(minutes=14, seconds=59)), pytest.raises(TooManyAttempts):
        services.user_authenticate(username=user.username, password=PASSWORD)
    with freeze_time(start + timedelta(minutes=15, seconds=1)):
        assert services.user_authenticate(username=user.username, password=PASSWORD).pk == user.pk
    user.refresh_from_db()
    assert user.locked_until is None and user.failed_login_count == 0


def test_lock_emits_account_locked_event(settings, monkeypatch, django_capture_on_commit_callbacks):
    from zhengwu.kernel import events

    monkeypatch.setitem(
        events.EVENTS,
        "account.locked",
        events.EventSpec(
            "test",
            handlers=("tests.accounts.test_services.record_event",),
            payload=("user_id", "until"),
        ),
    )
    RECORDED.clear()
    settings.LOGIN_MAX_FAILURES = 1
    user = make_citizen()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(TooManyAttempts):
        services.user_authenticate(username=user.username, password="bad-password")
    seen = [p for name, p in RECORDED if name == "account.locked"]
    assert seen and seen[0]["user_id"] == user.pk


RECORDED: list = []


def record_event(event, payload):
    RECORDED.append((event, payload))


def test_admin_unlock(settings):
    settings.LOGIN_MAX_FAILURES = 1
    user = make_citizen()
    admin = make_staff(roles=["administrator"])
    clerk = make_staff(roles=["window_clerk"])
    with pytest.raises(TooManyAttempts):
        services.user_authenticate(username=user.username, password="bad-password")
    with pytest.raises(NotAllowed):
        services.user_unlock(user_id=user.pk, actor_user=clerk, actor=selectors.actor_for(clerk))
    user.refresh_from_db()
    assert user.locked_until is not None
    services.user_unlock(user_id=user.pk, actor_user=admin, actor=selectors.actor_for(admin))
    assert services.user_authenticate(username=user.username, password=PASSWORD).pk == user.pk


# --- identity switch ------------------------------------------------------------------------


def test_identity_switch_between_member_enterprises():
    first = make_enterprise(name="西安甲公司")
    second = make_enterprise(name="西安乙公司")
    user = make_enterprise_member(role="legal_representative", enterprise=first)
    make_enterprise_member(role="manager", enterprise=second, user=user)
    stranger_enterprise = make_enterprise(name="西安丙公司")
    session = SessionStore()

    identities = selectors.user_identities(user)
    assert identities[0].kind == "personal" and identities[0].label == str(user)
    assert {i.label for i in identities[1:]} == {"西安甲公司", "西安乙公司"}
    assert selectors.current_identity(user, session).kind == "personal"

    identity = services.user_switch_identity(user=user, session=session, enterprise_id=second.pk)
    assert identity.role == "manager"
    assert selectors.current_identity(user, session).enterprise_id == second.pk
    with pytest.raises(NotFound):
        services.user_switch_identity(
            user=user, session=session, enterprise_id=stranger_enterprise.pk
        )
    assert selectors.current_identity(user, session).enterprise_id == second.pk
    services.user_switch_identity(user=user, session=session, enterprise_id=None)
    assert selectors.current_identity(user, session).kind == "personal"
    assert AuditEntry.objects.filter(action="account.identity_switched").count() == 2


def test_enterprise_requires_valid_unique_uscc_and_one_legal_representative():
    with pytest.raises(InvalidInput) as caught:
        services.enterprise_create(
            uscc="914403001922038217", name="坏公司", legal_representative_name="张三"
        )
    assert fields_of(caught.value) == {"uscc"}
    enterprise = services.enterprise_create(
        uscc="914403001922038216", name="好公司", legal_representative_name="张三"
    )
    with pytest.raises(InvalidInput):
        services.enterprise_create(
            uscc="914403001922038216", name="重复", legal_representative_name="李四"
        )
    make_enterprise_member(role="legal_representative", enterprise=enterprise)
    with pytest.raises(Conflict):
        make_enterprise_member(role="legal_representative", enterprise=enterprise)


# --- staff and certificates ----------------------------------------------------------------


def test_staff_roles_and_policies():
    dept = DepartmentFactory()
    head = make_staff(department=dept, roles=["department_head", "approver"])
    assert policies.staff_roles(head) == {"department_head", "approver"}
    assert policies.is_staff_member(head) and not policies.may_manage_users(head)
    assert policies.staff_department_id(head) == dept.pk
    citizen = make_citizen()
    assert not policies.is_staff_member(citizen) and policies.staff_roles(citizen) == set()
    with pytest.raises(InvalidInput) as caught:
        make_staff(department=dept, roles=["emperor"])
    assert caught.value.field == "roles"


def test_uncertified_and_expiring_window_clerks():
    dept = DepartmentFactory()
    supervisor = make_staff(department=dept, roles=["supervisor"])
    fine = make_staff(department=dept, roles=["window_clerk"])
    expiring = make_staff(department=dept, roles=["window_clerk"])
    expired = make_staff(department=dept, roles=["window_clerk"])
    missing = make_staff(department=dept, roles=["window_clerk"])
    make_staff(department=dept, roles=["approver"])  # not a clerk: never listed
    today = date(2025, 6, 1)
    services.certificate_issue(
        staff_user_id=fine.pk, number="C-1", issued_on=date(2024, 1, 1), expires_on=date(2027, 1, 1)
    )
    services.certificate_issue(
        staff_user_id=expiring.pk,
        number="C-2",
        issued_on=date(2022, 7, 1),
        expires_on=date(2025, 6, 20),
    )
    services.certificate_issue(
        staff_user_id=expired.pk,
        number="C-3",
        issued_on=date(2020, 1, 1),
        expires_on=date(2025, 5, 31),
    )
    rows = selectors.window_clerk_certification(supervisor, today=today, within_days=30)
    assert {(r.staff.user_id, r.problem) for r in rows} == {
        (expiring.pk, "expiring"),
        (expired.pk, "expired"),
        (missing.pk, "missing"),
    }
    assert selectors.window_clerk_certification(fine, today=today) == []
    with pytest.raises(InvalidInput) as caught:
        services.certificate_issue(
            staff_user_id=fine.pk,
            number="C-4",
            issued_on=date(2025, 1, 1),
            expires_on=date(2024, 1, 1),
        )
    assert fields_of(caught.value) == {"expires_on"}


def test_certification_selector_query_count_is_constant():
    dept = DepartmentFactory()
    supervisor = make_staff(department=dept, roles=["supervisor"])
    for _ in range(5):
        make_staff(department=dept, roles=["window_clerk"])
    policies.staff_roles(supervisor)  # warm the per-request role cache
    with CaptureQueriesContext(connection) as queries:
        rows = selectors.window_clerk_certification(supervisor, today=date(2025, 1, 1))
    assert len(rows) == 5
    assert len(queries) == 2  # clerks + their certificates


# --- API tokens -----------------------------------------------------------------------------


def test_token_create_use_revoke():
    user = make_citizen()
    token, secret = services.token_create(user=user, name="对账程序", scopes=["read"])
    assert secret.startswith(f"zw_{token.prefix}_") and len(secret) > 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert secret not in str(stored.__dict__) and len(stored.token_hash) == 64
    found_user, found = services.token_authenticate(raw=secret, required_scope="read")
    assert found_user.pk == user.pk and found.pk == token.pk
    with pytest.raises(NotAllowed) as caught:
        services.token_authenticate(raw=secret, required_scope="write")
    assert caught.value.code == "insufficient_scope"
    assert services.token_authenticate(raw=secret + "x", required_scope="read") is None
    services.token_revoke(user=user, token_id=token.pk)
    assert services.token_authenticate(raw=secret, required_scope="read") is None
    assert AuditEntry.objects.filter(action__in=["token.created", "token.revoked"]).count() == 2


def test_token_expiry_and_last_used_throttle():
    user = make_citizen()
    start = timezone.now()
    with freeze_time(start):
        token, secret = services.token_create(
            user=user, name="t", scopes=["write"], expires_in_days=1
        )
        services.token_authenticate(raw=secret, required_scope="read")  # write implies read
    token.refresh_from_db()
    assert token.last_used_at == start
    with freeze_time(start + timedelta(seconds=30)):
        services.token_authenticate(raw=secret, required_scope="write")
    token.refresh_from_db()
    assert token.last_used_at == start  # not rewritten within a minute
    with freeze_time(start + timedelta(seconds=61)):
        services.token_authenticate(raw=secret, required_scope="write")
    token.refresh_from_db()
    assert token.last_used_at == start + timedelta(seconds=61)
    with freeze_time(start + timedelta(days=1, seconds=1)):
        assert services.token_authenticate(raw=secret, required_scope="read") is None


def test_token_validation_and_ownership():
    user = make_citizen()
    other = make_citizen()
    with pytest.raises(InvalidInput) as caught:
        services.token_create(user=user, name="", scopes=["admin", "fly"], expires_in_days=999)
    assert fields_of(caught.value) - {None} == {"name", "scopes", "expires_in_days"}
    token, _ = services.token_create(user=user, name="mine", scopes=["read"])
    with pytest.raises(NotFound):
        services.token_revoke(user=other, token_id=token.pk)
    token.refresh_from_db()
    assert token.revoked_at is None
