"""The hotline knowledge base: departments' FAQ answers (reviewed) and the catalogue's guides.

Lifecycle of a :class:`~zhengwu.hotline.models.KnowledgeEntry`::

    draft ──submit──▶ pending ──review(approve)──▶ published ──retire──▶ retired
      ▲                  │                            │
      └──── (edit) ◀── rejected ◀──review(reject)─────┘(edit: version+1, back to pending)

- Department staff write entries for their own department; the hotline centre's dispatchers
  may write entries for any department.
- A dispatcher or supervisor reviews a *pending* entry; never their own.
- Editing a *published* entry raises its version and sends it back to review (pending):
  agents only ever see reviewed text, so the entry is not served until it is approved again.
  Drafts and rejected entries are edited in place (same version).
- Every change is audited; ``knowledge_used`` (an agent answered with it) only counts.

``knowledge_search`` ranks published FAQ entries (BM25 over question, keywords and answer,
jieba search-mode tokens; the index is cached per process and rebuilt when the published
set changes) together with the catalogue's guides (``zhengwu.catalog.search``). Each
source's scores are scaled to its best hit (FAQ ×1.0, guides ×0.9) before they are merged.
"""

from __future__ import annotations

import html
import math
import re
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Max
from django.urls import NoReverseMatch, reverse

from zhengwu.accounts import policies as account_policies
from zhengwu.accounts import selectors as account_selectors
from zhengwu.accounts.choices import StaffRole
from zhengwu.catalog import search as catalog_search
from zhengwu.hotline.choices import KnowledgeStatus
from zhengwu.hotline.models import KnowledgeEntry
from zhengwu.kernel.audit import audit_record
from zhengwu.kernel.errors import Conflict, InvalidInput, NotAllowed, NotFound
from zhengwu.org import selectors as org_selectors

MAX_QUESTION = 255
MAX_ANSWER = 4000
MAX_KEYWORDS = 255
MAX_QUERY = 500
MAX_LIMIT = 50
GUIDE_QUERY_LENGTH = catalog_search.MAX_QUERY_LENGTH
GUIDE_FACTOR = 0.9
K1 = 1.2
B = 0.75
FIELD_BOOSTS = {"question": 2.0, "keywords": 2.0, "answer": 1.0}
_TAG_RE = re.compile(r"<[^>]+>")

STATUS_LABELS = dict(KnowledgeStatus.choices)


@dataclass(frozen=True)
class KnowledgeHit:
    kind: str  # "faq" | "guide"
    id: int | None  # knowledge entry id (faq)
    code: str  # implementation code / bundle code (guide), "" for faq
    title: str  # the question, or the guide's name
    answer: str  # the published answer, or the guide's snippet as plain text
    department: str
    score: float
    url: str = ""  # the public guide page (guide)
    version: int = 0  # entry version (faq)


# --- permissions ---------------------------------------------------------------------------


def _is_centre_dispatcher(user: Any) -> bool:
    return account_policies.has_any_role(user, StaffRole.DISPATCHER)


def _may_write(user: Any, department_id: int) -> bool:
    if _is_centre_dispatcher(user):
        return True
    return (
        account_policies.is_staff_member(user)
        and account_policies.staff_department_id(user) == department_id
    )


def _may_review(user: Any) -> bool:
    return account_policies.has_any_role(user, StaffRole.DISPATCHER, StaffRole.SUPERVISOR)


def _actor(user: Any) -> Any:
    return account_selectors.actor_for(user, channel="workbench")


def _not_allowed() -> NotAllowed:
    return NotAllowed(
        "只能维护本部门的知识条目",
        "You may only maintain your own department's knowledge entries",
        field="department_id",
    )


# --- validation ----------------------------------------------------------------------------


