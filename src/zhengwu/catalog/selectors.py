"""Reads of the service catalogue.

Public reads (``published_version``, ``published_versions``, ``guide_for``, ``checklist_for``,
``bundle_with_members``, ``life_event_tree``, ``departments_with_items``) answer only what is
in force; the ``access_*`` reads of the workbench fetch *and* authorise in one call and
answer ``NotFound`` for what the viewer may not see (no existence leak).

Guides and checklists are built from prefetched rows only: after ``published_version`` /
``published_versions`` (which prefetch everything a guide renders) they run no query.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from zhengwu.catalog import policies
from zhengwu.catalog.choices import (
    Audience,
    CaseType,
    ChangeKind,
    LimitUnit,
    ServiceObject,
    VersionStatus,
)
from zhengwu.catalog.models import (
    Bundle,
    BundleMember,
    ItemVersion,
    LifeEvent,
    Material,
    Situation,
    SituationOption,
    VersionEvent,
)
from zhengwu.kernel.errors import InvalidInput, NotFound
from zhengwu.org import selectors as org_selectors

_NOT_FOUND = ("未找到该事项版本", "No such item version")

# Statuses whose content has been public at some time.
PUBLIC_STATUSES = (VersionStatus.PUBLISHED, VersionStatus.SUPERSEDED, VersionStatus.WITHDRAWN)
OPEN_STATUSES = (
    VersionStatus.DRAFT,
    VersionStatus.SUBMITTED,
    VersionStatus.RETURNED,
    VersionStatus.APPROVED,
)


# --- querysets ------------------------------------------------------------------------------


def checklist_queryset() -> QuerySet[ItemVersion]:
    """Versions with what ``checklist_for`` reads: item, department, materials and
    situations → options → materials (and follow-ups through ``parent_option``)."""
    options = SituationOption.objects.order_by("sort_order", "id").prefetch_related(
        Prefetch("materials", queryset=Material.objects.order_by("sort_order", "id"))
    )
    situations = Situation.objects.order_by("sort_order", "id").prefetch_related(
        Prefetch("options", queryset=options)
    )
    return ItemVersion.objects.select_related("item", "department").prefetch_related(
        Prefetch("materials", queryset=Material.objects.order_by("sort_order", "id")),
        Prefetch("situations", queryset=situations),
    )


def guide_queryset() -> QuerySet[ItemVersion]:
    """Versions with everything a guide renders: the checklist's reads and the life events."""
    return checklist_queryset().prefetch_related(
        Prefetch("life_events", queryset=LifeEvent.objects.order_by("sort_order", "code"))
    )


def _in_force_at(at: datetime) -> Q:
    """Versions whose content was in force at ``at``: took effect at or before it, and had not
    been superseded or withdrawn yet. Withdrawal change versions are never "in force"."""
    return (
        Q(status__in=PUBLIC_STATUSES, in_force_from__lte=at)
        & (Q(superseded_at__isnull=True) | Q(superseded_at__gt=at))
        & ~Q(change_kind=ChangeKind.WITHDRAW)
    )


def published_version(implementation_code: str, *, at: datetime | None = None) -> ItemVersion:
    """The version of ``implementation_code`` in force now (or at ``at``), guide-ready.

    Raises ``NotFound`` when nothing was in force (unknown code, not yet effective, withdrawn).
    """
    code = (implementation_code or "").strip().upper()
    qs = guide_queryset().filter(implementation_code=code)
    if at is None:
        version = qs.filter(status=VersionStatus.PUBLISHED).first()
    else:
        if timezone.is_naive(at):
            at = timezone.make_aware(at)
        version = (
            qs.annotate(in_force_from=Coalesce("effective_from", "published_at"))
            .filter(_in_force_at(at))
            .order_by("-version")
            .first()
        )
    if version is None:
        raise NotFound(*_NOT_FOUND, field="implementation_code")
    return version


