"""Open311 GeoReport v2 at ``/open311/v2/`` (mounted in ``config/urls.py``)."""

from __future__ import annotations

from django.urls import re_path
from django.views.decorators.http import require_GET

from zhengwu.hotline import open311

app_name = "open311"

FMT = r"\.(?P<fmt>[A-Za-z0-9]{1,16})$"

urlpatterns = [
    re_path(r"^discovery" + FMT, require_GET(open311.discovery), name="discovery"),
    re_path(r"^services" + FMT, require_GET(open311.service_list), name="services"),
    re_path(
        r"^services/(?P<code>[^/]{1,64})" + FMT,
        require_GET(open311.service_definition),
        name="service",
    ),
    re_path(r"^requests" + FMT, open311.requests_collection, name="requests"),
    re_path(
        r"^requests/(?P<request_id>[^/]{1,64})" + FMT,
        require_GET(open311.request_detail),
        name="request",
    ),
    re_path(
        r"^tokens/(?P<token>[^/]{1,64})" + FMT, require_GET(open311.token_detail), name="token"
    ),
    re_path(r"^(?P<path>.*)$", open311.not_found, name="not_found"),
]
