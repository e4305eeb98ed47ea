"""Staff pages of licence use, mounted at ``/workbench/licences/scan/`` (namespace
``licences_scan``): scanning dynamic and personal codes, and reading granted licences."""

from __future__ import annotations

from django.urls import path

from zhengwu.licences import views_scan as views

app_name = "licences_scan"

urlpatterns = [
    path("", views.index, name="index"),
    path("granted/", views.granted, name="granted"),
    path("granted/<int:grant_id>/<int:licence_id>/", views.granted_read, name="granted_read"),
]
