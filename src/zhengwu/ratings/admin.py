"""Admin of 好差评: read-mostly.

Reviews and rectifications change only through :mod:`zhengwu.ratings.services` (one
transaction, audit entry, timeline event, upstream message), so they are view-only here;
the rater is shown masked and the review text is not listed. The limits
(:class:`LimitSetting`: the global row and per-department overrides) are editable.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from zhengwu.kernel.admin_audit import AuditedAdmin, ReadOnlyAdmin, ReadOnlyInline
from zhengwu.kernel.masking import MaskKind, mask
from zhengwu.ratings.models import (
    Invitation,
    LimitSetting,
    Rectification,
    RectificationEvent,
    Review,
    Supervision,
)


def _rater(rater: Any) -> str:
    if rater is None:
        return "—"
    return mask(str(rater.display_name or rater.username), MaskKind.NAME)


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = (
        "id", "subject_type", "subject_key", "level", "channel", "is_bad", "count",
        "department", "rated_at",
    )  # fmt: skip
    list_filter = ("subject_type", "level", "channel", "is_bad")
    search_fields = ("subject_key", "item_code")
    list_select_related = ("department",)
    hidden_fields = ("rater",)
    masked_fields = ("rater_masked",)

    @admin.display(description="评价人")
    def rater_masked(self, obj: Review) -> str:
        return _rater(obj.rater)


class EventInline(ReadOnlyInline):
    model = RectificationEvent
    fields = ("at", "kind", "status_from", "status_to", "note")


class SupervisionInline(ReadOnlyInline):
    model = Supervision
    fields = ("step", "due", "created_at", "acknowledged_at")


@admin.register(Rectification)
class RectificationAdmin(ReadOnlyAdmin):
    list_display = ("id", "department", "status", "overdue", "opened_at", "closed_at")
    list_filter = ("status", "overdue")
    list_select_related = ("department",)
    inlines = (EventInline, SupervisionInline)


@admin.register(Supervision)
class SupervisionAdmin(ReadOnlyAdmin):
    list_display = ("id", "rectification", "step", "department", "due", "created_at")
    list_filter = ("step",)
    list_select_related = ("department",)


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ("subject_type", "subject_key", "created_at")
    search_fields = ("subject_key",)


@admin.register(LimitSetting)
class LimitSettingAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("department", "verify_days", "rectify_days", "revisit_days", "updated_at")
    list_select_related = ("department",)
    autocomplete_fields = ()
