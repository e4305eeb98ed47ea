"""免证办: e-licences standing in for application materials, and the "two exemptions" report.

Cases calls this module (never the models) when it builds a case's materials:

* :func:`applicant_holder_index` — the holder index of a case's applicant (citizen ID number
  → code type 111, USCC → 001);
* :func:`find_valid_licence` — the applicant's newest valid licence of a type, if any;
* :func:`licence_for_material` — an explicitly chosen licence, refused (422 on the material's
  field, logged) when it does not exist, belongs to another holder, is of another type or
  is not valid now (暂扣 / 撤销 / 注销 / 吊销 / 失效 or past its dates);
* :func:`record_exemption` / :func:`remove_exemption` — the :class:`ExemptionUse` row of a
  case's material (one per case and material: recording twice changes nothing);
* :func:`exemption_state` — the licence behind a material as a clerk sees it, re-verified live
  (signature through ``signing.verify_stored``, status through ``selectors.is_valid_now``);
* :func:`staff_read_for_case` — a staff member handling the case opens the licence: allowed
  only to staff who may view the case, logged as a :class:`LicenceRead` (via "case") that the
  holder sees in their read log, and audited.

:func:`exemption_report` counts the uses per item and material for the workbench report.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from zhengwu.accounts import policies as account_policies
from zhengwu.kernel.errors import InvalidInput, NotAllowed, NotFound
from zhengwu.licences import access, selectors, signing
from zhengwu.licences.choices import HolderCodeType, LicenceStatus, ReadVia
from zhengwu.licences.models import ExemptionUse, Licence
from zhengwu.licences.services import holder_index_for

logger = logging.getLogger(__name__)

STATUS_LABELS = dict(LicenceStatus.choices)


def _label(status: str) -> tuple[str, str]:
    zh, _, en = str(STATUS_LABELS.get(status, status)).partition(" / ")
    return zh, en or zh


# --- finding the applicant's licences ------------------------------------------------------------


def applicant_holder_index(applicant_kind: str, id_number: str) -> str:
    """The holder index of an applicant: ``citizen`` → citizen ID (111), else USCC (001)."""
    code_type = HolderCodeType.CITIZEN_ID if applicant_kind == "citizen" else HolderCodeType.USCC
    return holder_index_for(code_type, id_number)


def find_valid_licence(holder_index: str, type_code: str) -> Licence | None:
    """The holder's newest licence of ``type_code`` valid today (None when there is none)."""
    if not holder_index or not type_code:
        return None
    found = selectors.valid_licences(holder_index, [type_code])
    return found[0] if found else None


def licence_for_material(
    *,
    identifier: str,
    holder_index: str,
    type_code: str,
    material_key: str,
    material_name: str,
) -> Licence:
    """The licence an applicant names for a material, or a 422 on ``materials.<key>``.

    Refused (and logged): an identifier that is unknown, a licence of another holder, of
    another type than the material accepts, or one that is not valid now.
    """
    where = f"materials.{material_key}"
    identifier = (identifier or "").strip()
    if not identifier or len(identifier) > 100:
        raise InvalidInput(
            f"请填写材料“{material_name}”所用电子证照的标识",
            f"Give the identifier of the e-licence for “{material_name}”",
            field=where,
            code="licence_missing",
        )
    if not type_code:
        raise InvalidInput(
            f"材料“{material_name}”不能用电子证照代替",
            f"The material “{material_name}” cannot be replaced by an e-licence",
            field=where,
            code="licence_not_accepted",
        )
    licence = selectors.licence_by_identifier(identifier)
    if licence is None or licence.holder_index != holder_index:
        logger.warning(
            "licence refused for material %s: %s",
            material_key,
            "unknown" if licence is None else "other holder",
        )
        if licence is None:
            raise InvalidInput(
                f"未找到该电子证照，不能用于材料“{material_name}”",
                f"No such e-licence: it cannot be used for “{material_name}”",
                field=where,
                code="licence_unknown",
            )
        raise InvalidInput(
            f"该电子证照不属于申请人，不能用于材料“{material_name}”",
            f"This e-licence is not the applicant's: it cannot be used for “{material_name}”",
            field=where,
            code="licence_other_holder",
        )
    if licence.type_code != type_code:
        raise InvalidInput(
            f"材料“{material_name}”需要《{licence.type_name}》以外的证照类型",
            f"“{material_name}” needs another licence type than {licence.type_name}",
            field=where,
            code="licence_wrong_type",
        )
    if not selectors.is_valid_now(licence):
        zh, en = _label(licence.status)
        if licence.status == LicenceStatus.VALID:
            zh, en = "不在有效期内", "outside its validity dates"
        logger.warning(
            "licence %s refused for material %s: %s", licence.pk, material_key, licence.status
        )
        raise InvalidInput(
            f"电子证照《{licence.type_name}》（编号 {licence.number}）当前状态为“{zh}”，"
            f"不能用于材料“{material_name}”，请上传该材料",
            f"The e-licence {licence.type_name} (No. {licence.number}) is {en}: it cannot "
            f"be used for “{material_name}”; upload the material instead",
            field=where,
            code="licence_invalid",
            details={"status": licence.status},
        )
    return licence


