"""Staff pages of case handling, mounted at ``/workbench/cases/`` (namespace ``cases_workbench``).

Every action of the case page is a POST to ``<case_id>/<action>/`` named after the action
(``cases_workbench:accept`` …); :data:`views_workbench.ACTIONS` lists them.
"""

from __future__ import annotations

from django.urls import path

from zhengwu.cases import views_workbench

app_name = "cases_workbench"

urlpatterns = [
    path("", views_workbench.index, name="index"),
    path("new/", views_workbench.entry, name="entry"),
    path("search/", views_workbench.search, name="search"),
    path("supervision/", views_workbench.supervision, name="supervision"),
    path("complaints/", views_workbench.complaints, name="complaints"),
    path(
        "complaints/<int:complaint_id>/answer/",
        views_workbench.complaint_answer,
        name="complaint_answer",
    ),
    path("<int:case_id>/", views_workbench.detail, name="detail"),
    path("<int:case_id>/draft/", views_workbench.draft, name="draft"),
    path("<int:case_id>/files/<int:file_id>/", views_workbench.material_file, name="material_file"),
    path(
        "<int:case_id>/notices/<int:notice_id>/pdf/",
        views_workbench.notice_pdf,
        name="notice_pdf",
    ),
    *(
        path(
            f"<int:case_id>/{name.replace('_', '-')}/",
            views_workbench.action,
            {"name": name},
            name=name,
        )
        for name in views_workbench.ACTIONS
    ),
]
