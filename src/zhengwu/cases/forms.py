"""Parsing of the citizen pages' form posts (no business rules: the services decide).

Every function turns raw POST/GET values into the arguments of a service, or raises
``InvalidInput`` naming the field, with a message in Chinese and English, like the services
do — so the pages show one kind of error whatever raised it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from zhengwu.kernel.errors import FieldError, InvalidInput
from zhengwu.kernel.identifiers import parse_citizen_id

ANSWER_PREFIX = "a."  # situation answers: a.<question key>=<option key>
FORM_PREFIX = "f."  # application form fields: f.<field key>=<value>
FILE_PREFIX = "file."  # uploads: file.<material key> (several files allowed)

FORM_VALUE_MAX = 500
COMPLAINT_MAX = 2000
REASON_MAX = 500
SIGNATURE_MAX = 64
_PHONE = re.compile(r"^\+?[0-9][0-9\- ()]{4,19}$")
_TOKEN = re.compile(r"^[A-Za-z0-9_\-]{16,64}$")


@dataclass(frozen=True)
class FormField:
    """One field of the application form as the page shows it."""

    key: str
    label: str
    kind: str = "text"  # text | phone | date | id_number | choice
    required: bool = False
    options: tuple[str, ...] = ()


def parse_answers(params: Mapping[str, Any]) -> dict[str, str]:
    """``a.<question>=<option>`` → ``{question: option}`` (blank answers left out)."""
    return {
        key.removeprefix(ANSWER_PREFIX): str(value).strip()
        for key, value in params.items()
        if key.startswith(ANSWER_PREFIX) and str(value).strip()
    }


def parse_form_fields(
    params: Mapping[str, Any], fields: Iterable[FormField]
) -> tuple[dict[str, str], list[FieldError]]:
    """The posted values of the known form fields, and what is malformed in them.

    Only the shape is checked here (a phone number looks like one, an ID number has a valid
    check digit); whether the application is complete is the services' business.
    """
    values: dict[str, str] = {}
    errors: list[FieldError] = []
    for f in fields:
        raw = str(params.get(FORM_PREFIX + f.key, "") or "").strip()
        values[f.key] = raw
        where = f"form.{f.key}"
        if not raw:
            continue
        if len(raw) > FORM_VALUE_MAX:
            errors.append(
                FieldError(
                    where,
                    "too_long",
                    f"“{f.label}”不能超过 {FORM_VALUE_MAX} 个字符",
                    f"{f.label} must be at most {FORM_VALUE_MAX} characters",
                )
            )
        elif f.kind == "phone" and not _PHONE.match(raw):
            errors.append(
                FieldError(
                    where,
                    "invalid_phone",
                    "电话号码格式不正确，请填写手机号或带区号的固定电话",
                    "Not a phone number: give a mobile number or a landline with its area code",
                )
            )
        elif f.kind == "date" and not _is_date(raw):
            errors.append(
                FieldError(
                    where,
                    "invalid_date",
                    f"“{f.label}”日期格式不正确，应为 YYYY-MM-DD",
                    f"{f.label} is not a date: use YYYY-MM-DD",
                )
            )
        elif f.kind == "id_number":
            try:
                values[f.key] = parse_citizen_id(raw).value
            except InvalidInput as exc:
                errors.append(FieldError(where, exc.code, exc.message, exc.message_en))
        elif f.kind == "choice" and f.options and raw not in f.options:
            errors.append(
                FieldError(
                    where,
                    "unknown_option",
                    f"“{f.label}”请从选项中选择",
                    f"Choose one of the options for {f.label}",
                )
            )
    return values, errors


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def idempotency_key(params: Mapping[str, Any]) -> str:
    """The hidden token of the review page; anything malformed is dropped (the case's own
    state still stops a second submission)."""
    token = str(params.get("idempotency_key", "") or "").strip()
    return token if _TOKEN.match(token) else ""


def commitment_signature(params: Mapping[str, Any]) -> str:
    """告知承诺: the signed name when the box is ticked; "" when the applicant does not sign."""
    ticked = params.get("commitment") in ("1", "on", "yes")
    name = str(params.get("commitment_signed_name", "") or "").strip()
    if not ticked and not name:
        return ""
    if not ticked:
        raise InvalidInput(
            "如需以告知承诺方式办理，请勾选承诺",
            "Tick the box to make the commitment, or leave the name empty",
            field="commitment_signed_name",
            code="commitment_unchecked",
        )
    if not name:
        raise InvalidInput(
            "请填写姓名以签署承诺",
            "Type your name to sign the commitment",
            field="commitment_signed_name",
            code="required",
        )
    if len(name) > SIGNATURE_MAX:
        raise InvalidInput(
            f"签名不能超过 {SIGNATURE_MAX} 个字符",
            f"The signature must be at most {SIGNATURE_MAX} characters",
            field="commitment_signed_name",
            code="too_long",
        )
    return name


def complaint_text(params: Mapping[str, Any]) -> str:
    text = str(params.get("text", "") or "").strip()
    if not text:
        raise InvalidInput(
            "请写下没有办成的事情和经过",
            "Tell us what you could not get done",
            field="text",
            code="required",
        )
    if len(text) > COMPLAINT_MAX:
        raise InvalidInput(
            f"反映内容不能超过 {COMPLAINT_MAX} 个字符",
            f"Please keep it to {COMPLAINT_MAX} characters",
            field="text",
            code="too_long",
        )
    return text


def withdraw_reason(params: Mapping[str, Any]) -> str:
    reason = str(params.get("reason", "") or "").strip()
    if len(reason) > REASON_MAX:
        raise InvalidInput(
            f"撤回原因不能超过 {REASON_MAX} 个字符",
            f"The reason must be at most {REASON_MAX} characters",
            field="reason",
            code="too_long",
        )
    return reason


def optional_id(value: Any) -> int | None:
    """A positive integer id from a query or form value; None when absent or malformed."""
    text = str(value or "").strip()
    if not text.isdigit() or len(text) > 12:
        return None
    number = int(text)
    return number or None


_MATERIAL_KEY = re.compile(r"^[-a-zA-Z0-9_]{1,64}$")


def material_key(params: Mapping[str, Any]) -> str:
    """The material a 免证办 / reuse button is about."""
    key = str(params.get("material_key", "") or "").strip()
    if not _MATERIAL_KEY.match(key):
        raise InvalidInput("请选择材料", "Choose a material", field="material_key")
    return key


def reuse_file_id(params: Mapping[str, Any], key: str) -> int:
    """The earlier file chosen for reuse (the consent)."""
    raw = str(params.get("file_id", "") or "").strip()
    if not raw.isdigit() or not 0 < int(raw) < 2**63:
        raise InvalidInput(
            "请选择要复用的以往材料", "Choose the earlier file to reuse", field=f"materials.{key}"
        )
    return int(raw)
