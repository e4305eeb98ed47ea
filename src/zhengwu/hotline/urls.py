"""Citizen pages of the 12345 hotline, mounted at ``/hotline/`` (namespace ``hotline``)."""

from __future__ import annotations

from django.urls import path

from zhengwu.hotline import views_portal as views

app_name = "hotline"

urlpatterns = [
    path("", views.submit, name="submit"),
    path("submitted/", views.submitted, name="submitted"),
    path("mine/", views.mine, name="mine"),
    path("mine/<int:ticket_id>/", views.mine_detail, name="mine_detail"),
    path("lookup/", views.lookup, name="lookup"),
]
