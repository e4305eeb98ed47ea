"""The licence wallet on the portal (mounted at ``/licences/``, namespace ``licences``).

- ``wallet``: the user's licences, grouped by holder (themself, then each enterprise they
  belong to), with status and validity;
- ``show``: 亮证 — the face card, large, and the dynamic licence code (a QR of a 60-second
  one-time token that a small script renews every 50 s, with a countdown; without script a
  "new code" link reloads it), then who read the licence (用证记录);
- ``token``: a new dynamic token as JSON (for the script);
- ``pdf``: download (printing);
- ``code`` / ``code_token``: 一人一码 / 一企一码 of the current identity;
- ``grants`` / ``revoke``: 用证授权 — grant a department or one of the user's cases read
  access to chosen licences until a date, and revoke it.

**View channel.** Opening ``show`` records a :class:`LicenceView` with the channel
``mobile`` when the User-Agent names a phone or tablet (``access.channel_for``), ``web``
otherwise; renewing the code (``?refresh=1``, also used by the wallet's read-log link, or
the script) records nothing, so one showing counts once. ``pdf`` records ``pdf``.

Another holder's licence or grant does not exist for the user: 404.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import get_language, gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhengwu.accounts import selectors as account_selectors
from zhengwu.kernel.errors import DomainError, InvalidInput, NotFound, http_status
from zhengwu.licences import access, selectors
from zhengwu.licences.choices import GranteeKind, HolderCodeType, LicenceStatus
from zhengwu.licences.models import Licence

NAV = "licences"


def _msg(error: DomainError) -> str:
    return error.message_en if (get_language() or "").startswith("en") else error.message


def _licence_or_404(request: HttpRequest, licence_id: int) -> Licence:
    try:
        return selectors.licence_for_holder(request.user, licence_id)
    except NotFound as exc:
        raise Http404 from exc


def _state(licence: Licence, today: Any) -> dict[str, Any]:
    """Status badge of a wallet row: the register's status, and 已过期 when the end date has
    passed before the scheduled task marked it 失效."""
    label = str(LicenceStatus(licence.status).label)
    zh, _, en = label.partition(" / ")
    english = (get_language() or "").startswith("en")
    expired_by_date = licence.valid_until is not None and licence.valid_until < today
    valid = licence.status == LicenceStatus.VALID and not expired_by_date
    if licence.status == LicenceStatus.VALID and expired_by_date:
        text = gettext("Expired")
    else:
        text = (en or zh) if english else zh
    return {"label": text, "valid": valid, "expired_by_date": expired_by_date}


def _groups(user: Any) -> list[dict[str, Any]]:
    """The wallet by holder: personal first, then each enterprise (empty groups are kept so
    the user sees where an enterprise's licences would be)."""
    today = timezone.localdate()
    licences = list(selectors.wallet(user).annotate(read_count=Count("reads")))
    groups: list[dict[str, Any]] = []
    personal = selectors.personal_holder_index(user)
    if personal:
        groups.append({"title": gettext("My licences"), "index": personal, "rows": []})
    for identity in account_selectors.user_identities(user):
        if identity.enterprise_id is not None and identity.uscc:
            groups.append(
                {
                    "title": identity.label,
                    "index": selectors.enterprise_holder_index(identity.uscc),
                    "rows": [],
                    "enterprise": True,
                }
            )
    by_index = {g["index"]: g for g in groups}
    for licence in licences:
        group = by_index.get(licence.holder_index)
        if group is not None:
            group["rows"].append({"licence": licence, "state": _state(licence, today)})
    return groups


@never_cache
@login_required
@require_GET
def wallet(request: HttpRequest) -> HttpResponse:
    groups = _groups(request.user)
    return render(
        request,
        "licences/portal/wallet.html",
        {
            "nav_active": NAV,
            "groups": groups,
            "has_licences": any(g["rows"] for g in groups),
        },
    )


def _token_context(token: access.DynamicToken) -> dict[str, Any]:
    from zhengwu.licences.render import qr_svg

    return {
        "token": token.token,
        "expires_at": token.expires_at,
        "ttl": token.ttl,
        "svg": qr_svg(token.token, label=gettext("Dynamic licence code")),
    }


def _token_json(token: access.DynamicToken) -> JsonResponse:
    data = _token_context(token)
    data["svg"] = str(data["svg"])
    data["expires_at"] = token.expires_at.isoformat()
    response = JsonResponse(data)
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@login_required
@require_GET
def show(request: HttpRequest, licence_id: int) -> HttpResponse:
    """亮证: the face card and the dynamic licence code."""
    licence = _licence_or_404(request, licence_id)
    if not request.GET.get("refresh"):
        access.record_view(licence, access.channel_for(request.headers.get("User-Agent", "")))
    token = access.issue_licence_token(request.user, licence.pk)
    return render(
        request,
        "licences/portal/show.html",
        {
            "nav_active": NAV,
            "licence": licence,
            "state": _state(licence, timezone.localdate()),
            "holder_display": access.holder_display(request.user, licence),
            "code": _token_context(token),
            "token_url": reverse("licences:token", args=[licence.pk]),
            "reads": access.reads_of(request.user, licence.pk),
        },
    )


@never_cache
@login_required
@require_GET
def token(request: HttpRequest, licence_id: int) -> HttpResponse:
    """A new dynamic token of the licence (JSON), for the renewing script."""
    try:
        return _token_json(access.issue_licence_token(request.user, licence_id))
    except NotFound as exc:
        raise Http404 from exc


@never_cache
@login_required
@require_GET
def pdf(request: HttpRequest, licence_id: int) -> HttpResponse:
    from zhengwu.licences.render import render_cached

    licence = _licence_or_404(request, licence_id)
    try:
        content = render_cached(licence)
    except DomainError as error:  # e.g. stored content that no longer verifies
        return render(
            request,
            "licences/portal/refused.html",
            {"nav_active": NAV, "error": _msg(error)},
            status=http_status(error),
        )
    access.record_view(licence, "pdf")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="licence-{licence.number}.pdf"'
    return response


def _code_enterprise(request: HttpRequest) -> int | None:
    identity = account_selectors.current_identity(request.user, request.session)
    return identity.enterprise_id if identity is not None else None


@never_cache
@login_required
@require_GET
def code(request: HttpRequest) -> HttpResponse:
    """一人一码 / 一企一码 of the identity the user currently acts as."""
    enterprise_id = _code_enterprise(request)
    identity = access.code_identity(request.user, enterprise_id)
    context: dict[str, Any] = {
        "nav_active": NAV,
        "identity": identity,
        "token_url": reverse("licences:code_token"),
        "code": None,
        "error": None,
    }
    status = 200
    try:
        context["code"] = _token_context(
            access.issue_code_token(request.user, enterprise_id=enterprise_id)
        )
    except DomainError as error:
        context["error"] = _msg(error)
        status = http_status(error)
    return render(request, "licences/portal/code.html", context, status=status)


@never_cache
@login_required
@require_GET
def code_token(request: HttpRequest) -> HttpResponse:
    try:
        token = access.issue_code_token(request.user, enterprise_id=_code_enterprise(request))
    except DomainError as error:
        return JsonResponse(
            {"code": error.code, "message": error.message, "message_en": error.message_en},
            status=http_status(error),
        )
    return _token_json(token)


# --- 用证授权 -------------------------------------------------------------------------------------


def _grant_rows(user: Any) -> list[dict[str, Any]]:
    now = timezone.now()
    return [
        {"grant": g, "active": access.grant_is_active(g, now=now)} for g in access.grants_of(user)
    ]


def _valid_until(value: str) -> datetime | None:
    """End of the chosen day (local time); the 90th day ends exactly 90 days from now."""
    day = parse_date((value or "").strip()) if value else None
    if day is None:
        return None
    now = timezone.now()
    end = timezone.make_aware(datetime.combine(day, time(23, 59, 59)))
    limit = now + timedelta(days=access.GRANT_MAX_DAYS)
    if day <= timezone.localdate(limit) and end > limit:
        return limit
    return end


def _render_grants(
    request: HttpRequest,
    *,
    form: dict[str, Any] | None = None,
    error: DomainError | None = None,
    status: int = 200,
) -> HttpResponse:
    today = timezone.localdate()
    licences = [
        {"licence": lic, "state": _state(lic, today)} for lic in selectors.wallet(request.user)
    ]
    form = form or {}
    chosen = {str(v) for v in form.get("licence_ids", [])}
    preselect = request.GET.get("licence")
    if not form and preselect:
        chosen = {preselect}
    return render(
        request,
        "licences/portal/grants.html",
        {
            "nav_active": NAV,
            "licences": licences,
            "chosen": chosen,
            "departments": access.departments_for_grant(),
            "form": form,
            "error": error,
            "error_message": _msg(error) if error else "",
            "error_field": (error.field or "") if error else "",
            "grants": _grant_rows(request.user),
            "min_date": today + timedelta(days=1),
            "max_date": today + timedelta(days=access.GRANT_MAX_DAYS),
            "default_date": today + timedelta(days=7),
            "kinds": GranteeKind,
            "enterprise_type": HolderCodeType.USCC,
        },
        status=status,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def grants(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _render_grants(request)
    post = request.POST
    form: dict[str, Any] = {
        "licence_ids": post.getlist("licence_ids"),
        "grantee_kind": post.get("grantee_kind", ""),
        "department_id": post.get("department_id", ""),
        "case_number": post.get("case_number", "")[:64],
        "purpose": post.get("purpose", "")[:1000],
        "valid_until": post.get("valid_until", "")[:20],
    }
    try:
        valid_until = _valid_until(str(form["valid_until"]))
        if form["valid_until"] and valid_until is None:
            raise InvalidInput("日期格式不正确", "The date is not valid", field="valid_until")
        access.create_grant(
            request.user,
            licence_ids=form["licence_ids"],
            grantee_kind=str(form["grantee_kind"]),
            department_id=form["department_id"] or None,
            case_number=str(form["case_number"]),
            purpose=str(form["purpose"]),
            valid_until=valid_until,
        )
    except DomainError as error:
        return _render_grants(request, form=form, error=error, status=http_status(error))
    messages.success(request, gettext("The grant was made. You can revoke it at any time."))
    return HttpResponseRedirect(reverse("licences:grants"))


@login_required
@require_POST
def revoke(request: HttpRequest, grant_id: int) -> HttpResponse:
    try:
        access.revoke_grant(request.user, grant_id)
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as error:
        return _render_grants(request, error=error, status=http_status(error))
    messages.success(request, gettext("The grant was revoked."))
    return HttpResponseRedirect(reverse("licences:grants"))
