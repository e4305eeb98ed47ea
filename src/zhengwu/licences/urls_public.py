"""Public licence verification pages, mounted at /licences/verify/ (no login)."""

from django.urls import path

from zhengwu.licences import views_public

app_name = "licences_public"
urlpatterns = [
    path("", views_public.verify, name="verify"),
    path("document/", views_public.verify_upload, name="document"),
    path("q/<str:token>/", views_public.verify_qr, name="qr"),
]
