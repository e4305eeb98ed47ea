from django.contrib import admin
from django.urls import include, path

from zhengwu.config import health
from zhengwu.config.api import api, grouped_urls

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/v1/", grouped_urls(api.urls)),
    path("admin/", admin.site.urls),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("zhengwu.accounts.urls")),
    path("services/", include("zhengwu.catalog.urls")),
    path("workbench/catalog/", include("zhengwu.catalog.urls_manage")),
    path("cases/", include("zhengwu.cases.urls")),
    path("workbench/cases/", include("zhengwu.cases.urls_workbench")),
    path("workbench/hotline/analytics/", include("zhengwu.hotline.urls_analytics")),
    path("workbench/hotline/dept/", include("zhengwu.hotline.urls_department")),
    path("workbench/hotline/", include("zhengwu.hotline.urls_console")),
    path("hotline/", include("zhengwu.hotline.urls")),
    path("open311/v2/", include("zhengwu.hotline.urls_open311")),
    path("licences/verify/", include("zhengwu.licences.urls_public")),
    path("licences/", include("zhengwu.licences.urls")),
    path("workbench/licences/scan/", include("zhengwu.licences.urls_scan")),
    path("workbench/licences/exemptions/", include("zhengwu.licences.urls_exemptions")),
    path("workbench/licences/", include("zhengwu.licences.urls_workbench")),
    path("dossiers/", include("zhengwu.dossiers.urls")),
    path("workbench/dossiers/", include("zhengwu.dossiers.urls_workbench")),
    path("ratings/", include("zhengwu.ratings.urls")),
    path("workbench/ratings/", include("zhengwu.ratings.urls_workbench")),
    path("workbench/metrics/", include("zhengwu.metrics.urls")),
    path("", include("zhengwu.web.urls")),
]

handler403 = "zhengwu.web.views.permission_denied"
handler404 = "zhengwu.web.views.page_not_found"
handler500 = "zhengwu.web.views.server_error"
