"""Changes made in the Django admin reach the audit log, with secrets never in clear."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from tests.factories import UserFactory
from zhengwu.kernel.audit import audit_verify
from zhengwu.kernel.models import AuditEntry, HolidayCalendar, OutboxEndpoint
from zhengwu.org.models import Department, Region

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    call_command("demo", stdout=io.StringIO())
    user = UserFactory(username="root-admin", is_superuser=True, is_staff=True)
    client.force_login(user)
    client.admin_user = user
    return client


def _entries(action, object_type):
    return AuditEntry.objects.filter(action=action, object_type=object_type)


def test_a_changed_department_is_logged_with_only_the_changed_field(admin_client):
    department = Department.objects.get(name="区行政审批服务局")
    url = f"/admin/org/department/{department.pk}/change/"
    form = admin_client.get(url).context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items()}
    data["short_name"] = "审批局"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = _entries("admin.changed", "org.department").get(object_id=str(department.pk))
    assert entry.after == {"short_name": "审批局"}
    assert entry.actor_id == str(admin_client.admin_user.pk) and entry.channel == "admin"
    assert audit_verify().ok


def test_a_deleted_region_is_logged_before_it_goes(admin_client):
    region = Region.objects.create(code="610111009999", name="测试社区", level=6)
    response = admin_client.post(f"/admin/org/region/{region.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    entry = _entries("admin.deleted", "org.region").get(object_id=str(region.pk))
    assert entry.before["name"] == "测试社区"
    assert not Region.objects.filter(pk=region.pk).exists()


def test_an_added_calendar_day_is_logged(admin_client):
    response = admin_client.post(
        "/admin/kernel/holidaycalendar/add/",
        {"date": "2026-12-31", "kind": "holiday", "name": "测试", "year": "2026"},
    )
    assert response.status_code == 302
    day = HolidayCalendar.objects.get(date="2026-12-31")
    entry = _entries("admin.added", "kernel.holidaycalendar").get(object_id=str(day.pk))
    assert entry.after["kind"] == "holiday"


def test_secrets_of_a_receiving_system_never_reach_the_log(admin_client):
    response = admin_client.post(
        "/admin/kernel/outboxendpoint/add/",
        {
            "name": "upstream",
            "url": "https://upstream.example/hook",
            "signing_secret": "s3cr3t-value",
            "auth_header": "Bearer abc123",
            "timeout_seconds": "10",
            "active": "on",
        },
    )
    assert response.status_code == 302
    endpoint = OutboxEndpoint.objects.get(name="upstream")
    entry = _entries("admin.added", "kernel.outboxendpoint").get(object_id=str(endpoint.pk))
    assert entry.after["signing_secret"] == "(set)" and entry.after["auth_header"] == "(set)"
    assert "s3cr3t-value" not in str(entry.after) and "abc123" not in str(entry.after)


def test_a_password_set_in_the_admin_is_logged_without_the_password(admin_client):
    target = UserFactory(username="someone")
    response = admin_client.post(
        f"/admin/accounts/user/{target.pk}/password/",
        {"password1": "An0ther-Strong-Pass", "password2": "An0ther-Strong-Pass"},
    )
    assert response.status_code == 302
    entry = _entries("admin.password_changed", "accounts.user").get(object_id=str(target.pk))
    assert entry.after == {"password": "(changed)"}
    target.refresh_from_db()
    assert target.check_password("An0ther-Strong-Pass")


def test_loading_a_calendar_year_is_audited_with_its_actor():
    from zhengwu.kernel.actors import Actor
    from zhengwu.kernel.calendar_io import load_calendar_file

    rows = ["date,kind,name", "2027-01-01,holiday,元旦"]
    rows += [f"2027-05-0{d},holiday,劳动节" for d in (3, 4, 5)]  # Mon 3 – Wed 5 May
    rows += ["2027-10-01,holiday,国庆节", "2027-10-04,holiday,国庆节"]
    who = Actor("user", "7", "admin", role="administrator", channel="cli")
    load_calendar_file("\n".join(rows).encode(), filename="2027.csv", actor=who)
    entry = AuditEntry.objects.get(action="calendar.year_replaced", object_id="2027")
    assert entry.actor_id == "7" and entry.after["source"] == "file"
    assert entry.after["holidays"] == 6 and entry.after["workdays"] == 0


def test_retrying_a_dead_outbox_message_is_audited():
    from django.utils import timezone

    from zhengwu.kernel.models import OutboxMessage, OutboxStatus
    from zhengwu.kernel.outbox import outbox_retry

    message = OutboxMessage.objects.create(
        endpoint="nowhere",
        topic="test",
        payload={},
        idempotency_key="k-1",
        status=OutboxStatus.DEAD,
        attempts=10,
        next_attempt_at=timezone.now(),
    )
    assert outbox_retry(message_ids=[message.pk]) == 1
    entry = AuditEntry.objects.get(action="outbox.retried", object_id=str(message.pk))
    assert entry.before == {"status": "dead", "attempts": 10}
    assert entry.after == {"status": "pending", "attempts": 0}