def exempt_materials(*, department_id: int | None = None) -> list[Material]:
    """Materials of the current published versions that an e-licence can replace (免提交:
    ``licence_type`` set), with their version and department, by item and order."""
    qs = Material.objects.filter(version__status=VersionStatus.PUBLISHED).exclude(licence_type="")
    if department_id is not None:
        qs = qs.filter(version__department_id=department_id)
    return list(
        qs.select_related("version", "version__department").order_by(
            "version__implementation_code", "sort_order", "id"
        )
    )


def published_versions(
    *,
    department_id: int | None = None,
    life_event: str | int | None = None,
    service_object: str | None = None,
    online: bool | None = None,
    cross_province: bool | None = None,
    q: str | None = None,
) -> QuerySet[ItemVersion]:
    """Current published versions (guide-ready), filtered.

    ``life_event`` is a life-event code or id and also matches its direct children (a theme
    such as 出生 lists the items of its sub-themes); ``service_object`` is a ``ServiceObject``
    code; ``cross_province`` matches the 跨省通办 flag; ``q`` a plain substring of the name
    (full-text search lives in the search module).
    """
    qs = guide_queryset().filter(status=VersionStatus.PUBLISHED)
    if department_id is not None:
        qs = qs.filter(department_id=department_id)
    if life_event not in (None, ""):
        if isinstance(life_event, int) or str(life_event).isdigit():
            event_q = Q(life_events__id=int(life_event)) | Q(life_events__parent_id=int(life_event))
        else:
            event_q = Q(life_events__code=life_event) | Q(life_events__parent__code=life_event)
        qs = qs.filter(
            pk__in=ItemVersion.objects.filter(event_q, status=VersionStatus.PUBLISHED).values("pk")
        )
    if service_object:
        # JSON list of one-character codes: '"1"' matches the element exactly, on SQLite
        # and PostgreSQL alike (JSON containment is not available on SQLite).
        qs = qs.filter(service_objects__icontains=f'"{service_object}"')
    if online is not None:
        qs = qs.filter(online_handling=online)
    if cross_province is not None:
        qs = qs.filter(cross_province=cross_province)
    if q:
        term = q.strip()
        qs = qs.filter(Q(name__icontains=term) | Q(item__name__icontains=term))
    return qs.order_by("department__sort_order", "department_id", "name", "implementation_code")


def version_history(
    implementation_code: str, *, include_open: bool = False
) -> QuerySet[ItemVersion]:
    """Every version of an implementation list, newest first, with its events.

    By default only versions that have been public; ``include_open`` adds drafts and versions
    under review (callers check ``policies.may_view_department`` first, or use
    :func:`access_version_history`).
    """
    code = (implementation_code or "").strip().upper()
    qs = ItemVersion.objects.filter(implementation_code=code)
    if not include_open:
        qs = qs.filter(status__in=PUBLIC_STATUSES)
    return (
        qs.select_related("item", "department", "based_on")
        .prefetch_related(Prefetch("events", queryset=VersionEvent.objects.order_by("id")))
        .order_by("-version")
    )


# --- access for the workbench -----------------------------------------------------------------


def _may_see(viewer: Any, version: ItemVersion) -> bool:
    if version.status in PUBLIC_STATUSES and version.change_kind != ChangeKind.WITHDRAW:
        return True
    return policies.may_view_department(viewer, version.department_id)


def access_version_by_id(viewer: Any, version_id: int) -> ItemVersion:
    """A version (guide-ready) the viewer may see; ``NotFound`` otherwise."""
    version = guide_queryset().filter(pk=version_id).first()
    if version is None or not _may_see(viewer, version):
        raise NotFound(*_NOT_FOUND, field="version_id")
    return version


def access_version_history(viewer: Any, implementation_code: str) -> list[ItemVersion]:
    """Versions of the list as the viewer may see them (drafts for its department and the
    reviewers); ``NotFound`` when there is nothing to see."""
    versions = list(version_history(implementation_code, include_open=True))
    visible = [v for v in versions if _may_see(viewer, v)]
    if not visible:
        raise NotFound(*_NOT_FOUND, field="implementation_code")
    return visible


