"""Public catalogue pages, mounted at ``/services/``."""

from django.urls import path

from zhengwu.catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.home, name="home"),
    path("items/", views.items, name="items"),
    path("search/", views.search, name="search"),
    path("departments/<int:department_id>/", views.department, name="department"),
    path("themes/<slug:code>/", views.life_event, name="life_event"),
    path("bundles/<slug:code>/", views.bundle, name="bundle"),
    path("items/<str:code>/", views.guide, name="guide"),
    path(
        "items/<str:code>/materials/<slug:material_key>/<str:kind>/",
        views.download,
        name="download",
    ),
]
