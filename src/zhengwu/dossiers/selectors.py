"""Reads of dossiers (一人一档 / 一企一档) and electronic archives.

A dossier is gathered on request from the domains that own each part, keyed by the blind
indexes of the subject's ID number or USCC (never by the number itself):

============ ==================================================================== ==========
part         source                                                               key
============ ==================================================================== ==========
cases        ``cases.selectors.cases_of_applicant``                               case index
licences     ``licences.selectors.wallet`` (owner), ``licences.access``            holder idx
             (``selectors.valid_licences`` on a case ground, a grant's own list)
materials    ``cases.selectors.reusable_material_files`` (accepted earlier)       case index
ratings      ``ratings.selectors.reviews_of`` (persons only: a review has a rater) account
tickets      ``hotline.selectors.tickets_of_user`` (persons only)                 account
credit       ``cases.selectors.credit_records_of`` (false 告知承诺 so far; the      case index
             credit domain will own this part when it arrives)
============ ==================================================================== ==========

The owner (the citizen; a member of the enterprise) sees every part. A staff member sees a
dossier only with a ground (:func:`staff_grounds`), and only the parts the ground allows
(:data:`zhengwu.dossiers.choices.GROUND_PARTS`); the read itself is a service
(:func:`zhengwu.dossiers.services.dossier_read_by_staff`) because it writes the audit entry
the owner is shown in "谁查看了我的档案" (:func:`reads_of`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from zhengwu.accounts import policies as account_policies
from zhengwu.accounts import selectors as account_selectors
from zhengwu.cases import selectors as case_selectors
from zhengwu.dossiers import policies
from zhengwu.dossiers.choices import GROUND_PARTS, Ground, PackageStatus, Part
from zhengwu.dossiers.models import ArchiveCheck, ArchivePackage, DisposalRequest, RetentionRule
from zhengwu.hotline import selectors as hotline_selectors
from zhengwu.kernel.errors import InvalidInput, NotFound
from zhengwu.kernel.identifiers import parse_citizen_id, parse_uscc
from zhengwu.kernel.masking import MaskKind, mask
from zhengwu.kernel.models import AuditEntry
from zhengwu.licences import access as licence_access
from zhengwu.licences import selectors as licence_selectors
from zhengwu.licences.choices import HolderCodeType
from zhengwu.licences.services import holder_index_for
from zhengwu.ratings import selectors as rating_selectors

DOSSIER_OBJECT = "dossier"
READ_ACTION = "dossier.read"
ALL_PARTS = frozenset(Part.values)


# --- the subject ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """Whose dossier: a citizen (ID number) or an enterprise (USCC). ``code`` is the
    normalised number, held in memory only; pages show :attr:`masked_code`."""

    kind: str  # "citizen" | "enterprise"
    code: str
    name: str = ""
    user: Any = None  # the owner's account (a citizen with an account), for ratings/tickets

    @property
    def code_type(self) -> str:
        return HolderCodeType.CITIZEN_ID if self.kind == "citizen" else HolderCodeType.USCC

    @property
    def case_index(self) -> str:
        return case_selectors.applicant_index(self.code)

    @property
    def holder_index(self) -> str:
        return holder_index_for(self.code_type, self.code)

    @property
    def key(self) -> str:
        """The dossier's key in the audit log: the holder index (a blind index)."""
        return self.holder_index

    @property
    def masked_code(self) -> str:
        return mask(self.code, MaskKind.CITIZEN_ID if self.kind == "citizen" else MaskKind.USCC)


def parse_code(value: Any, *, field: str = "code") -> tuple[str, str]:
    """``(kind, normalised code)`` of a typed ID number or USCC; InvalidInput (422) naming
    ``field`` when it is neither or its check character is wrong."""
    text = str(value or "").strip().upper()
    if not text:
        raise InvalidInput(
            "请输入身份证号码或统一社会信用代码",
            "Enter a citizen ID number or a unified social credit code",
            field=field,
            code="required",
        )
    if len(text) in (15, 18) and text[:15].isdigit():
        return "citizen", parse_citizen_id(text, field=field).value
    if len(text) == 18:
        return "enterprise", parse_uscc(text, field=field).value
    raise InvalidInput(
        "号码应为 18 位身份证号码或 18 位统一社会信用代码",
        "Enter an 18-character citizen ID number or unified social credit code",
        field=field,
        code="format",
    )


def subject_from_code(value: Any, *, field: str = "code") -> Subject:
    kind, code = parse_code(value, field=field)
    if kind == "citizen":
        profile = account_selectors.citizen_by_id_number(code)
        name = profile.real_name if profile is not None else ""
        user = profile.user if profile is not None else None
        return Subject("citizen", code, name, user)
    enterprise = account_selectors.enterprise_by_uscc(code)
    return Subject("enterprise", code, enterprise.name if enterprise is not None else "")


