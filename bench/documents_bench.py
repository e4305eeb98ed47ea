"""Case documents: milliseconds to render one PDF notice, and its size.

    .venv/bin/python bench/documents_bench.py [--count 200]

Renders ``--count`` one-page 受理通知书 and ``--count`` 补正材料通知书 with a 30-row listing of
missing materials (long names and reasons that wrap; several pages), each with its own case
number and progress URL, so every QR code is encoded afresh. Pure Python, no Django and no
database: ``zhengwu.cases.documents.render_notice`` on plain data. The first render of the
process (font registration, styles) is reported apart. Single process, single thread.
Writes ``bench/results/documents.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from pypdf import PdfReader  # noqa: E402

from zhengwu.cases.documents import NoticeDocument, render_notice  # noqa: E402

BODY = "西安市灞桥区市场监督管理局"
MATERIALS = [
    "营业执照或者其他主体资格证明文件复印件（加盖公章）",
    "法定代表人（负责人）身份证明及授权委托书",
    "与食品经营相适应的主要设备设施布局、操作流程等文件",
    "食品安全管理制度文本，包括从业人员健康管理、进货查验记录、食品安全自查等制度",
    "经营场所平面布局图及周边环境示意图（标明面积、用途及与污染源的距离）",
    "食品安全管理人员培训考核合格证明",
]
REASONS = [
    "复印件未加盖公章，请提供加盖公章的复印件",
    "授权委托书缺少委托人签字，委托期限未注明",
    "布局图未标明清洗消毒区与加工区的分隔，请按实际情况重新绘制并签字确认",
    "缺少从业人员健康证明清单",
    "面积与租赁合同记载不一致，请核对后重新提交",
]


def acceptance(n: int) -> NoticeDocument:
    case = f"BQ-2026-{n:06d}"
    return NoticeDocument(
        kind="acceptance",
        number=f"灞市监受〔2026〕{n:06d}号",
        case_number=case,
        issuing_body=BODY,
        applicant_name=f"西安市灞桥区第{n}号餐饮管理有限公司",
        item_name="食品经营许可（新办）",
        issued_on=date(2026, 11, 27),
        progress_url=f"https://zw.baqiao.gov.cn/progress/{case}?t={n * 7919:08x}",
        facts=(("受理日期", "2026年11月27日"), ("承诺办结日期", "2026年12月25日")),
        footer="咨询电话：029-83521234　办公地址：西安市灞桥区政务服务中心二楼",
    )


def correction(n: int, rows: int = 30) -> NoticeDocument:
    case = f"BQ-2026-{n:06d}"
    listing = tuple(
        (MATERIALS[(n + i) % len(MATERIALS)], REASONS[(n + 2 * i) % len(REASONS)])
        for i in range(rows)
    )
    return NoticeDocument(
        kind="correction",
        number=f"灞市监补〔2026〕{n:06d}号",
        case_number=case,
        issuing_body=BODY,
        applicant_name=f"西安市灞桥区第{n}号餐饮管理有限公司",
        item_name="食品经营许可（新办）",
        issued_on=date(2026, 11, 27),
        progress_url=f"https://zw.baqiao.gov.cn/progress/{case}?t={n * 7919:08x}",
        facts=(("收件日期", "2026年11月25日"),),
        listing=listing,
    )


def measure(name: str, make: Callable[[int], NoticeDocument], count: int) -> dict:
    docs = [make(n) for n in range(1, count + 1)]
    for doc in docs[:5]:  # warm-up
        render_notice(doc)
    times, sizes = [], []
    for doc in docs:
        started = time.perf_counter()
        pdf = render_notice(doc)
        times.append((time.perf_counter() - started) * 1000)
        sizes.append(len(pdf))
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    times.sort()
    return {
        "name": name,
        "documents": count,
        "pages": pages,
        "ms_mean": round(statistics.fmean(times), 2),
        "ms_median": round(statistics.median(times), 2),
        "ms_p95": round(times[int(0.95 * (len(times) - 1))], 2),
        "ms_max": round(times[-1], 2),
        "per_second": round(1000 / statistics.fmean(times), 1),
        "bytes_mean": round(statistics.fmean(sizes)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="documents of each kind")
    args = parser.parse_args()

    started = time.perf_counter()
    render_notice(acceptance(0))
    first_ms = (time.perf_counter() - started) * 1000

    results = [
        measure("受理通知书 (1 page)", acceptance, args.count),
        measure("补正材料通知书, 30 rows", correction, args.count),
    ]
    report = {
        "benchmark": "documents",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "single_thread": True,
        "first_render_ms": round(first_ms, 2),
        "results": results,
    }
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "documents.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")

    width = max(len(r["name"]) for r in results)
    print(
        f"{'document':<{width}}  {'pages':>5}  {'ms mean':>8}  {'median':>7}  {'p95':>7}"
        f"  {'docs/s':>7}  {'bytes':>7}"
    )
    for r in results:
        print(
            f"{r['name']:<{width}}  {r['pages']:>5}  {r['ms_mean']:>8}  {r['ms_median']:>7}"
            f"  {r['ms_p95']:>7}  {r['per_second']:>7}  {r['bytes_mean']:>7,}"
        )
    print(f"(first render of the process: {first_ms:.1f} ms; results in {out_dir}/documents.json)")


if __name__ == "__main__":
    main()
