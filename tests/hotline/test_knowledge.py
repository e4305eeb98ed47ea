"""Knowledge base: the FAQ lifecycle with review, refusals that change nothing, use counts,
and search over published FAQ entries together with the catalogue's guides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zhengwu.catalog import search as catalog_search
from zhengwu.catalog.io import import_catalog
from zhengwu.hotline import knowledge as kb
from zhengwu.hotline.models import KnowledgeEntry
from zhengwu.kernel.actors import SYSTEM
from zhengwu.kernel.errors import Conflict, InvalidInput, NotAllowed, NotFound
from zhengwu.kernel.models import AuditEntry

CATALOGUE = Path(__file__).resolve().parents[2] / "src/zhengwu/catalog/fixtures/baqiao_catalog.json"
FOOD = "食品经营许可"

QUESTION = "暖气不热找谁反映？"
ANSWER = "供暖期内室温低于18度，可拨打供热单位报修电话，三日内未处理的可向区供热办投诉。"


def _snapshot():
    return (
        list(KnowledgeEntry.objects.order_by("id").values()),
        AuditEntry.objects.count(),
    )


@pytest.fixture
def catalogue(db, settings):
    """A subset of the demo catalogue, with a fresh search index."""
    settings.CATALOG_SEARCH_CHECK_SECONDS = 0
    doc = json.loads(CATALOGUE.read_text("utf-8"))
    doc["items"] = [item for item in doc["items"] if item["name"] in {FOOD, "养犬登记"}]
    doc["bundles"] = []
    doc["synonyms"] = []
    import_catalog(json.dumps(doc, ensure_ascii=False).encode(), actor=SYSTEM)
    catalog_search.set_index(None)
    yield
    catalog_search.set_index(None)


def _published(hl, **kwargs):
    entry = kb.knowledge_create(
        by=kwargs.pop("by", hl.urban_handler),
        department_id=kwargs.pop("department_id", hl.urban.pk),
        question=kwargs.pop("question", QUESTION),
        answer=kwargs.pop("answer", ANSWER),
        keywords=kwargs.pop("keywords", "暖气 供暖,不热"),
    )
    kb.knowledge_submit(entry_id=entry.pk, by=hl.urban_handler)
    return kb.knowledge_review(entry_id=entry.pk, by=hl.dispatcher, approve=True)


def test_lifecycle_draft_review_publish_edit_retire(hl):
    entry = kb.knowledge_create(
        by=hl.urban_handler,
        department_id=hl.urban.pk,
        question=f"  {QUESTION} ",
        answer=ANSWER,
        keywords="暖气, 供暖，暖气 不热",
    )
    assert (entry.status, entry.version, entry.question) == ("draft", 1, QUESTION)
    assert entry.keywords == "暖气,供暖,不热"
    assert entry.author == hl.urban_handler

    kb.knowledge_submit(entry_id=entry.pk, by=hl.urban_handler)
    rejected = kb.knowledge_review(
        entry_id=entry.pk, by=hl.supervisor, approve=False, note="请写明投诉电话"
    )
    assert (rejected.status, rejected.reviewer, rejected.review_note) == (
        "rejected",
        hl.supervisor,
        "请写明投诉电话",
    )
    edited = kb.knowledge_update(
        entry_id=entry.pk, by=hl.urban_handler, answer=ANSWER + "投诉电话 12345。"
    )
    assert (edited.status, edited.version) == ("rejected", 1)
    kb.knowledge_submit(entry_id=entry.pk, by=hl.urban_handler)
    published = kb.knowledge_review(entry_id=entry.pk, by=hl.dispatcher, approve=True)
    assert (published.status, published.reviewer) == ("published", hl.dispatcher)

    kb.knowledge_used(entry_id=entry.pk)
    kb.knowledge_used(entry_id=entry.pk)
    assert KnowledgeEntry.objects.get(pk=entry.pk).use_count == 2

    # Editing a published entry: version + 1, back to review, no longer served.
    revised = kb.knowledge_update(entry_id=entry.pk, by=hl.urban_handler, question="暖气不热怎么办")
    assert (revised.status, revised.version, revised.reviewer) == ("pending", 2, None)
    with pytest.raises(NotFound):
        kb.knowledge_used(entry_id=entry.pk)
    kb.knowledge_review(entry_id=entry.pk, by=hl.dispatcher, approve=True)

    retired = kb.knowledge_retire(entry_id=entry.pk, by=hl.urban_handler)
    assert retired.status == "retired"
    actions = list(
        AuditEntry.objects.filter(
            object_type="hotline.knowledge_entry", object_id=str(entry.pk)
        ).values_list("action", flat=True)
    )
    assert actions == [
        "hotline.knowledge_created",
        "hotline.knowledge_submitted",
        "hotline.knowledge_rejected",
        "hotline.knowledge_updated",
        "hotline.knowledge_submitted",
        "hotline.knowledge_published",
        "hotline.knowledge_updated",
        "hotline.knowledge_published",
        "hotline.knowledge_retired",
    ]


def test_centre_dispatcher_writes_for_any_department(hl):
    entry = kb.knowledge_create(
        by=hl.dispatcher,
        department_id=hl.housing.pk,
        question="网签备案多久？",
        answer="五个工作日",
    )
    assert entry.department_id == hl.housing.pk
    kb.knowledge_submit(entry_id=entry.pk, by=hl.dispatcher)
    with pytest.raises(NotAllowed) as caught:  # not their own entry to review
        kb.knowledge_review(entry_id=entry.pk, by=hl.dispatcher, approve=True)
    assert caught.value.field == "entry_id"
    assert kb.knowledge_review(entry_id=entry.pk, by=hl.supervisor, approve=True).status == (
        "published"
    )


def test_bad_input_and_forbidden_changes_leave_everything_as_it_was(hl):
    draft = kb.knowledge_create(
        by=hl.urban_handler, department_id=hl.urban.pk, question="占道经营归谁管", answer="城管"
    )
    before = _snapshot()
    refusals = [
        (
            lambda: kb.knowledge_create(
                by=hl.urban_handler, department_id=hl.urban.pk, question="  ", answer="x"
            ),
            InvalidInput,
            "question",
        ),
        (
            lambda: kb.knowledge_create(
                by=hl.urban_handler, department_id=hl.urban.pk, question="x" * 256, answer="x"
            ),
            InvalidInput,
            "question",
        ),
        (
            lambda: kb.knowledge_create(
                by=hl.urban_handler, department_id=hl.urban.pk, question="问", answer=""
            ),
            InvalidInput,
            "answer",
        ),
        (
            lambda: kb.knowledge_create(
                by=hl.urban_handler, department_id=999999, question="问", answer="答"
            ),
            InvalidInput,
            "department_id",
        ),
        # Another department's entries: neither create nor touch them.
        (
            lambda: kb.knowledge_create(
                by=hl.urban_handler, department_id=hl.housing.pk, question="问", answer="答"
            ),
            NotAllowed,
            "department_id",
        ),
        (
            lambda: kb.knowledge_update(entry_id=draft.pk, by=hl.housing_handler, answer="改"),
            NotAllowed,
            "department_id",
        ),
        (
            lambda: kb.knowledge_submit(entry_id=draft.pk, by=hl.housing_handler),
            NotAllowed,
            "department_id",
        ),
        (
            lambda: kb.knowledge_retire(entry_id=draft.pk, by=hl.citizen),
            NotAllowed,
            "department_id",
        ),
        # Reviewing a draft, reviewing without the role.
        (
            lambda: kb.knowledge_review(entry_id=draft.pk, by=hl.dispatcher, approve=True),
            Conflict,
            "status",
        ),
        (
            lambda: kb.knowledge_review(entry_id=draft.pk, by=hl.agent, approve=True),
            NotAllowed,
            "by",
        ),
        (
            lambda: kb.knowledge_review(entry_id=draft.pk, by=hl.dispatcher, approve=False),
            InvalidInput,
            "note",
        ),
        (
            lambda: kb.knowledge_update(entry_id=draft.pk, by=hl.urban_handler, question=""),
            InvalidInput,
            "question",
        ),
        (
            lambda: kb.knowledge_submit(entry_id=draft.pk + 1000, by=hl.urban_handler),
            NotFound,
            "entry_id",
        ),
        (lambda: kb.knowledge_used(entry_id=draft.pk), NotFound, "entry_id"),
    ]
    for call, error, field in refusals:
        with pytest.raises(error) as caught:
            call()
        assert caught.value.field == field
        assert caught.value.message and caught.value.message_en
    assert _snapshot() == before

    # The author may not review their own entry, even as a dispatcher-reviewer pair.
    kb.knowledge_submit(entry_id=draft.pk, by=hl.urban_handler)
    own = kb.knowledge_create(
        by=hl.dispatcher, department_id=hl.urban.pk, question="夜市归谁管", answer="城管"
    )
    kb.knowledge_submit(entry_id=own.pk, by=hl.dispatcher)
    before = _snapshot()
    with pytest.raises(NotAllowed):
        kb.knowledge_review(entry_id=own.pk, by=hl.dispatcher, approve=True)
    with pytest.raises(Conflict):  # pending entries are not edited
        kb.knowledge_update(entry_id=draft.pk, by=hl.urban_handler, answer="改")
    with pytest.raises(Conflict):  # nor submitted twice
        kb.knowledge_submit(entry_id=draft.pk, by=hl.urban_handler)
    assert _snapshot() == before


def test_search_returns_faq_and_guide_hits(hl, catalogue):
    entry = _published(hl)
    _published(hl, question="路边占道摆摊谁管？", answer="由区城管局负责查处。", keywords="占道")
    hidden = kb.knowledge_create(
        by=hl.urban_handler, department_id=hl.urban.pk, question="暖气费怎么交", answer="草稿"
    )

    hits = kb.knowledge_search(query="家里暖气不热找谁")
    faq = [h for h in hits if h.kind == "faq"]
    assert faq and faq[0].id == entry.pk and faq[0].answer == ANSWER
    assert faq[0].department == "区城管局" and faq[0].score == 1.0
    assert hidden.pk not in {h.id for h in faq}

    hits = kb.knowledge_search(query="开饭店要办食品经营许可吗", limit=5)
    guides = [h for h in hits if h.kind == "guide"]
    assert guides and guides[0].title == FOOD
    assert guides[0].url == f"/services/items/{guides[0].code}/"
    assert "<mark>" not in guides[0].answer
    assert len(hits) <= 5

    # A retired entry is no longer found; the index follows the published set.
    kb.knowledge_retire(entry_id=entry.pk, by=hl.urban_handler)
    assert entry.pk not in {h.id for h in kb.knowledge_search(query="家里暖气不热找谁")}


def test_search_validates_its_input(hl):
    for kwargs, field in [
        ({"query": "  "}, "query"),
        ({"query": "问" * 501}, "query"),
        ({"query": None}, "query"),
        ({"query": "暖气", "limit": 0}, "limit"),
        ({"query": "暖气", "limit": 51}, "limit"),
    ]:
        with pytest.raises(InvalidInput) as caught:
            kb.knowledge_search(**kwargs)
        assert caught.value.field == field


def test_review_queue_and_listing(hl):
    entry = kb.knowledge_create(
        by=hl.urban_handler, department_id=hl.urban.pk, question="问", answer="答"
    )
    kb.knowledge_submit(entry_id=entry.pk, by=hl.urban_handler)
    assert [e.pk for e in kb.review_queue(hl.dispatcher)] == [entry.pk]
    assert kb.review_queue(hl.urban_handler) == []
    assert [e.pk for e in kb.entries_for(hl.urban_handler)] == [entry.pk]
    assert kb.entries_for(hl.housing_handler) == []
    assert kb.entries_for(hl.citizen) == []
