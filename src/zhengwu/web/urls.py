from django.urls import path

from zhengwu.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("preferences/elderly-mode/", views.elderly_mode, name="elderly_mode"),
    path("preferences/language/", views.language, name="language"),
    path("workbench/", views.workbench_home, name="workbench"),
]