def _text(value: Any, name: str, label: str, limit: int, *, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(f"{label}必须是文本", f"{name} must be text", field=name)
    value = value.strip()
    if required and not value:
        raise InvalidInput(f"{label}不能为空", f"{name} is required", field=name)
    if len(value) > limit:
        raise InvalidInput(
            f"{label}不能超过 {limit} 个字符",
            f"{name} must be at most {limit} characters",
            field=name,
        )
    return value


def _keywords(value: Any) -> str:
    text = _text(value, "keywords", "关键词", MAX_KEYWORDS, required=False)
    words = [w for w in re.split(r"[\s,，;；、]+", text) if w]
    return ",".join(dict.fromkeys(words))


def _status_conflict(entry: KnowledgeEntry, doing: str, doing_en: str) -> Conflict:
    label = STATUS_LABELS.get(entry.status, entry.status)
    zh, en = [*label.split(" / "), label][:2]
    return Conflict(
        f"知识条目当前状态为“{zh}”，不能{doing}",
        f"The entry is {en} ({entry.status}); it cannot be {doing_en}",
        field="status",
    )


def _summary(entry: KnowledgeEntry) -> dict[str, Any]:
    return {
        "department_id": entry.department_id,
        "question": entry.question,
        "status": entry.status,
        "version": entry.version,
        "answer_chars": len(entry.answer),
        "keywords": entry.keywords,
    }


def _locked(entry_id: Any) -> KnowledgeEntry:
    if isinstance(entry_id, bool) or not isinstance(entry_id, int):
        raise InvalidInput("条目编号必须是整数", "entry_id must be an integer", field="entry_id")
    entry = KnowledgeEntry.objects.select_for_update().filter(pk=entry_id).first()
    if entry is None:
        raise NotFound("知识条目不存在", "No such knowledge entry", field="entry_id")
    return entry


def _record(action: str, entry: KnowledgeEntry, by: Any, before: dict[str, Any] | None) -> None:
    audit_record(
        action=f"hotline.knowledge_{action}",
        object_type="hotline.knowledge_entry",
        object_id=entry.pk,
        actor=_actor(by),
        before=before,
        after=_summary(entry),
    )


# --- services -------------------------------------------------------------------------------


def knowledge_create(
    *, by: Any, department_id: int, question: str, answer: str, keywords: str = ""
) -> KnowledgeEntry:
    """A new draft entry of ``department_id``."""
    if isinstance(department_id, bool) or not isinstance(department_id, int):
        raise InvalidInput(
            "部门编号必须是整数", "department_id must be an integer", field="department_id"
        )
    department = org_selectors.department_by_id(department_id)
    if department is None or not department.active:
        raise InvalidInput("部门不存在", "No such department", field="department_id")
    if not _may_write(by, department_id):
        raise _not_allowed()
    question = _text(question, "question", "问题", MAX_QUESTION, required=True)
    answer = _text(answer, "answer", "答复口径", MAX_ANSWER, required=True)
    words = _keywords(keywords)
    with transaction.atomic():
        entry = KnowledgeEntry.objects.create(
            department_id=department_id,
            question=question,
            answer=answer,
            keywords=words,
            status=KnowledgeStatus.DRAFT,
            author=by,
        )
        _record("created", entry, by, None)
    return entry


def knowledge_update(
    *,
    entry_id: int,
    by: Any,
    question: str | None = None,
    answer: str | None = None,
    keywords: str | None = None,
) -> KnowledgeEntry:
    """Edit an entry. Drafts and rejected entries change in place; a published entry gets
    version + 1 and goes back to review (pending)."""
    with transaction.atomic():
        entry = _locked(entry_id)
        if not _may_write(by, entry.department_id):
            raise _not_allowed()
        if entry.status in (KnowledgeStatus.PENDING, KnowledgeStatus.RETIRED):
            raise _status_conflict(entry, "修改", "edited")
        before = _summary(entry)
        new_question = (
            entry.question
            if question is None
            else _text(question, "question", "问题", MAX_QUESTION, required=True)
        )
        new_answer = (
            entry.answer
            if answer is None
            else _text(answer, "answer", "答复口径", MAX_ANSWER, required=True)
        )
        new_keywords = entry.keywords if keywords is None else _keywords(keywords)
        if (new_question, new_answer, new_keywords) == (
            entry.question,
            entry.answer,
            entry.keywords,
        ):
            return entry
        entry.question, entry.answer, entry.keywords = new_question, new_answer, new_keywords
        if entry.status == KnowledgeStatus.PUBLISHED:
            entry.version += 1
            entry.status = KnowledgeStatus.PENDING
            entry.reviewer = None
            entry.review_note = ""
            entry.author = by
        entry.save()
        _record("updated", entry, by, before)
    return entry


def knowledge_submit(*, entry_id: int, by: Any) -> KnowledgeEntry:
    """Send a draft or rejected entry for review."""
    with transaction.atomic():
        entry = _locked(entry_id)
        if not _may_write(by, entry.department_id):
            raise _not_allowed()
        if entry.status not in (KnowledgeStatus.DRAFT, KnowledgeStatus.REJECTED):
            raise _status_conflict(entry, "提交审核", "submitted for review")
        before = _summary(entry)
        entry.status = KnowledgeStatus.PENDING
        entry.save(update_fields=["status", "updated_at"])
        _record("submitted", entry, by, before)
    return entry


def knowledge_review(*, entry_id: int, by: Any, approve: bool, note: str = "") -> KnowledgeEntry:
    """Publish or reject a pending entry (dispatcher or supervisor, not the author)."""
    if not _may_review(by):
        raise NotAllowed(
            "只有派单员或督办人员可以审核知识条目",
            "Only dispatchers and supervisors may review knowledge entries",
            field="by",
        )
    if not isinstance(approve, bool):
        raise InvalidInput("审核结论必须是布尔值", "approve must be true or false", field="approve")
    note = _text(note, "note", "审核意见", 2000, required=not approve)
    with transaction.atomic():
        entry = _locked(entry_id)
        if entry.status != KnowledgeStatus.PENDING:
            raise _status_conflict(entry, "审核", "reviewed")
        if entry.author_id is not None and entry.author_id == getattr(by, "pk", None):
            raise NotAllowed(
                "不能审核自己编写的知识条目",
                "You cannot review an entry you wrote",
                field="entry_id",
            )
        before = _summary(entry)
        entry.status = KnowledgeStatus.PUBLISHED if approve else KnowledgeStatus.REJECTED
        entry.reviewer = by
        entry.review_note = note
        entry.save(update_fields=["status", "reviewer", "review_note", "updated_at"])
        _record("published" if approve else "rejected", entry, by, before)
    return entry


def knowledge_retire(*, entry_id: int, by: Any) -> KnowledgeEntry:
    """Take an entry off the knowledge base (its department or a dispatcher)."""
    with transaction.atomic():
        entry = _locked(entry_id)
        if not _may_write(by, entry.department_id):
            raise _not_allowed()
        if entry.status == KnowledgeStatus.RETIRED:
            raise _status_conflict(entry, "下线", "retired")
        before = _summary(entry)
        entry.status = KnowledgeStatus.RETIRED
        entry.save(update_fields=["status", "updated_at"])
        _record("retired", entry, by, before)
    return entry


def knowledge_used(*, entry_id: int) -> None:
    """Count one use of a published entry (an agent answered with it)."""
    if isinstance(entry_id, bool) or not isinstance(entry_id, int):
        raise InvalidInput("条目编号必须是整数", "entry_id must be an integer", field="entry_id")
    changed = KnowledgeEntry.objects.filter(pk=entry_id, status=KnowledgeStatus.PUBLISHED).update(
        use_count=F("use_count") + 1
    )
    if not changed:
        raise NotFound("知识条目不存在或未发布", "No such published entry", field="entry_id")


# --- reads ----------------------------------------------------------------------------------


def published_entry(entry_id: int) -> KnowledgeEntry:
    entry = (
        KnowledgeEntry.objects.select_related("department")
        .filter(pk=entry_id, status=KnowledgeStatus.PUBLISHED)
        .first()
    )
    if entry is None:
        raise NotFound("知识条目不存在或未发布", "No such published entry", field="entry_id")
    return entry


def entries_for(viewer: Any, *, status: str | None = None) -> list[KnowledgeEntry]:
    """Entries the viewer maintains or reviews: a department's own; everything for the
    centre (dispatchers, supervisors); nothing for others."""
    qs = KnowledgeEntry.objects.select_related("department", "author", "reviewer")
    if not _may_review(viewer):
        department_id = account_policies.staff_department_id(viewer)
        if department_id is None:
            return []
        qs = qs.filter(department_id=department_id)
    if status:
        qs = qs.filter(status=status)
    return list(qs.order_by("-updated_at", "-id"))


def entry_for(viewer: Any, entry_id: int) -> KnowledgeEntry:
    """One entry the viewer maintains or reviews (as :func:`entries_for`), else NotFound."""
    qs = KnowledgeEntry.objects.select_related("department", "author", "reviewer")
    if not _may_review(viewer):
        department_id = account_policies.staff_department_id(viewer)
        qs = qs.none() if department_id is None else qs.filter(department_id=department_id)
    entry = qs.filter(pk=entry_id).first()
    if entry is None:
        raise NotFound("未找到该知识条目", "No such knowledge entry", field="entry_id")
    return entry


def review_queue(viewer: Any) -> list[KnowledgeEntry]:
    if not _may_review(viewer):
        return []
    return list(
        KnowledgeEntry.objects.select_related("department", "author")
        .filter(status=KnowledgeStatus.PENDING)
        .exclude(author_id=getattr(viewer, "pk", None))
        .order_by("updated_at", "id")
    )


# --- search ---------------------------------------------------------------------------------


@dataclass
class _FaqIndex:
    stamp: tuple[Any, ...] = ()
    entries: list[tuple[int, str, str, str, int]] = field(default_factory=list)
    postings: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


_index = _FaqIndex()


def _faq_stamp() -> tuple[Any, ...]:
    agg = KnowledgeEntry.objects.filter(status=KnowledgeStatus.PUBLISHED).aggregate(
        n=Count("id"), last=Max("updated_at"), top=Max("id")
    )
    return (agg["n"], agg["last"], agg["top"])


def _build_index(stamp: tuple[Any, ...]) -> None:
    rows = list(
        KnowledgeEntry.objects.filter(status=KnowledgeStatus.PUBLISHED)
        .select_related("department")
        .order_by("id")
    )
    entries = []
    field_counts: dict[str, list[Counter[str]]] = {f: [] for f in FIELD_BOOSTS}
    for row in rows:
        entries.append((row.pk, row.question, row.answer, row.department.name, row.version))
        texts = {
            "question": row.question,
            "keywords": row.keywords.replace(",", " "),
            "answer": row.answer,
        }
        for name, text in texts.items():
            field_counts[name].append(Counter(catalog_search.tokenize(text)))
    postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
    n = len(entries)
    scores: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    for name, boost in FIELD_BOOSTS.items():
        counts = field_counts[name]
        lengths = [sum(c.values()) for c in counts]
        avg = (sum(lengths) / n) if n else 1.0
        df = Counter[str]()
        for c in counts:
            df.update(c.keys())
        for doc, c in enumerate(counts):
            norm = K1 * (1 - B + B * (lengths[doc] / avg if avg else 0.0))
            for term, tf in c.items():
                idf = math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))
                scores[term][doc] += boost * idf * tf * (K1 + 1) / (tf + norm)
    for term, per_doc in scores.items():
        postings[term] = sorted(per_doc.items())
    _index.entries = entries
    _index.postings = dict(postings)
    _index.stamp = stamp


