"""The hotline demo: topics, a routing model and tickets in every state, loaded twice without
duplicates."""

from __future__ import annotations

import pytest

from zhengwu.hotline import demo
from zhengwu.hotline.choices import Category, TicketStatus
from zhengwu.hotline.models import (
    Callback,
    ClassifierModel,
    KnowledgeEntry,
    Ticket,
    Topic,
    WorkOrder,
)


@pytest.fixture
def demo_world(db, settings, tmp_path):
    from zhengwu.accounts import demo as accounts_demo
    from zhengwu.kernel import workdays
    from zhengwu.org import demo as org_demo

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "files")},
        },
    }
    workdays.seed_from_package()
    org_demo.load_demo()
    accounts_demo.load_demo()


def test_load_demo_twice_without_duplicates(demo_world):
    first = demo.load_demo()
    assert first["tickets"] == 8 and first["topics"] == 7 + len(demo.SPECIFIC_TOPICS)
    counts = (
        Topic.objects.count(),
        Ticket.objects.count(),
        WorkOrder.objects.count(),
        ClassifierModel.objects.count(),
    )
    second = demo.load_demo()
    assert second["tickets"] == 0 and second["topics"] == 0 and second["model"] == ""
    assert (
        Topic.objects.count(),
        Ticket.objects.count(),
        WorkOrder.objects.count(),
        ClassifierModel.objects.count(),
    ) == counts

    # A general topic per category, specific ones with a department and Open311 attributes.
    for category in Category.values:
        assert Topic.objects.get(code=category).category == category
    noise = Topic.objects.get(code="noise")
    assert noise.department.name == "区城管局" and "噪音" in noise.keywords
    assert noise.attributes[0]["datatype"] == "singlevaluelist" and noise.attributes[0]["values"]
    assert Topic.objects.exclude(department__isnull=True).count() == len(demo.SPECIFIC_TOPICS)

    # The tickets cover the lifecycle.
    statuses = set(Ticket.objects.values_list("status", flat=True))
    assert statuses >= {
        TicketStatus.RECEIVED,
        TicketStatus.DISPATCHED,
        TicketStatus.HANDLING,
        TicketStatus.REPLIED,
        TicketStatus.CLOSED,
        TicketStatus.TRANSFERRED,
        TicketStatus.MERGED,
    }
    assert Callback.objects.filter(result="satisfied").count() == 1
    assert Ticket.objects.filter(answered_directly=True).count() == 1
    assert Ticket.objects.get(status=TicketStatus.TRANSFERRED).emergency_line == "119"
    assert ClassifierModel.objects.filter(active=True).count() == 1
    assert first["knowledge"] == len(demo.KNOWLEDGE) and second["knowledge"] == 0
    assert KnowledgeEntry.objects.filter(status="published").count() == len(demo.KNOWLEDGE)
