"""The BPMN engine of case handling (办件): a thin, fast wrapper around SpiffWorkflow 3.

Pure Python — no Django, no database. Services store a process definition once per version
(``ProcessDefinition(key, version, bpmn_xml, digest)``) and, per case, the engine state
returned here (a JSON string), and pass both back on every call::

    state = engine.start(bpmn_xml)                        # at acceptance (受理)
    engine.ready_tasks(bpmn_xml, state)                   # [UserTask(name="review", …)]
    state = engine.complete(bpmn_xml, state, "review", {"action": "pass"})
    engine.is_finished(bpmn_xml, state)

Process definitions are parsed and validated once per digest (``compile_process``, an LRU
cache of immutable compiled processes). ``restore``/``new_instance`` give an
:class:`Instance` for callers that want several operations on one restore.

State format
    SpiffWorkflow's ``BpmnWorkflowSerializer`` repeats the whole process spec in every
    serialisation (≈5 KB of ≈12 KB for the default process). The state stored here is the
    serializer's workflow dictionary *without* the ``spec`` and ``subprocess_specs`` keys
    (``_InstanceConverter`` never produces them, so the spec is not even converted on
    save), wrapped as ``{"format", "process" (digest), "serializer_version", "workflow"}``
    and dumped with orjson. On restore the workflow is rebuilt around the parsed spec held
    by the compiled process (specs are read-only while workflows run, so one spec object
    serves every instance). The serialised spec is kept once per digest too
    (``CompiledProcess.spec_json``): :func:`to_spiff_json` re-inserts it to give a
    standard SpiffWorkflow serialisation, for tooling and debugging.

Routing data
    Gateways route on the task data keys ``action`` ("pass" | "return") and ``return_to``
    (the name of an earlier user task). They are per-step: :func:`complete` resets both
    before applying the caller's data (``action`` defaults to "pass"), so a return earlier
    in the case never leaks into a later step. Other keys (``decision`` …) are inherited
    by later tasks as usual. Task data must be JSON-compatible (it is normalised through
    orjson, so what conditions see is exactly what a restored state holds); keys may not
    start with ``__``. A ``"return"`` is checked before the task completes, by routing
    the task's data through the gateways that follow it: it must change the route, and a
    ``return_to`` must be among the steps it reaches — otherwise :class:`InvalidReturn`
    (a return on ``deliver`` would otherwise silently finish the case).
    :func:`return_targets` lists the steps a task can return to, and
    :func:`user_task_catalogue` every step.

Parallel joins in loops
    Spiff 3.2's parallel join counts tokens left over from an earlier round when a process
    loops back in front of the split (joint reviews after a return), and fires as soon as
    one branch of the new round is done. ``_ParallelGateway`` (installed through the
    parser's ``OVERRIDE_PARSER_CLASSES``, serialised under the stock typename) counts only
    the current round.

Expressions (conditions) are restricted
    Conditions run through SpiffWorkflow's ``PythonScriptEngine`` with a custom
    environment (:class:`_ConditionEnvironment`) instead of the default
    ``TaskDataEnvironment`` (which ``eval``s with all of Python's builtins):

    * each expression is parsed once and must use only an allow-listed subset of Python
      (names, constants, comparisons, ``and``/``or``/``not``, arithmetic without ``**``,
      containers, subscripts, conditional expressions and calls of the allowed builtins);
      attribute access and names starting with ``_`` are rejected — at compile time for
      every expression in the BPMN file and again at run time;
    * builtins are limited to ``len min max abs any all bool int float str``;
    * names missing from the task data evaluate to ``None`` (so ``action == "return"``
      is simply false when no action was given);
    * script execution is disabled: ``scriptTask``, ``serviceTask``,
      ``businessRuleTask`` and ``callActivity`` are rejected when compiling.

Parsing is hardened as well: no DTDs, no entity resolution, no network access, and the
document is validated against the BPMN 2.0 XSD shipped with SpiffWorkflow.
"""

from __future__ import annotations

import ast
import hashlib
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import CodeType, MappingProxyType
from typing import Any
from uuid import UUID

