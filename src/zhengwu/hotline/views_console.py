"""The 12345 centre's workbench (mounted at ``/workbench/hotline/``, namespace
``hotline_console``): the agent console, the ticket page, the dispatcher's queue and the
centre's lists (awaiting close, awaiting callback, extensions, 督办, routing rules).

Views parse the request, call one service or selector, and render; who may do what is asked
of ``hotline.policies`` (the services check again). A refused action re-renders its page
with the domain error's message (Chinese and English) and the matching status.
The console's helpers (caller history, routing proposal and knowledge hits, communities of a
street, the answer box) are htmx fragments.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhengwu.accounts import policies as account_policies
from zhengwu.hotline import knowledge, policies, routing, selectors, services
from zhengwu.hotline.choices import (
    OPEN_STATES,
    CallbackResult,
    Category,
    Channel,
    EmergencyLine,
    OrderRole,
    OrderStatus,
    Priority,
    RuleKind,
    SupervisionKind,
    TicketStatus,
)
from zhengwu.hotline.forms_console import CallbackForm, IntakeForm, RuleForm, localized
from zhengwu.hotline.models import Ticket, WorkOrder
from zhengwu.kernel.errors import DomainError, InvalidInput, NotFound, http_status
from zhengwu.org import selectors as org_selectors
from zhengwu.org.choices import AdministrativeLevel

NAV = "hotline"
KNOWLEDGE_HITS = 5


# --- access ----------------------------------------------------------------------------------


def _require_centre(request: HttpRequest) -> None:
    if not policies.is_centre_staff(request.user):
        raise PermissionDenied


def _require_operator(request: HttpRequest) -> None:
    if not policies.is_operator(request.user):
        raise PermissionDenied


def _base(request: HttpRequest, page: str) -> dict[str, Any]:
    user = request.user
    return {
        "nav_active": NAV,
        "nav_page": page,
        "may_take": policies.is_operator(user),
        "may_dispatch": policies.may_dispatch(user),
        "may_decide_extension": policies.may_decide_extension(user),
    }


def _ticket_or_404(request: HttpRequest, number: str) -> Ticket:
    try:
        return selectors.ticket_for(request.user, number[:32])
    except NotFound as exc:
        raise Http404 from exc


# --- small parsers ---------------------------------------------------------------------------


def _post(request: HttpRequest, name: str, max_length: int = 4000) -> str:
    return request.POST.get(name, "")[:max_length]


def _int(value: str | None, field: str, label: str, *, required: bool = True) -> int | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise InvalidInput(f"请填写{label}", f"{field} is required", field=field)
        return None
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        raise InvalidInput(f"{label}应为整数", f"{field} must be a whole number", field=field)
    return int(text)


def _moment(value: str, field: str) -> datetime | None:
    """A ``datetime-local`` value (local time) as an aware datetime, or None when empty."""
    text = value.strip()
    if not text:
        return None
    parsed = parse_datetime(text)
    if parsed is None:
        raise InvalidInput("时间格式无效", "Enter the time as YYYY-MM-DD HH:MM", field=field)
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


# --- presentation helpers ---------------------------------------------------------------------


def caller_display(viewer: Any, ticket: Ticket) -> dict[str, str]:
    """The caller as the viewer may see them (``selectors`` masks for everyone outside the
    centre; nothing at all of an anonymous caller)."""
    return {
        "phone": selectors.caller_phone_for(viewer, ticket),
        "name": selectors.caller_name_for(viewer, ticket),
        "anonymous": "1" if ticket.anonymous else "",
    }


def _short(text: str, length: int = 60) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[: length - 1] + "…"


def _district_code(user: Any) -> str:
    """The district whose streets the console offers: the one of the viewer's department."""
    department_id = account_policies.staff_department_id(user)
    department = org_selectors.department_by_id(department_id) if department_id else None
    region = getattr(department, "region", None)
    while region is not None and region.level > AdministrativeLevel.COUNTY:
        region = region.parent
    return region.code if region is not None else ""


def _streets(user: Any) -> list[Any]:
    district = _district_code(user)
    if not district:
        return []
    return list(org_selectors.regions(parent_code=district, level=AdministrativeLevel.STREET))


def _communities(street_code: str) -> list[Any]:
    if not street_code or not street_code.isdigit() or len(street_code) != 9:
        return []
    return list(org_selectors.regions(parent_code=street_code, level=AdministrativeLevel.COMMUNITY))


