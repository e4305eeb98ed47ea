"""API input and output schemas (one per endpoint direction), with length limits."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Schema
from pydantic import BaseModel, ConfigDict, Field


class _In(Schema):
    model_config = ConfigDict(extra="forbid")


class LoginIn(_In):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=128)


class _Out(BaseModel):
    """An answer the handler builds as a dict: a plain pydantic model, which validates a dict
    directly (ninja's ``Schema`` first wraps every input for attribute access and resolvers,
    which these answers do not use). ``/me`` is the API's hottest read."""


class IdentityOut(_Out):
    key: str
    kind: str
    label: str
    enterprise_id: int | None = None
    uscc: str = ""
    role: str = ""


class AccountOut(_Out):
    """The account row itself: what every client needs on each start, in one read."""

    id: int
    public_id: str
    username: str
    display_name: str
    kind: str
    elderly_mode: bool
    language: str
    phone: str


class MeOut(AccountOut):
    """The account with its roles, personal identity and the identities it may act as."""

    roles: list[str]
    department_id: int | None
    citizen_id_number: str | None = None
    identity: IdentityOut | None
    identities: list[IdentityOut]


class PreferencesIn(_In):
    elderly_mode: bool | None = None
    language: str | None = Field(default=None, max_length=8)


class SwitchIdentityIn(_In):
    enterprise_id: int | None = Field(default=None, ge=1)


class TokenCreateIn(_In):
    name: str = Field(min_length=1, max_length=64)
    scopes: list[str] = Field(min_length=1, max_length=3)
    expires_in_days: int = Field(default=90, ge=1, le=365)


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
    active: bool


class TokenCreatedOut(TokenOut):
    secret: str = Field(description="The token. Shown only in this response; store it now.")


class UserOut(Schema):
    id: int
    username: str
    display_name: str
    kind: str
    is_active: bool
    locked_until: datetime | None
    roles: list[str]
    department_id: int | None
    phone: str
    citizen_name: str | None = None
    citizen_id_number: str | None = None
    citizen_birth_date: date | None = None


class UserCreateIn(_In):
    """An administrator creates an account (citizen or staff)."""

    username: str = Field(min_length=3, max_length=150)
    password: str = Field(min_length=1, max_length=128)
    display_name: str = Field(default="", max_length=64)
    kind: str = Field(max_length=16)
    phone: str | None = Field(default=None, max_length=20)
    real_name: str | None = Field(default=None, max_length=64)
    id_number: str | None = Field(default=None, max_length=32)
    department_id: int | None = Field(default=None, ge=1)
    roles: list[str] = Field(default_factory=list, max_length=7)


class CitizenRegisterIn(_In):
    username: str = Field(min_length=3, max_length=150)
    password: str = Field(min_length=1, max_length=128)
    real_name: str = Field(min_length=1, max_length=64)
    id_number: str = Field(min_length=1, max_length=32)
    phone: str | None = Field(default=None, max_length=20)


class StaffMemberOut(Schema):
    user_id: int
    display_name: str
    job_title: str
    roles: list[str]


class ClerkCertificationOut(Schema):
    user_id: int
    display_name: str
    department_id: int
    problem: str
    certificate_number: str | None
    expires_on: date | None
