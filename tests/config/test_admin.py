"""Every admin page a superuser can open renders: list, search, add form and change form."""

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


@pytest.fixture
def superuser():
    call_command("demo", stdout=io.StringIO())  # real rows to open
    return UserFactory(username="root-admin", is_superuser=True, is_staff=True)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label_lower)
def test_admin_pages_render(client, superuser, model):
    client.force_login(superuser)
    opts = model._meta
    name = f"admin:{opts.app_label}_{opts.model_name}"
    assert client.get(reverse(f"{name}_changelist")).status_code == 200
    assert client.get(reverse(f"{name}_changelist"), {"q": "灞桥"}).status_code == 200
    request = RequestFactory().get("/admin/")
    request.user = superuser
    may_add = admin.site._registry[model].has_add_permission(request)
    assert client.get(reverse(f"{name}_add")).status_code == (200 if may_add else 403)
    first = model.objects.first()
    if first is not None:
        assert client.get(reverse(f"{name}_change", args=[first.pk])).status_code == 200