def _departments() -> list[Any]:
    return list(org_selectors.departments().order_by("sort_order", "name"))


@dataclass(frozen=True)
class Hit:
    """One knowledge-base hit as the console shows it."""

    kind: str  # "faq" or "guide"
    title: str
    answer: str
    source: str
    entry_id: int | None
    url: str


def _hits(request: HttpRequest, query: str) -> list[Hit]:
    """Knowledge hits; a guide's address is made absolute, to be read out or sent."""
    text = " ".join(query.split())[: knowledge.MAX_QUERY]
    if not text:
        return []
    return [
        Hit(
            kind=hit.kind,
            title=hit.title,
            answer=hit.answer,
            source=hit.department,
            entry_id=hit.id if hit.kind == "faq" else None,
            url=request.build_absolute_uri(hit.url) if hit.url.startswith("/") else hit.url,
        )
        for hit in knowledge.knowledge_search(query=text, limit=KNOWLEDGE_HITS)
    ]


# --- the agent console -----------------------------------------------------------------------


def _console_context(request: HttpRequest, form: IntakeForm, **extra: Any) -> dict[str, Any]:
    street_code = (form["street_code"].value() or "") if form.is_bound else ""
    return {
        **_base(request, "console"),
        "form": form,
        "streets": _streets(request.user),
        "communities": _communities(street_code),
        "street_code": street_code,
        "community_code": (form["community_code"].value() or "") if form.is_bound else "",
        "departments": _departments() if policies.may_dispatch(request.user) else [],
        "categories": Category.choices,
        "priorities": Priority.choices,
        "text_max": 4000,
        **extra,
    }


def _intake(request: HttpRequest, data: dict[str, Any]) -> Ticket:
    return services.intake_ticket(
        by=request.user,
        channel=Channel.PHONE,
        text=data["text"],
        category=data["category"] or None,
        priority=data["priority"],
        caller_phone=data["caller_phone"],
        caller_name=data["caller_name"],
        anonymous=data["anonymous"],
        address=data["address"],
        street_code=data["street_code"],
        community_code=data["community_code"],
        idempotency_key=data["idempotency_key"] or None,
    )


def _after_intake(request: HttpRequest, ticket: Ticket, data: dict[str, Any]) -> None:
    """The second step of the two submit paths: answer and close, or dispatch at once."""
    if ticket.status != TicketStatus.RECEIVED:
        return  # the same form posted again (idempotency key): the first post did this
    if data["intent"] == "answer":
        services.answer_directly(
            ticket_id=ticket.pk,
            by=request.user,
            answer=data["answer"].strip(),
            knowledge_entry_id=data["knowledge_entry_id"],
        )
        messages.success(request, gettext("Answered and closed."))
        return
    target = data["dispatch_to"]
    if target == "proposed":
        if ticket.proposed_department_id is None:
            messages.info(
                request, gettext("No department was proposed: the ticket waits for a dispatcher.")
            )
            return
        department_id = ticket.proposed_department_id
    elif target:
        department_id = int(target)
    else:
        messages.success(request, gettext("Saved: the ticket waits in the dispatcher's queue."))
        return
    services.dispatch(ticket_id=ticket.pk, by=request.user, department_id=department_id)
    messages.success(request, gettext("Saved and dispatched."))


@login_required
@require_http_methods(["GET", "POST"])
def console(request: HttpRequest) -> HttpResponse:
    """Take a call: caller, category, priority, place, text; answer and close, or save."""
    _require_centre(request)
    if request.method == "GET":
        form = IntakeForm(
            initial={"priority": Priority.NORMAL, "idempotency_key": uuid.uuid4().hex}
        )
        return render(request, "hotline/console/console.html", _console_context(request, form))
    _require_operator(request)
    form = IntakeForm(request.POST)
    if not form.is_valid():
        return render(
            request, "hotline/console/console.html", _console_context(request, form), status=422
        )
    data = form.cleaned_data
    if data["dispatch_to"] and not policies.may_dispatch(request.user):
        data["dispatch_to"] = ""  # agents queue; only dispatchers dispatch
    try:
        if data["intent"] == "answer" and data["knowledge_entry_id"]:
            knowledge.published_entry(data["knowledge_entry_id"])  # before anything is taken
        ticket = _intake(request, data)
    except DomainError as exc:
        error = None if form.add_service_error(exc) else exc
        return render(
            request,
            "hotline/console/console.html",
            _console_context(request, form, error=error),
            status=http_status(exc),
        )
    try:
        _after_intake(request, ticket, data)
    except DomainError as exc:
        # The ticket is taken (it must not be lost); the second step is left to the ticket page.
        messages.error(
            request,
            gettext("Ticket saved, but not %(step)s: %(reason)s")
            % {
                "step": gettext("closed") if data["intent"] == "answer" else gettext("dispatched"),
                "reason": localized(exc),
            },
        )
    return HttpResponseRedirect(reverse("hotline_console:ticket", args=[ticket.number]))


