"""Department pages of the hotline (mounted at ``/workbench/hotline/dept/``): the work orders
(派单) of the viewer's department and the department's knowledge entries.

Thin, like the case workbench: parse the request (:mod:`zhengwu.hotline.forms`), call one
service or selector, render. Whether an action is offered is asked of the order's state and
:mod:`zhengwu.hotline.policies`; the services check again and their refusal is shown at the
form that was sent, with the status of the one error table (422/403/404/409). An order of
another department does not exist for the viewer (404).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhengwu.accounts import policies as account_policies
from zhengwu.hotline import forms, knowledge, limits, policies, selectors, services
from zhengwu.hotline.attachments import attachment_response
from zhengwu.hotline.choices import ExtensionStatus, KnowledgeStatus, OrderStatus
from zhengwu.kernel import workdays
from zhengwu.kernel.errors import DomainError, NotFound, http_status

NAV = "hotline_dept"
TABS = ("awaiting", "handling", "overdue", "due_soon", "replied")
# Drafts and rejected entries change in place; a published one gets a new version that goes
# back to review (knowledge.knowledge_update). Pending and retired entries are not edited.
KNOWLEDGE_EDITABLE = frozenset(
    {KnowledgeStatus.DRAFT, KnowledgeStatus.REJECTED, KnowledgeStatus.PUBLISHED}
)
KNOWLEDGE_SUBMITTABLE = frozenset({KnowledgeStatus.DRAFT, KnowledgeStatus.REJECTED})


# --- access ----------------------------------------------------------------------------------


def _require_department_staff(request: HttpRequest) -> int:
    """The viewer's department; staff without one (or citizens) may not use these pages."""
    department_id = account_policies.staff_department_id(request.user)
    if not account_policies.may_use_workbench(request.user) or department_id is None:
        raise PermissionDenied
    return department_id


def _base(request: HttpRequest, page: str) -> dict[str, Any]:
    return {
        "nav_active": NAV,
        "nav_page": page,
        "may_review_knowledge": policies.may_dispatch(request.user)
        or account_policies.has_role(request.user, "supervisor"),
    }


def _order_or_404(request: HttpRequest, order_id: int) -> Any:
    """The order if it is one of the viewer's department's, else 404 (it does not exist)."""
    order = selectors.department_orders(request.user, status="all").filter(pk=order_id).first()
    if order is None:
        raise Http404
    return order


# --- presentation ------------------------------------------------------------------------------


def _local(moment: datetime | None) -> datetime | None:
    return timezone.localtime(moment) if moment else None


def _due_soon_horizon(today: date) -> date:
    # The horizon of the 临期 notice (limits.supervision_kinds_due): one working day left.
    return workdays.add_working_days(today, limits.DUE_SOON_WORKING_DAYS)


def warning_for(order: Any, now: datetime, horizon: date) -> str:
    """overdue / due_soon / normal for an open order; "" for a closed one."""
    if order.status not in (OrderStatus.DISPATCHED, OrderStatus.SIGNED):
        return ""
    if now > order.due_at:
        return "overdue"
    if order.status == OrderStatus.DISPATCHED and now > order.sign_due_at:
        return "overdue"
    if timezone.localtime(order.due_at).date() <= horizon:
        return "due_soon"
    return "normal"


@dataclass(frozen=True)
class OrderRow:
    order: Any
    warning: str
    sign_overdue: bool


def _rows(orders: Any, now: datetime, horizon: date) -> list[OrderRow]:
    return [
        OrderRow(
            order=o,
            warning=warning_for(o, now, horizon),
            sign_overdue=o.status == OrderStatus.DISPATCHED and now > o.sign_due_at,
        )
        for o in orders
    ]


def _tab_rows(request: HttpRequest, tab: str, now: datetime) -> list[OrderRow]:
    horizon = _due_soon_horizon(timezone.localdate())
    if tab == "awaiting":
        return _rows(
            selectors.department_orders(request.user, OrderStatus.DISPATCHED), now, horizon
        )
    if tab == "handling":
        return _rows(selectors.department_orders(request.user, OrderStatus.SIGNED), now, horizon)
    if tab == "replied":
        replied = [OrderStatus.REPLIED, OrderStatus.CLOSED]
        return _rows(selectors.department_orders(request.user, replied), now, horizon)
    rows = _rows(selectors.department_orders(request.user), now, horizon)
    return [r for r in rows if r.warning == tab]