import orjson
from lxml import etree
from SpiffWorkflow.bpmn.parser import (  # type: ignore[import-untyped]
    BpmnParser,
    BpmnValidator,
)
from SpiffWorkflow.bpmn.parser.task_parsers import GatewayParser  # type: ignore[import-untyped]
from SpiffWorkflow.bpmn.parser.util import full_tag  # type: ignore[import-untyped]
from SpiffWorkflow.bpmn.script_engine import (  # type: ignore[import-untyped]
    BasePythonScriptEngineEnvironment,
    PythonScriptEngine,
)
from SpiffWorkflow.bpmn.serializer import (  # type: ignore[import-untyped]
    DEFAULT_CONFIG,
    BpmnWorkflowSerializer,
)
from SpiffWorkflow.bpmn.serializer.default.task_spec import (  # type: ignore[import-untyped]
    ParallelGatewayConverter,
)
from SpiffWorkflow.bpmn.serializer.default.workflow import (  # type: ignore[import-untyped]
    BpmnWorkflowConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.specs.defaults import ParallelGateway  # type: ignore[import-untyped]
from SpiffWorkflow.bpmn.specs.mixins import (  # type: ignore[import-untyped]
    ExclusiveGatewayMixin,
    InclusiveGatewayMixin,
)
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow  # type: ignore[import-untyped]
from SpiffWorkflow.exceptions import SpiffWorkflowException  # type: ignore[import-untyped]
from SpiffWorkflow.util.deep_merge import DeepMerge  # type: ignore[import-untyped]
from SpiffWorkflow.util.task import TaskState  # type: ignore[import-untyped]

__all__ = [
    "BUNDLED_PROCESSES",
    "CompiledProcess",
    "EngineError",
    "Instance",
    "InvalidProcess",
    "InvalidReturn",
    "InvalidState",
    "TaskNotReady",
    "UnknownTask",
    "UserTask",
    "bundled_bpmn",
    "compile_process",
    "complete",
    "digest",
    "is_finished",
    "new_instance",
    "ready_tasks",
    "restore",
    "return_targets",
    "start",
    "to_spiff_json",
    "user_task_catalogue",
]

STATE_FORMAT = "zhengwu.engine/1"
BPMN_DIR = Path(__file__).resolve().parent / "bpmn"
BUNDLED_PROCESSES = ("default", "multi_level", "inspection", "joint_review")
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_NS = {"bpmn": BPMN_NS}

# Per-step routing keys (see the module docstring).
ACTION = "action"
RETURN_TO = "return_to"
PASS = "pass"
RETURN = "return"

# Elements that would run code or need other definitions: refused when compiling.
_FORBIDDEN_ELEMENTS = ("scriptTask", "serviceTask", "businessRuleTask", "callActivity")
# Elements whose text is a Python expression evaluated by the script engine.
_EXPRESSION_ELEMENTS = (
    "conditionExpression",
    "completionCondition",
    "loopCardinality",
    "loopCondition",
    "timeDate",
    "timeDuration",
    "timeCycle",
)
# Elements that wait for a person: the "user tasks" of this module.
_HUMAN_ELEMENTS = ("userTask", "manualTask")


class EngineError(Exception):
    """Anything the engine refuses: bad BPMN, bad state, unknown or not-ready tasks."""


class InvalidProcess(EngineError):
    """The BPMN document cannot be used (syntax, schema, structure or expressions)."""


class InvalidState(EngineError):
    """The engine state is not a state of this process version."""


class UnknownTask(EngineError):
    """No user task of the process has that name."""


class TaskNotReady(EngineError):
    """The user task exists but is not ready (or the task id is not a ready task)."""


class InvalidReturn(EngineError):
    """A "return" that the process cannot route (no return path, or not to that step)."""


@dataclass(frozen=True)
class UserTask:
    id: str  # SpiffWorkflow task uuid
    name: str  # BPMN element id, e.g. "review"
    label: str  # BPMN element name, e.g. "审查"
    lane: str  # lane name: a role code ("approver", "approver:joint:0", …)


@dataclass(frozen=True, eq=False)
class CompiledProcess:
    """A parsed, validated process version. Immutable; shared by every instance."""

    digest: str
    process_id: str
    name: str
    spec: Any  # SpiffWorkflow BpmnProcessSpec (read-only while workflows run)
    subprocess_specs: Mapping[str, Any]
    spec_json: bytes  # {"spec": …, "subprocess_specs": …} as BpmnWorkflowSerializer writes them
    user_tasks: tuple[tuple[str, str, str], ...]  # (name, label, lane), document order

    @property
    def user_task_names(self) -> frozenset[str]:
        return frozenset(name for name, _, _ in self.user_tasks)

    def user_task(self, name: str) -> tuple[str, str, str]:
        for entry in self.user_tasks:
            if entry[0] == name:
                return entry
        raise UnknownTask(f"process {self.process_id} has no user task {name!r}")


def digest(bpmn_xml: str) -> str:
    """sha256 (hex) of the UTF-8 bytes of a BPMN document: the key of a process version."""
    return hashlib.sha256(bpmn_xml.encode("utf-8")).hexdigest()


def bundled_bpmn(name: str) -> str:
    """The text of a BPMN file shipped with zhengwu (``cases/bpmn/<name>.bpmn``)."""
    if name not in BUNDLED_PROCESSES:
        raise EngineError(f"no bundled process {name!r}; known: {', '.join(BUNDLED_PROCESSES)}")
    return (BPMN_DIR / f"{name}.bpmn").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- expressions

_SAFE_BUILTINS: Mapping[str, Any] = MappingProxyType(
    {
        "len": len,
        "min": min,
        "max": max,
        "abs": abs,
        "any": any,
        "all": all,
        "bool": bool,
        "int": int,
        "float": float,
        "str": str,
    }
)
_ALLOWED_NODES: tuple[type[ast.AST], ...] = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.UAdd,
    ast.Compare,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.In,
    ast.NotIn,
    ast.Is,
    ast.IsNot,
    ast.BinOp,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.FloorDiv,
    ast.Mod,
    ast.IfExp,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.Tuple,
    ast.List,
    ast.Set,
    ast.Dict,
    ast.Subscript,
    ast.Slice,
    ast.Call,
    ast.keyword,
    ast.GeneratorExp,
    ast.ListComp,
    ast.SetComp,
    ast.comprehension,
    ast.Store,
)