@login_required
@require_GET
def caller_lookup(request: HttpRequest) -> HttpResponse:
    """Fragment: the caller's previous tickets, newest first (or “new caller”)."""
    _require_centre(request)
    raw = request.GET.get("caller_phone", "")[:32]
    rows: list[dict[str, Any]] = []
    try:
        phone = selectors.normalise_phone(raw)
    except InvalidInput:
        phone = ""
    if phone:
        rows = [
            {
                "ticket": ticket,
                "text": _short(ticket.text),
                "department": ticket.department.name if ticket.department else "",
            }
            for ticket in selectors.caller_history(request.user, phone)
        ]
    return render(
        request,
        "hotline/console/_caller_history.html",
        {"phone": phone, "typed": bool(raw.strip()), "rows": rows},
    )


@login_required
@require_GET
def communities(request: HttpRequest) -> HttpResponse:
    """Fragment: the community select for the chosen street."""
    _require_centre(request)
    street_code = request.GET.get("street_code", "")[:12]
    return render(
        request,
        "hotline/console/_community_field.html",
        {
            "communities": _communities(street_code),
            "community_code": "",
            "street_code": street_code,
        },
    )


@login_required
@require_GET
def assist(request: HttpRequest) -> HttpResponse:
    """Fragment: the routing proposal and knowledge-base hits for the text typed so far."""
    _require_centre(request)
    text = request.GET.get("text", "")[:4000]
    address = request.GET.get("address", "")[:255]
    street_code = request.GET.get("street_code", "")[:12]
    proposal = None
    hits: list[Hit] = []
    if text.strip():
        proposal = routing.propose_route(text=text, address=address, street_code=street_code)
        hits = _hits(request, text)
    return render(
        request,
        "hotline/console/_assist.html",
        {
            "proposal": proposal,
            "proposal_category": Category(proposal.category).label
            if proposal and proposal.category in Category.values
            else "",
            "hits": hits,
            "text_length": len(text),
            "text_max": 4000,
        },
    )


@login_required
@require_POST
def answer_box(request: HttpRequest) -> HttpResponse:
    """Fragment: the answer box filled in from the chosen knowledge hit (still editable)."""
    _require_centre(request)
    entry_id = request.POST.get("knowledge_entry_id", "")[:9]
    return render(
        request,
        "hotline/console/_answer_box.html",
        {
            "answer": request.POST.get("answer", "")[:4000],
            "knowledge_entry_id": entry_id if entry_id.isdigit() else "",
            "source": request.POST.get("title", "")[:255],
            "focus": True,
        },
    )


# --- the ticket page --------------------------------------------------------------------------


def _lead_reply(ticket: Ticket, orders: list[Any]) -> str:
    for order in reversed(orders):
        if order.role == OrderRole.LEAD and order.reply:
            return order.reply
    return ticket.answer or ""