def _faq_hits(query: str, limit: int) -> list[KnowledgeHit]:
    stamp = _faq_stamp()
    if stamp != _index.stamp:
        with _index.lock:
            if stamp != _index.stamp:
                _build_index(stamp)
    terms = Counter(catalog_search.tokenize(query))
    totals: dict[int, float] = defaultdict(float)
    for term in terms:
        for doc, score in _index.postings.get(term, ()):
            totals[doc] += score
    ranked = sorted(totals.items(), key=lambda p: (-p[1], p[0]))[:limit]
    out = []
    for doc, score in ranked:
        entry_id, question, answer, department, version = _index.entries[doc]
        out.append(
            KnowledgeHit(
                kind="faq",
                id=entry_id,
                code="",
                title=question,
                answer=answer,
                department=department,
                score=score,
                version=version,
            )
        )
    return out


def _guide_url(kind: str, code: str) -> str:
    try:
        if kind == "bundle":
            return reverse("catalog:bundle", args=[code])
        return reverse("catalog:guide", args=[code])
    except NoReverseMatch:
        return ""


def _guide_hits(query: str, limit: int) -> list[KnowledgeHit]:
    text = query[:GUIDE_QUERY_LENGTH].strip()
    if not text:
        return []
    try:
        result = catalog_search.search_catalog(text, limit=limit)
    except InvalidInput:  # e.g. nothing searchable left after the catalogue's own cleaning
        return []
    return [
        KnowledgeHit(
            kind="guide",
            id=None,
            code=hit.code,
            title=hit.name,
            answer=html.unescape(_TAG_RE.sub("", hit.snippet)),
            department=hit.department,
            score=float(hit.score),
            url=_guide_url(hit.kind, hit.code),
        )
        for hit in result.hits
    ]


