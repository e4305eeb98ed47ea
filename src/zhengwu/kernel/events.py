"""Domain events: one table of every event and who reacts to it.

A service emits an event after its change (``emit("case.concluded", case_id=…)``); the
handlers listed here run **after the transaction commits** (``transaction.on_commit``), so a
handler never sees — or acts on — a change that was rolled back. Outside a transaction
``on_commit`` runs at once, which is the same thing. There are no Django signals for domain
behaviour: reading this table tells you everything that happens when an event fires.

Handlers are dotted paths, resolved when the event fires, so the kernel imports no domain.
A handler is ``def handler(event: str, payload: dict[str, Any]) -> None``.

Sync or async
    By default handlers run in the same process right after commit. A spec with
    ``async_=True`` instead enqueues :func:`zhengwu.kernel.tasks.run_event_handler` per
    handler (a django-tasks task: database queue by default, RQ at scale) — for slow work
    such as rendering a PDF or calling another system.

Failures
    A failing sync handler is logged with its traceback and does **not** fail the request:
    the change it reacts to is already committed, and raising after commit would only turn a
    successful request into a 500. Handlers that must not be lost should be async (the task
    backend records failures) or write to the outbox. Payloads must be plain JSON (checked at
    emit, for sync handlers too, so that switching a spec to async never breaks a caller);
    handlers receive the JSON-normalised copy.

Adding an event: add a line to :data:`EVENTS` with a description and its handlers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import orjson
from django.db import transaction
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

Handler = Callable[[str, dict[str, Any]], None]


class UnknownEvent(LookupError):
    """``emit`` was called with a name that is not declared in :data:`EVENTS`."""


@dataclass(frozen=True)
class EventSpec:
    description: str
    handlers: tuple[str, ...] = ()
    async_: bool = False
    payload: tuple[str, ...] = ()  # documented payload keys (required at emit)


EVENTS: dict[str, EventSpec] = {
    "account.created": EventSpec(
        "An account was created (citizen, enterprise member or staff).",
        payload=("user_id", "kind"),
    ),
    "account.locked": EventSpec(
        "An account was locked after repeated failed log-ins.",
        payload=("user_id", "until"),
    ),
    "calendar.year_loaded": EventSpec(
        "A year's official holiday schedule was loaded; provisional deadlines that run into "
        "that year are recomputed.",
        handlers=("zhengwu.cases.services.on_calendar_year_loaded",),
        async_=True,
        payload=("year",),
    ),
    "case.submitted": EventSpec(
        "An application was submitted and numbered; the art. 32 clock runs from receipt.",
        payload=("case_id", "number"),
    ),
    "case.accepted": EventSpec(
        "A case was accepted (by a clerk, on receipt, or by law after 5 working days).",
        payload=("case_id", "number"),
    ),
    "case.decided": EventSpec(
        "The decision of a case was taken (approve or deny).",
        payload=("case_id", "number", "decision"),
    ),
    "case.result_produced": EventSpec(
        "An approved case produced its result: when the item's result is a licence type, "
        "the e-licence domain issues and signs the licence.",
        handlers=("zhengwu.licences.services.on_case_result_produced",),
        payload=("case_id", "number", "result_number", "licence_type"),
    ),
    "case.concluded": EventSpec(
        "A case concluded (result delivered, or a bundle's last member concluded): the "
        "rating invitation and the archive package react to it (supervision pushes arrive "
        "with the oversight domain).",
        handlers=(
            "zhengwu.ratings.services.on_case_concluded",
            "zhengwu.dossiers.services.on_case_concluded",
        ),
        payload=("case_id", "number", "decision"),
    ),
    "case.revoked": EventSpec(
        "An approval was revoked after a failed commitment verification (告知承诺核查不实).",
        payload=("case_id", "number", "reason"),
    ),
    "hotline.ticket_closed": EventSpec(
        "A hotline ticket was closed with its answer (merged tickets too, each on its own); "
        "the caller is to be called back.",
        payload=("ticket_id", "number"),
    ),
    "hotline.callback_recorded": EventSpec(
        "The caller of a closed hotline ticket was called back (satisfied / basically / not "
        "satisfied / not reached); not satisfied reopens the ticket. Ratings react to it.",
        handlers=("zhengwu.ratings.services.on_hotline_callback_recorded",),
        payload=("ticket_id", "number", "result"),
    ),
    "rating.recorded": EventSpec(
        "A service was rated (count 1), or the rating revised once (count 2); a bad review's "
        "rectification is already open. Upstream reporting goes through the outbox, not here.",
        payload=("review_id", "subject_type", "subject_key", "level", "count"),
    ),
    "rating.rectification_closed": EventSpec(
        "A bad review's rectification was closed: after the revisit, or as invalid with a "
        "supervisor's approval.",
        payload=("rectification_id", "review_id", "status"),
    ),
    "licence.issued": EventSpec(
        "An e-licence was issued and signed (from a case, by staff, by import); rendering "
        "and the holder's message follow after commit.",
        handlers=("zhengwu.licences.tasks_render.on_licence_issued",),
        payload=("licence_id", "identifier", "type_code", "case_id"),
    ),
    "licence.status_changed": EventSpec(
        "An e-licence changed status (暂扣 / 撤销 / 注销 / 吊销 / 失效, or back to 有效 after a "
        "suspension); revocations are pushed to subscribers through the outbox.",
        payload=("licence_id", "identifier", "from_status", "to_status"),
    ),
    "catalog.version_published": EventSpec(
        "A catalogue version took effect; the previous version of the implementation list "
        "(if any) is superseded. Channels and the search index re-read it.",
        payload=("implementation_code", "version"),
    ),
    "catalog.version_withdrawn": EventSpec(
        "An implementation list was withdrawn (取消): no version of it is in force any more.",
        payload=("implementation_code", "version"),
    ),
}


def _plain_payload(name: str, payload: dict[str, Any]) -> dict[str, Any]:
    try:
        normalised: dict[str, Any] = orjson.loads(orjson.dumps(payload))
    except TypeError as exc:
        raise TypeError(f"payload of event {name!r} is not plain JSON: {exc}") from exc
    return normalised


def emit(name: str, /, **payload: Any) -> None:
    """Declare that ``name`` happened; its handlers run once the current transaction commits.

    Raises :class:`UnknownEvent` for an undeclared name, ``TypeError`` for a payload that is
    not plain JSON or lacks a declared key — both are programming errors, raised at the call
    site rather than after commit.
    """
    spec = EVENTS.get(name)
    if spec is None:
        raise UnknownEvent(f"event {name!r} is not declared in zhengwu.kernel.events.EVENTS")
    missing = [key for key in spec.payload if key not in payload]
    if missing:
        raise TypeError(f"event {name!r} needs payload keys {missing}")
    plain = _plain_payload(name, payload)
    for handler_path in spec.handlers:
        if spec.async_:
            transaction.on_commit(partial(_enqueue_handler, handler_path, name, plain))
        else:
            transaction.on_commit(partial(run_handler, handler_path, name, plain, swallow=True))


def run_handler(
    handler_path: str, name: str, payload: dict[str, Any], *, swallow: bool = False
) -> None:
    """Resolve and run one handler. With ``swallow`` a failure is logged, not raised."""
    try:
        handler: Handler = import_string(handler_path)
        handler(name, dict(payload))
    except Exception:
        if not swallow:
            raise
        logger.exception("event handler %s failed for %s", handler_path, name)


def _enqueue_handler(handler_path: str, name: str, payload: dict[str, Any]) -> None:
    from zhengwu.kernel.tasks import run_event_handler

    try:
        run_event_handler.enqueue(handler_path=handler_path, event=name, payload=payload)
    except Exception:
        # The change is committed; a queue outage must not turn the request into an error.
        logger.exception("could not enqueue event handler %s for %s", handler_path, name)