def _ticket_context(request: HttpRequest, ticket: Ticket, **extra: Any) -> dict[str, Any]:
    user = request.user
    orders = list(selectors.ticket_orders(ticket))
    events = list(selectors.ticket_events(user, ticket))
    operator = policies.is_operator(user)
    status = ticket.status
    candidates: list[Ticket] = []
    if operator and status in (TicketStatus.RECEIVED, TicketStatus.DISPATCHED):
        candidates = list(selectors.duplicate_candidates(ticket))
    callbacks = list(ticket.callbacks.all())
    this_round = [cb for cb in callbacks if cb.round == ticket.reopen_count + 1]
    closed = status == TicketStatus.CLOSED or (
        status == TicketStatus.MERGED and ticket.closed_at is not None
    )
    may_dispatch = policies.may_dispatch(user) and status in (
        TicketStatus.RECEIVED,
        TicketStatus.DISPATCHED,
    )
    return {
        **_base(request, "ticket"),
        "ticket": ticket,
        "caller": caller_display(user, ticket),
        "orders": orders,
        "replies": [o for o in orders if o.reply],
        "events": events,
        "callbacks": callbacks,
        "calls": list(ticket.calls.all()),
        "transfers": list(ticket.transfers.all()),
        "merged_tickets": list(ticket.merged_tickets.all()),
        "candidates": candidates,
        "departments": _departments() if may_dispatch else [],
        "lead_reply": _lead_reply(ticket, orders),
        "act_answer": operator and status == TicketStatus.RECEIVED,
        "act_dispatch": may_dispatch,
        "act_close": operator and status == TicketStatus.REPLIED,
        "act_callback": operator and closed and not this_round,
        # Only after a “not satisfied” callback that did not reopen it already.
        "act_reopen": operator
        and status == TicketStatus.CLOSED
        and bool(this_round)
        and this_round[-1].result == CallbackResult.NOT_SATISFIED,
        "act_merge": operator and status in (TicketStatus.RECEIVED, TicketStatus.DISPATCHED),
        "act_emergency": operator and status in (TicketStatus.RECEIVED, TicketStatus.DISPATCHED),
        "act_take_back": operator and status == TicketStatus.TRANSFERRED,
        "act_call": operator and status != TicketStatus.MERGED,
        "callback_results": CallbackResult.choices,
        "emergency_lines": EmergencyLine.choices,
        "open": status in OPEN_STATES,
        "now_local": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "posted": request.POST,
        **extra,
    }


@login_required
@require_GET
def ticket_page(request: HttpRequest, number: str) -> HttpResponse:
    _require_centre(request)
    ticket = _ticket_or_404(request, number)
    return render(request, "hotline/console/ticket.html", _ticket_context(request, ticket))


def _answer(request: HttpRequest, ticket: Ticket) -> None:
    services.answer_directly(
        ticket_id=ticket.pk,
        by=request.user,
        answer=_post(request, "answer").strip(),
        knowledge_entry_id=_int(
            request.POST.get("knowledge_entry_id"),
            "knowledge_entry_id",
            "知识条目",
            required=False,
        ),
    )


def _dispatch(request: HttpRequest, ticket: Ticket) -> None:
    department_id = _int(request.POST.get("department_id"), "department_id", "承办部门")
    assisting = []
    for value in request.POST.getlist("assisting_department_ids")[:20]:
        assisting_id = _int(value, "assisting_department_ids", "协办部门", required=False)
        if assisting_id is not None and assisting_id != department_id:
            assisting.append(assisting_id)
    services.dispatch(
        ticket_id=ticket.pk,
        by=request.user,
        department_id=department_id or 0,
        assisting_department_ids=tuple(assisting),
        note=_post(request, "note", 2000),
    )


def _close(request: HttpRequest, ticket: Ticket) -> None:
    services.close_ticket(ticket_id=ticket.pk, by=request.user, answer=_post(request, "answer"))


def _callback(request: HttpRequest, ticket: Ticket) -> None:
    form = CallbackForm(request.POST)
    if not form.is_valid():
        field = next(iter(form.errors))
        raise InvalidInput(
            "请选择回访结果" if field == "result" else "回访记录过长",
            "Choose the result of the callback" if field == "result" else "The note is too long",
            field=field,
        )
    services.record_callback(
        ticket_id=ticket.pk,
        by=request.user,
        result=form.cleaned_data["result"],
        note=form.cleaned_data["note"],
    )


def _reopen(request: HttpRequest, ticket: Ticket) -> None:
    services.reopen_ticket(ticket_id=ticket.pk, by=request.user, reason=_post(request, "reason"))


def _merge(request: HttpRequest, ticket: Ticket) -> None:
    number = _post(request, "into_number", 32).strip()
    if not number:
        raise InvalidInput(
            "请填写合并到的工单编号",
            "Enter the number of the ticket to merge into",
            field="into_number",
        )
    try:
        into = selectors.ticket_for(request.user, number)
    except NotFound:
        raise NotFound(
            "没有这个编号的工单", "No ticket has that number", field="into_number"
        ) from None
    services.merge_tickets(ticket_id=ticket.pk, into_ticket_id=into.pk, by=request.user)