@lru_cache(maxsize=1024)
def _compile_expression(expression: str) -> CodeType:
    """Check an expression against the allow-list and compile it (cached per text)."""
    text = expression.strip()
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise EngineError(f"invalid expression {text!r}: {exc.msg}") from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise EngineError(
                f"expression {text!r} uses a disallowed construct: {type(node).__name__}"
            )
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            raise EngineError(f"expression {text!r} uses a disallowed name: {node.id}")
        if isinstance(node, ast.Call) and not (
            isinstance(node.func, ast.Name) and node.func.id in _SAFE_BUILTINS
        ):
            raise EngineError(
                f"expression {text!r} calls something other than {', '.join(_SAFE_BUILTINS)}"
            )
        if isinstance(node, ast.keyword) and node.arg is None:
            raise EngineError(f"expression {text!r} uses ** in a call")
    return compile(tree, "<bpmn expression>", "eval")


class _Names(dict[str, Any]):
    """Evaluation namespace: names missing from the task data are ``None``."""

    __slots__ = ()

    def __missing__(self, key: str) -> Any:
        if key in _SAFE_BUILTINS:
            raise KeyError(key)  # fall through to the restricted builtins
        return None


class _ConditionEnvironment(BasePythonScriptEngineEnvironment):  # type: ignore[misc]
    """Evaluates allow-listed expressions against task data; never executes scripts."""

    def evaluate(
        self,
        expression: str,
        context: Mapping[str, Any],
        external_context: Mapping[str, Any] | None = None,
    ) -> Any:
        return _evaluate(expression, context, external_context)

    def execute(self, script: str, context: Any, external_context: Any = None) -> bool:
        raise EngineError("scripts are disabled in zhengwu processes")

    def call_service(self, context: Any, **kwargs: Any) -> Any:
        raise EngineError("service calls are disabled in zhengwu processes")


