"""Status changes (every transition allowed and refused), renewal, change and expiry."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from zhengwu.kernel.actors import SYSTEM, Actor
from zhengwu.kernel.errors import Conflict, InvalidInput, NotAllowed, NotFound
from zhengwu.kernel.models import AuditEntry, OutboxMessage
from zhengwu.licences import services, signing
from zhengwu.licences.choices import TRANSITIONS, LicenceStatus, Relation
from zhengwu.licences.models import Licence, StatusChange
from zhengwu.licences.tasks import expire_due_licences

pytestmark = pytest.mark.django_db

ALL = list(LicenceStatus.values)
STAFF = Actor("user", "1", "审批员")


def _in_status(lw, status: str) -> Licence:
    licence = lw.issue()
    if status == LicenceStatus.VALID:
        return licence
    return services.change_status(licence.pk, status, reason="准备", actor=SYSTEM)


@pytest.mark.parametrize("from_status", ALL)
@pytest.mark.parametrize("to_status", ALL)
def test_every_transition_is_allowed_or_refused_as_the_table_says(lw, from_status, to_status):
    licence = _in_status(lw, from_status)
    before = StatusChange.objects.filter(licence=licence).count()
    if to_status in TRANSITIONS[from_status]:
        changed = services.change_status(
            licence.pk, to_status, reason="依法处理", actor=STAFF, user=lw.approver
        )
        assert changed.status == to_status
        assert changed.status_reason == "依法处理"
        change = StatusChange.objects.filter(licence=licence).last()
        assert (change.from_status, change.to_status) == (from_status, to_status)
        assert change.actor_id == lw.approver.pk and change.actor_label == "审批员"
    else:
        with pytest.raises(Conflict) as err:
            services.change_status(
                licence.pk, to_status, reason="依法处理", actor=STAFF, user=lw.approver
            )
        assert err.value.field == "status"
        licence.refresh_from_db()
        assert licence.status == from_status
        assert StatusChange.objects.filter(licence=licence).count() == before


def test_status_change_is_audited_and_pushed_to_subscribers(lw, django_capture_on_commit_callbacks):
    licence = lw.issue()
    with django_capture_on_commit_callbacks() as callbacks:
        services.change_status(
            licence.pk, LicenceStatus.REVOKED, reason="违法经营被吊销", actor=STAFF, user=lw.head
        )
    assert callbacks  # the licence.status_changed event (and outbox delivery) after commit
    entry = AuditEntry.objects.filter(
        object_type="licence", object_id=str(licence.pk), action="licence.status_changed"
    ).get()
    assert entry.before == {"status": "valid"}
    assert entry.after["status"] == "revoked"
    message = OutboxMessage.objects.get(topic="licence.status_changed")
    assert message.endpoint == services.SUBSCRIBERS_ENDPOINT
    assert message.payload["identifier"] == licence.identifier
    assert message.payload["to_status"] == "revoked"
    assert message.payload["reason"] == "违法经营被吊销"


def test_each_pushed_change_has_its_own_idempotency_key_and_expiry_is_not_pushed(lw):
    licence = lw.issue()
    services.change_status(licence.pk, "suspended", reason="暂扣一个月", actor=SYSTEM)
    services.change_status(licence.pk, "valid", reason="暂扣期满", actor=SYSTEM)
    services.change_status(licence.pk, "expired", reason="到期", actor=SYSTEM)
    keys = list(OutboxMessage.objects.values_list("idempotency_key", flat=True))
    assert len(keys) == len(set(keys)) == 2
    assert {m.payload["to_status"] for m in OutboxMessage.objects.all()} == {"suspended", "valid"}


@pytest.mark.parametrize(
    ("reason", "status", "field"),
    [("", "revoked", "reason"), ("x" * 501, "revoked", "reason"), ("ok", "lost", "status")],
)
def test_bad_reason_or_status_is_refused_naming_the_field(lw, reason, status, field):
    licence = lw.issue()
    with pytest.raises(InvalidInput) as err:
        services.change_status(licence.pk, status, reason=reason, actor=SYSTEM)
    assert err.value.field == field
    licence.refresh_from_db()
    assert licence.status == "valid"


def test_who_may_change_a_licence(lw):
    licence = lw.issue()
    with pytest.raises(NotAllowed):
        services.change_status(licence.pk, "suspended", reason="r", actor=STAFF, user=lw.clerk)
    with pytest.raises(NotFound):  # another department does not see the licence
        services.change_status(
            licence.pk, "suspended", reason="r", actor=STAFF, user=lw.other_clerk
        )
    with pytest.raises(NotFound):
        services.change_status(licence.pk, "suspended", reason="r", actor=STAFF, user=lw.citizen)
    with pytest.raises(NotFound):
        services.change_status(999999, "suspended", reason="r", actor=STAFF, user=lw.head)
    assert not StatusChange.objects.exists()
    done = services.change_status(
        licence.pk, "suspended", reason="r", actor=STAFF, user=lw.administrator
    )
    assert done.status == "suspended"


def test_renewal_issues_a_linked_licence_and_ends_the_old_one(lw):
    old = lw.issue()
    new = services.renew_licence(old.pk, actor=STAFF, user=lw.approver, reason="到期延续")
    old.refresh_from_db()
    assert new.previous_id == old.pk and new.relation == Relation.RENEWAL
    assert new.version == old.version + 1 and new.identifier.split(".")[-2] == "002"
    assert new.status == "valid" and new.metadata == old.metadata
    assert new.holder_index == old.holder_index
    assert old.status == "cancelled" and new.identifier in old.status_reason
    assert old.valid_until is not None and new.valid_until is not None
    assert new.valid_until > old.valid_until  # the new period follows the old end
    assert signing.canonical_dict(signing.licence_fields(new))["previous"] == old.identifier
    assert signing.verify_stored(new, remember=False).valid
    assert signing.verify_stored(old, remember=False).valid


def test_only_a_valid_licence_is_renewed(lw):
    licence = _in_status(lw, "suspended")
    with pytest.raises(Conflict) as err:
        services.renew_licence(licence.pk, actor=STAFF, user=lw.approver)
    assert err.value.field == "status"
    assert Licence.objects.count() == 1


def test_change_merges_the_metadata_and_keeps_the_end_date(lw):
    old = lw.issue()
    new = services.change_licence(
        old.pk,
        actor=STAFF,
        user=lw.head,
        reason="经营场所变更",
        metadata={"premises": "西安市灞桥区纺织城正街 9 号"},
    )
    old.refresh_from_db()
    assert new.relation == Relation.CHANGE and new.previous_id == old.pk
    assert new.metadata["premises"] == "西安市灞桥区纺织城正街 9 号"
    assert new.metadata["business_scope"] == old.metadata["business_scope"]
    assert new.valid_until == old.valid_until
    assert old.status == "cancelled" and "经营场所变更" in old.status_reason


def test_change_refuses_bad_input_and_writes_nothing(lw):
    old = lw.issue()
    with pytest.raises(InvalidInput) as err:
        services.change_licence(old.pk, actor=STAFF, user=lw.head, reason="变更")
    assert err.value.field == "metadata"
    with pytest.raises(InvalidInput) as err:
        services.change_licence(
            old.pk, actor=STAFF, user=lw.head, reason="变更", metadata={"colour": "red"}
        )
    assert err.value.field == "metadata.colour"
    with pytest.raises(InvalidInput) as err:
        services.change_licence(old.pk, actor=STAFF, user=lw.head, reason="", metadata={})
    assert err.value.field == "reason"
    with pytest.raises(NotAllowed):
        services.change_licence(
            old.pk, actor=STAFF, user=lw.clerk, reason="变更", metadata={"premises": "新址"}
        )
    old.refresh_from_db()
    assert old.status == "valid" and Licence.objects.count() == 1


def test_expiry_task_expires_due_licences_once(lw):
    past = {"issue_date": date(2020, 1, 1), "valid_from": date(2020, 1, 1)}
    due = lw.issue(valid_until=date(2021, 1, 1), **past)
    suspended = lw.issue(valid_until=date(2022, 1, 1), **past)
    services.change_status(suspended.pk, "suspended", reason="暂扣", actor=SYSTEM)
    current = lw.issue()
    long_term = lw.issue(valid_until=None, **past)
    long_term.valid_until = None
    Licence.objects.filter(pk=long_term.pk).update(valid_until=None)
    assert expire_due_licences.call() == 2
    for licence in (due, suspended, current, long_term):
        licence.refresh_from_db()
    assert due.status == suspended.status == "expired"
    assert current.status == long_term.status == "valid"
    change = StatusChange.objects.filter(licence=due).get()
    assert change.actor_id is None and change.actor_label == "系统"
    assert "2021-01-01" in change.reason
    assert services.expire_due() == 0


def test_expire_due_uses_the_day_it_is_given(lw):
    licence = lw.issue()
    assert licence.valid_until is not None
    assert services.expire_due(licence.valid_until) == 0
    assert services.expire_due(licence.valid_until + timedelta(days=1)) == 1
    assert timezone.localdate() <= licence.valid_until


def test_a_revocation_reaches_the_subscriber_once(lw, http_receiver):
    from zhengwu.kernel.models import OutboxEndpoint
    from zhengwu.kernel.outbox import deliver_due_messages

    OutboxEndpoint.objects.create(
        name=services.SUBSCRIBERS_ENDPOINT, url=http_receiver.url, timeout_seconds=3
    )
    licence = lw.issue()
    services.change_status(
        licence.pk, "revoked", reason="违法经营被吊销", actor=STAFF, user=lw.head
    )
    assert deliver_due_messages() == {"delivered": 1}
    assert deliver_due_messages() == {}
    (received,) = http_receiver.requests
    assert received.headers["X-Zhengwu-Topic"] == "licence.status_changed"
    body = received.json()
    assert (body["identifier"], body["to_status"]) == (licence.identifier, "revoked")
    assert "holder_code" not in body  # subscribers get the licence, not the holder's ID