def _emergency(request: HttpRequest, ticket: Ticket) -> None:
    line = _post(request, "line", 3)
    if request.POST.get("confirm") != "on":
        raise InvalidInput(
            "请确认转接紧急线", "Confirm the transfer to the emergency line", field="confirm"
        )
    services.transfer_emergency(
        ticket_id=ticket.pk, by=request.user, line=line, note=_post(request, "note", 2000)
    )


def _take_back(request: HttpRequest, ticket: Ticket) -> None:
    services.take_back(ticket_id=ticket.pk, by=request.user, note=_post(request, "note", 2000))


def _three_way_call(request: HttpRequest, ticket: Ticket) -> None:
    participants = [
        line.strip() for line in _post(request, "participants", 2000).splitlines() if line.strip()
    ]
    services.log_three_way_call(
        ticket_id=ticket.pk,
        by=request.user,
        participants=participants,
        outcome=_post(request, "outcome", 4000).strip(),
        started_at=_moment(_post(request, "started_at", 32), "started_at"),
        ended_at=_moment(_post(request, "ended_at", 32), "ended_at"),
    )


ActionHandler = Callable[[HttpRequest, Ticket], None]

# name → (handler, success message). Each handler is one service call.
ACTIONS: dict[str, tuple[ActionHandler, Any]] = {
    "answer": (_answer, _("Answered and closed.")),
    "dispatch": (_dispatch, _("Dispatched.")),
    "close": (_close, _("Ticket closed.")),
    "callback": (_callback, _("Callback recorded.")),
    "reopen": (_reopen, _("Ticket reopened.")),
    "merge": (_merge, _("Ticket merged.")),
    "emergency": (_emergency, _("Transferred to the emergency line.")),
    "take_back": (_take_back, _("Ticket taken back (first receiver responsible).")),
    "three_way_call": (_three_way_call, _("Three-way call logged.")),
}


@login_required
@require_POST
def ticket_action(request: HttpRequest, number: str, name: str) -> HttpResponse:
    """One POST form of the ticket page (or a queue row) → one service call → back."""
    _require_centre(request)
    if name not in ACTIONS:
        raise Http404
    ticket = _ticket_or_404(request, number)
    handler, done = ACTIONS[name]
    try:
        handler(request, ticket)
    except DomainError as error:
        if request.POST.get("from") == "queue":
            messages.error(request, f"{ticket.number}: {localized(error)}")
            return HttpResponseRedirect(reverse("hotline_console:dispatch_queue"))
        ticket = _ticket_or_404(request, number)
        return render(
            request,
            "hotline/console/ticket.html",
            _ticket_context(
                request,
                ticket,
                error=error,
                error_action=name,
                error_field=error.field or "",
                error_message=localized(error),
            ),
            status=http_status(error),
        )
    messages.success(request, f"{ticket.number}: {done}")
    if request.POST.get("from") == "queue":
        return HttpResponseRedirect(reverse("hotline_console:dispatch_queue"))
    return HttpResponseRedirect(reverse("hotline_console:ticket", args=[ticket.number]))


# --- the dispatcher's queue -------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    ticket: Ticket
    text: str
    returns: list[Any]
    bouncing: bool


@login_required
@require_GET
def dispatch_queue(request: HttpRequest) -> HttpResponse:
    """Tickets awaiting dispatch (returned ones with their 退单 reasons), each with its
    routing proposal and a one-click dispatch to it."""
    _require_centre(request)
    returned = WorkOrder.objects.filter(status=OrderStatus.RETURNED).select_related("department")
    limit = selectors.DISPATCH_QUEUE_LIMIT
    tickets = selectors.dispatch_queue(request.user, limit=limit).prefetch_related(
        Prefetch("orders", queryset=returned.order_by("returned_at", "id"), to_attr="returned")
    )
    rows = [
        QueueRow(
            ticket=ticket,
            text=_short(ticket.text, 120),
            returns=ticket.returned,  # type: ignore[attr-defined]
            bouncing=selectors.is_bouncing(ticket),
        )
        for ticket in tickets
    ]
    waiting = len(rows)
    if waiting >= limit:  # more may wait than are shown: say how many
        waiting = selectors.dispatch_waiting(request.user)
    return render(
        request,
        "hotline/console/dispatch_queue.html",
        {**_base(request, "dispatch"), "rows": rows, "waiting": waiting},
    )


