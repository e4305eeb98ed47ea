"""Catalogue search: tokenisation, BM25 ranking, pinyin, synonyms, filters, snippets, cache."""

from __future__ import annotations

import pytest

from tests.factories import DepartmentFactory
from zhengwu.catalog import search
from zhengwu.catalog.models import Bundle, BundleMember, Item, ItemVersion, SearchSynonym
from zhengwu.catalog.search import SearchDocument, SearchFilters, SearchIndex
from zhengwu.kernel.errors import InvalidInput


def item(name: str, code: str, **fields) -> SearchDocument:
    return SearchDocument(kind="item", code=code, name=name, **fields)


CATALOGUE = [
    item(
        "食品经营许可",
        "I-FOOD",
        department_id=1,
        department="区市场监督管理局",
        result_name="食品经营许可证",
        acceptance_conditions="有与经营的食品品种、数量相适应的食品原料处理和食品加工场所。",
        faqs=(("开饭馆需要办什么证？", "从事餐饮服务应当取得食品经营许可。"),),
        materials=("营业执照", "法定代表人身份证明"),
        service_objects=frozenset({"1", "2"}),
        online=True,
    ),
    item(
        "食品经营许可注销",
        "I-FOOD-END",
        department_id=1,
        department="区市场监督管理局",
        acceptance_conditions="不再从事食品经营活动的，应当申请注销食品经营许可。",
        service_objects=frozenset({"2"}),
        online=True,
    ),
    item(
        "出生登记",
        "I-BIRTH",
        department_id=2,
        department="区公安分局",
        acceptance_conditions="新生儿出生后一个月内由监护人申报户口。",
        materials=("出生医学证明", "父母居民户口簿"),
        service_objects=frozenset({"1"}),
        cross_province=True,
    ),
    item(
        "住房公积金提取",
        "I-FUND",
        department_id=3,
        department="住房公积金管理中心灞桥分中心",
        faqs=(("退休了公积金怎么取？", "退休的职工可以提取住房公积金账户余额。"),),
        service_objects=frozenset({"1"}),
        online=True,
    ),
    item(
        "特种设备使用登记",
        "I-SPECIAL",
        department_id=1,
        department="区市场监督管理局",
        acceptance_conditions="锅炉、电梯等特种设备投入使用前或者投入使用后三十日内办理。",
        faqs=(("<script>alert(1)</script> 电梯要登记吗？", "要。"),),
        service_objects=frozenset({"2"}),
    ),
    SearchDocument(
        kind="bundle",
        code="newborn",
        name="新生儿出生一件事",
        department_id=4,
        department="区卫生健康局",
        members=("出生医学证明", "预防接种证办理", "出生登记"),
        service_objects=frozenset({"1"}),
    ),
]


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    return SearchIndex.build(CATALOGUE, {"上户口": ["出生登记", "户口迁移"]})


def names(hits) -> list[str]:
    return [h.name for h in hits]


# --- tokenisation -------------------------------------------------------------------------


def test_tokenisation_keeps_lexicon_terms_whole():
    tokens = search.tokenize("开饭馆要办食品经营许可吗，公积金一件事")
    assert "食品经营许可" in tokens
    assert "公积金" in tokens
    assert "一件事" in tokens
    # search mode also yields the parts, so a partial name still matches
    assert {"食品", "经营", "许可"} <= set(tokens)
    # stopwords and punctuation are dropped
    assert "吗" not in tokens
    assert "，" not in tokens


def test_tokenisation_normalises_full_width():
    assert search.tokenize("ＫＴＶ") == ["ktv"]


# --- ranking ------------------------------------------------------------------------------


def test_bm25_prefers_a_name_match_over_a_body_match(index):
    total, hits = index.search("食品经营许可")
    assert total >= 2
    assert hits[0].name == "食品经营许可"
    assert hits[0].code == "I-FOOD"
    assert hits[0].score >= hits[1].score


def test_name_stated_in_the_question_wins(index):
    _total, hits = index.search("食品经营许可注销要带什么")
    assert hits[0].name == "食品经营许可注销"


def test_faq_text_finds_the_item(index):
    _total, hits = index.search("开饭馆")
    assert hits[0].name == "食品经营许可"


def test_nothing_matches(index):
    assert index.search("量子色动力学") == (0, [])


def test_limit(index):
    total, hits = index.search("出生", limit=1)
    assert len(hits) == 1
    assert total >= 2


# --- pinyin -------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["shipin jingying", "shipinjingying", "spjy", "SPJYXK"])
def test_pinyin_and_initials(index, query):
    _total, hits = index.search(query)
    assert hits and hits[0].name.startswith("食品经营许可")


def test_initials_prefer_the_name_they_start(index):
    _total, hits = index.search("csdj")
    assert hits[0].name == "出生登记"


# --- synonyms -----------------------------------------------------------------------------


def test_synonym_expands_the_query(index):
    terms = index.query_terms("孩子上户口")
    assert terms["孩子"] == 1.0
    assert 0 < terms["出生"] < 1.0  # expansions weigh less than the question's own words
    _total, hits = index.search("上户口")
    assert hits[0].name == "出生登记"


def test_synonym_becomes_an_alias_of_the_document(index):
    doc = next(d for d in index.documents if d.name == "出生登记")
    assert "上户口" in doc.aliases


# --- filters ------------------------------------------------------------------------------


