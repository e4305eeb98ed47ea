"""Indicator dashboards, mounted at ``/workbench/metrics/`` (namespace ``metrics``)."""

from __future__ import annotations

from django.urls import path

from zhengwu.metrics import views

app_name = "metrics"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("cases/", views.cases, name="cases"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("export.xlsx", views.export_xlsx, name="export_xlsx"),
]