def _evaluate(
    expression: str,
    context: Mapping[str, Any],
    external_context: Mapping[str, Any] | None = None,
) -> Any:
    code = _compile_expression(expression)
    names = _Names(external_context or ())
    names.update(context)
    names["__builtins__"] = _SAFE_BUILTINS
    return eval(code, names)  # noqa: S307 — allow-listed AST, restricted builtins


_SCRIPT_ENGINE = PythonScriptEngine(environment=_ConditionEnvironment())


# --------------------------------------------------------------------------- parallel joins


class _ParallelGateway(ParallelGateway):  # type: ignore[misc]
    """SpiffWorkflow's parallel gateway, with a join that is safe inside loops.

    Spiff 3.2 decides whether a join may fire by looking at *every* task of the join's
    spec in the tree. When a process loops back in front of the split (decide → "return"
    → joint reviews again), the join task that was cancelled in the previous round still
    has a completed parent, so the second round's join fires as soon as the *other*
    branch is done. Here only the current round counts: if the join already fired on the
    path to this task, only join tasks that descend from that firing are considered (every
    task of the new round does; the leftovers of earlier rounds do not). Without an earlier
    firing the behaviour is Spiff's own.
    """

    def _current_round(self, my_task: Any) -> list[Any]:
        previous = my_task.parent
        while previous is not None and previous.task_spec is not self:
            previous = previous.parent
        tasks = my_task.workflow.get_tasks(spec_name=self.name)
        if previous is None:
            return list(tasks)
        return [task for task in tasks if task.is_descendant_of(previous)]

    def _check_threshold_unstructured(self, my_task: Any) -> bool:
        waiting_inputs = set(self.inputs)

        def remove_ancestor(task: Any) -> None:
            while task is not None:
                if task.task_spec in waiting_inputs:
                    waiting_inputs.remove(task.task_spec)
                    return
                task = task.parent

        for task in self._current_round(my_task):
            if task.is_descendant_of(my_task):
                remove_ancestor(task)  # reached only after this join fires: do not wait
            elif my_task.is_descendant_of(task):
                continue
            elif (
                task.parent.state == TaskState.COMPLETED and task.parent.task_spec in waiting_inputs
            ):
                waiting_inputs.remove(task.parent.task_spec)
        return not waiting_inputs

    def _run_hook(self, my_task: Any) -> bool:
        others = [
            task
            for task in self._current_round(my_task)
            if task.has_state(TaskState.FINISHED_MASK) and not my_task.is_descendant_of(task)
        ]
        for task in sorted(others, key=lambda t: t.last_state_change):
            DeepMerge.merge(my_task.data, task.parent.data)
            if task.has_state(TaskState.COMPLETED):
                task._drop_children(force=True)
        my_task._inherit_data()
        return True


class _Parser(BpmnParser):  # type: ignore[misc]
    OVERRIDE_PARSER_CLASSES = {full_tag("parallelGateway"): (GatewayParser, _ParallelGateway)}


def _registry(workflow_converter: Any) -> Any:
    registry = BpmnWorkflowSerializer.configure(
        {**DEFAULT_CONFIG, BpmnWorkflow: workflow_converter}
    )
    # Serialise the loop-safe gateway under the stock typename, so that a full document
    # (to_spiff_json) stays readable by a stock BpmnWorkflowSerializer.
    ParallelGatewayConverter(_ParallelGateway, registry, typename="ParallelGateway")
    return registry


# --------------------------------------------------------------------------- serialisation


