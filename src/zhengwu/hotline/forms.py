"""Forms of the hotline pages: input parsing only (lengths, formats, file types), never rules.

The citizen form checks what can be told from the input alone so that every wrong field is
named at once (text length, the phone's shape, the attachments' count, size and type by
content); ``services.intake_ticket`` checks again and owns every other rule. Staff forms on
the department pages are parsed here too so that a refused input shows at its field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from zhengwu.hotline import selectors
from zhengwu.hotline.choices import Category, Channel
from zhengwu.kernel.errors import DomainError

TEXT_MAX = 4000  # Open311 ``description`` and the ticket's text: 4,000 characters
REPLY_MAX = 4000
NOTE_MAX = 2000
REASON_MAX = 2000
ADDRESS_MAX = 255
NAME_MAX = 50
PHONE_MAX = 20
MAX_FILES = 5
MAX_FILE_BYTES = 10 * 1024 * 1024
EXTENSION_DAYS_MAX = 15  # services.MAX_EXTENSION_DAYS
# What an attachment may be, told from its first bytes (never from its name or the browser).
FILE_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)
ACCEPT = ".jpg,.jpeg,.png,.pdf,image/jpeg,image/png,application/pdf"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# A phone or tablet browser: the ticket's channel is "mobile" (the mobile web form).
_MOBILE_AGENT = re.compile(r"Mobi|Android|iPhone|iPad|HarmonyOS|MicroMessenger", re.I)


def localized(error: Any) -> str:
    """A domain error's (or field error's) message in the active language."""
    chinese, english = getattr(error, "message", ""), getattr(error, "message_en", "")
    if (translation.get_language() or "").startswith("en"):
        return str(english or chinese)
    return str(chinese or english)


def sniff_type(head: bytes) -> str:
    """The content type of a file from its first bytes, or "" when it is none we take."""
    for signature, content_type in FILE_SIGNATURES:
        if head.startswith(signature):
            return content_type
    return ""


def channel_for(posted: str, user_agent: str) -> str:
    """``web`` or ``mobile``: the hidden field when an app says which, else the browser."""
    if posted in (Channel.WEB, Channel.MOBILE):
        return posted
    return Channel.MOBILE if _MOBILE_AGENT.search(user_agent or "") else Channel.WEB


def idempotency_key(params: Mapping[str, Any]) -> str:
    """The form's hidden token (one per form shown); anything malformed is dropped."""
    token = str(params.get("form_token", "") or "").strip()
    return token if _TOKEN.match(token) else ""


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [f for f in files if f]


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


