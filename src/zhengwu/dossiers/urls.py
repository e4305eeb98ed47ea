"""The owner's dossier, mounted at ``/dossiers/`` (namespace ``dossiers``)."""

from __future__ import annotations

from django.urls import path

from zhengwu.dossiers import views_portal as views

app_name = "dossiers"

urlpatterns = [
    path("", views.index, name="index"),
    path("enterprise/<int:enterprise_id>/", views.enterprise, name="enterprise"),
]
