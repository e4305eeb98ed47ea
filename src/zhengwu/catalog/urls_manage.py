from django.urls import path

from zhengwu.catalog import views_manage

app_name = "catalog_manage"
urlpatterns = [
    path("", views_manage.index, name="index"),
    path("review/", views_manage.review_queue, name="review_queue"),
    path("changes/", views_manage.change_create, name="change_create"),
    path("versions/<int:version_id>/", views_manage.version_detail, name="detail"),
    path("versions/<int:version_id>/edit/", views_manage.version_edit, name="edit"),
    path("versions/<int:version_id>/submit/", views_manage.version_submit, name="submit"),
    path("versions/<int:version_id>/review/", views_manage.version_review, name="review"),
    path("consistency/", views_manage.consistency_check, name="consistency"),
    path("history/<str:implementation_code>/", views_manage.history, name="history"),
]
