"""The 12345 centre's workbench, mounted at ``/workbench/hotline/`` (namespace
``hotline_console``): agent console and its htmx fragments, ticket page and its actions
(``tickets/<number>/<action>/``, one per :data:`views_console.ACTIONS`), the dispatcher's
queue, the centre's lists and the routing rules.

``dept/`` and ``analytics/`` below this prefix belong to other modules (mounted before this
one), so no pattern here starts with them.
"""

from __future__ import annotations

from django.urls import path

from zhengwu.hotline import views_console

app_name = "hotline_console"

urlpatterns = [
    path("", views_console.console, name="console"),
    path("console/caller/", views_console.caller_lookup, name="caller_lookup"),
    path("console/communities/", views_console.communities, name="communities"),
    path("console/assist/", views_console.assist, name="assist"),
    path("console/answer/", views_console.answer_box, name="answer_box"),
    path("dispatch/", views_console.dispatch_queue, name="dispatch_queue"),
    path("centre/", views_console.centre, name="centre_home"),
    path("centre/<str:queue>/", views_console.centre, name="centre"),
    path(
        "extensions/<int:extension_id>/decide/",
        views_console.extension_decide,
        name="extension_decide",
    ),
    path("rules/", views_console.rules, name="rules"),
    path("rules/<int:rule_id>/deactivate/", views_console.rule_deactivate, name="rule_deactivate"),
    path("tickets/<str:number>/", views_console.ticket_page, name="ticket"),
    *(
        path(
            f"tickets/<str:number>/{name.replace('_', '-')}/",
            views_console.ticket_action,
            {"name": name},
            name=name,
        )
        for name in views_console.ACTIONS
    ),
]
