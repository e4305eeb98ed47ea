"""What every page's template may read: the platform's name, the language, elderly mode,
whether the visitor is staff, and (lazily) the calendar warnings shown to administrators."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from zhengwu.web import access
from zhengwu.web.preferences import elderly_mode_for
from zhengwu.web.templatetags.web_extras import bcp47

PLATFORM_NAME = _("Government Service Portal")
WORKBENCH_NAME = _("Government Service Workbench")


def today() -> date:
    return timezone.localdate()


def platform(request: HttpRequest) -> dict:
    language = translation.get_language() or "zh-hans"
    user = getattr(request, "user", None)
    return {
        "platform_name": PLATFORM_NAME,
        "workbench_name": WORKBENCH_NAME,
        "current_language": language,
        "html_lang": bcp47(language),
        "elderly_mode": elderly_mode_for(request),
        "is_staff_member": SimpleLazyObject(lambda: access.is_staff_member(user)),
        "may_use_workbench": SimpleLazyObject(lambda: access.may_use_workbench(user)),
        # Evaluated only where a template reads it (the workbench home), never elsewhere.
        "calendar_warnings": SimpleLazyObject(lambda: access.calendar_warnings_for(user, today())),
    }