def department_lists(viewer: Any, department_id: int) -> list[ItemVersion]:
    """The department's implementation lists for its workbench: per implementation code the
    newest version (open change if any, else the current or last public one)."""
    if not policies.may_view_department(viewer, department_id):
        raise NotFound("未找到该部门", "No such department", field="department_id")
    latest: dict[str, ItemVersion] = {}
    rows = (
        ItemVersion.objects.filter(department_id=department_id)
        .select_related("item")
        .order_by("implementation_code", "-version")
    )
    for version in rows:
        latest.setdefault(version.implementation_code, version)
    return sorted(latest.values(), key=lambda v: (v.name, v.implementation_code))


def review_queue(viewer: Any) -> QuerySet[ItemVersion]:
    """Versions submitted for review (审改办 only; others see nothing)."""
    if not policies.may_review(viewer):
        return ItemVersion.objects.none()
    return (
        ItemVersion.objects.filter(status=VersionStatus.SUBMITTED)
        .select_related("item", "department", "based_on")
        .order_by("updated_at", "id")
    )


# --- guides -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OptionNode:
    option: SituationOption
    materials: list[Material]
    follow_ups: list[SituationNode]

    @property
    def key(self) -> str:
        return self.option.key

    @property
    def label(self) -> str:
        return self.option.label


@dataclass(frozen=True)
class SituationNode:
    situation: Situation
    options: list[OptionNode]

    @property
    def key(self) -> str:
        return self.situation.key

    @property
    def question(self) -> str:
        return self.situation.question


@dataclass(frozen=True)
class LimitText:
    value: int
    unit: str
    unit_label: str
    note: str = ""

    def __str__(self) -> str:
        return f"{self.value} {self.unit_label}"


@dataclass(frozen=True)
class GuideSummary:
    """一看就能懂: the six answers at the top of a guide page."""

    what_you_get: str  # result name, or the item's name when it has no named result
    who_can_apply: list[str]  # service-object labels
    acceptance_conditions: str
    what_to_bring: list[Material]  # materials required whatever the situation
    promised_limit: LimitText
    statutory_limit: LimitText
    immediate: bool  # 即办件
    visits_required: int
    where: str
    hours: str
    online: bool
    online_address: str
    fee_charged: bool


@dataclass(frozen=True)
class Guide:
    """Everything a guide page or the item API renders, from one guide-ready version."""

    version: ItemVersion
    summary: GuideSummary
    materials: list[Material]
    situations: list[SituationNode]
    life_events: list[LifeEvent]
    faqs: list[dict[str, Any]] = field(default_factory=list)

    @property
    def implementation_code(self) -> str:
        return self.version.implementation_code

    @property
    def name(self) -> str:
        return self.version.name

    def material_by_key(self) -> dict[str, Material]:
        return {m.key: m for m in self.materials}


def _unit_label(unit: str) -> str:
    try:
        return str(LimitUnit(unit).label).split(" / ")[0]
    except ValueError:
        return unit


def _label(choices: Any, code: str) -> str:
    try:
        return str(choices(code).label)
    except ValueError:
        return code


@dataclass(frozen=True)
class ChecklistRows:
    """A version's checklist rows as ``checklist_for`` reads them, each list in sort order."""

    materials: list[Material]
    situations: list[Situation]
    options: dict[int, list[SituationOption]]  # situation pk → its options
    option_materials: dict[int, list[Material]]  # option pk → the materials it requires

    ATTRIBUTE = "_checklist_rows"  # set on a version read by catalog.fixed_reads


