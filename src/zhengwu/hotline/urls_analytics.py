"""Hotline analytics pages, mounted at ``/workbench/hotline/analytics/`` (``hotline_analytics``)."""

from __future__ import annotations

from django.urls import path

from zhengwu.hotline import views_analytics

app_name = "hotline_analytics"

urlpatterns = [
    path("", views_analytics.dashboard, name="dashboard"),
    path("tickets/", views_analytics.tickets, name="tickets"),
    path("report.xlsx", views_analytics.report, name="report"),
]
