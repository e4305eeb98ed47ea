"""The BPMN engine wrapper (zhengwu.cases.engine): pure Python, no database."""

from __future__ import annotations

import hashlib

import orjson
import pytest
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer

from zhengwu.cases import engine
from zhengwu.cases.engine import EngineError

DEFAULT = engine.bundled_bpmn("default")
MULTI_LEVEL = engine.bundled_bpmn("multi_level")
INSPECTION = engine.bundled_bpmn("inspection")
JOINT = engine.bundled_bpmn("joint_review")

PASS = {"action": "pass"}
RETURN = {"action": "return"}
APPROVE = {"action": "pass", "decision": "approve"}


def names(xml: str, state: str) -> list[str]:
    return [task.name for task in engine.ready_tasks(xml, state)]


def run(xml: str, state: str, *steps: tuple[str, dict | None]) -> str:
    """Complete the steps in order, each time through a stored (string) state."""
    for name, data in steps:
        state = engine.complete(xml, state, name, data)
    return state


def minimal_bpmn(body: str, *, lanes: str | None = None, executable: str = "true") -> str:
    lane_set = (
        lanes
        if lanes is not None
        else """
      <bpmn:laneSet id="ls"><bpmn:lane id="l1" name="approver">
        <bpmn:flowNodeRef>task</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>"""
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="urn:t">
  <bpmn:process id="p" isExecutable="{executable}">{lane_set}
    {body}
  </bpmn:process>
</bpmn:definitions>"""


SIMPLE_BODY = """
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="task" name="任务"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task"/>
    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end"/>"""


# ------------------------------------------------------------------ full pass paths


@pytest.mark.parametrize(
    ("xml", "path"),
    [
        (
            DEFAULT,
            [("review", "approver"), ("decide", "department_head"), ("deliver", "window_clerk")],
        ),
        (
            MULTI_LEVEL,
            [
                ("review", "approver"),
                ("second_review", "approver"),
                ("decide", "department_head"),
                ("deliver", "window_clerk"),
            ],
        ),
        (
            INSPECTION,
            [
                ("review", "approver"),
                ("inspect", "approver"),
                ("decide", "department_head"),
                ("deliver", "window_clerk"),
            ],
        ),
    ],
    ids=["default", "multi_level", "inspection"],
)
def test_full_pass_path(xml, path):
    state = engine.start(xml)
    for name, lane in path:
        ready = engine.ready_tasks(xml, state)
        assert [(t.name, t.lane) for t in ready] == [(name, lane)]
        assert not engine.is_finished(xml, state)
        data = APPROVE if name == "decide" else PASS
        state = engine.complete(xml, state, name, data)
    assert engine.ready_tasks(xml, state) == []
    assert engine.is_finished(xml, state)


def test_joint_review_full_pass_path():
    state = engine.start(JOINT)
    assert names(JOINT, state) == ["review"]
    state = engine.complete(JOINT, state, "review", PASS)
    ready = engine.ready_tasks(JOINT, state)
    assert [(t.name, t.label, t.lane) for t in ready] == [
        ("joint_review_0", "联合审查(一)", "approver:joint:0"),
        ("joint_review_1", "联合审查(二)", "approver:joint:1"),
    ]
    state = run(JOINT, state, ("joint_review_0", {"opinion_0": "同意"}))
    assert names(JOINT, state) == ["joint_review_1"]
    state = run(JOINT, state, ("joint_review_1", {"opinion_1": "同意"}))
    assert [(t.name, t.lane) for t in engine.ready_tasks(JOINT, state)] == [
        ("decide", "department_head")
    ]
    state = run(JOINT, state, ("decide", APPROVE), ("deliver", PASS))
    assert engine.is_finished(JOINT, state)


def test_parallel_branches_are_both_required_before_decide():
    state = run(JOINT, engine.start(JOINT), ("review", PASS), ("joint_review_1", PASS))
    assert names(JOINT, state) == ["joint_review_0"]
    with pytest.raises(engine.TaskNotReady):
        engine.complete(JOINT, state, "decide", APPROVE)
    # The branch already done cannot be completed twice either.
    with pytest.raises(engine.TaskNotReady):
        engine.complete(JOINT, state, "joint_review_1", PASS)
    state = engine.complete(JOINT, state, "joint_review_0", PASS)
    assert names(JOINT, state) == ["decide"]


def test_joint_branch_data_meets_at_decide():
    state = run(
        JOINT,
        engine.start(JOINT),
        ("review", PASS),
        ("joint_review_0", {"opinion_0": "同意"}),
        ("joint_review_1", {"opinion_1": "补充说明"}),
    )
    instance = engine.restore(JOINT, state)
    (decide,) = instance.workflow.get_tasks(state=16, manual=True)  # READY
    assert decide.data["opinion_0"] == "同意"
    assert decide.data["opinion_1"] == "补充说明"


# ------------------------------------------------------------------ return paths


def test_default_review_return_goes_to_recheck_and_back():
    state = engine.start(DEFAULT)
    state = engine.complete(DEFAULT, state, "review", RETURN)
    ready = engine.ready_tasks(DEFAULT, state)
    assert [(t.name, t.label, t.lane) for t in ready] == [("recheck", "退回补充", "window_clerk")]
    state = engine.complete(DEFAULT, state, "recheck")
    assert names(DEFAULT, state) == ["review"]
    # Loop more than once: every return makes a fresh review task.
    first_review = engine.ready_tasks(DEFAULT, state)[0].id
    state = run(DEFAULT, state, ("review", RETURN), ("recheck", None))
    assert names(DEFAULT, state) == ["review"]
    assert engine.ready_tasks(DEFAULT, state)[0].id != first_review
    state = run(DEFAULT, state, ("review", PASS), ("decide", APPROVE), ("deliver", PASS))
    assert engine.is_finished(DEFAULT, state)


def test_default_decide_return_goes_to_review():
    state = run(DEFAULT, engine.start(DEFAULT), ("review", PASS), ("decide", RETURN))
    assert names(DEFAULT, state) == ["review"]
    state = run(DEFAULT, state, ("review", PASS))
    assert names(DEFAULT, state) == ["decide"]


def test_default_decide_can_return_to_the_window():
    state = run(
        DEFAULT,
        engine.start(DEFAULT),
        ("review", PASS),
        ("decide", {"action": "return", "return_to": "recheck"}),
    )
    assert names(DEFAULT, state) == ["recheck"]
    state = run(DEFAULT, state, ("recheck", PASS))
    assert names(DEFAULT, state) == ["review"]


def test_routing_keys_do_not_leak_into_later_steps():
    # decide returns to the window; review then completes with *no* data: the inherited
    # "return"/"recheck" must not send it back again.
    state = run(
        DEFAULT,
        engine.start(DEFAULT),
        ("review", PASS),
        ("decide", {"action": "return", "return_to": "recheck"}),
        ("recheck", None),
        ("review", None),
    )
    assert names(DEFAULT, state) == ["decide"]
    state = run(DEFAULT, state, ("decide", {"decision": "approve"}))
    assert names(DEFAULT, state) == ["deliver"]


def test_deny_is_still_delivered():
    state = run(
        DEFAULT,
        engine.start(DEFAULT),
        ("review", PASS),
        ("decide", {"action": "pass", "decision": "deny"}),
    )
    assert names(DEFAULT, state) == ["deliver"]
    instance = engine.restore(DEFAULT, state)
    (deliver,) = instance.workflow.get_tasks(state=16, manual=True)
    assert deliver.data["decision"] == "deny"
    state = engine.complete(DEFAULT, state, "deliver")
    assert engine.is_finished(DEFAULT, state)


@pytest.mark.parametrize(
    ("xml", "middle"), [(MULTI_LEVEL, "second_review"), (INSPECTION, "inspect")]
)
def test_multi_step_returns_go_back_one_step(xml, middle):
    state = run(xml, engine.start(xml), ("review", PASS), (middle, RETURN))
    assert names(xml, state) == ["review"]
    state = run(xml, state, ("review", RETURN))
    assert names(xml, state) == ["recheck"]
    state = run(xml, state, ("recheck", PASS), ("review", PASS), (middle, PASS), ("decide", RETURN))
    assert names(xml, state) == [middle]
    state = run(xml, state, (middle, PASS), ("decide", {"action": "return", "return_to": "review"}))
    assert names(xml, state) == ["review"]
    state = run(
        xml, state, ("review", PASS), (middle, PASS), ("decide", APPROVE), ("deliver", PASS)
    )
    assert engine.is_finished(xml, state)


def test_joint_decide_return_reruns_both_joint_reviews():
    state = run(
        JOINT,
        engine.start(JOINT),
        ("review", PASS),
        ("joint_review_0", PASS),
        ("joint_review_1", PASS),
        ("decide", RETURN),
    )
    assert names(JOINT, state) == ["joint_review_0", "joint_review_1"]
    state = run(JOINT, state, ("joint_review_1", PASS))
    assert names(JOINT, state) == ["joint_review_0"]
    state = run(
        JOINT,
        state,
        ("joint_review_0", PASS),
        ("decide", {"action": "return", "return_to": "review"}),
    )
    assert names(JOINT, state) == ["review"]
    # Third round, other order: the join still waits for both.
    state = run(JOINT, state, ("review", PASS), ("joint_review_0", {"opinion_0": "第三轮"}))
    assert names(JOINT, state) == ["joint_review_1"]
    state = run(JOINT, state, ("joint_review_1", {"opinion_1": "第三轮"}))
    assert names(JOINT, state) == ["decide"]
    (decide,) = engine.restore(JOINT, state).workflow.get_tasks(state=16, manual=True)
    assert decide.data["opinion_0"] == decide.data["opinion_1"] == "第三轮"
    state = run(JOINT, state, ("decide", APPROVE), ("deliver", PASS))
    assert engine.is_finished(JOINT, state)


THREE_WAY = minimal_bpmn(
    """
    <bpmn:startEvent id="start"/>
    <bpmn:exclusiveGateway id="merge" default="f_merge"/>
    <bpmn:parallelGateway id="split"/>
    <bpmn:userTask id="a" name="A"/>
    <bpmn:userTask id="b" name="B"/>
    <bpmn:userTask id="c" name="C"/>
    <bpmn:parallelGateway id="join"/>
    <bpmn:userTask id="task" name="汇总"/>
    <bpmn:exclusiveGateway id="outcome" default="f_end"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f_start" sourceRef="start" targetRef="merge"/>
    <bpmn:sequenceFlow id="f_merge" sourceRef="merge" targetRef="split"/>
    <bpmn:sequenceFlow id="f_a" sourceRef="split" targetRef="a"/>
    <bpmn:sequenceFlow id="f_b" sourceRef="split" targetRef="b"/>
    <bpmn:sequenceFlow id="f_c" sourceRef="split" targetRef="c"/>
    <bpmn:sequenceFlow id="f_aj" sourceRef="a" targetRef="join"/>
    <bpmn:sequenceFlow id="f_bj" sourceRef="b" targetRef="join"/>
    <bpmn:sequenceFlow id="f_cj" sourceRef="c" targetRef="join"/>
    <bpmn:sequenceFlow id="f_join" sourceRef="join" targetRef="task"/>
    <bpmn:sequenceFlow id="f_task" sourceRef="task" targetRef="outcome"/>
    <bpmn:sequenceFlow id="f_again" sourceRef="outcome" targetRef="merge">
      <bpmn:conditionExpression>action == "return"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_end" sourceRef="outcome" targetRef="end"/>""",
    lanes="""
      <bpmn:laneSet id="ls"><bpmn:lane id="l1" name="approver">
        <bpmn:flowNodeRef>a</bpmn:flowNodeRef><bpmn:flowNodeRef>b</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>c</bpmn:flowNodeRef><bpmn:flowNodeRef>task</bpmn:flowNodeRef>
      </bpmn:lane></bpmn:laneSet>""",
)


@pytest.mark.parametrize("order", ["abc", "cba", "bac"])
def test_three_way_join_in_a_loop_waits_for_every_branch_in_every_round(order):
    state = engine.start(THREE_WAY)
    for _round in range(3):
        assert names(THREE_WAY, state) == ["a", "b", "c"]
        for done, name in enumerate(order, start=1):
            assert names(THREE_WAY, state) != ["task"]
            state = engine.complete(THREE_WAY, state, name)
            if done < 3:
                assert "task" not in names(THREE_WAY, state)
        assert names(THREE_WAY, state) == ["task"]
        state = engine.complete(THREE_WAY, state, "task", RETURN)
        order = order[1:] + order[0]  # a different order next round
    state = run(THREE_WAY, state, ("a", None), ("b", None), ("c", None), ("task", PASS))
    assert engine.is_finished(THREE_WAY, state)


@pytest.mark.parametrize(
    ("xml", "steps", "name", "data"),
    [
        (DEFAULT, [("review", PASS), ("decide", APPROVE)], "deliver", RETURN),
        (JOINT, [("review", PASS)], "joint_review_0", RETURN),
        (DEFAULT, [], "review", {"action": "return", "return_to": "decide"}),
        (DEFAULT, [("review", PASS)], "decide", {"action": "return", "return_to": "deliver"}),
        (MULTI_LEVEL, [("review", PASS)], "second_review", {"action": "return", "return_to": "x"}),
    ],
    ids=["deliver", "joint-branch", "forward", "to-itself-later", "unknown-step"],
)
def test_impossible_returns_are_refused(xml, steps, name, data):
    state = run(xml, engine.start(xml), *steps)
    with pytest.raises(engine.InvalidReturn):
        engine.complete(xml, state, name, data)
    assert names(xml, state)[0] == name  # nothing moved


def test_return_targets():
    assert engine.return_targets(DEFAULT, "review") == ["recheck"]
    assert engine.return_targets(DEFAULT, "decide") == ["review", "recheck"]
    assert engine.return_targets(DEFAULT, "deliver") == []
    assert engine.return_targets(MULTI_LEVEL, "decide") == ["review", "recheck", "second_review"]
    assert engine.return_targets(JOINT, "joint_review_0") == []
    with pytest.raises(engine.UnknownTask):
        engine.return_targets(DEFAULT, "nope")


# ------------------------------------------------------------------ errors on completion


def test_completing_a_task_that_is_not_ready_raises():
    state = engine.start(DEFAULT)
    with pytest.raises(EngineError, match="not ready"):
        engine.complete(DEFAULT, state, "decide", APPROVE)
    with pytest.raises(engine.TaskNotReady):
        engine.complete(DEFAULT, state, "deliver")
    # The caller's state is untouched and still usable.
    assert names(DEFAULT, state) == ["review"]


def test_completing_an_unknown_task_raises():
    state = engine.start(DEFAULT)
    with pytest.raises(engine.UnknownTask):
        engine.complete(DEFAULT, state, "second_review", PASS)
    with pytest.raises(EngineError):
        engine.complete(DEFAULT, state, "review_outcome", PASS)  # a gateway, not a user task


def test_task_id_must_be_a_ready_task():
    state = engine.start(DEFAULT)
    (review,) = engine.ready_tasks(DEFAULT, state)
    with pytest.raises(engine.TaskNotReady):
        engine.complete(
            DEFAULT, state, "review", PASS, task_id="00000000-0000-0000-0000-000000000000"
        )
    state = engine.complete(DEFAULT, state, "review", PASS, task_id=review.id)
    with pytest.raises(engine.TaskNotReady):
        engine.complete(DEFAULT, state, "review", PASS, task_id=review.id)  # done already


MULTI_INSTANCE = minimal_bpmn(
    """
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="task" name="会签">
      <bpmn:multiInstanceLoopCharacteristics>
        <bpmn:loopCardinality>2</bpmn:loopCardinality>
      </bpmn:multiInstanceLoopCharacteristics>
    </bpmn:userTask>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task"/>
    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end"/>"""
)


def test_parallel_instances_of_one_task_are_told_apart_by_id():
    state = engine.start(MULTI_INSTANCE)
    ready = engine.ready_tasks(MULTI_INSTANCE, state)
    assert [(t.name, t.label, t.lane) for t in ready] == [("task", "会签", "approver")] * 2
    with pytest.raises(EngineError, match="task_id"):
        engine.complete(MULTI_INSTANCE, state, "task", PASS)
    state = engine.complete(MULTI_INSTANCE, state, "task", PASS, task_id=ready[1].id)
    assert [t.id for t in engine.ready_tasks(MULTI_INSTANCE, state)] == [ready[0].id]
    state = engine.complete(MULTI_INSTANCE, state, "task", PASS)  # only one left
    assert engine.is_finished(MULTI_INSTANCE, state)


@pytest.mark.parametrize(
    "data",
    [{"when": object()}, {"__builtins__": {}}, ["action", "pass"], {1: "x"}],
    ids=["not-json", "reserved-key", "not-a-mapping", "non-str-key"],
)
def test_bad_task_data_is_refused(data):
    state = engine.start(DEFAULT)
    with pytest.raises(EngineError):
        engine.complete(DEFAULT, state, "review", data)


def test_task_data_is_normalised_to_json():
    state = run(DEFAULT, engine.start(DEFAULT), ("review", {"action": "pass", "items": (1, 2)}))
    instance = engine.restore(DEFAULT, state)
    (decide,) = instance.workflow.get_tasks(state=16, manual=True)
    assert decide.data["items"] == [1, 2]


def test_start_data_is_visible_to_tasks():
    instance = engine.new_instance(DEFAULT, {"item_code": "11610100MB1234567X"})
    (review,) = instance.workflow.get_tasks(state=16, manual=True)
    assert review.data["item_code"] == "11610100MB1234567X"


# ------------------------------------------------------------------ state


def test_state_holds_no_spec_and_is_much_smaller_than_the_full_serializer():
    state = run(DEFAULT, engine.start(DEFAULT), ("review", PASS))
    document = orjson.loads(state)
    assert document["format"] == engine.STATE_FORMAT
    assert document["process"] == engine.digest(DEFAULT)
    workflow = document["workflow"]
    assert "spec" not in workflow
    assert "subprocess_specs" not in workflow
    assert "task_specs" not in state  # no trace of the process spec anywhere
    assert "conditionExpression" not in state and 'action == \\"return\\"' not in state

    full = BpmnWorkflowSerializer().serialize_json(engine.restore(DEFAULT, state).workflow)
    assert len(state) < 0.6 * len(full)
    spec_size = len(engine.compile_process(DEFAULT).spec_json)
    assert len(full) - len(state) > 0.8 * spec_size


def test_state_is_the_stock_workflow_dict_minus_the_spec():
    instance = engine.restore(DEFAULT, run(DEFAULT, engine.start(DEFAULT), ("review", PASS)))
    stock = BpmnWorkflowSerializer().to_dict(instance.workflow)
    del stock["spec"], stock["subprocess_specs"]
    ours = orjson.loads(instance.dump())["workflow"]
    assert orjson.loads(orjson.dumps(stock)) == ours


def test_to_spiff_json_restores_with_the_stock_serializer():
    state = run(JOINT, engine.start(JOINT), ("review", PASS), ("joint_review_1", PASS))
    full = engine.to_spiff_json(JOINT, state)
    assert '"spec"' in full
    workflow = BpmnWorkflowSerializer().deserialize_json(full)
    ready = workflow.get_tasks(state=16, manual=True)
    assert [t.task_spec.bpmn_id for t in ready] == ["joint_review_0"]
    ready[0].run()
    workflow.do_engine_steps()
    assert [t.task_spec.bpmn_id for t in workflow.get_tasks(state=16, manual=True)] == ["decide"]


def test_state_saved_after_each_step_restores_and_continues():
    steps = [
        ("review", RETURN),
        ("recheck", {"note": "已补充"}),
        ("review", PASS),
        ("decide", {"action": "pass", "decision": "approve", "opinion": "准予许可"}),
        ("deliver", PASS),
    ]
    state = engine.start(DEFAULT)
    for name, data in steps:
        # What a service stores is a str; round-trip it through bytes as a DB would.
        stored = state.encode("utf-8")
        restored = engine.restore(DEFAULT, stored.decode("utf-8"))
        assert restored.dump() == state  # restoring loses nothing
        restored.complete(name, data)
        state = restored.dump()
    assert engine.is_finished(DEFAULT, state)
    instance = engine.restore(DEFAULT, state)
    end_data = instance.workflow.last_task.data
    assert end_data["note"] == "已补充"
    assert end_data["decision"] == "approve"
    assert end_data["opinion"] == "准予许可"


def test_instances_sharing_one_spec_do_not_interfere():
    a = engine.new_instance(DEFAULT)
    b = engine.new_instance(DEFAULT)
    a.complete("review", RETURN)
    b.complete("review", PASS)
    assert [t.name for t in a.ready_tasks()] == ["recheck"]
    assert [t.name for t in b.ready_tasks()] == ["decide"]
    b.complete("decide", APPROVE)
    a.complete("recheck")
    assert [t.name for t in a.ready_tasks()] == ["review"]
    assert [t.name for t in b.ready_tasks()] == ["deliver"]


@pytest.mark.parametrize(
    "state",
    [
        "not json",
        "[]",
        '{"format": "zhengwu.engine/0"}',
        '{"format": "zhengwu.engine/1", "process": "0000"}',
    ],
)
def test_bad_state_raises(state):
    with pytest.raises(engine.InvalidState):
        engine.ready_tasks(DEFAULT, state)


def test_state_of_another_process_version_is_refused():
    state = engine.start(DEFAULT)
    with pytest.raises(engine.InvalidState, match="process version"):
        engine.complete(MULTI_LEVEL, state, "review", PASS)


def test_damaged_state_raises_invalid_state():
    document = orjson.loads(engine.start(DEFAULT))
    del document["workflow"]["root"]
    with pytest.raises(engine.InvalidState):
        engine.restore(DEFAULT, orjson.dumps(document).decode())
    document["workflow"] = {"typename": "Nope"}
    with pytest.raises(engine.InvalidState):
        engine.restore(DEFAULT, orjson.dumps(document).decode())


# ------------------------------------------------------------------ compiling


def test_digest_and_compile_cache():
    assert engine.digest(DEFAULT) == hashlib.sha256(DEFAULT.encode()).hexdigest()
    compiled = engine.compile_process(DEFAULT)
    same_text = "".join(list(DEFAULT))  # an equal but distinct str object
    assert same_text is not DEFAULT
    assert engine.compile_process(same_text) is compiled
    assert compiled.digest == engine.digest(DEFAULT)
    assert compiled.process_id == "zhengwu_default"
    assert compiled.name == "默认审批流程"
    assert isinstance(compiled.spec_json, bytes)
    assert engine.compile_process(MULTI_LEVEL) is not compiled


@pytest.mark.parametrize(
    ("xml", "process_id"),
    [
        (DEFAULT, "zhengwu_default"),
        (MULTI_LEVEL, "zhengwu_multi_level"),
        (INSPECTION, "zhengwu_inspection"),
        (JOINT, "zhengwu_joint_review"),
    ],
)
def test_bundled_processes_compile(xml, process_id):
    assert engine.compile_process(xml).process_id == process_id


def test_user_task_catalogue():
    assert engine.user_task_catalogue(DEFAULT) == [
        ("review", "审查", "approver"),
        ("recheck", "退回补充", "window_clerk"),
        ("decide", "决定", "department_head"),
        ("deliver", "制证/送达", "window_clerk"),
    ]
    assert engine.user_task_catalogue(MULTI_LEVEL) == [
        ("review", "初审", "approver"),
        ("recheck", "退回补充", "window_clerk"),
        ("second_review", "复审", "approver"),
        ("decide", "决定", "department_head"),
        ("deliver", "制证/送达", "window_clerk"),
    ]
    assert engine.user_task_catalogue(INSPECTION) == [
        ("review", "审查", "approver"),
        ("recheck", "退回补充", "window_clerk"),
        ("inspect", "现场勘验", "approver"),
        ("decide", "决定", "department_head"),
        ("deliver", "制证/送达", "window_clerk"),
    ]
    assert engine.user_task_catalogue(JOINT) == [
        ("review", "审查", "approver"),
        ("recheck", "退回补充", "window_clerk"),
        ("joint_review_0", "联合审查(一)", "approver:joint:0"),
        ("joint_review_1", "联合审查(二)", "approver:joint:1"),
        ("decide", "决定", "department_head"),
        ("deliver", "制证/送达", "window_clerk"),
    ]


def test_every_bundled_process_ends_after_deliver():
    for name in engine.BUNDLED_PROCESSES:
        assert engine.user_task_catalogue(engine.bundled_bpmn(name))[-1][0] == "deliver"
    with pytest.raises(EngineError):
        engine.bundled_bpmn("../../settings")


def test_a_minimal_process_works():
    xml = minimal_bpmn(SIMPLE_BODY)
    state = engine.start(xml)
    assert engine.ready_tasks(xml, state)[0].lane == "approver"
    assert engine.is_finished(xml, engine.complete(xml, state, "task"))


INVALID = {
    "not xml": "this is not XML",
    "truncated": DEFAULT[: len(DEFAULT) // 2],
    "not bpmn": '<?xml version="1.0"?><definitions><process id="p"/></definitions>',
    "schema": minimal_bpmn('<bpmn:userTask id="task" bogus="1"><bpmn:nonsense/></bpmn:userTask>'),
    "no executable process": minimal_bpmn(SIMPLE_BODY, executable="false"),
    "two processes": DEFAULT.replace(
        "</bpmn:definitions>",
        '<bpmn:process id="other" isExecutable="true"><bpmn:startEvent id="s2"/></bpmn:process>'
        "</bpmn:definitions>",
    ),
    "no lane": minimal_bpmn(SIMPLE_BODY, lanes=""),
    "script task": minimal_bpmn(
        SIMPLE_BODY.replace(
            '<bpmn:endEvent id="end"/>',
            '<bpmn:scriptTask id="s"><bpmn:script>import os</bpmn:script></bpmn:scriptTask>'
            '<bpmn:endEvent id="end"/>',
        )
    ),
    "attribute access": DEFAULT.replace('action == "return"</', 'action.__class__ == "x"</', 1),
    "unsafe call": DEFAULT.replace('action == "return"</', 'open("/etc/passwd")</', 1),
    "dunder name": DEFAULT.replace('action == "return"</', '__import__ == "x"</', 1),
    "syntax in condition": DEFAULT.replace('action == "return"</', "action ==</", 1),
    "missing default flow": DEFAULT.replace(' default="flow_review_pass"', "", 1),
    "unreachable user task": minimal_bpmn(SIMPLE_BODY + '<bpmn:userTask id="orphan"/>'),
    "entity": '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    + DEFAULT.split("?>", 1)[1],
}


@pytest.mark.parametrize("xml", INVALID.values(), ids=INVALID.keys())
def test_invalid_bpmn_raises(xml):
    with pytest.raises(engine.InvalidProcess):
        engine.compile_process(xml)
    with pytest.raises(EngineError):
        engine.start(xml)


def test_non_string_bpmn_raises():
    with pytest.raises(EngineError):
        engine.compile_process(DEFAULT.encode())  # type: ignore[arg-type]


# ------------------------------------------------------------------ expressions


def test_expressions_see_task_data_and_missing_names_are_none():
    assert engine._evaluate('action == "return"', {"action": "return"}) is True
    assert engine._evaluate('action == "return"', {}) is False
    assert engine._evaluate("return_to not in ('a', 'b')", {}) is True
    assert engine._evaluate("len(items) > 1 and max(items) == 3", {"items": [1, 3]}) is True
    assert engine._evaluate("any(x == action for x in ('a', 'b'))", {"action": "b"}) is True


@pytest.mark.parametrize(
    "expression",
    ["__import__('os')", "open('x')", "action.upper()", "().__class__", "2 ** 100000", "exec('1')"],
)
def test_expressions_are_restricted(expression):
    with pytest.raises(EngineError):
        engine._evaluate(expression, {"action": "x"})


def test_builtins_are_restricted_at_run_time():
    code = compile("__builtins__", "<t>", "eval")  # bypass the allow-list on purpose
    names = engine._Names()
    names["__builtins__"] = engine._SAFE_BUILTINS
    assert set(eval(code, names)) == set(engine._SAFE_BUILTINS)


def test_concurrent_instances_share_compiled_processes_safely():
    import threading

    errors: list[str] = []

    def worker(offset: int) -> None:
        try:
            for round_ in range(10):
                branches = ["joint_review_0", "joint_review_1"]
                first, second = branches if (round_ + offset) % 2 else branches[::-1]
                state = run(JOINT, engine.start(JOINT), ("review", PASS), (first, None))
                assert names(JOINT, state) == [second]
                state = run(JOINT, state, (second, None), ("decide", RETURN), (first, None))
                assert names(JOINT, state) == [second]
                state = run(JOINT, state, (second, None), ("decide", APPROVE), ("deliver", None))
                assert engine.is_finished(JOINT, state)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


NO_MATCH = minimal_bpmn(
    """
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="task" name="任务"/>
    <bpmn:exclusiveGateway id="gw"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task"/>
    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="gw"/>
    <bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="end">
      <bpmn:conditionExpression>decision == "approve"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>"""
)


def test_an_engine_failure_while_routing_raises_engine_error():
    state = engine.start(NO_MATCH)
    with pytest.raises(EngineError):
        engine.complete(NO_MATCH, state, "task", {"decision": "deny"})
    state = engine.complete(NO_MATCH, state, "task", {"decision": "approve"})
    assert engine.is_finished(NO_MATCH, state)


def test_the_ready_tasks_of_the_state_just_returned_need_no_restore(monkeypatch):
    joint = JOINT
    started = engine.start(joint)
    after_lead = engine.complete(joint, started, "review", PASS)
    restored = engine.restore(joint, after_lead).ready_tasks()
    assert len(restored) == 2  # the parallel branches: a list worth comparing
    calls = []
    real = engine.Instance.restore
    monkeypatch.setattr(
        engine.Instance, "restore", classmethod(lambda cls, *a: calls.append(1) or real(*a))
    )
    assert engine.ready_tasks(joint, after_lead) == restored  # the state complete() returned
    assert calls == []
    # any other state (an earlier one, or the same process's state elsewhere) is restored
    assert [t.name for t in engine.ready_tasks(joint, started)] == ["review"]
    assert calls == [1]
