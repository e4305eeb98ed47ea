"""Working-day limits of a rectification (DOMAIN.md §5), from :class:`LimitSetting`.

Defaults: verify within 1 working day of the bad review, rectify within 15 working days of
the verification, revisit within 3 working days of the rectification (or explanation). A
department's own row overrides the global row; no row at all means the defaults. A day
limit ends at 23:59:59 local time of its last working day on the platform calendar
(:mod:`zhengwu.kernel.workdays`: weekends, official holidays and make-up working days).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from django.utils import timezone

from zhengwu.kernel import workdays
from zhengwu.ratings.models import LimitSetting

DEFAULT_VERIFY_DAYS = 1
DEFAULT_RECTIFY_DAYS = 15
DEFAULT_REVISIT_DAYS = 3
END_OF_DAY = time(23, 59, 59)


@dataclass(frozen=True)
class Limits:
    verify_days: int
    rectify_days: int
    revisit_days: int


DEFAULTS = Limits(DEFAULT_VERIFY_DAYS, DEFAULT_RECTIFY_DAYS, DEFAULT_REVISIT_DAYS)


def limits_for(department_id: int | None) -> Limits:
    rows = {
        row.department_id: row
        for row in LimitSetting.objects.filter(
            department_id__in=[department_id] if department_id else []
        )
        | LimitSetting.objects.filter(department__isnull=True)
    }
    row = rows.get(department_id) if department_id else None
    row = row or rows.get(None)
    if row is None:
        return DEFAULTS
    return Limits(row.verify_days, row.rectify_days, row.revisit_days)


def due_after(start: datetime, working_days: int) -> datetime:
    """End (23:59:59 local) of the ``working_days``-th working day after ``start``'s date."""
    local = timezone.localtime(start).date()
    last = workdays.add_working_days(local, working_days)
    return timezone.make_aware(datetime.combine(last, END_OF_DAY))