class TicketForm(ServiceErrorsMixin, forms.Form):
    """The citizen's web and mobile form (群众诉求)."""

    error_fields = {
        "topic_code": "topic",
        "street_code": "street",
        "community_code": "community",
        "phone": "caller_phone",
        "name": "caller_name",
        "location": "address",
    }

    category = forms.ChoiceField(label=_("Kind of request"), choices=Category.choices)
    topic = forms.ChoiceField(label=_("Topic"), required=False, choices=())
    text = forms.CharField(
        label=_("Your request"), max_length=TEXT_MAX, strip=True, widget=forms.Textarea
    )
    address = forms.CharField(label=_("Address"), max_length=ADDRESS_MAX, required=False)
    street = forms.ChoiceField(label=_("Street"), required=False, choices=())
    community = forms.ChoiceField(label=_("Community or village"), required=False, choices=())
    anonymous = forms.BooleanField(label=_("Report anonymously"), required=False)
    caller_phone = forms.CharField(label=_("Phone number"), max_length=PHONE_MAX, required=False)
    caller_name = forms.CharField(label=_("Your name"), max_length=NAME_MAX, required=False)
    attachments = MultipleFileField(label=_("Photos or documents"), required=False)

    def __init__(
        self,
        *args: Any,
        topics: Sequence[Any] = (),
        streets: Sequence[Any] = (),
        communities: Sequence[Any] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.topics, self.streets, self.communities = list(topics), list(streets), list(communities)
        self.fields["topic"].choices = [("", "")] + [(t.code, t.name) for t in topics]
        self.fields["street"].choices = [("", "")] + [(r.code, r.name) for r in streets]
        self.fields["community"].choices = [("", "")] + [(r.code, r.name) for r in communities]
        self._topic_category = {t.code: t.category for t in topics}
        self._community_street = {r.code: getattr(r.parent, "code", "") for r in communities}

    def clean_text(self) -> str:
        text = self.cleaned_data["text"]
        if not text:
            raise forms.ValidationError(_("Describe your request."))
        return text

    def clean_caller_phone(self) -> str:
        phone = (self.cleaned_data.get("caller_phone") or "").strip()
        if not phone:
            return ""
        try:
            return selectors.normalise_phone(phone)
        except DomainError as error:
            raise forms.ValidationError(localized(error)) from None

    def clean_attachments(self) -> list[UploadedFile]:
        files = self.cleaned_data.get("attachments") or []
        if len(files) > MAX_FILES:
            raise forms.ValidationError(_("Attach at most %(n)d files.") % {"n": MAX_FILES})
        for upload in files:
            if (upload.size or 0) > MAX_FILE_BYTES:
                raise forms.ValidationError(
                    _("%(name)s is larger than 10 MB.") % {"name": upload.name}
                )
            upload.seek(0)
            head = upload.read(8)
            upload.seek(0)
            if not sniff_type(head):
                raise forms.ValidationError(
                    _("%(name)s is not a JPEG, PNG or PDF file.") % {"name": upload.name}
                )
        return files

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        category = data.get("category")
        anonymous = bool(data.get("anonymous"))
        if anonymous and category and category != Category.REPORT:
            self.add_error(
                "anonymous", _("Only a report of wrongdoing (举报) may be made anonymously.")
            )
        topic = data.get("topic")
        if topic and category and self._topic_category.get(topic) not in (None, category):
            self.add_error("topic", _("This topic belongs to another kind of request."))
        street, community = data.get("street"), data.get("community")
        if community and street and self._community_street.get(community) != street:
            self.add_error("community", _("This community is not in the chosen street."))
        if not anonymous:
            if not data.get("caller_phone") and "caller_phone" not in self.errors:
                self.add_error(
                    "caller_phone", _("Enter a phone number so that we can call you back.")
                )
            if not (data.get("caller_name") or "").strip() and "caller_name" not in self.errors:
                self.add_error("caller_name", _("Enter your name."))
        return data


class LookupForm(forms.Form):
    """A caller without an account finds a ticket by its number and the phone they gave."""

    number = forms.CharField(label=_("Ticket number"), max_length=32)
    phone = forms.CharField(label=_("Phone number you gave"), max_length=PHONE_MAX)

    def clean_number(self) -> str:
        return self.cleaned_data["number"].strip().upper()

    def clean_phone(self) -> str:
        try:
            return selectors.normalise_phone(self.cleaned_data["phone"])
        except DomainError as error:
            raise forms.ValidationError(localized(error)) from None


# --- department pages -----------------------------------------------------------------------


class ReturnForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(label=_("Reason for returning"), max_length=REASON_MAX)


class ReplyForm(ServiceErrorsMixin, forms.Form):
    reply = forms.CharField(label=_("Reply to the caller"), max_length=REPLY_MAX)
    internal_note = forms.CharField(label=_("Internal note"), max_length=NOTE_MAX, required=False)


class ExtensionForm(ServiceErrorsMixin, forms.Form):
    days = forms.IntegerField(
        label=_("Extra working days"), min_value=1, max_value=EXTENSION_DAYS_MAX
    )
    reason = forms.CharField(label=_("Reason for the extension"), max_length=REASON_MAX)


class KnowledgeForm(ServiceErrorsMixin, forms.Form):
    question = forms.CharField(label=_("Question"), max_length=255)
    answer = forms.CharField(label=_("Answer to give"), max_length=TEXT_MAX)
    keywords = forms.CharField(label=_("Keywords"), max_length=255, required=False)


class ReviewForm(ServiceErrorsMixin, forms.Form):
    error_fields = {"review_note": "note"}

    decision = forms.ChoiceField(
        label=_("Decision"), choices=(("approve", _("Publish")), ("reject", _("Send back")))
    )
    note = forms.CharField(label=_("Review note"), max_length=NOTE_MAX, required=False)