def own_subject(user: Any, enterprise_id: int | None = None) -> Subject:
    """The subject whose dossier ``user`` owns: themself, or an enterprise they belong to
    (another enterprise is 404, like one that does not exist)."""
    if not account_policies.is_authenticated(user):
        raise NotFound("未找到档案", "No dossier", field="enterprise_id")
    if enterprise_id is not None:
        if not 0 < int(enterprise_id) < 2**63:  # a BIGINT key: anything else does not exist
            raise NotFound("未找到档案", "No dossier", field="enterprise_id")
        membership = account_selectors.access_enterprise_for_member(user, enterprise_id)
        enterprise = membership.enterprise
        return Subject("enterprise", enterprise.uscc, enterprise.name)
    profile = getattr(user, "citizen_profile", None)
    if profile is None or not profile.id_number:
        raise NotFound(
            "尚未完成实名信息，暂无个人档案",
            "No personal dossier: your identity is not on file yet",
            field="user",
            code="no_profile",
        )
    return Subject("citizen", profile.id_number, profile.real_name, user)


def own_enterprises(user: Any) -> list[Any]:
    """The enterprises whose dossier ``user`` may open (identities of the account)."""
    return [i for i in account_selectors.user_identities(user) if i.enterprise_id is not None]


# --- grounds for staff ------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffGround:
    kind: str  # Ground
    label: str
    case_id: int | None = None
    case_number: str = ""
    grant_id: int | None = None
    licences: tuple[Any, ...] = ()  # the licences a grant covers
    until: datetime | None = None

    @property
    def parts(self) -> frozenset[str]:
        return GROUND_PARTS[self.kind]


def _handles(user: Any, case: Any) -> bool:
    """The case is one the staff member works on: visible to them (cases' rules) *and* at
    their department (handling, receiving or holding the current step), or awaiting
    acceptance at any window (综合窗口). Seeing every case as an overseer is not a ground."""
    if not case_selectors.may_view(user, case):
        return False
    if case.status in case_selectors.AWAITING_ACCEPTANCE:
        return True
    department_id = account_policies.staff_department_id(user)
    return department_id is not None and department_id in (
        case.department_id,
        case.receiving_department_id,
        case.assignee_department_id,
    )


def staff_grounds(user: Any, subject: Subject) -> list[StaffGround]:
    """Every ground on which ``user`` may read the subject's dossier now: a case of the
    subject that they may see and that is still being handled, or a use grant in force to
    their department (or to such a case). Empty: no ground, no dossier."""
    if not policies.may_look_up_dossiers(user):
        return []
    grounds: list[StaffGround] = []
    for case in case_selectors.open_cases_of_applicant(subject.case_index):
        if _handles(user, case):
            grounds.append(
                StaffGround(
                    Ground.CASE,
                    f"正在办理的办件 {case.number}",
                    case_id=case.pk,
                    case_number=case.number or "",
                )
            )
    for grant in licence_access.grants_for_staff(user):
        if grant.holder_index != subject.holder_index:
            continue
        if grant.grantee_kind == "case":
            number = grant.case.number if grant.case is not None else ""
            label = f"用证授权（办件 {number}）：{grant.purpose}"
        else:
            label = f"用证授权（本部门）：{grant.purpose}"
        grounds.append(
            StaffGround(
                Ground.GRANT,
                label,
                grant_id=grant.pk,
                licences=tuple(grant.licences.all()),
                until=grant.valid_until,
            )
        )
    return grounds


def parts_of(grounds: list[StaffGround]) -> frozenset[str]:
    parts: set[str] = set()
    for ground in grounds:
        parts |= ground.parts
    return frozenset(parts)


# --- the dossier ------------------------------------------------------------------------------


@dataclass
class Dossier:
    subject: Subject
    parts: frozenset[str]
    owner_view: bool
    cases: list[Any] = field(default_factory=list)
    licences: list[Any] = field(default_factory=list)
    materials: list[Any] = field(default_factory=list)
    ratings: list[Any] = field(default_factory=list)
    tickets: list[Any] = field(default_factory=list)
    credit: list[Any] = field(default_factory=list)
    grounds: list[StaffGround] = field(default_factory=list)
    reads: list[Any] = field(default_factory=list)

    def shows(self, part: str) -> bool:
        return part in self.parts

    @property
    def persons_only(self) -> bool:
        """Ratings and tickets belong to persons (a rater, a caller), not to enterprises."""
        return self.subject.kind == "enterprise"


def gather(
    subject: Subject,
    parts: frozenset[str],
    *,
    owner_view: bool,
    licences: list[Any] | None = None,
) -> Dossier:
    """The parts of the subject's dossier in ``parts`` (nothing else is read); the licences
    are given by the caller (what the owner's wallet or the staff member's ground holds)."""
    dossier = Dossier(subject=subject, parts=parts, owner_view=owner_view)
    case_index = subject.case_index
    if Part.CASES in parts:
        dossier.cases = case_selectors.cases_of_applicant(case_index)
    if Part.LICENCES in parts:
        dossier.licences = list(licences or [])
    if Part.MATERIALS in parts:
        dossier.materials = case_selectors.reusable_material_files(case_index)
    if Part.CREDIT in parts:
        dossier.credit = case_selectors.credit_records_of(case_index)
    person = subject.user if subject.kind == "citizen" else None
    if Part.RATINGS in parts and person is not None:
        dossier.ratings = list(rating_selectors.reviews_of(person).order_by("-rated_at")[:200])
    if Part.TICKETS in parts and person is not None:
        dossier.tickets = list(hotline_selectors.tickets_of_user(person)[:200])
    return dossier


