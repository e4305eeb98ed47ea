"""Domain errors and the one table that maps them to HTTP.

Services raise these; the API (``zhengwu.config.api``) and the pages turn them into a
response with a code, a message in Chinese and in English, and the field at fault:
``{"code", "message", "message_en", "field"}``. Nothing else decides an error's status.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any


@dataclass(frozen=True)
class FieldError:
    field: str | None
    code: str
    message: str
    message_en: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "code": self.code,
            "message": self.message,
            "message_en": self.message_en,
        }


class DomainError(Exception):
    """Base of every error a service may raise on purpose."""

    default_code = "error"

    def __init__(
        self,
        message: str,
        message_en: str,
        *,
        field: str | None = None,
        code: str | None = None,
        errors: list[FieldError] | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message_en)
        self.message = message
        self.message_en = message_en
        self.field = field
        self.code = code or self.default_code
        self.errors = errors or []
        self.details = details or {}

    def with_field_prefix(self, prefix: str) -> DomainError:
        """Return the same error with its field(s) nested under ``prefix``."""
        self.field = f"{prefix}.{self.field}" if self.field else prefix
        self.errors = [
            FieldError(
                f"{prefix}.{e.field}" if e.field else prefix, e.code, e.message, e.message_en
            )
            for e in self.errors
        ]
        return self

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "message_en": self.message_en,
            "field": self.field,
        }
        if self.errors:
            body["errors"] = [e.as_dict() for e in self.errors]
        if self.details:
            body["details"] = self.details
        return body

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, field={self.field!r}, {self.message_en!r})"
        )


class InvalidInput(DomainError):
    """The input is malformed or breaks a rule (wrong check digit, out of range …)."""

    default_code = "invalid_input"

    @classmethod
    def from_errors(cls, errors: list[FieldError]) -> InvalidInput:
        first = errors[0]
        if len(errors) == 1:
            return cls(first.message, first.message_en, field=first.field, code=first.code)
        return cls(
            f"有 {len(errors)} 处输入有误，第一处：{first.message}",
            f"{len(errors)} fields are invalid; first: {first.message_en}",
            field=first.field,
            code=cls.default_code,
            errors=errors,
        )


class Unauthenticated(DomainError):
    default_code = "unauthenticated"


class NotAllowed(DomainError):
    default_code = "not_allowed"


class NotFound(DomainError):
    """Also used for objects that exist but the actor may not see (no existence leak)."""

    default_code = "not_found"


class Conflict(DomainError):
    """The object's current state does not allow the action (illegal transition, duplicate)."""

    default_code = "conflict"


class TooManyAttempts(DomainError):
    default_code = "too_many_attempts"


class PayloadTooLarge(DomainError):
    default_code = "payload_too_large"


# The one table from error type to HTTP status.
HTTP_STATUS: dict[type[DomainError], int] = {
    InvalidInput: 422,
    Unauthenticated: 401,
    NotAllowed: 403,
    NotFound: 404,
    Conflict: 409,
    PayloadTooLarge: 413,
    TooManyAttempts: 429,
}


def http_status(error: DomainError) -> int:
    for klass in type(error).__mro__:
        if klass in HTTP_STATUS:
            return HTTP_STATUS[klass]
    return 400


@dataclass
class ErrorCollector:
    """Gather several field errors, then raise them together (validate everything first)."""

    errors: list[FieldError] = dc_field(default_factory=list)

    def add(self, field: str | None, code: str, message: str, message_en: str) -> None:
        self.errors.append(FieldError(field, code, message, message_en))

    def add_error(self, error: DomainError) -> None:
        if error.errors:
            self.errors.extend(error.errors)
        else:
            self.errors.append(FieldError(error.field, error.code, error.message, error.message_en))

    def raise_if_any(self) -> None:
        if self.errors:
            raise InvalidInput.from_errors(self.errors)
