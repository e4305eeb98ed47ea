"""The owner's dossier (一人一档 / 一企一档) on the portal, mounted at ``/dossiers/``
(namespace ``dossiers``). Phone first; every part of the dossier and who has read it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from zhengwu.dossiers import selectors
from zhengwu.kernel.errors import NotFound


def _render(request: HttpRequest, enterprise_id: int | None) -> HttpResponse:
    try:
        dossier = selectors.owner_dossier(request.user, enterprise_id=enterprise_id)
    except NotFound as exc:
        if enterprise_id is not None:
            raise Http404 from exc
        dossier = None
    return render(
        request,
        "dossiers/portal/index.html",
        {
            "dossier": dossier,
            "enterprises": selectors.own_enterprises(request.user),
            "enterprise_id": enterprise_id,
            "nav_active": "dossiers",
        },
    )


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return _render(request, None)


@login_required
@require_GET
def enterprise(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    return _render(request, enterprise_id)