# --- work orders -------------------------------------------------------------------------------


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The department's orders by tab, and its supervision notices not yet acknowledged."""
    _require_department_staff(request)
    tab = request.GET.get("tab") or "awaiting"
    if tab not in TABS:
        raise Http404
    now = timezone.now()
    return render(
        request,
        "hotline/department/index.html",
        {
            **_base(request, "orders"),
            "tab": tab,
            "tabs": TABS,
            "rows": _tab_rows(request, tab, now),
            "supervisions": list(selectors.supervisions_for(request.user)[:50]),
            "now": now,
        },
    )


def _order_context(request: HttpRequest, order: Any) -> dict[str, Any]:
    user = request.user
    now = timezone.now()
    ticket = selectors.ticket_for(user, order.ticket_id)
    extensions = list(order.extensions.order_by("id"))
    pending_extension = any(e.status == ExtensionStatus.PENDING for e in extensions)
    handler = policies.may_handle_order(user, order)
    dispatched = order.status == OrderStatus.DISPATCHED
    supervisions = [
        s
        for s in selectors.supervisions_for(user).filter(order_id=order.pk)
        if policies.may_acknowledge_supervision(user, s)
    ]
    return {
        **_base(request, "orders"),
        "order": order,
        "ticket": ticket,
        "caller_phone": selectors.caller_phone_for(user, ticket),
        "caller_name": selectors.caller_name_for(user, ticket),
        "attachments": list(ticket.attachments.order_by("id")),
        "events": list(selectors.ticket_events(user, ticket)),
        "other_orders": [o for o in selectors.ticket_orders(ticket) if o.pk != order.pk],
        "extensions": extensions,
        "supervisions": supervisions,
        "warning": warning_for(order, now, _due_soon_horizon(timezone.localdate())),
        "now": now,
        "may_sign": handler and dispatched,
        # 退单 only within the sign-for limit (the service refuses it afterwards too).
        "may_return": handler and dispatched and now <= order.sign_due_at,
        "may_reply": handler and order.status == OrderStatus.SIGNED,
        # 延期 is asked for before the limit, one request at a time.
        "may_extend": handler
        and order.status in (OrderStatus.DISPATCHED, OrderStatus.SIGNED)
        and now < order.due_at
        and not pending_extension,
        "pending_extension": pending_extension,
        "return_form": forms.ReturnForm(),
        "reply_form": forms.ReplyForm(),
        "extension_form": forms.ExtensionForm(),
    }


@login_required
@require_GET
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    _require_department_staff(request)
    order = _order_or_404(request, order_id)
    return render(request, "hotline/department/order.html", _order_context(request, order))


def _render_order_error(
    request: HttpRequest,
    order: Any,
    action: str,
    *,
    error: DomainError | None = None,
    form: Any = None,
) -> HttpResponse:
    order = _order_or_404(request, order.pk)  # read again: a service may have changed it
    context = _order_context(request, order)
    if form is not None:
        context[f"{action}_form"] = form
    context.update(
        {
            "error": error,
            "error_action": action,
            "error_message": forms.localized(error) if error else "",
            # A refused action no longer offered (e.g. 退单 after the sign-for limit): the
            # message goes at the top of the actions.
            "error_top": bool(error) and not context.get(OFFERED[action], False),
        }
    )
    status = http_status(error) if error else 422
    return render(request, "hotline/department/order.html", context, status=status)


def _sign(request: HttpRequest, order: Any) -> Any:
    services.sign_order(order_id=order.pk, by=request.user)
    return None


def _return(request: HttpRequest, order: Any) -> Any:
    form = forms.ReturnForm(request.POST)
    if not form.is_valid():
        return form
    try:
        services.return_order(
            order_id=order.pk, by=request.user, reason=form.cleaned_data["reason"]
        )
    except DomainError as error:
        if form.add_service_error(error):
            error.form = form  # type: ignore[attr-defined]
        raise
    return None


def _reply(request: HttpRequest, order: Any) -> Any:
    form = forms.ReplyForm(request.POST)
    if not form.is_valid():
        return form
    try:
        services.reply_order(
            order_id=order.pk,
            by=request.user,
            reply=form.cleaned_data["reply"],
            internal_note=form.cleaned_data["internal_note"],
        )
    except DomainError as error:
        if form.add_service_error(error):
            error.form = form  # type: ignore[attr-defined]
        raise
    return None


