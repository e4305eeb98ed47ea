"""Staff pages of the e-licence register, mounted at ``/workbench/licences/`` (namespace
``licences_workbench``). The scan and 免证办 pages are mounted under it by their own urlconfs."""

from __future__ import annotations

from django.urls import path

from zhengwu.licences import views_workbench as views

app_name = "licences_workbench"

urlpatterns = [
    path("", views.register_list, name="register"),
    path("issue/", views.issue, name="issue"),
    path("import/", views.import_page, name="import"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("types/", views.types, name="types"),
    path("<int:licence_id>/", views.detail, name="detail"),
    *(
        path(f"<int:licence_id>/{name}/", views.action, {"name": name}, name=name)
        for name in views.ACTIONS
    ),
]