def owner_dossier(user: Any, *, enterprise_id: int | None = None) -> Dossier:
    """The owner's own dossier, every part, with who has read it."""
    subject = own_subject(user, enterprise_id)
    licences = licence_selectors.wallet(user).filter(holder_index=subject.holder_index)
    dossier = gather(
        subject,
        ALL_PARTS,
        owner_view=True,
        licences=list(licences.order_by("-issue_date", "-id")[:200]),
    )
    dossier.reads = reads_of(subject)
    return dossier


def licences_allowed(subject: Subject, grounds: list[StaffGround]) -> list[Any]:
    """A case ground: the subject's valid licences (what 免证办 would use); a grant only:
    the licences it covers."""
    if any(g.kind == Ground.CASE for g in grounds):
        return licence_selectors.valid_licences(subject.holder_index)
    seen: dict[int, Any] = {}
    for ground in grounds:
        for licence in ground.licences:
            seen.setdefault(licence.pk, licence)
    return sorted(seen.values(), key=lambda lic: (lic.issue_date, lic.pk), reverse=True)


# --- who read my dossier ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReadRow:
    at: datetime
    reader: str
    department: str
    ground: str
    parts: tuple[str, ...]


def reads_of(subject: Subject, *, limit: int = 100) -> list[ReadRow]:
    """谁查看了我的档案: every staff read of the dossier, newest first (from the audit log)."""
    entries = AuditEntry.objects.filter(
        object_type=DOSSIER_OBJECT, object_id=subject.key, action=READ_ACTION
    ).order_by("-occurred_at", "-id")[:limit]
    rows = []
    for entry in entries:
        after = entry.after or {}
        rows.append(
            ReadRow(
                at=entry.occurred_at,
                reader=str(after.get("reader") or entry.actor_label),
                department=str(after.get("department") or ""),
                ground="；".join(str(g) for g in after.get("grounds") or []),
                parts=tuple(str(p) for p in after.get("parts") or []),
            )
        )
    return rows


# --- archives ---------------------------------------------------------------------------------


def packages(
    user: Any, *, status: str = "", failing: bool = False, number: str = ""
) -> QuerySet[ArchivePackage]:
    if not policies.may_view_archives(user):
        return ArchivePackage.objects.none()
    qs = ArchivePackage.objects.select_related("department")
    if status:
        if status not in PackageStatus.values:
            raise InvalidInput("档案状态无效", "Unknown archive status", field="status")
        qs = qs.filter(status=status)
    if failing:
        qs = qs.filter(last_check_ok=False)
    if number:
        qs = qs.filter(case_number=number.strip())
    return qs.order_by("-archived_at", "-id")


def access_package(user: Any, number: str) -> ArchivePackage:
    """One package by case number, for archive staff; anyone else: 404."""
    package = (
        packages(user).filter(case_number=str(number or "").strip()).first()
        if policies.may_view_archives(user)
        else None
    )
    if package is None:
        raise NotFound("未找到该电子档案", "No such archive package", field="number")
    return package


def package_by_number(number: str) -> ArchivePackage | None:
    """No viewer: for the management command and tasks."""
    return ArchivePackage.objects.filter(case_number=str(number or "").strip()).first()


def checks_of(package: ArchivePackage, *, limit: int = 20) -> list[ArchiveCheck]:
    return list(package.checks.order_by("-checked_at", "-id")[:limit])


def disposals_of(package: ArchivePackage) -> list[DisposalRequest]:
    return list(
        package.disposals.select_related("proposed_by", "decided_by").order_by("-proposed_at")
    )


def open_disposal(package: ArchivePackage) -> DisposalRequest | None:
    return package.disposals.filter(status="proposed").select_related("proposed_by").first()


def retention_rules() -> list[RetentionRule]:
    return list(RetentionRule.objects.order_by("item_type", "case_type"))


def rule_for(item_type: str, case_type: str) -> RetentionRule | None:
    """The most specific retention rule: item + case type, item type, case type, default."""
    candidates = {
        (r.item_type, r.case_type): r
        for r in RetentionRule.objects.filter(
            item_type__in={item_type, ""}, case_type__in={case_type, ""}
        )
    }
    for key in ((item_type, case_type), (item_type, ""), ("", case_type), ("", "")):
        if key in candidates:
            return candidates[key]
    return None


def summary() -> dict[str, int]:
    qs = ArchivePackage.objects.all()
    return {
        "packages": qs.count(),
        "archived": qs.filter(status=PackageStatus.ARCHIVED).count(),
        "disposed": qs.filter(status=PackageStatus.DISPOSED).count(),
        "failing": qs.filter(last_check_ok=False).count(),
        "unchecked": qs.filter(last_checked_at__isnull=True).count(),
    }