class _InstanceConverter(BpmnWorkflowConverter):  # type: ignore[misc]
    """``BpmnWorkflowConverter`` that leaves the process spec out of the workflow dict.

    ``to_dict`` yields exactly the default converter's dict minus ``spec`` and
    ``subprocess_specs``; ``from_dict`` takes the (already parsed) specs as arguments. A
    dict that still carries its spec (a full serialisation) is restored the default way.
    """

    def to_dict(self, workflow: Any) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(
        self,
        dct: dict[str, Any],
        spec: Any = None,
        subprocess_specs: dict[str, Any] | None = None,
        script_engine: Any = None,
    ) -> Any:
        if spec is None:
            workflow = super().from_dict(dct)
            if script_engine is not None:
                workflow.script_engine = script_engine
            return workflow
        workflow = self.target_class(
            spec, subprocess_specs, script_engine=script_engine, deserializing=True
        )
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_INSTANCE_SERIALIZER = BpmnWorkflowSerializer(registry=_registry(_InstanceConverter))
# The stock serializer (plus the gateway above): specs, once per process version.
_FULL_SERIALIZER = BpmnWorkflowSerializer(registry=_registry(BpmnWorkflowConverter))


# --------------------------------------------------------------------------- compiling


class _Source:
    """An lru_cache key: a BPMN document that hashes and compares by its digest."""

    __slots__ = ("digest", "xml")

    def __init__(self, xml: str) -> None:
        self.xml = xml
        self.digest = digest(xml)

    def __hash__(self) -> int:
        return hash(self.digest)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Source) and other.digest == self.digest


_COMPILE_LOCK = threading.Lock()  # the lxml schema validator is not shared across threads


@lru_cache(maxsize=1)
def _validator() -> Any:
    return BpmnValidator()


def _xml_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )


def compile_process(bpmn_xml: str) -> CompiledProcess:
    """Parse and validate a BPMN document; cached (LRU) by digest."""
    if not isinstance(bpmn_xml, str):
        raise InvalidProcess(f"BPMN must be a str, not {type(bpmn_xml).__name__}")
    try:
        source = _Source(bpmn_xml)
    except UnicodeEncodeError as exc:
        raise InvalidProcess(f"invalid BPMN text: {exc}") from None
    return _compile(source)


@lru_cache(maxsize=128)
def _compile(source: _Source) -> CompiledProcess:
    with _COMPILE_LOCK:
        return _compile_locked(source.xml, source.digest)


def _compile_locked(bpmn_xml: str, key: str) -> CompiledProcess:
    try:
        root = etree.fromstring(bpmn_xml.encode("utf-8"), _xml_parser())
    except etree.XMLSyntaxError as exc:
        raise InvalidProcess(f"invalid BPMN XML: {exc}") from None
    if root.getroottree().docinfo.doctype:
        raise InvalidProcess("invalid BPMN: a DOCTYPE is not allowed")
    if root.tag != f"{{{BPMN_NS}}}definitions":
        raise InvalidProcess(
            f"invalid BPMN: the root element must be bpmn:definitions, not {root.tag}"
        )

    try:
        _validator().validate(root)
    except SpiffWorkflowException as exc:
        raise InvalidProcess(f"invalid BPMN (schema): {exc}") from None

    for tag in _FORBIDDEN_ELEMENTS:
        found = root.find(f".//bpmn:{tag}", _NS)
        if found is not None:
            raise InvalidProcess(
                f"invalid BPMN: bpmn:{tag} ({found.get('id')}) is not supported — "
                "zhengwu processes run no scripts or external services"
            )
    for tag in _EXPRESSION_ELEMENTS:
        for element in root.iterfind(f".//bpmn:{tag}", _NS):
            try:
                _compile_expression(element.text or "")
            except EngineError as exc:
                raise InvalidProcess(f"invalid BPMN: {exc}") from None

    parser = _Parser()
    try:
        parser.add_bpmn_xml(root)
        process_ids = parser.get_process_ids()
        if len(process_ids) != 1:
            raise InvalidProcess(
                "a BPMN file must contain exactly one executable process, found "
                f"{len(process_ids)}" + (f": {', '.join(process_ids)}" if process_ids else "")
            )
        process_id = process_ids[0]
        spec = parser.get_spec(process_id)
        subprocess_specs = parser.get_subprocess_specs(process_id)
        spec_json = orjson.dumps(
            {
                "spec": _FULL_SERIALIZER.to_dict(spec),
                "subprocess_specs": {
                    name: _FULL_SERIALIZER.to_dict(sub) for name, sub in subprocess_specs.items()
                },
            }
        )
    except InvalidProcess:
        raise
    except Exception as exc:  # the parser reports odd documents in many ways
        raise InvalidProcess(f"invalid BPMN: {exc}") from exc

    human_specs: dict[str, Any] = {}
    for process_spec in (spec, *subprocess_specs.values()):
        for task_spec in process_spec.task_specs.values():
            if task_spec.manual and getattr(task_spec, "bpmn_id", None):
                human_specs.setdefault(task_spec.bpmn_id, task_spec)
    process_element = root.find(f".//bpmn:process[@id='{process_id}']", _NS)
    catalogue: list[tuple[str, str, str]] = []
    for element in process_element.iter(*(f"{{{BPMN_NS}}}{tag}" for tag in _HUMAN_ELEMENTS)):
        name = element.get("id")
        task_spec = human_specs.get(name)
        if task_spec is None:
            raise InvalidProcess(f"invalid BPMN: user task {name} is not reachable from the start")
        if not task_spec.lane:
            raise InvalidProcess(f"invalid BPMN: user task {name} is not in a named lane")
        catalogue.append((name, task_spec.bpmn_name or name, task_spec.lane))

    return CompiledProcess(
        digest=key,
        process_id=process_id,
        name=spec.description or process_id,
        spec=spec,
        subprocess_specs=MappingProxyType(dict(subprocess_specs)),
        spec_json=spec_json,
        user_tasks=tuple(catalogue),
    )


