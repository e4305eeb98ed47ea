"""Input and output schemas of the dossiers API (one per endpoint, HackSoft style)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Schema
from pydantic import Field


class LookupIn(Schema):
    code: str = Field(
        ..., max_length=32, description="身份证号码或统一社会信用代码 / ID number or USCC"
    )


class CaseRowOut(Schema):
    number: str | None
    item_name: str
    status: str
    status_label: str
    department: str | None
    submitted_at: datetime | None
    concluded_at: datetime | None


class LicenceRowOut(Schema):
    id: int
    identifier: str
    number: str
    type_name: str
    issuer_name: str
    status: str
    valid_from: date
    valid_until: date | None


class MaterialRowOut(Schema):
    material: str
    filename: str
    file_type: str
    size: int
    case_number: str | None
    uploaded_at: datetime


class RatingRowOut(Schema):
    subject_type: str
    subject_key: str
    item_name: str
    level: int
    rated_at: datetime


class TicketRowOut(Schema):
    number: str
    category: str
    status: str
    received_at: datetime


class CreditRowOut(Schema):
    kind: str
    description: str
    case_number: str | None
    recorded_at: datetime


class GroundOut(Schema):
    kind: str
    label: str
    case_number: str = ""
    grant_id: int | None = None
    until: datetime | None = None


class ReadOut(Schema):
    at: datetime
    reader: str
    department: str
    ground: str
    parts: list[str]


class DossierOut(Schema):
    kind: str
    name: str
    code: str
    parts: list[str]
    cases: list[CaseRowOut]
    licences: list[LicenceRowOut]
    materials: list[MaterialRowOut]
    ratings: list[RatingRowOut]
    tickets: list[TicketRowOut]
    credit: list[CreditRowOut]
    credit_note: str
    grounds: list[GroundOut]
    reads: list[ReadOut]


class ProblemOut(Schema):
    property: str
    code: str
    path: str
    message: str
    message_en: str


class CheckOut(Schema):
    id: int
    case_number: str
    checked_at: datetime
    ok: bool
    authenticity_ok: bool
    integrity_ok: bool
    usability_ok: bool
    security_ok: bool
    problems: list[ProblemOut]
    notes: list[str]


class PackageOut(Schema):
    case_number: str
    item_name: str
    item_type: str
    status: str
    department: str | None
    archived_at: datetime | None
    disposed_at: datetime | None
    retention_permanent: bool
    retention_years: int | None
    retention_until: date | None
    file_count: int
    total_size: int
    manifest_sm3: str
    key_id: str
    last_check_ok: bool | None
    last_checked_at: datetime | None


class PackageDetailOut(PackageOut):
    manifest: dict[str, Any]
    signature: str
    last_check: CheckOut | None


class DisposalIn(Schema):
    reason: str = Field(..., max_length=2000)


class DecideIn(Schema):
    approve: bool
    note: str = Field("", max_length=2000)


class DisposalOut(Schema):
    id: int
    case_number: str
    status: str
    reason: str
    proposed_by: str
    proposed_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str
