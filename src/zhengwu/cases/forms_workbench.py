"""Forms of the staff pages: input parsing only (formats and check digits), never rules.

The window-entry form checks the ID number (GB 11643) or the unified social credit code
(GB 32100) with their check characters so that every wrong field is named at once; the
service checks them again and owns every other rule.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from zhengwu.cases.choices import ApplicantKind, Channel
from zhengwu.kernel.errors import DomainError, InvalidInput
from zhengwu.kernel.identifiers import parse_citizen_id, parse_uscc

ENTRY_CHANNELS = (Channel.WINDOW, Channel.POST)

# Field of a service error (``draft_create``) → field of the entry form.
ENTRY_ERROR_FIELDS = {
    "implementation_code": "implementation_code",
    "channel": "channel",
    "applicant": "id_number",
    "applicant.kind": "kind",
    "applicant.name": "name",
    "applicant.citizen_id": "id_number",
    "applicant.uscc": "id_number",
    "applicant.phone": "phone",
    "applicant.address": "address",
    "agent": "agent_id_number",
    "agent.name": "agent_name",
    "agent.citizen_id": "agent_id_number",
}


def localized(error: Any) -> str:
    """A domain error's (or field error's) message in the active language: Chinese unless
    the page is in English."""
    chinese, english = getattr(error, "message", ""), getattr(error, "message_en", "")
    if (translation.get_language() or "").startswith("en"):
        return str(english or chinese)
    return str(chinese or english)


class ApplicantEntryForm(forms.Form):
    """A walk-in (or posted) application entered by a window clerk."""

    implementation_code = forms.CharField(label=_("Item"), max_length=50)
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[(c.value, c.label) for c in ENTRY_CHANNELS],
        initial=Channel.WINDOW,
    )
    kind = forms.ChoiceField(
        label=_("Applicant kind"), choices=ApplicantKind.choices, initial=ApplicantKind.CITIZEN
    )
    name = forms.CharField(label=_("Applicant name"), max_length=200)
    id_number = forms.CharField(label=_("ID number or credit code"), max_length=32)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    agent_name = forms.CharField(label=_("Agent name"), max_length=64, required=False)
    agent_id_number = forms.CharField(label=_("Agent ID number"), max_length=32, required=False)

    def clean_implementation_code(self) -> str:
        return self.cleaned_data["implementation_code"].strip().upper()

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        kind = data.get("kind")
        number = data.get("id_number", "")
        if kind and number:
            try:
                if kind == ApplicantKind.CITIZEN:
                    data["id_number"] = parse_citizen_id(number, field="id_number").value
                else:
                    data["id_number"] = parse_uscc(number, field="id_number").value
            except InvalidInput as error:
                self.add_error("id_number", localized(error))
        agent_id = data.get("agent_id_number", "")
        if agent_id:
            try:
                data["agent_id_number"] = parse_citizen_id(agent_id, field="agent").value
            except InvalidInput as error:
                self.add_error("agent_id_number", localized(error))
            if not data.get("agent_name"):
                self.add_error("agent_name", _("Enter the agent's name with the ID number."))
        elif data.get("agent_name"):
            self.add_error("agent_id_number", _("Enter the agent's ID number."))
        return data

    def add_service_error(self, error: DomainError) -> bool:
        """Put a service error on its field; False when it belongs to no field of the form."""
        items: list[Any] = list(error.errors) or [error]
        placed = False
        for item in items:
            target = ENTRY_ERROR_FIELDS.get(item.field or "")
            if target is None:
                continue
            self.add_error(target, localized(item))
            placed = True
        return placed
