"""kernel.rows: one-statement inserts (insert_unless_exists, add, create) and save_changed."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from zhengwu.kernel.models import CalendarYear
from zhengwu.kernel.rows import insert_unless_exists

pytestmark = pytest.mark.django_db


def test_a_new_row_is_inserted_in_one_statement_with_its_key_and_defaults():
    year = CalendarYear(year=2031, source="admin", note="首次")
    with CaptureQueriesContext(connection) as queries:
        assert insert_unless_exists(year) is True
    assert len(queries) == 1
    assert year.pk is not None and year._state.adding is False
    stored = CalendarYear.objects.get(pk=year.pk)
    assert (stored.year, stored.source, stored.note) == (2031, "admin", "首次")
    assert stored.loaded_at is not None  # auto_now ran as save() would run it


def test_an_existing_row_wins_and_the_transaction_stays_usable():
    first = CalendarYear.objects.create(year=2032, source="package", note="原有")
    with transaction.atomic():
        again = CalendarYear(year=2032, source="admin", note="重复")
        assert insert_unless_exists(again) is False
        assert again.pk is None
        # no error was raised inside the transaction: it goes on
        assert CalendarYear.objects.filter(year=2032).count() == 1
    stored = CalendarYear.objects.get(year=2032)
    assert (stored.pk, stored.source, stored.note) == (first.pk, "package", "原有")


# --- add / create / save_changed --------------------------------------------------------------


def _message(**overrides):
    from django.utils import timezone

    from zhengwu.kernel.models import OutboxMessage

    values = {
        "endpoint": "sms",
        "topic": "case.notice",
        "payload": {"phone": "13800000000", "tags": ["a"]},
        "idempotency_key": "rows-test-1",
        "next_attempt_at": timezone.now(),
    }
    return OutboxMessage(**{**values, **overrides})


def test_create_inserts_one_row_as_the_orm_would():
    from zhengwu.kernel.models import OutboxMessage
    from zhengwu.kernel.rows import create

    with CaptureQueriesContext(connection) as queries:
        made = create(
            OutboxMessage,
            endpoint="sms",
            topic="t",
            payload={"text": "您好"},
            idempotency_key="rows-create",
            next_attempt_at=_message().next_attempt_at,
        )
    assert len(queries) == 1 and "RETURNING" in queries[0]["sql"]
    assert made.pk is not None and made._state.adding is False
    stored = OutboxMessage.objects.get(pk=made.pk)
    assert (stored.payload, stored.status, stored.attempts) == ({"text": "您好"}, "pending", 0)
    assert stored.created_at is not None  # auto_now_add ran as save() runs it


def test_save_changed_writes_only_the_changed_columns():
    from zhengwu.kernel.models import OutboxMessage
    from zhengwu.kernel.rows import add, save_changed

    message = add(_message())
    message.attempts = 3
    message.last_error = "timeout"
    with CaptureQueriesContext(connection) as queries:
        written = save_changed(message)
    assert written == ["attempts", "last_error"]
    assert len(queries) == 1
    sql = queries[0]["sql"]
    assert '"attempts"' in sql and '"last_error"' in sql
    assert '"payload"' not in sql and '"topic"' not in sql
    stored = OutboxMessage.objects.get(pk=message.pk)
    assert (stored.attempts, stored.last_error, stored.topic) == (3, "timeout", "case.notice")
    # written values are remembered: nothing changed since, nothing is written
    with CaptureQueriesContext(connection) as queries:
        assert save_changed(message) == []
    assert len(queries) == 0


def test_a_json_value_changed_in_place_is_written():
    from zhengwu.kernel.models import OutboxMessage
    from zhengwu.kernel.rows import add, save_changed

    message = add(_message())
    message.payload["tags"].append("b")  # nested, in place
    assert save_changed(message) == ["payload"]
    assert OutboxMessage.objects.get(pk=message.pk).payload["tags"] == ["a", "b"]


def test_auto_now_fields_are_always_stamped():
    from zhengwu.kernel.rows import remember, save_changed

    year = CalendarYear.objects.create(year=2033, source="package")
    remember(year)
    stamped = year.loaded_at
    year.note = "更正"
    assert sorted(save_changed(year)) == ["loaded_at", "note"]
    stored = CalendarYear.objects.get(pk=year.pk)
    assert stored.note == "更正" and stored.loaded_at > stamped


def test_fields_not_read_are_never_written():
    from zhengwu.kernel.rows import remember, save_changed

    CalendarYear.objects.create(year=2034, source="package", note="原注")
    year = CalendarYear.objects.only("pk", "source").get(year=2034)
    remember(year)
    year.source = "admin"
    written = save_changed(year)
    assert "note" not in written and "year" not in written
    stored = CalendarYear.objects.get(year=2034)
    assert (stored.source, stored.note) == ("admin", "原注")


def test_an_instance_not_remembered_is_saved_whole():
    from zhengwu.kernel.rows import save_changed

    year = CalendarYear.objects.create(year=2035, source="package")
    year.note = "整行"
    with CaptureQueriesContext(connection) as queries:
        written = save_changed(year)
    assert {"year", "source", "note", "loaded_at"} <= set(written)
    assert len(queries) == 1 and '"year"' in queries[0]["sql"]
    assert CalendarYear.objects.get(pk=year.pk).note == "整行"


def test_a_row_gone_is_an_error_and_nothing_is_written():
    from django.db import DatabaseError

    from zhengwu.kernel.rows import remember, save_changed

    year = CalendarYear.objects.create(year=2036, source="package")
    remember(year)
    CalendarYear.objects.filter(pk=year.pk).delete()
    year.note = "晚了"
    with pytest.raises(DatabaseError):
        save_changed(year)
    assert not CalendarYear.objects.filter(year=2036).exists()


def test_model_signals_are_sent_as_save_sends_them_when_someone_listens():
    from django.db.models import signals

    from zhengwu.kernel.rows import create, save_changed

    seen = []

    def stamp(sender, instance, update_fields=None, **kwargs):
        seen.append(("pre", update_fields))
        instance.note = (instance.note or "") + "+"

    def after(sender, instance, created, update_fields=None, **kwargs):
        seen.append(("post", created, update_fields))

    signals.pre_save.connect(stamp, sender=CalendarYear)
    signals.post_save.connect(after, sender=CalendarYear)
    try:
        year = create(CalendarYear, year=2037, source="package", note="a")
        year.source = "admin"
        save_changed(year)
    finally:
        signals.pre_save.disconnect(stamp, sender=CalendarYear)
        signals.post_save.disconnect(after, sender=CalendarYear)
    assert seen[0] == ("pre", None) and seen[1] == ("post", True, None)
    assert seen[2][0] == "pre" and "source" in seen[2][1]
    assert seen[3][:2] == ("post", False)
    assert CalendarYear.objects.get(year=2037).note == "a+"  # the receiver's change was written