# --------------------------------------------------------------------------- instances


def _user_task(task: Any) -> UserTask:
    spec = task.task_spec
    return UserTask(
        id=str(task.id),
        name=spec.bpmn_id,
        label=spec.bpmn_name or spec.bpmn_id,
        lane=spec.lane or "",
    )


def _normalise_data(data: Mapping[str, Any] | None) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise EngineError(f"task data must be a mapping, not {type(data).__name__}")
    try:
        normalised = orjson.loads(orjson.dumps(data))
    except (TypeError, orjson.JSONEncodeError) as exc:
        raise EngineError(f"task data must be JSON-compatible: {exc}") from None
    for key in normalised:
        if key.startswith("__"):
            raise EngineError(f"task data key {key!r} is reserved")
    return normalised


class Instance:
    """One running workflow of a compiled process; ``dump()`` gives the state to store."""

    __slots__ = ("process", "workflow")

    def __init__(self, process: CompiledProcess, workflow: Any) -> None:
        self.process = process
        self.workflow = workflow

    @classmethod
    def start(cls, process: CompiledProcess, data: Mapping[str, Any] | None = None) -> Instance:
        workflow = BpmnWorkflow(
            process.spec, dict(process.subprocess_specs), script_engine=_SCRIPT_ENGINE
        )
        workflow.task_tree.data.update(_normalise_data(data))
        instance = cls(process, workflow)
        instance._run_engine()
        return instance

    @classmethod
    def restore(cls, process: CompiledProcess, state: str | bytes) -> Instance:
        try:
            document = orjson.loads(state)
        except (TypeError, orjson.JSONDecodeError) as exc:
            raise InvalidState(f"engine state is not JSON: {exc}") from None
        if not isinstance(document, dict) or document.get("format") != STATE_FORMAT:
            raise InvalidState(f"engine state is not in the {STATE_FORMAT} format")
        if document.get("process") != process.digest:
            raise InvalidState(
                f"engine state belongs to process version {str(document.get('process'))[:12]}…, "
                f"not {process.digest[:12]}…"
            )
        workflow_dict = document.get("workflow")
        if not isinstance(workflow_dict, dict) or workflow_dict.get("typename") != "BpmnWorkflow":
            raise InvalidState("engine state holds no workflow")
        try:
            workflow = _INSTANCE_SERIALIZER.from_dict(
                workflow_dict,
                spec=process.spec,
                subprocess_specs=dict(process.subprocess_specs),
                script_engine=_SCRIPT_ENGINE,
            )
        except (KeyError, TypeError, ValueError, AttributeError, SpiffWorkflowException) as exc:
            raise InvalidState(f"engine state cannot be restored: {exc!r}") from None
        if workflow.task_tree is None:
            raise InvalidState("engine state has no task tree")
        return cls(process, workflow)

    def dump(self) -> str:
        document = {
            "format": STATE_FORMAT,
            "process": self.process.digest,
            "serializer_version": _INSTANCE_SERIALIZER.VERSION,
            "workflow": _INSTANCE_SERIALIZER.to_dict(self.workflow),
        }
        return orjson.dumps(document).decode("utf-8")

    def _ready(self) -> Iterator[Any]:
        return self.workflow.get_tasks_iterator(state=TaskState.READY, manual=True)

    def ready_tasks(self) -> list[UserTask]:
        return [_user_task(task) for task in self._ready()]

    def is_finished(self) -> bool:
        return bool(self.workflow.is_completed())

    def complete(
        self,
        task_name: str,
        data: Mapping[str, Any] | None = None,
        *,
        task_id: str | None = None,
    ) -> UserTask:
        """Complete a ready user task with ``data`` and run the engine to the next wait."""
        if task_name not in self.process.user_task_names:
            raise UnknownTask(f"process {self.process.process_id} has no user task {task_name!r}")
        payload = _normalise_data(data)
        ready = [task for task in self._ready() if task.task_spec.bpmn_id == task_name]
        if task_id is not None:
            ready = [task for task in ready if str(task.id) == task_id]
            if not ready:
                raise TaskNotReady(f"task {task_id} ({task_name}) is not a ready task")
        elif not ready:
            waiting = ", ".join(task.name for task in self.ready_tasks()) or "none"
            raise TaskNotReady(f"user task {task_name!r} is not ready (ready: {waiting})")
        elif len(ready) > 1:
            raise EngineError(
                f"{len(ready)} instances of {task_name!r} are ready; pass task_id to choose one"
            )
        task = ready[0]
        done = _user_task(task)
        routed = dict(task.data)
        routed.pop(RETURN_TO, None)
        routed[ACTION] = PASS
        routed.update(payload)
        if routed[ACTION] == RETURN:
            _check_return(self.process, task.task_spec, routed)
        task.data.clear()
        task.data.update(routed)
        try:
            task.run()
        except SpiffWorkflowException as exc:
            raise EngineError(f"completing {task_name!r} failed: {exc}") from None
        self._run_engine()
        return done

    def _run_engine(self) -> None:
        try:
            self.workflow.do_engine_steps()
        except SpiffWorkflowException as exc:
            raise EngineError(f"engine step failed: {exc}") from None