def licence_still_valid(identifier: str) -> tuple[Licence | None, bool]:
    """(licence, valid now) of a stored identifier — the re-check at submission."""
    licence = selectors.licence_by_identifier(identifier) if identifier else None
    return licence, bool(licence is not None and selectors.is_valid_now(licence))


def describe_invalid(licence: Licence | None) -> tuple[str, str]:
    """Why a licence no longer satisfies a material (status, or dates)."""
    if licence is None:
        return "证照不存在", "it does not exist"
    if licence.status != LicenceStatus.VALID:
        return _label(licence.status)
    return "不在有效期内", "outside its validity dates"


# --- exemption uses ------------------------------------------------------------------------------


def record_exemption(
    *,
    case: Any,
    item_code: str,
    item_name: str,
    material_key: str,
    material_name: str,
    licence: Licence,
) -> ExemptionUse:
    """Record that ``licence`` satisfies the case's material (idempotent per material)."""
    defaults = {
        "item_code": (item_code or "")[:50],
        "item_name": (item_name or "")[:200],
        "material_name": (material_name or "")[:200],
        "licence": licence,
    }
    try:
        with transaction.atomic():
            use, _created = ExemptionUse.objects.update_or_create(
                case_id=case.pk, material_key=material_key, defaults=defaults
            )
    except IntegrityError:  # a concurrent first recording: the row exists now
        use = ExemptionUse.objects.get(case_id=case.pk, material_key=material_key)
    return use


def remove_exemption(*, case: Any, material_key: str) -> int:
    deleted, _ = ExemptionUse.objects.filter(case_id=case.pk, material_key=material_key).delete()
    return deleted


def case_exemptions(case: Any) -> dict[str, ExemptionUse]:
    """The exemption uses of a case by material key."""
    return {
        use.material_key: use
        for use in ExemptionUse.objects.filter(case_id=case.pk).select_related("licence")
    }


def case_ids_with_exemption(case_ids: list[int]) -> set[int]:
    return set(ExemptionUse.objects.filter(case_id__in=case_ids).values_list("case_id", flat=True))


# --- the clerk's view ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ExemptionState:
    """A licence behind a material, re-verified now."""

    licence: Licence | None
    identifier: str
    type_name: str = ""
    number: str = ""
    status: str = ""
    status_label: str = ""
    status_label_en: str = ""
    valid_now: bool = False
    signature_ok: bool = False
    signature_message: str = ""
    signature_message_en: str = ""
    valid_until: date | None = None

    @property
    def verified(self) -> bool:
        return self.valid_now and self.signature_ok


