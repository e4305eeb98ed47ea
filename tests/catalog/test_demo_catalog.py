"""The Baqiao demo catalogue: deterministic, complete, and valid by every format rule."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from zhengwu.catalog import choices
from zhengwu.catalog.demo_catalog import FIXTURE_PATH, build_catalog, render
from zhengwu.kernel.identifiers import parse_implementation_code, parse_uscc
from zhengwu.org import demo as org_demo

QUESTIONS = Path("/work/shared/data/questions-dev.jsonl")

ISSUE_ITEMS = (  # noqa: SIM905 - the issue's list, pasted as written
    "食品经营许可 食品经营许可变更 食品经营许可注销 企业设立登记 个体工商户设立登记 企业变更登记 "
    "企业简易注销登记 药品零售企业许可 第二类医疗器械经营备案 特种设备使用登记 公共场所卫生许可 "
    "建筑工程施工许可证核发 娱乐场所经营许可 出版物零售业务经营许可 道路货物运输经营许可 "
    "人力资源服务许可 出生登记 死亡注销户口 居民身份证申领 居住证申领 户口迁移 印章刻制备案 "
    "出生医学证明 预防接种证办理 医疗机构执业登记 死亡医学证明 社会保障卡申领 就业登记 失业登记 "
    "灵活就业人员参保登记 职工基本养老保险待遇申领 单位参保登记 高校毕业生就业见习补贴 "
    "丧葬补助金和抚恤金申领 就业创业证申领 城乡居民医保参保登记 生育医疗费用报销 异地就医备案 "
    "医保退休待遇核定 医保个人账户一次性支取 结婚登记 离婚登记 最低生活保障审核确认 残疾人两项补贴 "
    "遗体火化证明 特困人员救助供养 社会团体成立登记 民办非企业单位成立登记 高龄补贴 残疾人证办理 "
    "退役士兵自主就业一次性经济补助 退役军人优待证申领 二手房转移登记 不动产首次登记 商品房预售许可"
    " "
    "房屋交易网签备案 民办学校办学许可 义务教育入学 教师资格认定 出租汽车驾驶员从业资格 "
    "城市建筑垃圾处置核准 户外广告设施设置许可 临时占用城市道路许可 营业性演出许可 "
    "互联网上网服务营业场所经营许可 农药经营许可 农村宅基地审批 危险化学品经营许可 "
    "烟花爆竹零售经营许可 外商投资企业备案 对外贸易经营者备案 企业投资项目备案 法律援助申请 发票申"
    "领 "
    "住房公积金缴存登记 住房公积金提取 供水过户 供电过户 燃气过户"
).split()

ISSUE_BUNDLES = (  # noqa: SIM905
    "企业开办一件事 企业准营一件事 员工录用一件事 涉企不动产登记一件事 企业简易注销一件事 "
    "新生儿出生一件事 灵活就业一件事 公民婚育一件事 扶残助困一件事 军人退役一件事 "
    "二手房转移登记及水电气联动过户一件事 企业职工退休一件事 公民身后一件事 高校毕业生就业一件事 "
    "交房即交证一件事"
).split()

BUNDLE_MEMBERS = {  # DOMAIN.md §9 typical compositions
    "新生儿出生一件事": {"出生医学证明", "预防接种证办理", "出生登记", "城乡居民医保参保登记",
                         "社会保障卡申领", "生育医疗费用报销"},
    "公民身后一件事": {"死亡医学证明", "遗体火化证明", "死亡注销户口", "医保个人账户一次性支取",
                       "丧葬补助金和抚恤金申领", "住房公积金提取"},
    "企业开办一件事": {"企业设立登记", "印章刻制备案", "发票申领", "单位参保登记", "住房公积金缴存"
        "登记"},
    "企业职工退休一件事": {"职工基本养老保险待遇申领", "医保退休待遇核定", "住房公积金提取"},
}  # fmt: skip


@pytest.fixture(scope="module")
def doc() -> dict:
    return build_catalog()


def _published(doc: dict) -> dict[str, dict]:
    """implementation code → published version."""
    return {
        v["implementation_code"]: v
        for item in doc["items"]
        for v in item["versions"]
        if v["status"] == "published"
    }


def _body_usccs() -> set[str]:
    usccs = {org_demo.department_uscc(a, o) for _n, _s, _k, a, o in org_demo.DEPARTMENTS}
    usccs |= {
        org_demo.department_uscc(org_demo.STREET_OFFICE_AUTHORITY, org_demo.street_office_org8(s))
        for s in org_demo.STREETS
    }
    return usccs


# --- determinism and the committed fixture --------------------------------------------------


def test_build_is_deterministic(doc):
    assert build_catalog() == doc
    assert render(build_catalog()) == render(doc)


def test_committed_fixture_equals_build_byte_for_byte(doc):
    assert FIXTURE_PATH.read_bytes() == render(doc).encode("utf-8")


# --- coverage ---------------------------------------------------------------------------


def test_size_and_bodies(doc):
    assert doc["format"] == "zhengwu-catalog"
    assert doc["format_version"] == 1
    assert len(doc["items"]) >= 120
    departments = {v["department"] for i in doc["items"] for v in i["versions"]}
    assert len(departments) >= 20
    assert departments <= _body_usccs()
    assert {b["lead_department"] for b in doc["bundles"]} <= _body_usccs()


def test_issue_items_exist_exactly_once(doc):
    names = Counter(i["name"] for i in doc["items"])
    assert len(set(ISSUE_ITEMS)) == 79
    missing = [n for n in ISSUE_ITEMS if names[n] != 1]
    assert missing == []
    assert max(names.values()) == 1


def test_questions_dev_names_exist(doc):
    if not QUESTIONS.exists():
        pytest.skip("questions-dev.jsonl not available")
    items = Counter(i["name"] for i in doc["items"])
    bundles = Counter(b["name"] for b in doc["bundles"])
    expected = {
        name
        for line in QUESTIONS.read_text(encoding="utf-8").splitlines()
        if line.strip()
        for name in json.loads(line)["expected"]
    }
    missing = [n for n in sorted(expected) if items[n] + bundles[n] != 1]
    assert missing == []


def test_all_bundles_with_members(doc):
    bundles = {b["name"]: b for b in doc["bundles"]}
    assert sorted(bundles) == sorted(ISSUE_BUNDLES)
    assert len({b["code"] for b in doc["bundles"]}) == 15
    published = _published(doc)
    by_code = {code: v["name"] for code, v in published.items()}
    life_events = {e["code"] for e in doc["life_events"]}
    for name, bundle in bundles.items():
        codes = [m["implementation_code"] for m in bundle["members"]]
        assert len(codes) >= 2, name
        assert len(set(codes)) == len(codes), name
        assert all(c in published for c in codes), name
        assert bundle["life_event"] in life_events
        members = {by_code[c] for c in codes}
        assert BUNDLE_MEMBERS.get(name, set()) <= members, name
        # the bundle's own limit is shorter than handling its members one by one
        total = sum(published[c]["promised_limit"] for c in codes)
        assert bundle["promised_limit_unit"] == "working_day"
        assert bundle["promised_limit"] < total or total == bundle["promised_limit"] == 0, name


def test_bundle_forms_merge_shared_fields(doc):
    basic_of = {
        v["implementation_code"]: i["basic_code"] for i in doc["items"] for v in i["versions"]
    }
    for bundle in doc["bundles"]:
        member_basic = {basic_of[m["implementation_code"]] for m in bundle["members"]}
        keys = [f["key"] for f in bundle["form_fields"]]
        assert len(keys) == len(set(keys)), bundle["name"]
        assert any(len(f["used_by"]) >= 2 for f in bundle["form_fields"]), bundle["name"]
        for field in bundle["form_fields"]:
            assert field["used_by"], (bundle["name"], field["key"])
            assert set(field["used_by"]) <= member_basic, (bundle["name"], field["key"])


def test_synonyms(doc):
    terms = [s["term"] for s in doc["synonyms"]]
    assert 40 <= len(terms) <= 80
    assert len(terms) == len(set(terms))
    known = {i["name"] for i in doc["items"]} | {b["name"] for b in doc["bundles"]}
    for synonym in doc["synonyms"]:
        assert synonym["expansions"]
        assert set(synonym["expansions"]) <= known, synonym["term"]
    by_term = {s["term"]: s["expansions"] for s in doc["synonyms"]}
    assert set(by_term["上户口"]) == {"出生登记", "户口迁移"}
    assert "食品经营许可" in by_term["开饭馆"]


def test_life_event_tree(doc):
    events = {e["code"]: e for e in doc["life_events"]}
    for code, event in events.items():
        assert event["audience"] in choices.Audience.values
        assert code.startswith("np-" if event["audience"] == "natural_person" else "lp-")
        seen, parent = {code}, event["parent"]
        while parent is not None:
            assert parent in events and parent not in seen, code
            seen.add(parent)
            parent = events[parent]["parent"]
    names = {e["name"] for e in events.values()}
    assert {"出生", "上学", "就业", "婚育", "置业", "出行", "就医", "救助", "退休", "身后"} <= names
    assert {"开办", "准营", "用工", "经营", "工程建设", "注销"} <= names


# --- the format rules (docs/catalog-format.md), checked in Python -----------------------------


def _validate(doc: dict) -> list[str]:
    errors: list[str] = []
    bodies = _body_usccs()
    life_events = {e["code"] for e in doc["life_events"]}
    basic_codes = Counter(i["basic_code"] for i in doc["items"])
    errors += [f"basic code {c} used twice" for c, n in basic_codes.items() if n > 1]
    types = set(choices.ItemType.values)
    for item in doc["items"]:
        where = item["name"]
        if len(item["basic_code"]) != 12 or not item["basic_code"].isalnum():
            errors.append(f"{where}: basic code")
        if item["item_type"] not in types or not item["legal_basis"]:
            errors.append(f"{where}: type or basis")
        numbers = [v["version"] for v in item["versions"]]
        if len(numbers) != len(set(numbers)):
            errors.append(f"{where}: version numbers")
        if [v["status"] for v in item["versions"]].count("published") != 1:
            errors.append(f"{where}: not exactly one published version")
        if len({v["implementation_code"] for v in item["versions"]}) != 1:
            errors.append(f"{where}: versions of different codes")
        for v in item["versions"]:
            errors += [
                f"{where} v{v['version']}: {e}"
                for e in _check_version(item, v, bodies, life_events)
            ]
    return errors


def _check_version(item: dict, v: dict, bodies: set[str], life_events: set[str]) -> list[str]:
    errors = []
    if v["department"] not in bodies:
        errors.append("department unknown")
    if v["implementing_uscc"] != v["department"]:
        errors.append("implementing_uscc differs from department")
    parse_uscc(v["implementing_uscc"])
    code = parse_implementation_code(v["implementation_code"])
    if code.uscc != v["implementing_uscc"] or code.basic_code != item["basic_code"]:
        errors.append("implementation code does not embed USCC + basic code")
    if code.infix != str(v["level"]) or v["level"] != item["level"]:
        errors.append("level digit")
    for unit in (v["statutory_limit_unit"], v["promised_limit_unit"]):
        if unit not in choices.LimitUnit.values:
            errors.append("limit unit")
    if (
        v["statutory_limit_unit"] == v["promised_limit_unit"]
        and v["promised_limit"] > v["statutory_limit"]
    ):
        errors.append("promised limit above statutory")
    if v["case_type"] not in choices.CaseType.values:
        errors.append("case type")
    if v["case_type"] == "1" and v["promised_limit"] != 0:
        errors.append("即办件 with a promised limit")
    if (
        v["status"] not in choices.VersionStatus.values
        or v["change_kind"] not in choices.ChangeKind.values
    ):
        errors.append("status or change kind")
    if v["status"] == "superseded" and not v["superseded_at"]:
        errors.append("superseded without a date")
    if v["version"] > 1 and v["based_on"] != v["version"] - 1:
        errors.append("based_on")
    if not v["events"] or not v["effective_from"] or not v["published_at"]:
        errors.append("events or dates")
    if (
        not set(v["service_objects"]) <= set(choices.ServiceObject.values)
        or not v["service_objects"]
    ):
        errors.append("service objects")
    if not set(v["handling_forms"]) <= set(choices.HandlingForm.values) or not v["handling_forms"]:
        errors.append("handling forms")
    if v["handling_scope"] not in choices.HandlingScope.values:
        errors.append("handling scope")
    if v["delegated_level"] not in choices.DelegatedLevel.values:
        errors.append("delegated level")
    if v["online_depth"] not in choices.OnlineDepth.values:
        errors.append("online depth")
    if v["online_handling"] and not v["online_address"].startswith("https://zwfw.shaanxi.gov.cn/"):
        errors.append("online without address")
    if v["fee_charged"] and (not v["fee_basis"] or not v["fee_items"]):
        errors.append("fee without basis")
    if not v["fee_charged"] and v["fee_items"]:
        errors.append("fee items without fee")
    if v["hall_negative_list"] and (v["in_hall"] or not v["hall_negative_reason"]):
        errors.append("hall negative list")
    if v["cross_province"] and v["handling_scope"] != "cross_province":
        errors.append("跨省通办 scope")
    if not set(v["life_events"]) <= life_events or not v["life_events"]:
        errors.append("life events")
    for field in ("acceptance_conditions", "result_name", "place", "hours", "consultation_phone"):
        if not v[field]:
            errors.append(f"{field} empty")
    if v["complaint_phone"] != "12345" or not v["process_steps"]:
        errors.append("complaint phone or steps")
    for kind in ("result_licence_type",):
        if v[kind] and (len(v[kind]) != 21 or not v[kind][18:].isdigit()):
            errors.append(kind)
    # materials
    keys = [m["key"] for m in v["materials"]]
    if len(keys) != len(set(keys)) or not keys:
        errors.append("material keys not unique")
    if v["deficiency_allowed"] != any(m["deficiency_allowed"] for m in v["materials"]):
        errors.append("容缺 flag and materials disagree")
    for m in v["materials"]:
        if not m["name"] or not m["issuing_body"] or not m["allowed_types"]:
            errors.append(f"material {m['key']} incomplete")
        if m["licence_type"] and (
            len(m["licence_type"]) != 21 or m["licence_type"][:18] not in bodies
        ):
            errors.append(f"material {m['key']} licence type")
    # situations
    situation_keys = [s["key"] for s in v["situations"]]
    if len(situation_keys) != len(set(situation_keys)):
        errors.append("situation keys not unique")
    options = {}
    for s in v["situations"]:
        option_keys = [o["key"] for o in s["options"]]
        if len(option_keys) != len(set(option_keys)) or not option_keys:
            errors.append(f"situation {s['key']} options")
        for o in s["options"]:
            options[f"{s['key']}.{o['key']}"] = s["key"]
            if not set(o["materials"]) <= set(keys):
                errors.append(f"option {s['key']}.{o['key']} names a material of another version")
            limit = o["promised_limit"]
            if (
                limit is not None
                and v["statutory_limit_unit"] == v["promised_limit_unit"]
                and limit > v["statutory_limit"]
            ):
                errors.append(f"option {o['key']} promised above statutory")
    parents = {}
    for s in v["situations"]:
        if s["parent_option"] is not None:
            if s["parent_option"] not in options:
                errors.append(f"situation {s['key']} parent option unknown")
                continue
            parents[s["key"]] = options[s["parent_option"]]
    for start in parents:
        seen, node = {start}, parents.get(start)
        while node is not None:
            if node in seen:
                errors.append(f"situation cycle at {start}")
                break
            seen.add(node)
            node = parents.get(node)
    return errors


def test_every_format_rule_holds(doc):
    assert _validate(doc) == []


def test_validator_catches_broken_documents(doc):
    import copy

    broken = copy.deepcopy(doc)
    version = broken["items"][0]["versions"][-1]
    version["promised_limit"] = version["statutory_limit"] + 1
    version["promised_limit_unit"] = version["statutory_limit_unit"]
    option = {
        "key": "a",
        "label": "a",
        "materials": ["no-such-material"],
        "conditions": "",
        "promised_limit": None,
        "statutory_limit": None,
        "sort_order": 1,
    }
    loop = {"key": "loop", "question": "?", "parent_option": "loop.a", "sort_order": 99}
    version["situations"].append({**loop, "options": [option]})
    version["implementing_uscc"] = next(iter(_body_usccs() - {version["department"]}))
    problems = "\n".join(_validate(broken))
    assert "promised limit above statutory" in problems
    assert "situation cycle" in problems
    assert "material of another version" in problems
    assert "implementing_uscc differs" in problems


# --- depth on the main items --------------------------------------------------------------


def test_main_items_have_situations_faqs_and_flags(doc):
    published = {v["name"]: v for v in _published(doc).values()}
    food = published["食品经营许可"]
    questions = {s["key"]: s for s in food["situations"]}
    assert {"applicant", "scope"} <= set(questions)
    cold = next(o for o in questions["scope"]["options"] if o["key"] == "with-cold")
    assert "cold-food-layout" in cold["materials"]
    assert food["commitment_allowed"] and food["deficiency_allowed"]
    assert any(m["deficiency_allowed"] for m in food["materials"])
    assert food["result_name"] == "食品经营许可证"
    assert 1 <= len(food["faqs"]) <= 3
    assert published["户口迁移"]["situations"][0]["key"] == "reason"
    for name in ("异地就医备案", "社会保障卡申领", "户口迁移", "居民身份证申领"):
        assert published[name]["cross_province"], name
    for name in ("高龄补贴", "残疾人两项补贴", "最低生活保障审核确认", "居住证申领"):
        assert published[name]["delegated_level"] in {"street", "community"}, name
    assert published["出生登记"]["case_type"] == "1"
    assert published["出生登记"]["promised_limit"] == 0
    with_situations = sum(1 for v in published.values() if v["situations"])
    assert with_situations >= 40
    assert sum(1 for v in published.values() if v["weekend_service"]) >= 5
    assert all(
        v["faqs"] for n, v in published.items() if n in {"食品经营许可", "企业设立登记", "出生登记"}
    )


def test_same_document_same_key_and_licence_type(doc):
    seen: dict[str, tuple[str, str]] = {}
    for item in doc["items"]:
        for v in item["versions"]:
            for m in v["materials"]:
                identity = (m["name"], m["licence_type"])
                assert seen.setdefault(m["key"], identity) == identity, m["key"]
    assert seen["id-card"][1] and seen["business-licence"][1] and seen["household-register"][1]


def test_histories_can_be_diffed(doc):
    histories = [i for i in doc["items"] if len(i["versions"]) > 1]
    assert 2 <= len(histories) <= 3
    for item in histories:
        old, new = item["versions"]
        assert (old["version"], old["status"]) == (1, "superseded")
        assert (new["version"], new["status"], new["based_on"]) == (2, "published", 1)
        assert new["change_kind"] == "change" and new["change_reason"]
        assert old["superseded_at"] == new["effective_from"]
        differs = old["promised_limit"] != new["promised_limit"] or len(old["materials"]) != len(
            new["materials"]
        )
        assert differs, item["name"]


# --- the real importer -------------------------------------------------------------------


@pytest.mark.django_db
def test_fixture_imports_into_the_catalogue():
    from zhengwu.catalog.io import canonical_document, dumps_catalog, export_catalog, import_catalog
    from zhengwu.catalog.models import Bundle, Item, ItemVersion, LifeEvent, SearchSynonym
    from zhengwu.kernel.actors import SYSTEM

    org_demo.load_demo()
    doc = build_catalog()
    report = import_catalog(FIXTURE_PATH.read_bytes(), actor=SYSTEM)
    versions = sum(len(i["versions"]) for i in doc["items"])
    assert report.created["items"] == len(doc["items"])
    assert Item.objects.count() == len(doc["items"])
    assert ItemVersion.objects.count() == versions
    assert ItemVersion.objects.filter(status="published").count() == len(doc["items"])
    assert Bundle.objects.count() == 15
    assert LifeEvent.objects.count() == len(doc["life_events"])
    assert SearchSynonym.objects.count() == len(doc["synonyms"])
    again = import_catalog(FIXTURE_PATH.read_bytes(), actor=SYSTEM)
    assert not again.changed
    # already in the exporter's canonical order: the round trip gives the same bytes
    assert canonical_document(doc) == doc
    assert dumps_catalog(export_catalog()) == FIXTURE_PATH.read_bytes()
