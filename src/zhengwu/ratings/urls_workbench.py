"""Staff pages of 好差评 (rectification), mounted at ``/workbench/ratings/`` (namespace
``ratings_workbench``).

Every step of the rectification page is a POST to ``<rectification_id>/<action>/``
(:data:`views_workbench.ACTIONS`).
"""

from __future__ import annotations

from django.urls import path

from zhengwu.ratings import views_workbench as views

app_name = "ratings_workbench"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("three-100/", views.three_100, name="three_100"),
    path("<int:rectification_id>/", views.detail, name="detail"),
    *(
        path(f"<int:rectification_id>/{name}/", views.action, {"name": name}, name=name)
        for name in views.ACTIONS
    ),
]
