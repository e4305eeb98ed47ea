"""Citizen pages of the 12345 hotline (mounted at ``/hotline/``): the web and mobile form,
"my tickets", and a lookup by ticket number and phone for callers without an account.

Thin, like the case pages: parse the request (:mod:`zhengwu.hotline.forms`), call one
service or selector, render. Every POST is a CSRF-protected form that works without
JavaScript. The form carries a hidden token (one per form shown) that is the ticket's
idempotency key, so a double submission makes one ticket. The caller's phone number is
never shown back: the lookup compares it through the blind index.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from zhengwu.accounts import policies as account_policies
from zhengwu.accounts import selectors as account_selectors
from zhengwu.hotline import forms, limits, selectors, services
from zhengwu.hotline.choices import Category, TicketStatus
from zhengwu.hotline.models import Ticket
from zhengwu.kernel.errors import DomainError, http_status
from zhengwu.org import selectors as org_selectors
from zhengwu.org.choices import AdministrativeLevel

NAV = "hotline"
SUBMITTED_SESSION_KEY = "zhengwu_hotline_submitted"
TICKETS_PER_PAGE = 20
LOOKUP_NOT_FOUND = (
    "未找到工单：请核对工单编号和提交时填写的电话号码",
    "No ticket found: check the ticket number and the phone number you gave",
)
LOOKUP_TOO_MANY = (
    "查询失败次数过多，请 15 分钟后再试，或拨打 12345 查询",
    "Too many failed lookups: try again in 15 minutes, or call 12345",
)
LOOKUP_MAX_FAILURES = 10
LOOKUP_WINDOW_SECONDS = 15 * 60


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    return render(request, template, {"nav_active": NAV, **context}, status=status)


def _is_citizen(user: Any) -> bool:
    return account_policies.is_authenticated(user) and not account_policies.is_staff_member(user)


# --- the form ----------------------------------------------------------------------------------


def _places() -> tuple[list[Any], list[Any]]:
    streets = list(org_selectors.regions(level=AdministrativeLevel.STREET))
    communities = list(org_selectors.regions(level=AdministrativeLevel.COMMUNITY))
    return streets, communities


def _initial(request: HttpRequest) -> dict[str, Any]:
    """A signed-in citizen's phone and name, filled in (they may change them)."""
    user = request.user
    if not _is_citizen(user):
        return {}
    profile = getattr(user, "citizen_profile", None)
    return {
        "caller_phone": account_selectors.phone_for(user, user),
        "caller_name": account_selectors.citizen_name_for(user, profile) if profile else "",
    }


def _expected_due(category: str, priority: str, now: datetime) -> tuple[datetime, bool]:
    return limits.handling_due(now, category=category, priority=priority)


def _summary(ticket: Ticket) -> dict[str, Any]:
    """What the confirmation shows, kept in the session (no second read, no phone)."""
    if ticket.due_at is not None:
        due, provisional = ticket.due_at, ticket.due_provisional
    else:  # waiting for the dispatcher: the limit the category will carry
        due, provisional = _expected_due(ticket.category, ticket.priority, ticket.received_at)
    return {
        "number": ticket.number,
        "category": ticket.category,
        "dispatched": ticket.status != TicketStatus.RECEIVED,
        "department": ticket.department.name if ticket.department_id else "",
        "due_at": due.isoformat(),
        "due_provisional": provisional,
        "mine": ticket.caller_user_id is not None,
        "anonymous": ticket.anonymous,
    }


def _form_context(request: HttpRequest, form: forms.TicketForm, token: str) -> dict[str, Any]:
    streets, communities, topics = form.streets, form.communities, form.topics
    groups = []
    for value, label in Category.choices:
        in_group = [t for t in topics if t.category == value]
        if in_group:
            groups.append((label, in_group))
    return {
        "form": form,
        "form_token": token,
        "topic_groups": groups,
        "streets": streets,
        "community_groups": [
            (s, [c for c in communities if c.parent_id == s.pk])
            for s in streets
            if any(c.parent_id == s.pk for c in communities)
        ],
        "categories": Category.choices,
        "text_max": forms.TEXT_MAX,
        "max_files": forms.MAX_FILES,
        "accept": forms.ACCEPT,
        "signed_in_citizen": _is_citizen(request.user),
        "title": _("Tell 12345"),
    }


