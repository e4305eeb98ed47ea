"""Case engine benchmark: BPMN lifecycles per second, with and without stored state.

    .venv/bin/python bench/engine_bench.py [--lifecycles 1000] [--repeat 3]

One lifecycle of ``cases/bpmn/default.bpmn``: start → review (pass) → decide (pass,
approve) → deliver → finished. Single-threaded, on one core; best of ``--repeat`` runs:

(a) engine only: one workflow kept in memory for the whole lifecycle;
(b) the engine API as services use it — ``engine.start`` / ``engine.complete(bpmn_xml,
    state, …)`` — so the state is restored before and serialised after every step, in
    the stored format (instance state only, orjson; spec held once per process version);
(b′) the same instance-only dict, but restored the way the first trial did it: the
    serialised spec dict re-inserted into the document and restored with it every time;
(c) SpiffWorkflow's stock ``BpmnWorkflowSerializer.serialize_json`` / ``deserialize_json``
    (full document, spec included, stdlib json) around every step.

Prints lifecycles/s and the average stored state size, plus restore/serialise times for a
mid-lifecycle state, and writes ``bench/results/engine.json``. No Django, no database.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.version import __version__ as SPIFF_VERSION  # noqa: E402

from zhengwu.cases import engine  # noqa: E402

XML = engine.bundled_bpmn("default")
STEPS: list[tuple[str, dict[str, Any]]] = [
    ("review", {"action": "pass"}),
    ("decide", {"action": "pass", "decision": "approve"}),
    ("deliver", {"action": "pass"}),
]
PROCESS = engine.compile_process(XML)
SPEC_DICT = orjson.loads(PROCESS.spec_json)


# (a) ------------------------------------------------------------------ engine only


def lifecycle_in_memory(sizes: list[int]) -> None:
    instance = engine.Instance.start(PROCESS)
    for name, data in STEPS:
        instance.complete(name, data)
    assert instance.is_finished()


# (b) ------------------------------------------------------------------ the engine API


def lifecycle_api(sizes: list[int]) -> None:
    state = engine.start(XML)
    sizes.append(len(state.encode()))
    for name, data in STEPS:
        state = engine.complete(XML, state, name, data)
        sizes.append(len(state.encode()))


# (b′) ------------------------------------------------------------------ spec re-inserted


def dump_reinserted(instance: engine.Instance) -> str:
    return instance.dump()


def restore_reinserted(state: str) -> engine.Instance:
    workflow_dict = orjson.loads(state)["workflow"]
    workflow_dict.update(copy.deepcopy(SPEC_DICT))  # spec + subprocess_specs, as dicts
    workflow = engine._FULL_SERIALIZER.from_dict(workflow_dict)
    workflow.script_engine = engine._SCRIPT_ENGINE
    return engine.Instance(PROCESS, workflow)


def lifecycle_reinserted(sizes: list[int]) -> None:
    state = dump_reinserted(engine.Instance.start(PROCESS))
    sizes.append(len(state.encode()))
    for name, data in STEPS:
        instance = restore_reinserted(state)
        instance.complete(name, data)
        state = dump_reinserted(instance)
        sizes.append(len(state.encode()))


# (c) ------------------------------------------------------------------ stock serializer


def dump_stock(instance: engine.Instance) -> str:
    return str(engine._FULL_SERIALIZER.serialize_json(instance.workflow))


def restore_stock(state: str) -> engine.Instance:
    workflow = engine._FULL_SERIALIZER.deserialize_json(state)
    workflow.script_engine = engine._SCRIPT_ENGINE
    return engine.Instance(PROCESS, workflow)


def lifecycle_stock(sizes: list[int]) -> None:
    state = dump_stock(engine.Instance.start(PROCESS))
    sizes.append(len(state.encode()))
    for name, data in STEPS:
        instance = restore_stock(state)
        instance.complete(name, data)
        state = dump_stock(instance)
        sizes.append(len(state.encode()))


# ------------------------------------------------------------------ measuring


def measure(
    name: str, lifecycle: Callable[[list[int]], None], count: int, repeat: int
) -> dict[str, Any]:
    sizes: list[int] = []
    for _ in range(max(10, count // 20)):  # warm-up
        lifecycle(sizes)
    best = 0.0
    for _ in range(repeat):
        sizes = []
        started = time.perf_counter()
        for _ in range(count):
            lifecycle(sizes)
        rate = count / (time.perf_counter() - started)
        best = max(best, rate)
    return {
        "name": name,
        "lifecycles_per_second": round(best, 1),
        "milliseconds_per_lifecycle": round(1000 / best, 3),
        "average_state_bytes": round(sum(sizes) / len(sizes)) if sizes else None,
        "max_state_bytes": max(sizes) if sizes else None,
    }


def per_call(func: Callable[[], Any], count: int) -> float:
    """Best-of-3 microseconds per call."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(count):
            func()
        best = min(best, (time.perf_counter() - started) / count)
    return round(best * 1e6, 1)


