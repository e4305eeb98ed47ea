"""Forms of the 好差评 pages: input parsing only (choices, lengths), never rules.

The services (:mod:`zhengwu.ratings.services`) own every rule — who may rate, once per rater,
the order of the rectification steps — and check the input again. A service's refusal names
its field; :meth:`ServiceErrorsMixin.add_service_error` shows it at that field in the active
language (Chinese, or English when the page is in English).
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from zhengwu.kernel.errors import DomainError
from zhengwu.ratings.choices import BAD_LEVELS, Level, RatingChannel, Tag

TEXT_MAX = 500  # GB/T 39046: the rater's text, at most 500 characters
STEP_TEXT_MAX = 2000  # evidence, measures, explanation, reply, notes
KEY_PART_MAX = 64  # venue, window and queue ticket number of a window visit
# A phone or tablet browser rates on the mobile channel (2), anything else on PC (1).
_MOBILE_AGENT = re.compile(r"Mobi|Android|iPhone|iPad|HarmonyOS|MicroMessenger", re.I)
# Channels a page may be told in its hidden field (a hall tablet or terminal opening the
# window page says which it is; an app wrapping the web page says "mobile").
WEB_CHANNELS = frozenset({RatingChannel.PC, RatingChannel.MOBILE})
HALL_CHANNELS = frozenset(
    {RatingChannel.QR, RatingChannel.HALL_TABLET, RatingChannel.HALL_TERMINAL}
)
# Anything but a slash (the key's separator) and control characters.
_KEY_PART = re.compile(r"^[^/\x00-\x1f\x7f]{1,64}$")


def localized(error: Any) -> str:
    """A domain error's (or field error's) message in the active language."""
    chinese, english = getattr(error, "message", ""), getattr(error, "message_en", "")
    if (translation.get_language() or "").startswith("en"):
        return str(english or chinese)
    return str(chinese or english)


def channel_for(posted: str, user_agent: str, *, hall: bool = False) -> str:
    """The GB/T 39046 channel code: the hidden field when it names an allowed one, else the
    QR code on the window page, else mobile or PC by the browser."""
    allowed = HALL_CHANNELS if hall else WEB_CHANNELS
    if posted in allowed:
        return posted
    if hall:
        return RatingChannel.QR
    if _MOBILE_AGENT.search(user_agent or ""):
        return RatingChannel.MOBILE
    return RatingChannel.PC


def window_key_part(value: Any) -> str:
    """One part of a window visit's key from the QR code's query string, or "" if malformed."""
    text = str(value or "").strip()
    return text if _KEY_PART.match(text) else ""


class ServiceErrorsMixin:
    """Put a service error at the form field it names."""

    error_fields: dict[str, str] = {}

    def add_service_error(self, error: DomainError) -> bool:
        """False when the error belongs to no field (the page shows it at the top)."""
        items: list[Any] = list(error.errors) or [error]
        placed = False
        fields = self.fields  # type: ignore[attr-defined]
        for item in items:
            name = (item.field or "").split(".")[0]
            target = self.error_fields.get(item.field or "", self.error_fields.get(name, name))
            if target not in fields:
                continue
            self.add_error(target, localized(item))  # type: ignore[attr-defined]
            placed = True
        return placed


class RateForm(ServiceErrorsMixin, forms.Form):
    """Five levels, an optional text (≤ 500) and, for a bad review, the reasons."""

    level = forms.TypedChoiceField(
        label=_("How satisfied are you with this service?"),
        choices=Level.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how satisfied you are.")},
    )
    text = forms.CharField(
        label=_("Your comments"),
        max_length=TEXT_MAX,
        required=False,
        strip=True,
        widget=forms.Textarea,
    )
    tags = forms.MultipleChoiceField(
        label=_("What went wrong?"),
        choices=Tag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # The reasons are asked only on a bad review; ticked then changed to a good level,
        # they no longer apply.
        if int(data.get("level") or 0) not in BAD_LEVELS:
            data["tags"] = []
        return data


class VerifyForm(ServiceErrorsMixin, forms.Form):
    valid = forms.TypedChoiceField(
        label=_("Is the bad review valid?"),
        choices=(("yes", _("Valid: the service fell short")), ("no", _("Invalid"))),
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether the review is valid.")},
    )
    evidence = forms.CharField(
        label=_("Evidence and findings"),
        max_length=STEP_TEXT_MAX,
        widget=forms.Textarea,
        error_messages={"required": _("Record what you checked and found.")},
    )


class DecideInvalidForm(ServiceErrorsMixin, forms.Form):
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        choices=(
            ("yes", _("Approve: close the review as invalid")),
            ("no", _("Reject: verify it again")),
        ),
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a decision.")},
    )
    note = forms.CharField(
        label=_("Note"), max_length=STEP_TEXT_MAX, required=False, widget=forms.Textarea
    )


def _step_text(label: Any, required: Any) -> forms.CharField:
    """A required step text (measures, reply, explanation) with the services' length limit."""
    return forms.CharField(
        label=label,
        max_length=STEP_TEXT_MAX,
        widget=forms.Textarea,
        error_messages={"required": required},
    )


class RectifyForm(ServiceErrorsMixin, forms.Form):
    measures = _step_text(_("Rectification measures"), _("Record the measures taken."))
    reply = _step_text(_("Reply to the rater"), _("Write the reply to the rater."))


class ExplainForm(ServiceErrorsMixin, forms.Form):
    explanation = _step_text(_("Explanation"), _("Explain why nothing needs to change."))
    reply = _step_text(_("Reply to the rater"), _("Write the reply to the rater."))


class RevisitForm(ServiceErrorsMixin, forms.Form):
    satisfied = forms.TypedChoiceField(
        label=_("Is the rater satisfied now?"),
        choices=(("yes", _("Satisfied")), ("no", _("Not satisfied"))),
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Record whether the rater is satisfied.")},
    )
    note = forms.CharField(
        label=_("Revisit note"),
        max_length=STEP_TEXT_MAX,
        widget=forms.Textarea,
        error_messages={"required": _("Record what the rater said.")},
    )