def _extension(request: HttpRequest, order: Any) -> Any:
    form = forms.ExtensionForm(request.POST)
    if not form.is_valid():
        return form
    try:
        services.request_extension(
            order_id=order.pk,
            by=request.user,
            days=form.cleaned_data["days"],
            reason=form.cleaned_data["reason"],
        )
    except DomainError as error:
        if form.add_service_error(error):
            error.form = form  # type: ignore[attr-defined]
        raise
    return None


OFFERED = {
    "sign": "may_sign",
    "return": "may_return",
    "reply": "may_reply",
    "extension": "may_extend",
}

# name → (handler, success message). A handler returns an invalid form, or None when done.
ACTIONS: dict[str, tuple[Callable[[HttpRequest, Any], Any], Any]] = {
    "sign": (_sign, _("Order signed for: it is now in hand.")),
    "return": (_return, _("Order returned to the hotline centre.")),
    "reply": (_reply, _("Reply sent to the hotline centre.")),
    "extension": (_extension, _("Extension requested: the hotline centre decides.")),
}


@login_required
@require_POST
def order_action(request: HttpRequest, order_id: int, name: str) -> HttpResponse:
    """One POST form of the order page → one service call → back to the page."""
    _require_department_staff(request)
    if name not in ACTIONS:
        raise Http404
    order = _order_or_404(request, order_id)
    handler, done = ACTIONS[name]
    try:
        invalid = handler(request, order)
    except DomainError as error:
        return _render_order_error(
            request, order, name, error=error, form=getattr(error, "form", None)
        )
    if invalid is not None:
        return _render_order_error(request, order, name, form=invalid)
    messages.success(request, str(done))
    if name == "return":  # the order has left the department's hands
        return HttpResponseRedirect(reverse("hotline_dept:index"))
    return HttpResponseRedirect(reverse("hotline_dept:order", args=[order.pk]))


@login_required
@require_POST
def acknowledge(request: HttpRequest, supervision_id: int) -> HttpResponse:
    """已阅 a supervision notice (back to the order page or the list)."""
    _require_department_staff(request)
    try:
        supervision = services.acknowledge_supervision(
            supervision_id=supervision_id, by=request.user
        )
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as error:
        messages.error(request, forms.localized(error))
        return HttpResponseRedirect(reverse("hotline_dept:index"))
    messages.success(request, gettext("Supervision notice acknowledged."))
    if request.POST.get("next") == "order":
        return HttpResponseRedirect(reverse("hotline_dept:order", args=[supervision.order_id]))
    return HttpResponseRedirect(reverse("hotline_dept:index"))


@login_required
@require_GET
def attachment(request: HttpRequest, order_id: int, attachment_id: int) -> FileResponse:
    """A ticket's attachment, streamed with the type sniffed at upload (never run)."""
    _require_department_staff(request)
    order = _order_or_404(request, order_id)
    ticket = selectors.ticket_for(request.user, order.ticket_id)
    row = ticket.attachments.filter(pk=attachment_id).first()
    if row is None:
        raise Http404
    return attachment_response(row)


# --- knowledge entries ---------------------------------------------------------------------------


def _may_review(user: Any) -> bool:
    return policies.may_dispatch(user) or account_policies.has_role(user, "supervisor")


