"""免证办 staff pages (mounted at /workbench/licences/exemptions/): the "two exemptions"
report per item (with its xlsx export) and a licence read by staff handling a case."""

from django.urls import path

from zhengwu.licences import views_exemptions

app_name = "licences_exemptions"
urlpatterns = [
    path("", views_exemptions.report, name="report"),
    path("report.xlsx", views_exemptions.report_xlsx, name="report_xlsx"),
    path(
        "cases/<int:case_id>/licences/<int:licence_id>/",
        views_exemptions.case_licence,
        name="case_licence",
    ),
]
