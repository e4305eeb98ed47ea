"""Forms of the hotline centre's pages: input parsing only (formats and lengths), never rules.

The intake form of the agent console names every wrong field at once; the services check
everything again and own every rule (who may, which state, the time limits).
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from zhengwu.hotline.choices import CallbackResult, Category, Priority, RuleKind
from zhengwu.kernel.errors import DomainError

TEXT_MAX = 4000
ANSWER_MAX = 4000
PHONE_RE = re.compile(r"^\+?[0-9][0-9 \-]{2,19}$")

# Field of a service error → field of the intake form.
INTAKE_ERROR_FIELDS = {
    "text": "text",
    "category": "category",
    "priority": "priority",
    "caller_phone": "caller_phone",
    "caller_name": "caller_name",
    "anonymous": "anonymous",
    "address": "address",
    "street_code": "street_code",
    "street": "street_code",
    "community_code": "community_code",
    "community": "community_code",
    "answer": "answer",
    "knowledge_entry_id": "answer",
    "entry_id": "answer",
    "department_id": "dispatch_to",
    "department": "dispatch_to",
}

RULE_ERROR_FIELDS = {
    "kind": "kind",
    "pattern": "pattern",
    "department_id": "department_id",
    "department": "department_id",
    "emergency_line": "emergency_line",
    "category": "category",
    "priority": "priority",
    "note": "note",
}


def localized(error: Any) -> str:
    """A domain error's (or field error's) message in the active language."""
    chinese, english = getattr(error, "message", ""), getattr(error, "message_en", "")
    if (translation.get_language() or "").startswith("en"):
        return str(english or chinese)
    return str(chinese or english)


class ServiceErrorsMixin:
    """Put a service error on the field it names; False when no field of the form matches."""

    error_fields: dict[str, str] = {}

    def add_service_error(self, error: DomainError) -> bool:
        items: list[Any] = list(error.errors) or [error]
        placed = False
        for item in items:
            target = self.error_fields.get(item.field or "")
            if target is None or target not in self.fields:  # type: ignore[attr-defined]
                continue
            self.add_error(target, localized(item))  # type: ignore[attr-defined]
            placed = True
        return placed


def _blank_choice(label: Any, choices: Any) -> list[tuple[str, Any]]:
    return [("", label), *choices]


class IntakeForm(ServiceErrorsMixin, forms.Form):
    """A call taken at the agent console (channel: phone)."""

    error_fields = INTAKE_ERROR_FIELDS

    caller_phone = forms.CharField(label=_("Caller's phone number"), max_length=20, required=False)
    caller_name = forms.CharField(label=_("Caller's name"), max_length=64, required=False)
    anonymous = forms.BooleanField(
        label=_("Anonymous (reports of wrongdoing only)"), required=False
    )
    category = forms.ChoiceField(
        label=_("Category"),
        choices=_blank_choice(_("Let routing propose"), Category.choices),
        required=False,
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL
    )
    street_code = forms.CharField(label=_("Street"), max_length=12, required=False)
    community_code = forms.CharField(label=_("Community"), max_length=12, required=False)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    text = forms.CharField(label=_("What the caller says"), max_length=TEXT_MAX)
    answer = forms.CharField(
        label=_("Answer given to the caller"), max_length=ANSWER_MAX, required=False
    )
    knowledge_entry_id = forms.IntegerField(required=False, min_value=1)
    dispatch_to = forms.CharField(label=_("Dispatch"), max_length=12, required=False)
    idempotency_key = forms.CharField(max_length=64, required=False)
    intent = forms.ChoiceField(choices=[("answer", "answer"), ("save", "save")])

    def clean_caller_phone(self) -> str:
        value = re.sub(r"[\s\-]", "", self.cleaned_data["caller_phone"])
        if value and not PHONE_RE.match(value):
            raise forms.ValidationError(_("Enter the phone number in digits (e.g. 13800138000)."))
        return value

    def clean_text(self) -> str:
        value = self.cleaned_data["text"].strip()
        if not value:
            raise forms.ValidationError(_("Enter what the caller says."))
        return value

    def clean_dispatch_to(self) -> str:
        value = self.cleaned_data["dispatch_to"].strip()
        if value and value != "proposed" and not (value.isascii() and value.isdigit()):
            raise forms.ValidationError(_("Choose a department from the list."))
        return value

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("anonymous") and data.get("category") != Category.REPORT:
            self.add_error(
                "anonymous", _("Only reports of wrongdoing (举报) may be taken anonymously.")
            )
        if data.get("intent") == "answer" and not (data.get("answer") or "").strip():
            self.add_error("answer", _("Enter the answer given to the caller."))
        if not data.get("anonymous") and not data.get("caller_phone"):
            self.add_error(
                "caller_phone", _("Enter the caller's phone number (or take a report anonymously).")
            )
        return data


class CallbackForm(forms.Form):
    result = forms.ChoiceField(label=_("Result of the callback"), choices=CallbackResult.choices)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class RuleForm(ServiceErrorsMixin, forms.Form):
    """A dispatcher's routing rule: keyword or location → department or emergency line."""

    error_fields = RULE_ERROR_FIELDS

    kind = forms.ChoiceField(label=_("Kind of rule"), choices=RuleKind.choices)
    pattern = forms.CharField(label=_("Pattern"), max_length=255)
    department_id = forms.IntegerField(label=_("Department"), required=False, min_value=1)
    emergency_line = forms.CharField(label=_("Emergency line"), max_length=3, required=False)
    category = forms.ChoiceField(
        label=_("Category"),
        choices=_blank_choice(_("Keep the proposed category"), Category.choices),
        required=False,
    )
    priority = forms.IntegerField(
        label=_("Order (smaller first)"), min_value=0, max_value=32767, initial=100
    )
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def clean_pattern(self) -> str:
        value = self.cleaned_data["pattern"].strip()
        if not value:
            raise forms.ValidationError(_("Enter the words or the region code to match."))
        return value

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("department_id") and not data.get("emergency_line"):
            self.add_error(
                "department_id", _("Choose the department (or an emergency line) to route to.")
            )
        return data
