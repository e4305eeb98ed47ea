"""Citizen pages of 好差评, mounted at ``/ratings/`` (namespace ``ratings``).

``rate_window`` is what the QR code at a window (and the hall's queue ticket) points to:
``/ratings/window/?venue=…&window=…&ticket=…`` — keep its name and query parameters.
"""

from __future__ import annotations

from django.urls import path

from zhengwu.ratings import views_portal as views

app_name = "ratings"

urlpatterns = [
    path("", views.index, name="index"),
    path("public/", views.public, name="public"),
    path("case/<str:number>/", views.rate_case, name="rate_case"),
    path("ticket/<str:number>/", views.rate_ticket, name="rate_ticket"),
    path("online/<str:code>/", views.rate_online, name="rate_online"),
    path("window/", views.rate_window, name="rate_window"),
    path("reviews/<int:review_id>/revise/", views.revise, name="revise"),
]
