"""Search quality on the citizens' questions: top-1 / top-3 hit rates, misses listed.

    .venv/bin/python bench/search_quality.py [--questions PATH] [--catalog PATH] [--verbose]

Builds the index straight from the demo catalogue JSON (``src/zhengwu/catalog/fixtures/
baqiao_catalog.json``, docs/catalog-format.md) with its synonyms — no database — and runs
every question of ``questions-dev.jsonl``. A question is a hit@k when any expected name is
among the first k hits; "all@3" when every expected name is. When the fixture does not
exist yet, a stand-in catalogue of bare names (the issue's item and bundle lists) is used
and the result says so. Writes ``bench/results/search_quality.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("ZHENGWU_MODE", "test")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengwu.config.settings_test")

import django  # noqa: E402

django.setup()

from zhengwu.catalog.search import (  # noqa: E402
    SearchDocument,
    SearchIndex,
    documents_from_export,
    merged_synonyms,
)

FIXTURE = ROOT / "src/zhengwu/catalog/fixtures/baqiao_catalog.json"
QUESTIONS = ROOT.parent / "shared/data/questions-dev.jsonl"
RESULTS = ROOT / "bench/results/search_quality.json"

# Stand-in names (the catalogue issue's lists) until the demo fixture exists.
STAND_IN_ITEMS = [
    "食品经营许可",
    "食品经营许可变更",
    "食品经营许可注销",
    "企业设立登记",
    "个体工商户设立登记",
    "企业变更登记",
    "企业简易注销登记",
    "药品零售企业许可",
    "第二类医疗器械经营备案",
    "特种设备使用登记",
    "公共场所卫生许可",
    "建筑工程施工许可证核发",
    "娱乐场所经营许可",
    "出版物零售业务经营许可",
    "道路货物运输经营许可",
    "人力资源服务许可",
    "出生登记",
    "死亡注销户口",
    "居民身份证申领",
    "居住证申领",
    "户口迁移",
    "印章刻制备案",
    "出生医学证明",
    "预防接种证办理",
    "医疗机构执业登记",
    "死亡医学证明",
    "社会保障卡申领",
    "就业登记",
    "失业登记",
    "灵活就业人员参保登记",
    "职工基本养老保险待遇申领",
    "单位参保登记",
    "高校毕业生就业见习补贴",
    "丧葬补助金和抚恤金申领",
    "就业创业证申领",
    "城乡居民医保参保登记",
    "生育医疗费用报销",
    "异地就医备案",
    "医保退休待遇核定",
    "医保个人账户一次性支取",
    "结婚登记",
    "离婚登记",
    "最低生活保障审核确认",
    "残疾人两项补贴",
    "遗体火化证明",
    "特困人员救助供养",
    "社会团体成立登记",
    "民办非企业单位成立登记",
    "高龄补贴",
    "残疾人证办理",
    "退役士兵自主就业一次性经济补助",
    "退役军人优待证申领",
    "二手房转移登记",
    "不动产首次登记",
    "商品房预售许可",
    "房屋交易网签备案",
    "民办学校办学许可",
    "义务教育入学",
    "教师资格认定",
    "出租汽车驾驶员从业资格",
    "城市建筑垃圾处置核准",
    "户外广告设施设置许可",
    "临时占用城市道路许可",
    "营业性演出许可",
    "互联网上网服务营业场所经营许可",
    "农药经营许可",
    "农村宅基地审批",
    "危险化学品经营许可",
    "烟花爆竹零售经营许可",
    "外商投资企业备案",
    "对外贸易经营者备案",
    "企业投资项目备案",
    "法律援助申请",
    "发票申领",
    "住房公积金缴存登记",
    "住房公积金提取",
    "供水过户",
    "供电过户",
    "燃气过户",
]
STAND_IN_BUNDLES = [
    "企业开办一件事",
    "企业准营一件事",
    "员工录用一件事",
    "涉企不动产登记一件事",
    "企业简易注销一件事",
    "新生儿出生一件事",
    "灵活就业一件事",
    "公民婚育一件事",
    "扶残助困一件事",
    "军人退役一件事",
    "二手房转移登记及水电气联动过户一件事",
    "企业职工退休一件事",
    "公民身后一件事",
    "高校毕业生就业一件事",
    "交房即交证一件事",
]


def department_names() -> dict[str, str]:
    from zhengwu.org import demo

    names = {demo.department_uscc(a, o): name for name, _s, _k, a, o in demo.DEPARTMENTS}
    for street in demo.STREETS:
        uscc = demo.department_uscc(demo.STREET_OFFICE_AUTHORITY, demo.street_office_org8(street))
        names[uscc] = demo.street_office_name(street)
    return names


def load_catalogue(path: Path) -> tuple[list[SearchDocument], dict[str, list[str]], str]:
    if path.exists():
        data = json.loads(path.read_text(encoding="utf-8"))
        documents, synonyms = documents_from_export(data, department_names=department_names())
        return documents, synonyms, str(path.relative_to(ROOT))
    documents = [
        SearchDocument(kind="item", code=f"I{i:03d}", name=name)
        for i, name in enumerate(STAND_IN_ITEMS)
    ] + [
        SearchDocument(kind="bundle", code=f"B{i:02d}", name=name)
        for i, name in enumerate(STAND_IN_BUNDLES)
    ]
    return documents, {}, "stand-in (bare names from the catalogue issue; fixture missing)"


def evaluate(index: SearchIndex, questions: list[dict[str, Any]]) -> dict[str, Any]:
    top1 = top3 = all3 = 0
    misses = []
    for q in questions:
        _total, hits = index.search(q["question"], limit=10)
        names = [h.name for h in hits]
        expected = q["expected"]
        hit1 = any(e in names[:1] for e in expected)
        hit3 = any(e in names[:3] for e in expected)
        top1 += hit1
        top3 += hit3
        all3 += all(e in names[:3] for e in expected)
        if not hit1:
            misses.append(
                {
                    "id": q["id"],
                    "question": q["question"],
                    "expected": expected,
                    "got": names[:5],
                    "hit@3": hit3,
                }
            )
    n = len(questions) or 1
    return {
        "questions": len(questions),
        "top1": round(top1 / n, 4),
        "top3": round(top3 / n, 4),
        "all_expected_top3": round(all3 / n, 4),
        "misses_top1": misses,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--catalog", type=Path, default=FIXTURE)
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    questions = [
        json.loads(line) for line in args.questions.read_text(encoding="utf-8").splitlines() if line
    ]
    documents, synonyms, source = load_catalogue(args.catalog)
    started = time.perf_counter()
    index = SearchIndex.build(documents, merged_synonyms(synonyms))
    build_seconds = time.perf_counter() - started
    report = {
        "catalogue": source,
        "documents": len(documents),
        "synonyms": len(synonyms),
        "build_seconds": round(build_seconds, 3),
        **evaluate(index, questions),
    }
    print(
        f"catalogue: {source}  documents={len(documents)} synonyms={len(synonyms)}\n"
        f"questions={report['questions']}  top1={report['top1']:.1%}  "
        f"top3={report['top3']:.1%}  all-expected@3={report['all_expected_top3']:.1%}"
    )
    for miss in report["misses_top1"]:
        mark = "top3" if miss["hit@3"] else "MISS"
        print(f"  [{mark}] {miss['id']} {miss['question']}")
        print(f"         expected {miss['expected']}  got {miss['got'][:3]}")
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", "utf-8")


if __name__ == "__main__":
    main()
