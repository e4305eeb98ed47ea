"""Guide quality (办事指南准确度): an automatic check of a version, scored 0–100.

Each finding has a code, a severity (error / warning / info), the field at fault and a
message in Chinese and English. The score starts at 100 and loses a fixed weight per
finding (error 15, warning 5, info 1), never below 0. ``quality_report`` scores every
published version, per item and per department.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from zhengwu.catalog.choices import CaseType, HandlingForm, OnlineDepth, VersionStatus
from zhengwu.catalog.models import ItemVersion
from zhengwu.catalog.selectors import guide_queryset

WEIGHTS = {"error": 15, "warning": 5, "info": 1}


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    field: str
    message: str
    message_en: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class QualityResult:
    version_id: int
    implementation_code: str
    name: str
    department_id: int
    findings: list[Finding]

    @property
    def score(self) -> int:
        return max(0, 100 - sum(WEIGHTS[f.severity] for f in self.findings))

    def as_dict(self) -> dict[str, Any]:
        return {
            "version_id": self.version_id,
            "implementation_code": self.implementation_code,
            "name": self.name,
            "department_id": self.department_id,
            "score": self.score,
            "findings": [f.as_dict() for f in self.findings],
        }


# Elements every guide must state (GB/T 39046-2020 table 4): field, zh, en.
REQUIRED_ELEMENTS = (
    ("acceptance_conditions", "受理条件", "acceptance conditions"),
    ("place", "办理地点", "the place"),
    ("hours", "办理时间", "office hours"),
    ("consultation_phone", "咨询电话", "a consultation phone"),
    ("complaint_phone", "监督投诉电话", "a complaint phone"),
    ("result_name", "审批结果名称", "the result's name"),
)


def check_version(version: ItemVersion) -> QualityResult:
    """Findings for one version (guide-ready: materials prefetched)."""
    found: list[Finding] = []

    def add(code: str, severity: str, field_name: str, zh: str, en: str) -> None:
        found.append(Finding(code, severity, field_name, zh, en))

    for name, zh, en in REQUIRED_ELEMENTS:
        if not str(getattr(version, name) or "").strip():
            add(f"missing_{name}", "warning", name, f"缺少{zh}", f"Missing {en}")
    if not (version.item.legal_basis or "").strip():
        add(
            "missing_legal_basis",
            "error",
            "item.legal_basis",
            "缺少设定依据",
            "Missing the legal basis",
        )
    if not version.service_objects:
        add(
            "missing_service_objects",
            "warning",
            "service_objects",
            "未写明服务对象",
            "No service objects",
        )
    if not version.handling_forms:
        add(
            "missing_handling_forms",
            "warning",
            "handling_forms",
            "未写明办理形式",
            "No handling forms",
        )
    if version.fee_charged and not (version.fee_basis or "").strip():
        add(
            "fee_without_basis",
            "error",
            "fee_basis",
            "收费但未写明收费依据",
            "Fees are charged without a stated basis",
        )
    if version.online_handling and not version.online_address:
        add(
            "online_without_address",
            "error",
            "online_address",
            "可网办但未提供网上办理地址",
            "Online handling without an online address",
        )
    same_unit = version.promised_limit_unit == version.statutory_limit_unit
    if same_unit and version.promised_limit > version.statutory_limit:
        add(
            "promised_exceeds_statutory",
            "error",
            "promised_limit",
            "承诺时限长于法定时限",
            "The promised limit exceeds the statutory limit",
        )
    if version.case_type == CaseType.IMMEDIATE and version.promised_limit > 0:
        add(
            "immediate_with_limit",
            "error",
            "promised_limit",
            "即办件的承诺时限应为 0",
            "An immediate case has a promised limit above 0",
        )
    if not version.faqs:
        add("no_faq", "info", "faqs", "没有常见问题", "No FAQ")
    forms = set(version.handling_forms or [])
    online_forms = {HandlingForm.ONLINE, HandlingForm.MOBILE}
    if version.online_depth >= OnlineDepth.ONLINE_ACCEPTANCE and not forms & online_forms:
        add(
            "depth_without_online_form",
            "warning",
            "online_depth",
            "网办深度为三级以上，但办理形式不含网上或掌上办理",
            "Online depth 3+ but no online or mobile handling form",
        )
    if forms & online_forms and not version.online_handling:
        add(
            "online_form_not_online",
            "warning",
            "online_handling",
            "办理形式含网上办理，但未标记为可网办",
            "An online handling form but not online",
        )
    if version.online_handling and version.online_depth == OnlineDepth.INFORMATION:
        add(
            "online_depth_information",
            "warning",
            "online_depth",
            "可网办但网办深度仅为信息公开",
            "Online handling at depth 1 (information only)",
        )
    if version.hall_negative_list and not (version.hall_negative_reason or "").strip():
        add(
            "negative_list_without_reason",
            "warning",
            "hall_negative_reason",
            "列入进厅负面清单但未说明理由",
            "On the hall negative list without a reason",
        )
    materials = list(version.materials.all())
    if not materials:
        add("no_materials", "warning", "materials", "没有申请材料", "No materials")
    for material in materials:
        where = f"materials[{material.key}]"
        if not material.issuing_body.strip():
            add(
                "material_without_issuer",
                "warning",
                f"{where}.issuing_body",
                f"材料“{material.name}”未写明出具单位",
                f"Material {material.key} has no issuing body",
            )
        is_form = any(w in material.name for w in ("表", "申请书", "登记书"))
        if is_form and not (material.blank_form or material.sample_file):
            add(
                "form_without_blank",
                "warning",
                f"{where}.blank_form",
                f"表格类材料“{material.name}”没有空白表格或示例样表",
                f"Form {material.key} has no blank form or sample",
            )
    return QualityResult(
        version_id=version.pk,
        implementation_code=version.implementation_code,
        name=version.name,
        department_id=version.department_id,
        findings=found,
    )


@dataclass
class DepartmentScore:
    department_id: int
    department_name: str
    items: int
    score: int  # mean of the items' scores, rounded

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class QualityReport:
    items: list[QualityResult] = field(default_factory=list)
    departments: list[DepartmentScore] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "items": [r.as_dict() for r in self.items],
            "departments": [d.as_dict() for d in self.departments],
        }


def quality_report(department_id: int | None = None) -> QualityReport:
    """Scores of every published version (of one department), per item and per department."""
    qs = guide_queryset().filter(status=VersionStatus.PUBLISHED)
    if department_id is not None:
        qs = qs.filter(department_id=department_id)
    versions = list(qs.order_by("department_id", "name", "implementation_code"))
    results = [check_version(v) for v in versions]
    names = {v.department_id: v.department.name for v in versions}
    by_department: dict[int, list[int]] = defaultdict(list)
    for result in results:
        by_department[result.department_id].append(result.score)
    departments = [
        DepartmentScore(dept, names[dept], len(scores), round(sum(scores) / len(scores)))
        for dept, scores in by_department.items()
    ]
    departments.sort(key=lambda d: (d.score, d.department_id))
    return QualityReport(items=results, departments=departments)


def scores_for(versions: list[ItemVersion]) -> dict[int, int]:
    """Score per version id (for workbench lists; versions need materials prefetched or
    accept one query each)."""
    return {v.pk: check_version(v).score for v in versions}
