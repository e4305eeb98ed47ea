from django.urls import path

from zhengwu.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("identity/", views.identity_view, name="identity"),
    path("tokens/", views.tokens_view, name="tokens"),
]