# --- the centre's lists -----------------------------------------------------------------------

CENTRE_LISTS = ("close", "callback", "extensions", "supervision")


@login_required
@require_GET
def centre(request: HttpRequest, queue: str = "close") -> HttpResponse:
    _require_centre(request)
    if queue not in CENTRE_LISTS:
        raise Http404
    user = request.user
    context: dict[str, Any] = {**_base(request, f"centre_{queue}"), "queue": queue}
    if queue == "close":
        context["tickets"] = list(selectors.awaiting_close(user))
    elif queue == "callback":
        context["tickets"] = list(selectors.awaiting_callback(user))
        context["now"] = timezone.now()
    elif queue == "extensions":
        context["extensions"] = list(selectors.pending_extensions(user))
    else:
        rows = list(selectors.supervisions_for(user))
        context["groups"] = [
            (kind, label, [s for s in rows if s.kind == kind])
            for kind, label in SupervisionKind.choices
        ]
    return render(request, "hotline/console/centre.html", context)


@login_required
@require_POST
def extension_decide(request: HttpRequest, extension_id: int) -> HttpResponse:
    _require_centre(request)
    decision = request.POST.get("decision")
    try:
        if decision not in ("approve", "reject"):
            raise InvalidInput("请选择批准或驳回", "Choose approve or reject", field="decision")
        services.decide_extension(
            extension_id=extension_id,
            by=request.user,
            approve=decision == "approve",
            note=_post(request, "note", 2000),
        )
    except DomainError as error:
        context = {
            **_base(request, "centre_extensions"),
            "queue": "extensions",
            "extensions": list(selectors.pending_extensions(request.user)),
            "error": error,
            "error_extension": extension_id,
            "error_message": localized(error),
            "posted": request.POST,
        }
        return render(request, "hotline/console/centre.html", context, status=http_status(error))
    messages.success(
        request,
        gettext("Extension approved.") if decision == "approve" else gettext("Extension rejected."),
    )
    return HttpResponseRedirect(reverse("hotline_console:centre", args=["extensions"]))


# --- routing rules ------------------------------------------------------------------------------


def _rules_page(
    request: HttpRequest, form: RuleForm, *, error: Any = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "hotline/console/rules.html",
        {
            **_base(request, "rules"),
            "rules": routing.rules_list(),
            "form": form,
            "error": error,
            "departments": _departments(),
            "emergency_lines": EmergencyLine.choices,
            "kinds": RuleKind.choices,
            "categories": Category.choices,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def rules(request: HttpRequest) -> HttpResponse:
    """Routing rules (dispatchers): the active ones, a form for a new one."""
    _require_centre(request)
    if not policies.may_dispatch(request.user):
        raise PermissionDenied
    if request.method == "GET":
        return _rules_page(request, RuleForm(initial={"priority": 100}))
    form = RuleForm(request.POST)
    if not form.is_valid():
        return _rules_page(request, form, status=422)
    data = form.cleaned_data
    try:
        routing.rule_create(
            by=request.user,
            kind=data["kind"],
            pattern=data["pattern"],
            department_id=data["department_id"],
            emergency_line=data["emergency_line"],
            category=data["category"],
            priority=data["priority"] if data["priority"] is not None else 100,
            note=data["note"],
        )
    except DomainError as exc:
        error = None if form.add_service_error(exc) else exc
        return _rules_page(request, form, error=error, status=http_status(exc))
    messages.success(request, gettext("Routing rule created."))
    return HttpResponseRedirect(reverse("hotline_console:rules"))


@login_required
@require_POST
def rule_deactivate(request: HttpRequest, rule_id: int) -> HttpResponse:
    _require_centre(request)
    if not policies.may_dispatch(request.user):
        raise PermissionDenied
    try:
        routing.rule_deactivate(rule_id=rule_id, by=request.user)
    except DomainError as exc:
        return _rules_page(
            request, RuleForm(initial={"priority": 100}), error=exc, status=http_status(exc)
        )
    messages.success(request, gettext("Routing rule deactivated."))
    return HttpResponseRedirect(reverse("hotline_console:rules"))