def state_costs(count: int) -> dict[str, Any]:
    """Restore / serialise one mid-lifecycle state (after review) in each format."""
    instance = engine.Instance.start(PROCESS)
    instance.complete(*STEPS[0])
    ours = instance.dump()
    stock = dump_stock(instance)
    return {
        "state": "after review (decide ready)",
        "instance_state_bytes": len(ours.encode()),
        "stock_document_bytes": len(stock.encode()),
        "spec_bytes": len(PROCESS.spec_json),
        "restore_us": {
            "instance_state": per_call(lambda: engine.Instance.restore(PROCESS, ours), count),
            "spec_reinserted": per_call(lambda: restore_reinserted(ours), count),
            "stock": per_call(lambda: restore_stock(stock), count),
        },
        "serialise_us": {
            "instance_state": per_call(instance.dump, count),
            "stock": per_call(lambda: dump_stock(instance), count),
        },
        "compile_lookup_us": per_call(lambda: engine.compile_process(XML), count),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lifecycles", type=int, default=1000, help="lifecycles per run")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best kept)")
    args = parser.parse_args()

    # Sanity: every variant drives the same process to the end.
    for restore_state, dump_state in (
        (restore_reinserted, dump_reinserted),
        (restore_stock, dump_stock),
    ):
        state = dump_state(engine.Instance.start(PROCESS))
        for name, data in STEPS:
            inst = restore_state(state)
            inst.complete(name, data)
            state = dump_state(inst)
        assert restore_state(state).is_finished()
    assert isinstance(engine.Instance.start(PROCESS).workflow, BpmnWorkflow)

    results = [
        measure("(a) engine only, in memory", lifecycle_in_memory, args.lifecycles, args.repeat),
        measure(
            "(b) engine API: instance state (orjson) restored/saved every step",
            lifecycle_api,
            args.lifecycles,
            args.repeat,
        ),
        measure(
            "(b') instance state, spec dict re-inserted on every restore",
            lifecycle_reinserted,
            args.lifecycles,
            args.repeat,
        ),
        measure(
            "(c) stock BpmnWorkflowSerializer (full document, json) every step",
            lifecycle_stock,
            args.lifecycles,
            args.repeat,
        ),
    ]
    costs = state_costs(max(200, args.lifecycles // 2))

    report = {
        "benchmark": "engine",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python": platform.python_version(),
        "spiffworkflow": SPIFF_VERSION,
        "orjson": orjson.__version__,
        "machine": platform.machine(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "single_thread": True,
        "process": f"{PROCESS.process_id} ({PROCESS.digest[:12]})",
        "lifecycle": ["start", *(f"{name} {data}" for name, data in STEPS), "finished"],
        "lifecycles_per_run": args.lifecycles,
        "repeat": args.repeat,
        "results": results,
        "state_costs": costs,
    }
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "engine.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")

    width = max(len(r["name"]) for r in results)
    print(f"{'measurement':<{width}}  {'lifecycles/s':>12}  {'ms each':>8}  {'avg state':>9}")
    for r in results:
        size = f"{r['average_state_bytes']:,} B" if r["average_state_bytes"] else "—"
        print(
            f"{r['name']:<{width}}  {r['lifecycles_per_second']:>12,.0f}  "
            f"{r['milliseconds_per_lifecycle']:>8}  {size:>9}"
        )
    restore, save = costs["restore_us"], costs["serialise_us"]
    print(
        f"mid-lifecycle state: {costs['instance_state_bytes']:,} B instance state vs "
        f"{costs['stock_document_bytes']:,} B stock document (spec {costs['spec_bytes']:,} B); "
        f"restore {restore['instance_state']} µs vs {restore['spec_reinserted']} µs (spec "
        f"re-inserted) vs {restore['stock']} µs (stock); serialise {save['instance_state']} µs "
        f"vs {save['stock']} µs; compile-cache lookup {costs['compile_lookup_us']} µs"
    )
    print(f"(results in {out_dir}/engine.json)")


if __name__ == "__main__":
    main()