def _scaled(hits: list[KnowledgeHit], factor: float) -> list[KnowledgeHit]:
    if not hits:
        return []
    top = max(h.score for h in hits) or 1.0
    return [KnowledgeHit(**{**h.__dict__, "score": round(h.score / top * factor, 4)}) for h in hits]


def knowledge_search(*, query: str, limit: int = 10) -> list[KnowledgeHit]:
    """Published FAQ entries and catalogue guides answering ``query``, best first."""
    if not isinstance(query, str):
        raise InvalidInput("查询必须是文本", "query must be text", field="query")
    query = " ".join(query.split())
    if not query:
        raise InvalidInput("请输入查询内容", "The query is empty", field="query")
    if len(query) > MAX_QUERY:
        raise InvalidInput(
            f"查询不能超过 {MAX_QUERY} 个字符",
            f"The query is longer than {MAX_QUERY} characters",
            field="query",
        )
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(
            f"数量应在 1–{MAX_LIMIT} 之间", f"limit must be 1–{MAX_LIMIT}", field="limit"
        )
    faq = _scaled(_faq_hits(query, limit), 1.0)
    guides = _scaled(_guide_hits(query, limit), GUIDE_FACTOR)
    merged = sorted(faq + guides, key=lambda h: (-h.score, h.kind, h.title))
    return merged[:limit]