def test_filters(index):
    def found(**f):
        return names(index.search("出生 食品 公积金 电梯", filters=SearchFilters(**f))[1])

    assert set(found(kind="bundle")) == {"新生儿出生一件事"}
    assert "新生儿出生一件事" not in found(kind="item")
    assert set(found(department_id=1)) == {"食品经营许可", "食品经营许可注销", "特种设备使用登记"}
    assert set(found(online=True)) == {"食品经营许可", "食品经营许可注销", "住房公积金提取"}
    assert "出生登记" not in found(online=True)
    assert set(found(cross_province=True)) == {"出生登记"}
    assert set(found(service_object="2")) == {
        "食品经营许可",
        "食品经营许可注销",
        "特种设备使用登记",
    }
    assert found(department_id=1, online=False) == ["特种设备使用登记"]


def test_filter_validation():
    with pytest.raises(InvalidInput) as caught:
        search.parse_filters(service_object="9")
    assert caught.value.field == "object"
    with pytest.raises(InvalidInput) as caught:
        search.parse_filters(kind="page")
    assert caught.value.field == "kind"
    with pytest.raises(InvalidInput) as caught:
        search.parse_filters(department=0)
    assert caught.value.field == "department"
    with pytest.raises(InvalidInput) as caught:
        search.clean_query("   ")
    assert caught.value.field == "q"
    with pytest.raises(InvalidInput):
        search.clean_query("办" * 101)
    assert search.clean_query("  出生登记 ") == "出生登记"


# --- snippets -----------------------------------------------------------------------------


def test_snippet_marks_matched_tokens(index):
    _total, hits = index.search("开饭馆")
    assert "<mark>饭馆</mark>" in hits[0].snippet or "<mark>开饭馆</mark>" in hits[0].snippet


def test_snippet_is_html_safe(index):
    _total, hits = index.search("电梯 script")
    special = next(h for h in hits if h.name == "特种设备使用登记")
    assert "<script>" not in special.snippet
    assert "&lt;" in special.snippet
    assert "<mark>电梯</mark>" in special.snippet


def test_highlight_escapes_everything_but_marks():
    assert search.highlight("a<b>&出生", ["出生", "b"]) == (
        "a&lt;<mark>b</mark>&gt;&amp;<mark>出生</mark>"
    )


# --- database: build source, synonyms table, cache ----------------------------------------


def make_version(name: str, code: str, department, **fields) -> ItemVersion:
    basic = code[-12:]
    catalogue_item, _ = Item.objects.get_or_create(
        basic_code=basic, defaults={"name": name, "item_type": "01", "legal_basis": "《法》"}
    )
    defaults = {
        "version": 1,
        "status": "published",
        "name": name,
        "department": department,
        "implementing_uscc": department.uscc,
        "statutory_limit": 20,
        "promised_limit": 5,
        "case_type": "2",
        "acceptance_conditions": "",
        "service_objects": ["1"],
        "handling_forms": ["1"],
    }
    defaults.update(fields)
    return ItemVersion.objects.create(item=catalogue_item, implementation_code=code, **defaults)


@pytest.fixture
def fresh_cache(settings):
    settings.CATALOG_SEARCH_CHECK_SECONDS = 3600
    search.set_index(None)
    yield
    search.set_index(None)


@pytest.mark.django_db
def test_index_over_the_database_with_synonyms_table(fresh_cache):
    dept = DepartmentFactory(name="区公安分局")
    birth = make_version(
        "出生登记",
        f"{dept.uscc}4000101001000",
        dept,
        acceptance_conditions="新生儿出生后申报户口。",
        faqs=[{"question": "要带什么？", "answer": "出生医学证明。"}],
    )
    make_version("户口迁移", f"{dept.uscc}4000101002000", dept, status="draft")
    bundle = Bundle.objects.create(
        code="newborn",
        name="新生儿出生一件事",
        audience="natural_person",
        lead_department=dept,
        promised_limit=5,
    )
    BundleMember.objects.create(
        bundle=bundle, implementation_code=birth.implementation_code, item=birth.item
    )
    SearchSynonym.objects.create(term="上户口", expansions=["出生登记"])

    result = search.search_catalog("给孩子上户口")
    assert [h.name for h in result.hits][:1] == ["出生登记"]
    assert result.hits[0].code == birth.implementation_code
    assert result.hits[0].department == "区公安分局"
    assert "户口迁移" not in [h.name for h in result.hits]  # drafts are not searchable
    bundle_hit = search.search_catalog("出生登记", kind="bundle").hits
    assert [(h.kind, h.code) for h in bundle_hit] == [("bundle", "newborn")]
    assert search.search_catalog("出生", department=dept.id + 999).total == 0


@pytest.mark.django_db
def test_cache_rebuilds_after_a_change(fresh_cache, django_assert_max_num_queries):
    dept = DepartmentFactory()
    make_version("出生登记", f"{dept.uscc}4000101001000", dept)
    assert search.search_catalog("居住证").total == 0
    # Within the check interval nothing touches the database.
    with django_assert_max_num_queries(0):
        search.search_catalog("出生登记")

    make_version("居住证申领", f"{dept.uscc}4000101003000", dept)
    assert search.search_catalog("居住证").total == 0  # not checked yet
    search.get_index(force_check=True)
    assert [h.name for h in search.search_catalog("居住证").hits] == ["居住证申领"]

    SearchSynonym.objects.create(term="暂住证", expansions=["居住证申领"])
    search.get_index(force_check=True)
    assert search.search_catalog("暂住证").hits[0].name == "居住证申领"

    # An unchanged catalogue costs only the stamp queries, no rebuild.
    before = search.get_index()
    assert search.get_index(force_check=True) is before