def new_instance(bpmn_xml: str, data: Mapping[str, Any] | None = None) -> Instance:
    """A new workflow, run up to its first user task(s)."""
    return Instance.start(compile_process(bpmn_xml), data)


def restore(bpmn_xml: str, state: str | bytes) -> Instance:
    """The workflow stored in ``state`` (which must belong to this BPMN document)."""
    return Instance.restore(compile_process(bpmn_xml), state)


# --------------------------------------------------------------------------- the API


# Per thread: (BPMN, state, its ready tasks) of the state this thread's last start/complete
# returned. A step completes a task and then asks for the ready tasks of the state it got
# back: that answer is known already, and restoring the workflow again would cost as much as
# the step itself. Any other state is restored.
_last = threading.local()


def _remember_ready(bpmn_xml: str, instance: Instance) -> str:
    state = instance.dump()
    _last.entry = (bpmn_xml, state, tuple(instance.ready_tasks()))
    return state


def start(bpmn_xml: str, data: Mapping[str, Any] | None = None) -> str:
    """Start an instance (optionally with initial data) and return its state."""
    return _remember_ready(bpmn_xml, new_instance(bpmn_xml, data))


def ready_tasks(bpmn_xml: str, state: str | bytes) -> list[UserTask]:
    entry = getattr(_last, "entry", None)
    if entry is not None and entry[1] == state and entry[0] == bpmn_xml:
        return list(entry[2])  # UserTask is immutable
    return restore(bpmn_xml, state).ready_tasks()


