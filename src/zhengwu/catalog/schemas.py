"""API schemas of the public catalogue (read side).

One output schema per endpoint. Every element of an implementation list is listed, so the
OpenAPI document describes the whole "standard part" (GB/T 39046-2020 table 4 + the
mission's flags). Field names are the model field names (docs/catalog-format.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema


def _file_name(value: Any) -> str:
    return value.name if value else ""


class ProcessStepOut(Schema):
    name: str
    description: str = ""


class IntermediaryServiceOut(Schema):
    name: str
    required: bool = False
    basis: str = ""


class FeeItemOut(Schema):
    name: str
    amount: str = ""
    basis: str = ""


class SpecialProcedureOut(Schema):
    kind: str = ""
    name: str
    limit: int | None = None
    unit: str = ""
    note: str = ""


class FaqOut(Schema):
    question: str
    answer: str


class DepartmentRefOut(Schema):
    id: int
    name: str
    uscc: str


class LifeEventRefOut(Schema):
    code: str
    name: str
    audience: str


class MaterialOut(Schema):
    key: str = Field(description="identity across versions and items (bundles dedupe by it)")
    name: str
    issuing_body: str
    required: bool = Field(description="required whatever the situation answers")
    originals: int
    copies: int
    paper: bool
    electronic: bool
    sample_file: str = Field(description="stored name of the sample; empty when none")
    blank_form: str = Field(description="stored name of the blank form; empty when none")
    notes: str
    max_size_kb: int
    allowed_types: list[str]
    licence_type: str = Field(description="e-licence type that can replace it (免提交)")
    deficiency_allowed: bool
    sort_order: int

    @staticmethod
    def resolve_sample_file(obj: Any) -> str:
        return _file_name(obj.sample_file) if hasattr(obj, "sample_file") else ""

    @staticmethod
    def resolve_blank_form(obj: Any) -> str:
        return _file_name(obj.blank_form) if hasattr(obj, "blank_form") else ""


class SituationOptionOut(Schema):
    key: str
    label: str
    materials: list[str] = Field(description="keys of the materials this answer adds")
    conditions: str
    promised_limit: int | None
    statutory_limit: int | None
    sort_order: int

    @staticmethod
    def resolve_materials(obj: Any) -> list[str]:
        return [m.key for m in obj.materials.all()]


class SituationOut(Schema):
    key: str
    question: str
    parent_option: str | None = Field(
        description='"<situation key>.<option key>" that makes this question appear'
    )
    sort_order: int
    options: list[SituationOptionOut]


class PublicVersionSummaryOut(Schema):
    """One line of a list: enough to choose an item."""

    implementation_code: str
    version: int
    name: str
    basic_code: str
    item_type: str
    department: DepartmentRefOut
    service_objects: list[str]
    online_handling: bool
    cross_province: bool
    promised_limit: int
    promised_limit_unit: str
    visits_required: int
    effective_from: datetime | None

    @staticmethod
    def resolve_basic_code(obj: Any) -> str:
        return obj.item.basic_code

    @staticmethod
    def resolve_item_type(obj: Any) -> str:
        return obj.item.item_type


class PublicVersionOut(Schema):
    """A published implementation list with every element."""

    implementation_code: str
    version: int
    status: str
    change_kind: str
    change_reason: str
    basic_code: str
    item_name: str
    item_type: str
    legal_basis: str
    name: str
    department: DepartmentRefOut
    implementing_uscc: str
    entrusted_body: str
    level: int
    statutory_limit: int
    statutory_limit_unit: str
    statutory_limit_note: str
    promised_limit: int
    promised_limit_unit: str
    promised_limit_note: str
    case_type: str
    acceptance_conditions: str
    process_steps: list[ProcessStepOut]
    joint_bodies: list[str]
    intermediary_services: list[IntermediaryServiceOut]
    quantity_limit: str
    result_name: str
    result_sample: str
    result_licence_type: str
    fee_charged: bool
    fee_basis: str
    fee_items: list[FeeItemOut]
    online_payment: bool
    service_objects: list[str]
    handling_forms: list[str]
    handling_scope: str
    special_procedures: list[SpecialProcedureOut]
    appointment_supported: bool
    delivery_by_post: bool
    online_handling: bool
    online_address: str
    online_depth: int
    place: str
    hours: str
    consultation_phone: str
    complaint_phone: str
    faqs: list[FaqOut]
    visits_required: int
    life_events: list[LifeEventRefOut]
    in_hall: bool
    hall_negative_list: bool
    hall_negative_reason: str
    commitment_allowed: bool
    deficiency_allowed: bool
    citywide: bool
    cross_province: bool
    weekend_service: bool
    delegated_level: str
    accept_on_receipt: bool
    effective_from: datetime | None
    published_at: datetime | None
    superseded_at: datetime | None
    content_digest: str
    materials: list[MaterialOut]
    situations: list[SituationOut]

    @staticmethod
    def resolve_basic_code(obj: Any) -> str:
        return obj.item.basic_code

    @staticmethod
    def resolve_item_name(obj: Any) -> str:
        return obj.item.name

    @staticmethod
    def resolve_item_type(obj: Any) -> str:
        return obj.item.item_type

    @staticmethod
    def resolve_legal_basis(obj: Any) -> str:
        return obj.item.legal_basis

    @staticmethod
    def resolve_result_sample(obj: Any) -> str:
        return _file_name(obj.result_sample)

    @staticmethod
    def resolve_life_events(obj: Any) -> list[Any]:
        return list(obj.life_events.all())

    @staticmethod
    def resolve_materials(obj: Any) -> list[Any]:
        return list(obj.materials.all())

    @staticmethod
    def resolve_situations(obj: Any) -> list[dict[str, Any]]:
        # from the prefetched rows: a follow-up names its parent as "<situation>.<option>"
        situations = list(obj.situations.all())
        option_path = {
            option.pk: f"{situation.key}.{option.key}"
            for situation in situations
            for option in situation.options.all()
        }
        return [
            {
                "key": situation.key,
                "question": situation.question,
                "parent_option": option_path.get(situation.parent_option_id),
                "sort_order": situation.sort_order,
                "options": list(situation.options.all()),
            }
            for situation in situations
        ]


class PublicVersionHistoryOut(Schema):
    implementation_code: str
    version: int
    status: str
    change_kind: str
    change_reason: str
    effective_from: datetime | None
    published_at: datetime | None
    superseded_at: datetime | None


class PublicFieldChangeOut(Schema):
    path: str = Field(description="element, e.g. promised_limit or materials[id-card].notes")
    kind: str = Field(description="added / removed / changed")
    label: str = ""
    before: Any = None
    after: Any = None


class PublicDiffOut(Schema):
    implementation_code: str
    from_version: int
    to_version: int
    changes: list[PublicFieldChangeOut]


class ChecklistMaterialOut(Schema):
    key: str
    name: str
    issuing_body: str = ""
    originals: int = 0
    copies: int = 0
    paper: bool = True
    electronic: bool = True
    notes: str = ""
    deficiency_allowed: bool = False


class ChecklistOut(Schema):
    implementation_code: str
    version: int
    answers: dict[str, str]
    materials: list[ChecklistMaterialOut]
    conditions: list[str]
    promised_limit: int | None
    statutory_limit: int | None


class BundleMemberOut(Schema):
    implementation_code: str
    name: str
    department: str
    sort_order: int


class BundleFormFieldOut(Schema):
    key: str
    label: str
    type: str = "text"
    required: bool = False
    used_by: list[str] = []


class BundleSummaryOut(Schema):
    code: str
    name: str
    description: str
    audience: str
    life_event: str | None
    lead_department: DepartmentRefOut
    promised_limit: int
    promised_limit_unit: str

    @staticmethod
    def resolve_life_event(obj: Any) -> str | None:
        if isinstance(obj, dict):
            return obj.get("life_event")
        return obj.life_event.code if obj.life_event_id else None


class BundleOut(BundleSummaryOut):
    members: list[BundleMemberOut]
    form_fields: list[BundleFormFieldOut]
    materials: list[ChecklistMaterialOut] = Field(
        description="merged materials of the members, deduplicated by material key"
    )


class LifeEventNodeOut(Schema):
    code: str
    name: str
    audience: str
    description: str
    children: list[LifeEventNodeOut] = []
    item_count: int = Field(0, description="published items tagged with this node itself")


LifeEventNodeOut.model_rebuild()
