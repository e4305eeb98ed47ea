"""Portal and workbench pages. Thin: read the request, ask a selector or policy, render."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language

from zhengwu.config.handlers import API_PREFIX
from zhengwu.hotline import policies as hotline_policies
from zhengwu.web import access
from zhengwu.web.preferences import remember_elderly_mode, remember_language


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    """``candidate`` when it points back into this site, else the portal home."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("web:home")


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", {"nav_active": "home"})


@require_POST
def elderly_mode(request: HttpRequest) -> HttpResponse:
    """Switch elderly-friendly mode on (``elderly=1``) or off (``elderly=0``).

    A plain form post that works without JavaScript; htmx posts the same form, follows the
    redirect and swaps the page in place.
    """
    value = request.POST.get("elderly")
    if value not in ("0", "1"):
        return HttpResponseBadRequest("elderly must be 0 or 1")
    response = redirect(_safe_next(request, request.POST.get("next")))
    response.status_code = 303  # see other: the browser (and htmx) follows with a GET
    remember_elderly_mode(request, response, enabled=value == "1")
    return response


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; kept in this browser and, when signed in, on the account.

    Django's ``set_language`` validates the code and the ``next`` address and sets the cookie;
    a valid choice is then also stored on the account so another device starts in it.
    """
    response = set_language(request)
    chosen = request.POST.get("language", "")
    if response.status_code in (302, 303) and chosen in dict(settings.LANGUAGES):
        remember_language(request, language=chosen)
    return response


@login_required
@require_GET
def workbench_home(request: HttpRequest) -> HttpResponse:
    if not access.may_use_workbench(request.user):
        return permission_denied(request)
    return render(
        request,
        "web/workbench/home.html",
        {
            "staff": access.staff_summary(request.user),
            "nav_active": "home",
            "hotline_centre": hotline_policies.is_centre_staff(request.user),
        },
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "web/403.html", {"error_page": True}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith(API_PREFIX):  # a program calling a path the API does not have
        from zhengwu.config.api import not_found_response

        return not_found_response(request)
    return render(request, "web/404.html", {"error_page": True}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No RequestContext: context processors would read the session and the user from the
    # database, which may be exactly what failed.
    return HttpResponse(loader.get_template("web/500.html").render(), status=500)