@never_cache
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    """群众诉求: the web and mobile form. Signed in or not (anonymous only for 举报)."""
    streets, communities = _places()
    topics = list(selectors.topics())
    if request.method == "GET":
        form = forms.TicketForm(
            initial={"category": request.GET.get("category", ""), **_initial(request)},
            topics=topics,
            streets=streets,
            communities=communities,
        )
        return _render(
            request,
            "hotline/portal/form.html",
            _form_context(request, form, secrets.token_urlsafe(24)),
        )
    form = forms.TicketForm(
        request.POST, request.FILES, topics=topics, streets=streets, communities=communities
    )
    token = forms.idempotency_key(request.POST) or secrets.token_urlsafe(24)
    status = 422
    error: DomainError | None = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            ticket = services.intake_ticket(
                by=request.user if request.user.is_authenticated else None,
                channel=forms.channel_for(
                    request.POST.get("channel", ""), request.META.get("HTTP_USER_AGENT", "")
                ),
                text=data["text"],
                category=data["category"],
                topic_code=data["topic"],
                caller_phone="" if data["anonymous"] else data["caller_phone"],
                caller_name="" if data["anonymous"] else data["caller_name"].strip(),
                anonymous=data["anonymous"],
                address=data["address"].strip(),
                street_code=data["street"],
                community_code=data["community"],
                idempotency_key=f"web:{token}",
                attachments=data["attachments"],
            )
        except DomainError as exc:
            if not form.add_service_error(exc):
                error = exc
            status = http_status(exc)
        else:
            request.session[SUBMITTED_SESSION_KEY] = _summary(ticket)
            return HttpResponseRedirect(reverse("hotline:submitted"))
    context = _form_context(request, form, token)
    context["error"] = error
    return _render(request, "hotline/portal/form.html", context, status=status)


@never_cache
@require_GET
def submitted(request: HttpRequest) -> HttpResponse:
    """The confirmation: the ticket number and what happens next (this browser only)."""
    done = request.session.get(SUBMITTED_SESSION_KEY)
    if not done:
        return HttpResponseRedirect(reverse("hotline:submit"))
    done = {**done, "due_at": datetime.fromisoformat(done["due_at"])}
    return _render(
        request,
        "hotline/portal/submitted.html",
        {"done": done, "title": _("We have received your request")},
    )


# --- my tickets ---------------------------------------------------------------------------------


def _ticket_context(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    return {
        "ticket": ticket,
        "events": selectors.ticket_events(request.user, ticket, public_only=True),
        "answer": selectors.last_public_reply(ticket),
        "is_open": ticket.status not in (TicketStatus.CLOSED, TicketStatus.MERGED),
        "title": _("Ticket %(number)s") % {"number": ticket.number},
    }


@never_cache
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """My tickets: the signed-in citizen's; a caller without an account looks one up."""
    if not request.user.is_authenticated:
        return HttpResponseRedirect(reverse("hotline:lookup"))
    page = Paginator(selectors.tickets_of_user(request.user), TICKETS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return _render(
        request, "hotline/portal/mine.html", {"page": page, "title": _("My 12345 tickets")}
    )


@never_cache
@require_GET
def mine_detail(request: HttpRequest, ticket_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return HttpResponseRedirect(reverse("hotline:lookup"))
    try:
        ticket = selectors.ticket_for(request.user, ticket_id)
    except DomainError as exc:
        raise Http404 from exc
    if ticket.caller_user_id != request.user.pk:  # staff see tickets on the workbench
        raise Http404
    return _render(request, "hotline/portal/ticket.html", _ticket_context(request, ticket))


def _lookup_key(request: HttpRequest) -> str:
    return f"hotline:lookup-failures:{request.META.get('REMOTE_ADDR', '')}"


def _lookup_failures(request: HttpRequest) -> int:
    return int(cache.get(_lookup_key(request), 0))


def _count_lookup_failure(request: HttpRequest) -> None:
    key = _lookup_key(request)
    if not cache.add(key, 1, LOOKUP_WINDOW_SECONDS):
        try:
            cache.incr(key)
        except ValueError:  # expired in between
            cache.add(key, 1, LOOKUP_WINDOW_SECONDS)


@never_cache
@require_http_methods(["GET", "POST"])
def lookup(request: HttpRequest) -> HttpResponse:
    """工单查询 by number and the phone number given. A POST, so the phone never appears in
    an address, a log or a Referer."""
    if request.method == "GET":
        form = forms.LookupForm(initial={"number": request.GET.get("number", "")[:32]})
        return _render(
            request, "hotline/portal/lookup.html", {"form": form, "title": _("Find a ticket")}
        )
    form = forms.LookupForm(request.POST)
    refusal: tuple[str, str] | None = None
    status = 422
    if _lookup_failures(request) >= LOOKUP_MAX_FAILURES:
        # Numbers are sequential and phones guessable: a few tries, then a pause.
        refusal, status = LOOKUP_TOO_MANY, 429
    elif form.is_valid():
        data = form.cleaned_data
        ticket = selectors.ticket_for_caller(data["number"], data["phone"])
        if ticket is not None:
            response = _render(
                request, "hotline/portal/ticket.html", _ticket_context(request, ticket)
            )
            response["X-Robots-Tag"] = "noindex"
            return response
        _count_lookup_failure(request)
        refusal, status = LOOKUP_NOT_FOUND, 404
    return _render(
        request,
        "hotline/portal/lookup.html",
        {
            "form": form,
            "not_found": {"message": refusal[0], "message_en": refusal[1]} if refusal else None,
            "title": _("Find a ticket"),
        },
        status=status,
    )