def checklist_rows(version: ItemVersion) -> ChecklistRows:
    """The rows set on ``version`` by :func:`zhengwu.catalog.fixed_reads.checklist_version`,
    else read through its (prefetched, or else lazily queried) related managers."""
    rows = version.__dict__.get(ChecklistRows.ATTRIBUTE)
    if isinstance(rows, ChecklistRows):
        return rows
    situations = list(version.situations.all())
    options = {s.pk: list(s.options.all()) for s in situations}
    return ChecklistRows(
        materials=list(version.materials.all()),
        situations=situations,
        options=options,
        option_materials={o.pk: list(o.materials.all()) for os in options.values() for o in os},
    )


def situation_tree(version: ItemVersion) -> list[SituationNode]:
    """The version's questions as a tree: top-level questions, each option with the follow-up
    questions shown when it is chosen. Built from prefetched rows; a (malformed) cycle is cut
    because every question appears at most once."""
    return _tree(checklist_rows(version))


def _tree(rows: ChecklistRows) -> list[SituationNode]:
    situations = rows.situations
    by_parent: dict[int | None, list[Situation]] = defaultdict(list)
    for situation in situations:
        by_parent[situation.parent_option_id].append(situation)
    seen: set[int] = set()

    def build(nodes: Iterable[Situation]) -> list[SituationNode]:
        result = []
        for situation in nodes:
            if situation.pk in seen:
                continue
            seen.add(situation.pk)
            options = [
                OptionNode(
                    option=option,
                    materials=list(rows.option_materials.get(option.pk, ())),
                    follow_ups=build(by_parent.get(option.pk, [])),
                )
                for option in rows.options.get(situation.pk, ())
            ]
            result.append(SituationNode(situation=situation, options=options))
        return result

    return build(by_parent.get(None, []))


def guide_for(version: ItemVersion) -> Guide:
    materials = list(version.materials.all())
    summary = GuideSummary(
        what_you_get=version.result_name or version.name,
        who_can_apply=[_label(ServiceObject, c) for c in version.service_objects or []],
        acceptance_conditions=version.acceptance_conditions,
        what_to_bring=[m for m in materials if m.required],
        promised_limit=LimitText(
            version.promised_limit,
            version.promised_limit_unit,
            _unit_label(version.promised_limit_unit),
            version.promised_limit_note,
        ),
        statutory_limit=LimitText(
            version.statutory_limit,
            version.statutory_limit_unit,
            _unit_label(version.statutory_limit_unit),
            version.statutory_limit_note,
        ),
        immediate=version.case_type == CaseType.IMMEDIATE,
        visits_required=version.visits_required,
        where=version.place,
        hours=version.hours,
        online=version.online_handling,
        online_address=version.online_address,
        fee_charged=version.fee_charged,
    )
    return Guide(
        version=version,
        summary=summary,
        materials=materials,
        situations=situation_tree(version),
        life_events=list(version.life_events.all()),
        faqs=list(version.faqs or []),
    )


# --- checklists -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnsweredQuestion:
    node: SituationNode
    chosen: OptionNode | None


@dataclass(frozen=True)
class Checklist:
    """What to bring for the given situation answers."""

    version: ItemVersion
    materials: list[Material]  # required ones first, then those of chosen options; no repeats
    conditions: list[str]  # extra conditions of the chosen options
    promised_limit: int
    statutory_limit: int
    promised_limit_unit: str
    statutory_limit_unit: str
    questions: list[AnsweredQuestion]  # the questions that apply, in order, with the answer
    answers: dict[str, str]  # the answers that were applied

    @property
    def unanswered(self) -> list[str]:
        return [q.node.key for q in self.questions if q.chosen is None]

    @property
    def complete(self) -> bool:
        return not self.unanswered


