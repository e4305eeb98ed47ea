"""Search latency: ``index.search`` and the HTTP API, demo catalogue and 20,000 items.

    .venv/bin/python bench/search_latency.py [--items 20000] [--repeat 3]

1. In-process ``SearchIndex.search`` (top 10 with snippets) over the demo catalogue (the
   fixture JSON, or the stand-in names while it does not exist) and over a synthetic
   catalogue of ``--items`` items whose names, conditions, FAQs and materials are combined
   from the demo vocabulary (seeded, reproducible).
2. End to end through Django: ``GET /api/v1/catalog/search`` via the WSGI handler (Django
   test client: URL routing, middleware, ninja validation, orjson rendering) with the
   synthetic index injected in the per-process cache — no database is queried on the
   request path (the stamp check runs at most every N seconds; here it is disabled).

Queries: the questions of questions-dev.jsonl plus short keyword, pinyin and initials
queries. Single process, single thread. Writes ``bench/results/search_latency.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ZHENGWU_MODE", "test")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengwu.config.settings_test")

import django  # noqa: E402

django.setup()

from bench.search_quality import FIXTURE, QUESTIONS, load_catalogue  # noqa: E402
from zhengwu.catalog import search  # noqa: E402
from zhengwu.catalog.search import SearchDocument, SearchIndex  # noqa: E402

RESULTS = ROOT / "bench/results/search_latency.json"

SHORT_QUERIES = [
    "食品经营许可",
    "开饭馆",
    "公积金提取",
    "上户口",
    "营业执照",
    "shipin jingying",
    "spjy",
    "gjj",
    "异地就医",
    "一件事",
    "退休",
    "残疾人",
]

OBJECTS = [
    "食品",
    "药品",
    "医疗器械",
    "特种设备",
    "烟花爆竹",
    "危险化学品",
    "农药",
    "出版物",
    "道路货物运输",
    "人力资源",
    "公共场所",
    "娱乐场所",
    "户外广告",
    "建筑垃圾",
    "民办学校",
    "医疗机构",
    "社会团体",
    "企业",
    "个体工商户",
    "住房公积金",
    "社会保障卡",
    "居住证",
    "居民身份证",
    "城乡居民医保",
    "职工养老保险",
    "残疾人",
    "退役军人",
    "高龄老人",
    "二手房",
    "不动产",
    "商品房",
    "宅基地",
    "供水",
    "供电",
    "燃气",
    "发票",
    "印章",
    "教师资格",
    "出租汽车",
    "种子",
    "兽药",
    "饲料",
    "林木",
    "水利工程",
    "排水",
    "燃气设施",
    "消防",
    "文物",
    "广播电视",
    "旅行社",
    "导游",
    "档案",
]
ACTIONS = [
    "经营许可",
    "经营许可变更",
    "经营许可注销",
    "设立登记",
    "变更登记",
    "注销登记",
    "备案",
    "首次登记",
    "转移登记",
    "申领",
    "补领",
    "换领",
    "审核确认",
    "核准",
    "审批",
    "认定",
    "补贴发放",
    "待遇申领",
    "参保登记",
    "过户",
    "延续",
    "年检",
    "从业资格",
    "执业登记",
    "零售许可",
    "批发许可",
    "生产许可",
    "使用登记",
    "设置许可",
    "临时占用许可",
]
DEPARTMENTS = [
    "区市场监督管理局",
    "区公安分局",
    "区人力资源和社会保障局",
    "区医疗保障局",
    "区民政局",
    "区住房和城乡建设局",
    "区教育局",
    "区卫生健康局",
    "区交通运输局",
    "区城市管理和综合执法局",
    "区农业农村局",
    "区司法局",
    "区税务局",
    "区退役军人事务局",
    "区残疾人联合会",
    "区应急管理局",
    "区文化和旅游体育局",
    "区自然资源和规划分局",
]
SENTENCES = (
    "申请人应当具有完全民事行为能力。",
    "有与经营规模相适应的经营场所和设施设备。",
    "有健全的管理制度和专职的管理人员。",
    "申请材料齐全、符合法定形式。",
    "在本区行政区域内依法登记注册。",
    "近三年内无重大违法违规记录。",
    "按规定缴纳社会保险费满十五年。",
    "户籍或居住证在本区。",
    "家庭人均收入低于当地最低生活保障标准。",
    "达到法定退休年龄并办理退休手续。",
    "新生儿出生后一个月内由监护人申报。",
    "房屋已取得不动产权证书且无查封抵押。",
    "从业人员持有健康证明。",
    "符合国家规定的安全技术规范。",
)
MATERIALS = [
    "申请书",
    "营业执照",
    "法定代表人身份证明",
    "居民身份证",
    "户口簿",
    "经营场所证明",
    "不动产权证书",
    "健康证明",
    "管理制度文本",
    "设备清单",
    "委托书",
    "结婚证",
    "出生医学证明",
    "退役证",
    "残疾人证",
    "银行账户",
]
FAQ_QUESTIONS = (
    "需要带什么材料？",
    "多长时间能办好？",
    "可以网上办理吗？",
    "收费吗？",
    "可以委托别人办理吗？",
    "外地户口能办吗？",
    "证件丢了怎么补办？",
)


def synthetic_catalogue(n: int, seed: int = 20261127) -> list[SearchDocument]:
    rng = random.Random(seed)
    documents = []
    for i in range(n):
        name = rng.choice(OBJECTS) + rng.choice(ACTIONS)
        dept = rng.randrange(len(DEPARTMENTS))
        faqs = tuple(
            (q, rng.choice(SENTENCES) + rng.choice(SENTENCES))
            for q in rng.sample(FAQ_QUESTIONS, rng.randint(1, 3))
        )
        documents.append(
            SearchDocument(
                kind="item" if i % 200 else "bundle",
                code=f"SYN{i:06d}",
                name=name if i % 200 else name + "一件事",
                department_id=dept + 1,
                department=DEPARTMENTS[dept],
                result_name=name + "证" if rng.random() < 0.4 else "",
                faqs=faqs,
                acceptance_conditions="".join(rng.sample(SENTENCES, rng.randint(2, 4))),
                materials=tuple(rng.sample(MATERIALS, rng.randint(2, 6))),
                service_objects=frozenset(rng.sample(["1", "2", "3", "4"], rng.randint(1, 2))),
                online=rng.random() < 0.6,
                cross_province=rng.random() < 0.1,
            )
        )
    return documents


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def pick(p: float) -> float:
        return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]

    return {
        "n": len(ordered),
        "p50_ms": round(pick(0.50) * 1000, 3),
        "p95_ms": round(pick(0.95) * 1000, 3),
        "p99_ms": round(pick(0.99) * 1000, 3),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 3),
    }


def time_index(index: SearchIndex, queries: list[str], repeat: int) -> dict[str, float]:
    for q in queries[:10]:
        index.search(q)  # warm up
    samples = []
    for _ in range(repeat):
        for q in queries:
            started = time.perf_counter()
            index.search(q, limit=10)
            samples.append(time.perf_counter() - started)
    return percentiles(samples)


def time_http(queries: list[str], repeat: int) -> dict[str, Any]:
    from django.test import Client

    client = Client()
    for q in queries[:10]:
        response = client.get("/api/v1/catalog/search", {"q": q})
        assert response.status_code == 200, response.content
    samples = []
    for _ in range(repeat):
        for q in queries:
            started = time.perf_counter()
            response = client.get("/api/v1/catalog/search", {"q": q, "limit": 10})
            samples.append(time.perf_counter() - started)
            assert response.status_code == 200
    return percentiles(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    questions = [
        json.loads(line)["question"]
        for line in QUESTIONS.read_text(encoding="utf-8").splitlines()
        if line
    ]
    queries = questions + SHORT_QUERIES

    started = time.perf_counter()
    search.ensure_jieba()
    jieba_seconds = time.perf_counter() - started

    demo_docs, synonyms, source = load_catalogue(FIXTURE)
    started = time.perf_counter()
    demo_index = SearchIndex.build(demo_docs, synonyms)
    demo_build = time.perf_counter() - started

    synthetic = synthetic_catalogue(args.items)
    started = time.perf_counter()
    big_index = SearchIndex.build(synthetic, synonyms)
    big_build = time.perf_counter() - started

    report: dict[str, Any] = {
        "benchmark": "search_latency",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "single_thread": True,
        "queries": len(queries),
        "repeat": args.repeat,
        "jieba_load_seconds": round(jieba_seconds, 3),
        "demo": {
            "catalogue": source,
            "documents": len(demo_docs),
            "build_seconds": round(demo_build, 3),
            "index_search": time_index(demo_index, queries, args.repeat),
        },
        "synthetic": {
            "documents": len(synthetic),
            "terms": len(big_index.postings),
            "build_seconds": round(big_build, 3),
            "index_search": time_index(big_index, queries, args.repeat),
        },
    }
    # End to end with the synthetic index injected (no stamp → kept, no DB on requests).
    search.set_index(demo_index)
    report["demo"]["http_api"] = time_http(queries, args.repeat)
    search.set_index(big_index)
    report["synthetic"]["http_api"] = time_http(queries, args.repeat)
    search.set_index(None)
    report["target"] = "p95 ≤ 15 ms end to end at 20,000 items"
    report["target_met"] = report["synthetic"]["http_api"]["p95_ms"] <= 15.0

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", "utf-8")
    for label in ("demo", "synthetic"):
        part = report[label]
        for kind in ("index_search", "http_api"):
            p = part[kind]
            print(
                f"{label:9} {part['documents']:>6} docs  {kind:12} "
                f"p50 {p['p50_ms']:7.3f} ms  p95 {p['p95_ms']:7.3f} ms  p99 {p['p99_ms']:7.3f} ms"
            )
    print(
        f"build: demo {report['demo']['build_seconds']} s, synthetic "
        f"{report['synthetic']['build_seconds']} s; jieba load {report['jieba_load_seconds']} s"
    )


if __name__ == "__main__":
    main()
