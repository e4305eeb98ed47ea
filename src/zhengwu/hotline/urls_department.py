"""Department pages of the hotline, mounted at ``/workbench/hotline/dept/`` (namespace
``hotline_dept``): work orders and knowledge entries.

Every action of the order page is a POST to ``orders/<order_id>/<action>/``
(:data:`views_department.ACTIONS`).
"""

from __future__ import annotations

from django.urls import path

from zhengwu.hotline import views_department as views

app_name = "hotline_dept"

urlpatterns = [
    path("", views.index, name="index"),
    path("orders/<int:order_id>/", views.order_detail, name="order"),
    path(
        "orders/<int:order_id>/files/<int:attachment_id>/",
        views.attachment,
        name="attachment",
    ),
    *(
        path(f"orders/<int:order_id>/{name}/", views.order_action, {"name": name}, name=name)
        for name in views.ACTIONS
    ),
    path(
        "supervisions/<int:supervision_id>/acknowledge/",
        views.acknowledge,
        name="acknowledge",
    ),
    path("knowledge/", views.knowledge_index, name="knowledge"),
    path("knowledge/new/", views.knowledge_new, name="knowledge_new"),
    path("knowledge/<int:entry_id>/", views.knowledge_entry, name="knowledge_entry"),
    path("knowledge/<int:entry_id>/submit/", views.knowledge_submit, name="knowledge_submit"),
    path("knowledge/<int:entry_id>/review/", views.knowledge_review, name="knowledge_review"),
    path("knowledge/<int:entry_id>/retire/", views.knowledge_retire, name="knowledge_retire"),
]