def checklist_for(version: ItemVersion, answers: dict[str, str]) -> Checklist:
    """Materials, conditions and limits that follow the situation answers.

    ``answers`` maps a question key to an option key. An unknown question, or an option that
    is not one of the question's, is ``InvalidInput`` on ``answers.<key>``. Follow-up questions
    apply only when their parent option is chosen; an answer to a follow-up that does not
    apply (a stale answer after the parent changed) is ignored. Where several chosen options
    override a limit, the longest applies (the applicant is never promised less time than
    the case may take).
    """
    answers = dict(answers or {})
    rows = checklist_rows(version)
    tree = _tree(rows)
    known: dict[str, SituationNode] = {}

    def index(nodes: list[SituationNode]) -> None:
        for node in nodes:
            known[node.key] = node
            for option in node.options:
                index(option.follow_ups)

    index(tree)
    for key, value in answers.items():
        node = known.get(key)
        if node is None:
            raise InvalidInput(
                f"没有这个办事情形问题：{key}",
                f"There is no situation question {key}",
                field=f"answers.{key}",
                code="unknown_situation",
            )
        if value not in {o.key for o in node.options}:
            raise InvalidInput(
                f"“{node.question}”没有选项 {value}",
                f"Question {key} has no option {value}",
                field=f"answers.{key}",
                code="unknown_option",
            )

    materials: list[Material] = [m for m in rows.materials if m.required]
    seen_keys = {m.key for m in materials}
    conditions: list[str] = []
    promised: list[int] = []
    statutory: list[int] = []
    questions: list[AnsweredQuestion] = []
    applied: dict[str, str] = {}

    def walk(nodes: list[SituationNode]) -> None:
        for node in nodes:
            chosen = next((o for o in node.options if o.key == answers.get(node.key)), None)
            questions.append(AnsweredQuestion(node=node, chosen=chosen))
            if chosen is None:
                continue
            applied[node.key] = chosen.key
            for material in chosen.materials:
                if material.key not in seen_keys:
                    seen_keys.add(material.key)
                    materials.append(material)
            if chosen.option.conditions:
                conditions.append(chosen.option.conditions)
            if chosen.option.promised_limit is not None:
                promised.append(chosen.option.promised_limit)
            if chosen.option.statutory_limit is not None:
                statutory.append(chosen.option.statutory_limit)
            walk(chosen.follow_ups)

    walk(tree)
    return Checklist(
        version=version,
        materials=materials,
        conditions=conditions,
        promised_limit=max(promised) if promised else version.promised_limit,
        statutory_limit=max(statutory) if statutory else version.statutory_limit,
        promised_limit_unit=version.promised_limit_unit,
        statutory_limit_unit=version.statutory_limit_unit,
        questions=questions,
        answers=applied,
    )


# --- bundles ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BundleMemberView:
    member: BundleMember
    version: ItemVersion | None  # None when the member has no published version now


@dataclass(frozen=True)
class BundleView:
    bundle: Bundle
    members: list[BundleMemberView]
    materials: list[Material]  # required materials of all members, deduplicated by key
    material_members: dict[str, list[str]]  # material key → implementation codes needing it
    form_fields: list[dict[str, Any]]  # merged: a field key is asked once


