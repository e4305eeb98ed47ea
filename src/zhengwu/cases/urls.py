"""Citizen-facing pages of case handling (mounted at /cases/, namespace ``cases``).

``progress`` is printed as a QR code on every notice (``reverse("cases:progress") +
"?number=…"``): keep its name and its query parameter.
"""

from __future__ import annotations

from django.urls import path
from django.views.generic import RedirectView

from zhengwu.cases import views_portal

app_name = "cases"

urlpatterns = [
    # /cases/ (as the README and the menus name it) is "my cases".
    path("", RedirectView.as_view(pattern_name="cases:mine", permanent=False), name="index"),
    path("progress/", views_portal.progress, name="progress"),
    path("apply/<str:code>/", views_portal.apply, name="apply"),
    path("apply-bundle/<str:code>/", views_portal.apply_bundle, name="apply_bundle"),
    path("mine/", views_portal.mine, name="mine"),
    path("messages/", views_portal.message_list, name="messages"),
    path("messages/<int:message_id>/read/", views_portal.message_read, name="message_read"),
    path("complaint/", views_portal.complaint, name="complaint"),
    path("<int:case_id>/", views_portal.detail, name="detail"),
    path("<int:case_id>/edit/", views_portal.edit, name="edit"),
    path("<int:case_id>/review/", views_portal.review, name="review"),
    path("<int:case_id>/upload/", views_portal.upload, name="upload"),
    path("<int:case_id>/licence/", views_portal.material_licence, name="material_licence"),
    path("<int:case_id>/reuse/", views_portal.material_reuse, name="material_reuse"),
    path(
        "<int:case_id>/files/<int:file_id>/remove/",
        views_portal.remove_file,
        name="remove_file",
    ),
    path("<int:case_id>/resubmit/", views_portal.resubmit, name="resubmit"),
    path("<int:case_id>/withdraw/", views_portal.withdraw, name="withdraw"),
    path("<int:case_id>/pay/", views_portal.pay, name="pay"),
    path(
        "<int:case_id>/notices/<int:notice_id>.pdf",
        views_portal.notice_pdf,
        name="notice_pdf",
    ),
]