def _knowledge_context(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    status = request.GET.get("status", "")
    if status and status not in KnowledgeStatus.values:
        status = ""
    entries = knowledge.entries_for(user, status=status or None)
    queue = knowledge.review_queue(user)
    return {
        **_base(request, "knowledge"),
        "entries": list(entries),
        "queue": list(queue),
        "status": status,
        "statuses": KnowledgeStatus.choices,
        "may_review": _may_review(user),
    }


@login_required
@require_GET
def knowledge_index(request: HttpRequest) -> HttpResponse:
    _require_department_staff(request)
    return render(request, "hotline/department/knowledge.html", _knowledge_context(request))


def _entry_or_404(request: HttpRequest, entry_id: int) -> Any:
    """An entry the viewer maintains or reviews (their department's; all for the centre)."""
    try:
        return knowledge.entry_for(request.user, entry_id)
    except NotFound:
        raise Http404 from None


def _entry_page(
    request: HttpRequest,
    entry: Any,
    *,
    form: Any = None,
    review_form: Any = None,
    error: DomainError | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    own = entry is not None and policies.is_department_staff(user, entry.department_id)
    editable = entry is None or (own and entry.status in KNOWLEDGE_EDITABLE)
    if form is None and editable:
        initial = (
            {"question": entry.question, "answer": entry.answer, "keywords": entry.keywords}
            if entry
            else {}
        )
        form = forms.KnowledgeForm(initial=initial)
    may_review = (
        entry is not None
        and entry.status == KnowledgeStatus.PENDING
        and _may_review(user)
        and entry.author_id != user.pk
    )
    return render(
        request,
        "hotline/department/entry.html",
        {
            **_base(request, "knowledge"),
            "entry": entry,
            "form": form if editable else None,
            "may_submit": own and entry is not None and entry.status in KNOWLEDGE_SUBMITTABLE,
            "may_retire": own and entry is not None and entry.status == KnowledgeStatus.PUBLISHED,
            "may_review": may_review,
            "review_form": review_form or forms.ReviewForm(),
            "error": error,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def knowledge_new(request: HttpRequest) -> HttpResponse:
    department_id = _require_department_staff(request)
    if request.method == "GET":
        return _entry_page(request, None)
    form = forms.KnowledgeForm(request.POST)
    if not form.is_valid():
        return _entry_page(request, None, form=form, status=422)
    try:
        entry = knowledge.knowledge_create(
            by=request.user, department_id=department_id, **form.cleaned_data
        )
    except DomainError as error:
        placed = form.add_service_error(error)
        return _entry_page(
            request, None, form=form, error=None if placed else error, status=http_status(error)
        )
    messages.success(request, gettext("Draft saved. Submit it for review when it is ready."))
    return HttpResponseRedirect(reverse("hotline_dept:knowledge_entry", args=[entry.pk]))


@login_required
@require_http_methods(["GET", "POST"])
def knowledge_entry(request: HttpRequest, entry_id: int) -> HttpResponse:
    _require_department_staff(request)
    entry = _entry_or_404(request, entry_id)
    if request.method == "GET":
        return _entry_page(request, entry)
    form = forms.KnowledgeForm(request.POST)
    if not form.is_valid():
        return _entry_page(request, entry, form=form, status=422)
    try:
        knowledge.knowledge_update(entry_id=entry.pk, by=request.user, **form.cleaned_data)
    except DomainError as error:
        placed = form.add_service_error(error)
        entry = _entry_or_404(request, entry_id)
        return _entry_page(
            request, entry, form=form, error=None if placed else error, status=http_status(error)
        )
    messages.success(request, gettext("Entry saved."))
    return HttpResponseRedirect(reverse("hotline_dept:knowledge_entry", args=[entry.pk]))


def _entry_action(
    request: HttpRequest, entry_id: int, call: Callable[[Any], Any], done: str
) -> HttpResponse:
    _require_department_staff(request)
    entry = _entry_or_404(request, entry_id)
    try:
        call(entry)
    except DomainError as error:
        entry = _entry_or_404(request, entry_id)
        return _entry_page(request, entry, error=error, status=http_status(error))
    messages.success(request, done)
    return HttpResponseRedirect(reverse("hotline_dept:knowledge_entry", args=[entry.pk]))


@login_required
@require_POST
def knowledge_submit(request: HttpRequest, entry_id: int) -> HttpResponse:
    return _entry_action(
        request,
        entry_id,
        lambda e: knowledge.knowledge_submit(entry_id=e.pk, by=request.user),
        gettext("Submitted for review."),
    )


@login_required
@require_POST
def knowledge_retire(request: HttpRequest, entry_id: int) -> HttpResponse:
    return _entry_action(
        request,
        entry_id,
        lambda e: knowledge.knowledge_retire(entry_id=e.pk, by=request.user),
        gettext("Entry retired: agents no longer see it."),
    )


@login_required
@require_POST
def knowledge_review(request: HttpRequest, entry_id: int) -> HttpResponse:
    _require_department_staff(request)
    entry = _entry_or_404(request, entry_id)
    form = forms.ReviewForm(request.POST)
    if not form.is_valid():
        return _entry_page(request, entry, review_form=form, status=422)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        knowledge.knowledge_review(
            entry_id=entry.pk, by=request.user, approve=approve, note=form.cleaned_data["note"]
        )
    except DomainError as error:
        placed = form.add_service_error(error)
        entry = _entry_or_404(request, entry_id)
        return _entry_page(
            request,
            entry,
            review_form=form,
            error=None if placed else error,
            status=http_status(error),
        )
    messages.success(
        request, gettext("Entry published.") if approve else gettext("Entry sent back.")
    )
    return HttpResponseRedirect(reverse("hotline_dept:knowledge"))
