"""Every admin page a superuser can open renders: list, search, add form and change form.

One test walks every registered model over one loaded demo (loading it per model took
minutes); a failure lists every page that did not answer as expected.
"""

from __future__ import annotations

import io

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# django-rq registers a dashboard page, not a database model.
_NOT_MODELS = {"django_rq"}
MODELS = sorted(
    (m for m in admin.site._registry if m._meta.app_label not in _NOT_MODELS),
    key=lambda m: m._meta.label,
)


def _page_failures(client, superuser, model) -> list[str]:
    opts = model._meta
    name = f"admin:{opts.app_label}_{opts.model_name}"
    request = RequestFactory().get("/admin/")
    request.user = superuser
    may_add = admin.site._registry[model].has_add_permission(request)
    checks = [
        (reverse(f"{name}_changelist"), {}, 200),
        (reverse(f"{name}_changelist"), {"q": "灞桥"}, 200),
        (reverse(f"{name}_add"), {}, 200 if may_add else 403),
    ]
    first = model.objects.first()
    if first is not None:
        checks.append((reverse(f"{name}_change", args=[first.pk]), {}, 200))
    failures = []
    for url, query, expected in checks:
        status = client.get(url, query).status_code
        if status != expected:
            where = f"{opts.label_lower}: GET {url} {query or ''}"
            failures.append(f"{where} → {status}, not {expected}")
    return failures


def test_admin_pages_render(client):
    call_command("demo", stdout=io.StringIO())  # real rows to open
    superuser = UserFactory(username="root-admin", is_superuser=True, is_staff=True)
    client.force_login(superuser)
    failures = [line for model in MODELS for line in _page_failures(client, superuser, model)]
    assert not failures, "\n".join(failures)
    # Every model had rows to open a change form for, except the few with none in the demo.
    with_rows = [m for m in MODELS if m.objects.exists()]
    assert len(with_rows) >= len(MODELS) // 2


def test_admin_lists_every_domain():
    labels = {m._meta.app_label for m in MODELS}
    assert {"org", "accounts", "catalog", "cases", "hotline"} <= labels
