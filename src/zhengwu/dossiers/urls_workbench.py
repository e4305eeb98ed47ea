"""Staff pages, mounted at ``/workbench/dossiers/`` (namespace ``dossiers_workbench``): the
dossier lookup (POST only: the number never appears in a URL) and the electronic archives."""

from __future__ import annotations

from django.urls import path

from zhengwu.dossiers import views_workbench as views

app_name = "dossiers_workbench"

urlpatterns = [
    path("", views.lookup, name="lookup"),
    path("archives/", views.archives, name="archives"),
    path("archives/<str:number>/", views.archive_detail, name="archive"),
    path("archives/<str:number>/check/", views.archive_check, name="check"),
    path("archives/<str:number>/dispose/", views.disposal_propose, name="propose"),
    path(
        "archives/<str:number>/disposals/<int:request_id>/decide/",
        views.disposal_decide,
        name="decide",
    ),
]
