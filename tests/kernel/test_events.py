"""Domain events: declared names only, handlers after commit, sync failures contained."""

from __future__ import annotations

import logging

import pytest
from django.db import transaction

from tests.kernel import handlers
from zhengwu.kernel import events
from zhengwu.kernel.events import EVENTS, EventSpec, UnknownEvent, emit
from zhengwu.kernel.models import OutboxEndpoint

RECORD = "tests.kernel.handlers.record"


@pytest.fixture(autouse=True)
def _clean_calls():
    handlers.calls.clear()
    yield
    handlers.calls.clear()


@pytest.fixture
def test_event(monkeypatch):
    def declare(*paths: str, async_: bool = False, payload: tuple[str, ...] = ()) -> str:
        monkeypatch.setitem(
            EVENTS,
            "test.happened",
            EventSpec("test", handlers=paths, async_=async_, payload=payload),
        )
        return "test.happened"

    return declare


def test_known_events_are_declared_with_resolvable_handlers():
    assert {"calendar.year_loaded", "account.created", "account.locked"} <= set(EVENTS)
    for name, spec in EVENTS.items():
        assert spec.description, name
        for path in spec.handlers:
            assert callable(events.import_string(path)), path


def test_unknown_event_and_bad_payload_are_refused(test_event):
    with pytest.raises(UnknownEvent):
        emit("case.no_such_event", case_id=1)
    name = test_event(RECORD, payload=("case_id",))
    with pytest.raises(TypeError, match="needs payload keys"):
        emit(name, other=1)
    with pytest.raises(TypeError, match="not plain JSON"):
        emit(name, case_id=object())
    assert handlers.calls == []


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_handlers_run_at_once(test_event):
    name = test_event(RECORD)
    emit(name, case_id=5, when=None)
    assert handlers.calls == [(name, {"case_id": 5, "when": None})]


@pytest.mark.django_db(transaction=True)
def test_handlers_run_only_after_commit(test_event):
    name = test_event(RECORD)
    with transaction.atomic():
        emit(name, case_id=1)
        assert handlers.calls == []  # not before commit
    assert handlers.calls == [(name, {"case_id": 1})]


@pytest.mark.django_db(transaction=True)
def test_handlers_do_not_run_when_the_transaction_rolls_back(test_event):
    name = test_event(RECORD, "tests.kernel.handlers.write_row")
    with pytest.raises(RuntimeError), transaction.atomic():
        emit(name, name="rolled-back")
        raise RuntimeError("change failed")
    assert handlers.calls == []
    assert not OutboxEndpoint.objects.exists()
    with transaction.atomic():
        emit(name, name="committed")
    assert list(OutboxEndpoint.objects.values_list("name", flat=True)) == ["committed"]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_savepoint_drops_only_its_events(test_event):
    name = test_event(RECORD)
    with transaction.atomic():
        emit(name, step="outer")
        try:
            with transaction.atomic():
                emit(name, step="inner")
                raise ValueError
        except ValueError:
            pass
    assert handlers.calls == [(name, {"step": "outer"})]


@pytest.mark.django_db(transaction=True)
def test_failing_sync_handler_is_logged_and_others_still_run(test_event, caplog):
    name = test_event("tests.kernel.handlers.fail", RECORD)
    with caplog.at_level(logging.ERROR, logger="zhengwu.kernel.events"), transaction.atomic():
        emit(name, case_id=2)
    assert handlers.calls == [(name, {"case_id": 2})]
    assert "tests.kernel.handlers.fail failed for test.happened" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_async_handlers_go_through_the_task_backend(test_event):
    # Tests use django-tasks' immediate backend: the task runs at enqueue, after commit.
    name = test_event(RECORD, async_=True)
    with transaction.atomic():
        emit(name, year=2027)
        assert handlers.calls == []
    assert handlers.calls == [(name, {"year": 2027})]


def test_async_handler_failure_is_reported_by_the_task():
    from django_tasks import TaskResultStatus

    from zhengwu.kernel.tasks import run_event_handler

    result = run_event_handler.enqueue(
        handler_path="tests.kernel.handlers.fail", event="test.happened", payload={}
    )
    assert result.status == TaskResultStatus.FAILED
    assert "RuntimeError" in result.errors[0].traceback