def _merge_form_fields(fields: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    merged: dict[str, dict[str, Any]] = {}
    for raw in fields:
        key = str(raw.get("key", ""))
        if not key:
            continue
        if key not in merged:
            merged[key] = {**raw, "used_by": list(raw.get("used_by") or [])}
            continue
        current = merged[key]
        current["required"] = bool(current.get("required")) or bool(raw.get("required"))
        for code in raw.get("used_by") or []:
            if code not in current["used_by"]:
                current["used_by"].append(code)
    return list(merged.values())


def bundle_with_members(code: str) -> BundleView:
    """An active bundle with its members' current versions, merged materials and form."""
    bundle = (
        Bundle.objects.filter(code=code, active=True)
        .select_related("life_event", "lead_department")
        .prefetch_related(
            Prefetch(
                "members",
                queryset=BundleMember.objects.select_related("item").order_by("sort_order", "id"),
            )
        )
        .first()
    )
    if bundle is None:
        raise NotFound("未找到该一件事", "No such bundle", field="code")
    members = list(bundle.members.all())
    versions = {
        v.implementation_code: v
        for v in published_versions().filter(
            implementation_code__in=[m.implementation_code for m in members]
        )
    }
    member_views = [BundleMemberView(m, versions.get(m.implementation_code)) for m in members]
    materials: list[Material] = []
    material_members: dict[str, list[str]] = {}
    for view in member_views:
        if view.version is None:
            continue
        for material in view.version.materials.all():
            if not material.required:
                continue
            if material.key not in material_members:
                material_members[material.key] = []
                materials.append(material)
            material_members[material.key].append(view.member.implementation_code)
    return BundleView(
        bundle=bundle,
        members=member_views,
        materials=materials,
        material_members=material_members,
        form_fields=_merge_form_fields(bundle.form_fields or []),
    )


# --- life events and departments --------------------------------------------------------------


@dataclass(frozen=True)
class LifeEventNode:
    event: LifeEvent
    children: list[LifeEventNode]
    item_count: int  # published versions tagged with this node (not counting children)


def active_bundles(
    *, audience: str | None = None, life_event: LifeEvent | None = None
) -> QuerySet[Bundle]:
    """Active 一件事 in name order, with what a list shows (life event, lead department)."""
    bundles = Bundle.objects.filter(active=True).select_related("life_event", "lead_department")
    if audience:
        bundles = bundles.filter(audience=audience)
    if life_event is not None:
        bundles = bundles.filter(life_event=life_event)
    return bundles.order_by("name")


def life_event_by_code(code: str) -> LifeEvent:
    event = LifeEvent.objects.filter(code=code).first()
    if event is None:
        raise NotFound("没有这个主题", "No such life event", field="code")
    return event


def life_event_tree(audience: str) -> list[LifeEventNode]:
    """The life-cycle tree of one audience (natural or legal persons), in display order."""
    Audience(audience)  # refuse unknown audiences loudly
    events = list(
        LifeEvent.objects.filter(audience=audience)
        .annotate(
            item_count=Count(
                "item_versions",
                filter=Q(item_versions__status=VersionStatus.PUBLISHED),
                distinct=True,
            )
        )
        .order_by("sort_order", "code")
    )
    by_parent: dict[int | None, list[LifeEvent]] = defaultdict(list)
    ids = {e.pk for e in events}
    for event in events:
        parent = event.parent_id if event.parent_id in ids else None
        by_parent[parent].append(event)
    seen: set[int] = set()

    def build(parent: int | None) -> list[LifeEventNode]:
        nodes = []
        for event in by_parent.get(parent, []):
            if event.pk in seen:
                continue
            seen.add(event.pk)
            nodes.append(LifeEventNode(event, build(event.pk), event.item_count))  # type: ignore[attr-defined]
        return nodes

    return build(None)


def departments_with_items() -> list[Any]:
    """Active departments that implement at least one published item, with ``item_count``."""
    return list(
        org_selectors.departments()
        .annotate(
            item_count=Count(
                "catalog_versions",
                filter=Q(catalog_versions__status=VersionStatus.PUBLISHED),
                distinct=True,
            )
        )
        .filter(item_count__gt=0)
        .order_by("sort_order", "id")
    )


def first_option_answers(version: Any) -> dict[str, str]:
    """The first option of every situation question that applies, following the follow-up
    questions of the options chosen: a complete, valid set of answers (demo data, tests)."""
    answers: dict[str, str] = {}
    chosen: set[int] = set()
    situations = list(version.situations.order_by("sort_order", "id"))
    changed = True
    while changed:
        changed = False
        for situation in situations:
            if situation.key in answers:
                continue
            if situation.parent_option_id is not None and situation.parent_option_id not in chosen:
                continue
            option = situation.options.order_by("sort_order", "id").first()
            if option is not None:
                answers[situation.key] = option.key
                chosen.add(option.pk)
                changed = True
    return answers