def complete(
    bpmn_xml: str,
    state: str | bytes,
    task_name: str,
    data: dict[str, Any] | None = None,
    *,
    task_id: str | None = None,
) -> str:
    """Complete the ready user task ``task_name`` (or ``task_id``); return the new state."""
    instance = restore(bpmn_xml, state)
    instance.complete(task_name, data, task_id=task_id)
    return _remember_ready(bpmn_xml, instance)


def is_finished(bpmn_xml: str, state: str | bytes) -> bool:
    return restore(bpmn_xml, state).is_finished()


def user_task_catalogue(bpmn_xml: str) -> list[tuple[str, str, str]]:
    """(name, label, lane) of every user task of the process, in document order."""
    return list(compile_process(bpmn_xml).user_tasks)


def return_targets(bpmn_xml: str, task_name: str) -> list[str]:
    """The user tasks X that ``task_name`` can return to (``{"action": "return", "return_to": X}``).

    Found by routing that data through the gateways after the task (conditions evaluated
    as at run time) and keeping each X that the return reaches but a pass does not.
    """
    process = compile_process(bpmn_xml)
    process.user_task(task_name)  # raises UnknownTask
    return list(_return_targets(process, task_name))


@lru_cache(maxsize=512)
def _return_targets(process: CompiledProcess, task_name: str) -> tuple[str, ...]:
    specs = [
        task_spec
        for process_spec in (process.spec, *process.subprocess_specs.values())
        for task_spec in process_spec.task_specs.values()
        if task_spec.manual and getattr(task_spec, "bpmn_id", None) == task_name
    ]
    passed = _reached(specs, {ACTION: PASS})
    targets = []
    for name, _, _ in process.user_tasks:
        if (
            name != task_name
            and name not in passed
            and name in _reached(specs, {ACTION: RETURN, RETURN_TO: name})
        ):
            targets.append(name)
    return tuple(targets)


def _check_return(process: CompiledProcess, task_spec: Any, data: dict[str, Any]) -> None:
    """Refuse a return that the gateways after the task would not route as asked."""
    name = task_spec.bpmn_id
    returned = _reached([task_spec], data)
    target = data.get(RETURN_TO)
    if target is not None:
        if target not in returned:
            allowed = ", ".join(_return_targets(process, name)) or "no step"
            raise InvalidReturn(
                f"{name!r} cannot return to {target!r} (it can return to {allowed})"
            )
    elif returned == _reached([task_spec], {**data, ACTION: PASS}):
        raise InvalidReturn(f"{name!r} cannot return: the process has no return path there")


def _reached(start_specs: list[Any], data: dict[str, Any]) -> set[str]:
    """User tasks that a token leaving ``start_specs`` with ``data`` reaches next."""
    reached: set[str] = set()
    seen: set[int] = set()
    pending = [output for task_spec in start_specs for output in task_spec.outputs]
    while pending:
        task_spec = pending.pop()
        if id(task_spec) in seen:
            continue
        seen.add(id(task_spec))
        if task_spec.manual:
            reached.add(task_spec.bpmn_id)
            continue
        if isinstance(task_spec, ExclusiveGatewayMixin | InclusiveGatewayMixin):
            # Default flows are the unconditional entries of cond_task_specs.
            matched = [
                name
                for condition, name in task_spec.cond_task_specs
                if condition is not None and _evaluate(condition.args[0], data)
            ]
            defaults = [name for condition, name in task_spec.cond_task_specs if condition is None]
            if isinstance(task_spec, ExclusiveGatewayMixin):
                matched = matched[:1]
            names = matched or defaults
            pending.extend(task_spec._wf_spec.task_specs[name] for name in names)
        else:
            pending.extend(task_spec.outputs)
    return reached


def to_spiff_json(bpmn_xml: str, state: str | bytes) -> str:
    """A standard ``BpmnWorkflowSerializer`` document of the state (spec re-inserted)."""
    process = compile_process(bpmn_xml)
    Instance.restore(process, state)  # validates the state against the process
    document = orjson.loads(state)
    workflow = document["workflow"]
    workflow.update(orjson.loads(process.spec_json))
    workflow[BpmnWorkflowSerializer.VERSION_KEY] = document["serializer_version"]
    return orjson.dumps(workflow).decode("utf-8")