def exemption_state(identifier: str) -> ExemptionState:
    licence = selectors.licence_by_identifier(identifier) if identifier else None
    if licence is None:
        return ExemptionState(
            None,
            identifier,
            signature_message="证照不存在",
            signature_message_en="The licence does not exist",
        )
    check = signing.verify_stored(licence)
    zh, en = _label(licence.status)
    return ExemptionState(
        licence=licence,
        identifier=identifier,
        type_name=licence.type_name,
        number=licence.number,
        status=licence.status,
        status_label=zh,
        status_label_en=en,
        valid_now=selectors.is_valid_now(licence),
        signature_ok=check.valid,
        signature_message=check.message,
        signature_message_en=check.message_en,
        valid_until=licence.valid_until,
    )


def staff_read_for_case(user: Any, case: Any, licence_id: int | str) -> Licence:
    """A staff member handling ``case`` reads the licence that satisfies one of its materials.

    404 unless the user may view the case and the licence is one the case uses; every read is
    a :class:`LicenceRead` (via "case") the holder sees, and an audit entry.
    """
    from zhengwu.cases.selectors import may_view

    if not account_policies.is_staff_member(user):
        raise NotAllowed("仅限工作人员查看", "Staff only")
    if not may_view(user, case):
        raise NotFound("未找到该办件", "No such case", field="case_id")
    try:
        pk = int(licence_id)
    except (TypeError, ValueError):
        raise NotFound("未找到该证照", "Licence not found", field="licence_id") from None
    use = (
        ExemptionUse.objects.filter(case_id=case.pk, licence_id=pk)
        .select_related("licence", "licence__licence_type")
        .first()
    )
    if use is None:
        raise NotFound("未找到该证照", "Licence not found", field="licence_id")
    licence = use.licence
    with transaction.atomic():
        access.log_read(user, licence, ReadVia.CASE, case_id=case.pk)
    return licence


# --- the "two exemptions" report ----------------------------------------------------------------


def _bounds(first: date | None, last: date | None) -> tuple[datetime | None, datetime | None]:
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(first, time.min), tz) if first else None
    end = (
        timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min), tz)
        if last
        else None
    )
    return start, end


@dataclass
class ReportMaterial:
    key: str
    name: str
    type_code: str
    type_name: str
    uses: int = 0


@dataclass
class ReportRow:
    item_code: str
    item_name: str
    department: str
    materials: list[ReportMaterial] = field(default_factory=list)

    @property
    def uses(self) -> int:
        return sum(m.uses for m in self.materials)


def exemption_report(
    exempt_materials: list[Any], *, first: date | None = None, last: date | None = None
) -> list[ReportRow]:
    """Per item: its exempt materials (from the catalogue, ``exempt_materials`` as given by
    ``catalog.selectors.exempt_materials``) and how often each was satisfied by a licence in
    ``first``…``last`` (inclusive, local days; open ends count everything)."""
    start, end = _bounds(first, last)
    uses = ExemptionUse.objects.all()
    if start is not None:
        uses = uses.filter(at__gte=start)
    if end is not None:
        uses = uses.filter(at__lt=end)
    counts: Counter[tuple[str, str]] = Counter()
    for item_code, key in uses.values_list("item_code", "material_key"):
        counts[(item_code, key)] += 1
    type_names = dict(selectors.licence_types(active_only=False).values_list("code", "name"))
    rows: dict[str, ReportRow] = {}
    for material in exempt_materials:
        version = material.version
        row = rows.get(version.implementation_code)
        if row is None:
            department = getattr(version, "department", None)
            row = rows[version.implementation_code] = ReportRow(
                version.implementation_code, version.name, str(department or "")
            )
        if any(m.key == material.key for m in row.materials):
            continue
        row.materials.append(
            ReportMaterial(
                key=material.key,
                name=material.name,
                type_code=material.licence_type,
                type_name=type_names.get(material.licence_type, ""),
                uses=counts[(version.implementation_code, material.key)],
            )
        )
    return sorted(rows.values(), key=lambda r: r.item_code)
