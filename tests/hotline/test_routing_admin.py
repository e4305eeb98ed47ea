"""Routing model versions: the daily retrain stores without activating; an administrator
activates a version from the admin after reading its evaluation."""

from __future__ import annotations

from django.urls import reverse

from tests.factories import make_staff
from zhengwu.hotline import routing, tasks
from zhengwu.hotline.models import ClassifierModel


def test_daily_retrain_without_enough_closed_tickets_keeps_the_active_model(hl):
    active = routing.train_model(source="dev")
    result = tasks.retrain_routing.call()
    assert "skipped" in result
    assert list(ClassifierModel.objects.values_list("version", "active")) == [
        (active.version, True)
    ]


def test_admin_activates_exactly_one_selected_version(hl, client):
    first = routing.train_model(source="dev")
    second = routing.train_model(source="dev", activate=False)
    assert ClassifierModel.objects.get(active=True) == first
    admin_user = make_staff(department=hl.centre, roles=["administrator"], is_superuser=True)
    client.force_login(admin_user)
    url = reverse("admin:hotline_classifiermodel_changelist")

    both = client.post(
        url, {"action": "activate", "_selected_action": [first.pk, second.pk]}, follow=True
    )
    assert "select exactly one version" in both.content.decode()
    assert ClassifierModel.objects.get(active=True) == first

    client.post(url, {"action": "activate", "_selected_action": [second.pk]}, follow=True)
    assert ClassifierModel.objects.get(active=True) == second
