"""The licence wallet on the portal, mounted at ``/licences/`` (namespace ``licences``)."""

from __future__ import annotations

from django.urls import path

from zhengwu.licences import views_portal as views

app_name = "licences"

urlpatterns = [
    path("", views.wallet, name="wallet"),
    path("<int:licence_id>/", views.show, name="show"),
    path("<int:licence_id>/token/", views.token, name="token"),
    path("<int:licence_id>/pdf/", views.pdf, name="pdf"),
    path("code/", views.code, name="code"),
    path("code/token/", views.code_token, name="code_token"),
    path("grants/", views.grants, name="grants"),
    path("grants/<int:grant_id>/revoke/", views.revoke, name="revoke"),
]
