"""Citizen pages of 好差评 (mounted at ``/ratings/``, namespace ``ratings``).

- ``index``: my ratings — the services I can still rate (concluded cases, closed 12345
  tickets) and the reviews I gave, each revisable once;
- ``rate_case`` / ``rate_ticket`` / ``rate_online`` / ``rate_window``: one rate page per
  kind of service (一事一评, 12345, the online service of an item, 一次一评 from the window's
  QR code or the hall's queue ticket);
- ``public``: 评价公开, satisfaction per department and item (aggregates only, anonymous).

Thin: the form parses, one service call decides (:mod:`zhengwu.ratings.services`), its
refusal is shown at the field it names in the active language with the status of the one
error table (422/403/404/409). A service the viewer may not rate (another user's case, a
ticket they did not call in) does not exist for them: 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhengwu.catalog import selectors as catalog_selectors
from zhengwu.hotline import selectors as hotline_selectors
from zhengwu.kernel.errors import DomainError, NotFound, http_status
from zhengwu.ratings import forms, selectors, services
from zhengwu.ratings.choices import BAD_LEVELS, Level, SubjectType, Tag

NAV = "ratings"
TICKET_CLOSED = "closed"  # hotline TicketStatus.CLOSED: a closed ticket may be rated
RATEABLE_TICKETS_SHOWN = 20


@dataclass(frozen=True)
class Subject:
    """What is rated, as the rate page shows it."""

    type: str
    key: str
    title: str
    facts: tuple[tuple[str, str], ...]
    url: str  # the rate page of this subject
    hall: bool = False  # a window visit: the channel is the QR code or a hall device


# --- the services a citizen may rate -----------------------------------------------------------


def _case_row(user: Any, number: str) -> selectors.RateableCase | None:
    return next(iter(selectors.rateable_cases(user, number=number)), None)


def _case_subject(
    number: str, row: selectors.RateableCase | None = None, review: Any = None
) -> Subject:
    if row is not None:
        title = row.item_name
        department = row.department_name
        concluded = row.concluded_at
    else:
        title = review.item_name if review else ""
        department = review.department.name if review and review.department_id else ""
        concluded = None
    facts = [(gettext("Case number"), number)]
    if department:
        facts.append((gettext("Department"), str(department)))
    if concluded:
        facts.append((gettext("Concluded"), concluded.strftime("%Y-%m-%d")))
    return Subject(
        SubjectType.CASE,
        number,
        title or gettext("Case %(number)s") % {"number": number},
        tuple(facts),
        reverse("ratings:rate_case", args=[number]),
    )


def _closed_tickets(user: Any) -> Any:
    return hotline_selectors.tickets_of_user(user).filter(status=TICKET_CLOSED)


def _ticket_subject(ticket: Any) -> Subject:
    facts = [(gettext("Ticket number"), ticket.number)]
    if ticket.department_id:
        facts.append((gettext("Department"), ticket.department.name))
    return Subject(
        SubjectType.TICKET,
        ticket.number,
        gettext("12345 ticket %(number)s") % {"number": ticket.number},
        tuple(facts),
        reverse("ratings:rate_ticket", args=[ticket.number]),
    )


# --- rendering ---------------------------------------------------------------------------------


def _level_rows(form: Any) -> list[dict[str, Any]]:
    """The five levels as large radio buttons: value, label, checked, bad."""
    current = str(form["level"].value() or "")
    return [
        {
            "value": value,
            "label": label,
            "checked": current == str(value),
            "bad": value in BAD_LEVELS,
            "stars": "★" * (6 - int(value)),
        }
        for value, label in Level.choices
    ]


def _tag_rows(form: Any) -> list[dict[str, Any]]:
    chosen = {str(v) for v in (form["tags"].value() or [])}
    return [{"value": v, "label": label, "checked": v in chosen} for v, label in Tag.choices]


def _posted_channel(request: HttpRequest, subject: Subject) -> str:
    allowed = forms.HALL_CHANNELS if subject.hall else forms.WEB_CHANNELS
    value = str(request.POST.get("channel") or request.GET.get("channel") or "")
    return value if value in allowed else ""


def _render_rate(
    request: HttpRequest,
    subject: Subject,
    *,
    review: Any = None,
    form: Any = None,
    error: DomainError | None = None,
    status: int = 200,
) -> HttpResponse:
    may_revise = review is not None and review.count < 2
    if form is None:
        initial = {}
        if review is not None:
            initial = {"level": review.level, "text": review.text, "tags": review.tags}
        form = forms.RateForm(initial=initial)
    rectification = getattr(review, "rectification", None) if review is not None else None
    return render(
        request,
        "ratings/portal/rate.html",
        {
            "nav_active": NAV,
            "subject": subject,
            "review": review,
            "may_rate": review is None,
            "may_revise": may_revise,
            "form": form,
            "levels": _level_rows(form),
            "tags": _tag_rows(form),
            "text_max": forms.TEXT_MAX,
            "error": error,
            "rectification": rectification,
            "action": reverse("ratings:revise", args=[review.pk]) if review else subject.url,
            # A hall tablet or terminal opening the window page says which it is.
            "channel": _posted_channel(request, subject),
        },
        status=status,
    )


def _rate(request: HttpRequest, subject: Subject) -> HttpResponse:
    """GET shows the form (or my review); POST rates once, then back to the page."""
    review = selectors.review_for(request.user, subject.type, subject.key)
    if request.method == "GET":
        return _render_rate(request, subject, review=review)
    if review is not None:  # rated already: the page offers the one revision instead
        return HttpResponseRedirect(subject.url)
    form = forms.RateForm(request.POST)
    if not form.is_valid():
        return _render_rate(request, subject, form=form, status=422)
    channel = forms.channel_for(
        str(request.POST.get("channel", "")),
        request.headers.get("User-Agent", ""),
        hall=subject.hall,
    )
    try:
        services.rate(
            by=request.user,
            subject_type=subject.type,
            subject_key=subject.key,
            level=form.cleaned_data["level"],
            channel=channel,
            text=form.cleaned_data["text"],
            tags=form.cleaned_data["tags"],
        )
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as error:
        placed = form.add_service_error(error)
        return _render_rate(
            request, subject, form=form, error=None if placed else error, status=http_status(error)
        )
    messages.success(request, gettext("Thank you: your rating was recorded."))
    return HttpResponseRedirect(subject.url)


# --- pages -------------------------------------------------------------------------------------


@never_cache
@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """My ratings: what I can rate, and what I rated."""
    user = request.user
    reviews = list(selectors.reviews_of(user).select_related("rectification"))
    rated_tickets = {r.subject_key for r in reviews if r.subject_type == SubjectType.TICKET}
    cases = selectors.rateable_cases(user)
    tickets = [
        t
        for t in _closed_tickets(user)[: RATEABLE_TICKETS_SHOWN * 2]
        if t.number not in rated_tickets
    ][:RATEABLE_TICKETS_SHOWN]
    return render(
        request,
        "ratings/portal/index.html",
        {
            "nav_active": NAV,
            "cases": cases,
            "tickets": tickets,
            "reviews": [{"review": r, "url": _review_url(r)} for r in reviews],
        },
    )


def _review_url(review: Any) -> str:
    if review.subject_type == SubjectType.CASE:
        return reverse("ratings:rate_case", args=[review.subject_key])
    if review.subject_type == SubjectType.TICKET:
        return reverse("ratings:rate_ticket", args=[review.subject_key])
    if review.subject_type == SubjectType.ONLINE:
        return reverse("ratings:rate_online", args=[review.subject_key])
    venue, _, rest = review.subject_key.partition("/")
    window, _, ticket = rest.partition("/")
    query = urlencode({"venue": venue, "window": window, "ticket": ticket})
    return reverse("ratings:rate_window") + "?" + query


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def rate_case(request: HttpRequest, number: str) -> HttpResponse:
    """一事一评: the applicant (or agent) of a concluded case; anyone else gets 404."""
    review = selectors.review_for(request.user, SubjectType.CASE, number)
    row = None if review is not None else _case_row(request.user, number)
    if review is None and row is None:
        raise Http404
    return _rate(request, _case_subject(number, row, review))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def rate_ticket(request: HttpRequest, number: str) -> HttpResponse:
    """A closed 12345 ticket the user called in (with their account)."""
    ticket = _closed_tickets(request.user).filter(number=number).first()
    if ticket is None:
        raise Http404
    return _rate(request, _ticket_subject(ticket))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def rate_online(request: HttpRequest, code: str) -> HttpResponse:
    """The online service of an item (by its implementation code)."""
    try:
        version = catalog_selectors.published_version(code)
    except NotFound as exc:
        raise Http404 from exc
    key = version.implementation_code
    facts = [(gettext("Item code"), key)]
    department = getattr(version, "department", None)
    if department is not None:
        facts.append((gettext("Department"), department.name))
    subject = Subject(
        SubjectType.ONLINE,
        key,
        gettext("Online service: %(name)s") % {"name": version.name},
        tuple(facts),
        reverse("ratings:rate_online", args=[key]),
    )
    return _rate(request, subject)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def rate_window(request: HttpRequest) -> HttpResponse:
    """一次一评: the QR code at the window (or the hall's queue ticket) names the venue, the
    window and the queue ticket number; one rating per visit."""
    params = request.GET
    venue = forms.window_key_part(params.get("venue"))
    window = forms.window_key_part(params.get("window"))
    ticket = forms.window_key_part(params.get("ticket"))
    if not (venue and window and ticket):
        return render(
            request,
            "ratings/portal/window_missing.html",
            {"nav_active": NAV},
            status=400,
        )
    query = urlencode({"venue": venue, "window": window, "ticket": ticket})
    subject = Subject(
        SubjectType.WINDOW,
        f"{venue}/{window}/{ticket}",
        gettext("Your visit to window %(window)s") % {"window": window},
        (
            (gettext("Service venue"), venue),
            (gettext("Window"), window),
            (gettext("Queue ticket"), ticket),
        ),
        reverse("ratings:rate_window") + "?" + query,
        hall=True,
    )
    return _rate(request, subject)


def _subject_of(review: Any) -> Subject:
    if review.subject_type == SubjectType.CASE:
        return _case_subject(review.subject_key, None, review)
    if review.subject_type == SubjectType.TICKET and review.ticket_id:
        ticket = _closed_tickets(review.rater).filter(pk=review.ticket_id).first()
        if ticket is not None:
            return _ticket_subject(ticket)
    facts: tuple[tuple[str, str], ...] = ()
    if review.item_code:
        facts = ((gettext("Item code"), review.item_code),)
    return Subject(
        review.subject_type,
        review.subject_key,
        review.item_name or review.get_subject_type_display(),
        facts,
        _review_url(review),
        hall=review.subject_type == SubjectType.WINDOW,
    )


@login_required
@require_POST
def revise(request: HttpRequest, review_id: int) -> HttpResponse:
    """The one revision of my review."""
    review = selectors.reviews_of(request.user).filter(pk=review_id).first()
    if review is None:
        raise Http404
    subject = _subject_of(review)
    form = forms.RateForm(request.POST)
    if not form.is_valid():
        return _render_rate(request, subject, review=review, form=form, status=422)
    try:
        services.revise(
            by=request.user,
            review_id=review.pk,
            level=form.cleaned_data["level"],
            text=form.cleaned_data["text"],
            tags=form.cleaned_data["tags"],
        )
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as error:
        placed = form.add_service_error(error)
        review = selectors.reviews_of(request.user).filter(pk=review_id).first()
        return _render_rate(
            request,
            subject,
            review=review,
            form=form,
            error=None if placed else error,
            status=http_status(error),
        )
    messages.success(request, gettext("Your rating was changed. It cannot be changed again."))
    return HttpResponseRedirect(subject.url)


@require_GET
def public(request: HttpRequest) -> HttpResponse:
    """评价公开: satisfaction per department and item, aggregates only."""
    data = selectors.public_satisfaction()
    return render(
        request,
        "ratings/portal/public.html",
        {
            "nav_active": "ratings_public",
            "departments": list(data.get("departments", [])),
            "items": list(data.get("items", [])),
        },
    )
