"""Routing: rules (keyword, location, emergency defaults), the learned classifier (training,
evaluation against the keyword baseline, versions, activation, cache, tamper detection),
street offices and unknown labels."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from zhengwu.hotline import routing
from zhengwu.hotline.choices import EMERGENCY_DEPARTMENT, TicketStatus
from zhengwu.hotline.models import ClassifierModel, RoutingRule, Ticket
from zhengwu.kernel.errors import Conflict, InvalidInput, NotAllowed, NotFound
from zhengwu.kernel.models import AuditEntry
from zhengwu.org import demo as org_demo
from zhengwu.org.models import Department

FANGZHICHENG = org_demo.street_code("纺织城")  # 610111001
XIWANG = org_demo.street_code("席王")
HEATING = "家里暖气一点都不热，室温才十几度，打了供热公司电话也没人管"


@pytest.fixture(autouse=True)
def _fresh_cache():
    routing.forget_cached_model()
    yield
    routing.forget_cached_model()


@pytest.fixture(scope="module")
def dev_evaluation():
    """Fit on the fixed 75 % of the dev tickets, evaluate on the held-out 25 % (no database)."""
    examples = routing.dev_examples()
    train, test = routing.stratified_split(examples)
    return train, test, routing.evaluate(train, test, routing.fit_pipeline(train))


@pytest.fixture(scope="module")
def prepared_dev_model():
    """``train_model(source="dev")`` without the storing: trained once for the module."""
    return routing.prepare_model(routing.dev_examples())


@pytest.fixture
def trained(hl, prepared_dev_model, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        model = routing.store_model(prepared_dev_model, source="dev")
    return model


# --- no model, no rules -----------------------------------------------------------------------


def test_without_model_or_rules_the_dispatcher_decides(hl):
    question = routing.propose_route(text="请问居住证在哪里办理？")
    assert question == routing.RouteProposal(
        department_id=None,
        department_name="",
        emergency_line="",
        category="consult",
        confidence=0.0,
        routed_by="",
        model_version="",
        needs_dispatcher=True,
    )
    statement = routing.propose_route(text="楼下的垃圾三天没人清运了")
    assert statement.category == "other"
    assert statement.department_id is None and statement.needs_dispatcher


# --- rules --------------------------------------------------------------------------------------


def test_default_emergency_rules(hl):
    created = routing.seed_default_rules()
    assert created == len(routing.DEFAULT_RULES)
    assert routing.seed_default_rules() == 0  # idempotent

    fire = routing.propose_route(text="着火了！三单元五楼往外冒黑烟，楼里还有人")
    assert (fire.department_name, fire.emergency_line, fire.routed_by) == (
        EMERGENCY_DEPARTMENT,
        "119",
        "rule",
    )
    assert fire.department_id is None and fire.confidence == 1.0 and fire.category == "help"
    assert routing.propose_route(text="路口车祸，有人受伤了").emergency_line == "122"
    assert routing.propose_route(text="菜市场门口有人持刀抢劫").emergency_line == "110"
    assert routing.propose_route(text="公交站有个老人晕倒了").emergency_line == "120"
    # Everyday phrases are no emergency: a gas stove that will not light, a smoking chimney.
    assert routing.propose_route(text="燃气灶修了三次还是打不着火").routed_by != "rule"
    assert routing.propose_route(text="砖厂一天到晚冒烟").routed_by != "rule"


def test_keyword_rule_all_words_and_priority(hl):
    low = routing.rule_create(
        by=hl.dispatcher, kind="keyword", pattern="  井盖   丢了 ", department_id=hl.urban.pk
    )
    assert low.pattern == "井盖 丢了"
    high = routing.rule_create(
        by=hl.dispatcher,
        kind="keyword",
        pattern="井盖",
        department_id=hl.housing.pk,
        priority=5,
        category="complaint",
    )
    hit = routing.propose_route(text="小区门口的井盖丢了，晚上很危险")
    assert (hit.department_id, hit.routed_by, hit.confidence) == (hl.housing.pk, "rule", 1.0)
    assert hit.category == "complaint" and not hit.needs_dispatcher
    routing.rule_deactivate(rule_id=high.pk, by=hl.dispatcher)
    hit = routing.propose_route(text="小区门口的井盖丢了，晚上很危险")
    assert hit.department_id == hl.urban.pk and hit.department_name == "区城管局"
    # Only one of the two words: no match.
    assert routing.propose_route(text="井盖松了").department_id is None
    assert (
        AuditEntry.objects.filter(object_type="hotline.routing_rule", object_id=str(high.pk))
        .values_list("action", flat=True)
        .count()
        == 2
    )


def test_rule_beats_the_model(trained, hl):
    assert routing.propose_route(text=HEATING).routed_by == "model"
    routing.rule_create(
        by=hl.dispatcher, kind="keyword", pattern="暖气 不热", department_id=hl.housing.pk
    )
    hit = routing.propose_route(text=HEATING)
    assert (hit.department_id, hit.routed_by, hit.model_version) == (hl.housing.pk, "rule", "")


def test_location_rule_matches_street_and_its_communities(hl):
    routing.rule_create(
        by=hl.dispatcher, kind="location", pattern=FANGZHICHENG, department_id=hl.street_office.pk
    )
    community = f"{FANGZHICHENG}001"
    for code in (FANGZHICHENG, community):
        hit = routing.propose_route(text="路边有辆车停了半年", street_code=code)
        assert (hit.department_id, hit.routed_by) == (hl.street_office.pk, "rule")
    assert (
        routing.propose_route(text="路边有辆车停了半年", street_code=XIWANG).department_id is None
    )
    # The street named in the address counts as the ticket's street.
    hit = routing.propose_route(text="路边有辆车停了半年", address="纺织城街道纺正街12号")
    assert hit.department_id == hl.street_office.pk


def test_rule_services_refuse_bad_input_and_change_nothing(hl):
    cases = [
        ({"by": hl.agent}, NotAllowed, "by"),
        ({"by": hl.urban_handler}, NotAllowed, "by"),
        ({"kind": "regex"}, InvalidInput, "kind"),
        ({"pattern": "   "}, InvalidInput, "pattern"),
        ({"pattern": "词" * 256}, InvalidInput, "pattern"),
        ({"kind": "location", "pattern": "999999999"}, InvalidInput, "pattern"),
        ({"department_id": 999999}, InvalidInput, "department_id"),
        ({"department_id": None}, InvalidInput, "department_id"),
        ({"emergency_line": "911", "department_id": None}, InvalidInput, "emergency_line"),
        ({"emergency_line": "110"}, InvalidInput, "emergency_line"),
        ({"category": "rant"}, InvalidInput, "category"),
        ({"priority": -1}, InvalidInput, "priority"),
    ]
    audits = AuditEntry.objects.count()
    for override, error, field in cases:
        args = {
            "by": hl.dispatcher,
            "kind": "keyword",
            "pattern": "噪音",
            "department_id": hl.urban.pk,
            **override,
        }
        with pytest.raises(error) as caught:
            routing.rule_create(**args)
        assert caught.value.field == field, override
        assert caught.value.message and caught.value.message_en
    assert RoutingRule.objects.count() == 0
    assert AuditEntry.objects.count() == audits

    rule = routing.rule_create(
        by=hl.dispatcher, kind="keyword", pattern="噪音", department_id=hl.urban.pk
    )
    with pytest.raises(InvalidInput) as caught:
        routing.rule_update(rule_id=rule.pk, by=hl.dispatcher, kind="location")
    assert caught.value.field == "pattern"
    with pytest.raises(NotAllowed):
        routing.rule_deactivate(rule_id=rule.pk, by=hl.agent)
    with pytest.raises(NotFound):
        routing.rule_update(rule_id=rule.pk + 100, by=hl.dispatcher, priority=1)
    rule.refresh_from_db()
    assert (rule.kind, rule.pattern, rule.active) == ("keyword", "噪音", True)

    updated = routing.rule_update(
        rule_id=rule.pk, by=hl.dispatcher, department_id=None, emergency_line="110"
    )
    assert (updated.department_id, updated.emergency_line) == (None, "110")
    assert routing.propose_route(text="楼上噪音").emergency_line == "110"


# --- the classifier -----------------------------------------------------------------------------


def test_classifier_beats_the_keyword_baseline_on_held_out_dev(dev_evaluation):
    train, test, metrics = dev_evaluation
    assert len(test) == metrics["split"]["test"] and len(train) + len(test) == 290
    assert {ex.department for ex in test} <= {ex.department for ex in train}
    assert not {ex.text for ex in test} & {ex.text for ex in train}
    assert metrics["accuracy"] >= 0.6
    assert metrics["accuracy"] > metrics["baseline_accuracy"]
    assert metrics["macro_f1"] > metrics["baseline_macro_f1"]
    per = metrics["per_department"]
    assert sum(row["support"] for row in per.values()) == len(test)
    assert set(per) == {ex.department for ex in test}


def test_fast_prediction_matches_scikit_learn(dev_evaluation):
    """The pickled array form predicts exactly what the fitted estimators would."""
    import numpy as np
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    train, test, _ = dev_evaluation
    texts = [ex.text for ex in train]
    words = TfidfVectorizer(analyzer=routing.WordAnalyzer(routing.DUTY_TERMS), sublinear_tf=True)
    bigrams = TfidfVectorizer(analyzer=routing.BigramAnalyzer(), sublinear_tf=True)
    x = hstack([words.fit_transform(texts), bigrams.fit_transform(texts) * 0.3]).tocsr()
    model = LogisticRegression(C=30.0, max_iter=3000, class_weight="balanced")
    model.fit(x, [ex.department for ex in train])
    pipeline = routing.fit_pipeline(train)
    for ex in test[:20]:
        xt = hstack([words.transform([ex.text]), bigrams.transform([ex.text]) * 0.3]).tocsr()
        expected = model.predict_proba(xt)[0]
        got = pipeline.department_proba(ex.text)
        assert np.allclose([got[c] for c in model.classes_], expected, atol=1e-6)


def test_train_dev_versions_and_single_active_model(hl, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = routing.train_model(source="dev")
    assert re.fullmatch(rf"r{timezone.localdate():%Y%m%d}01", first.version)
    assert first.active and first.source == "dev" and first.trained_on == 290
    assert first.evaluated_on == first.metrics["split"]["test"] == 74
    assert first.metrics["accuracy"] > first.metrics["baseline_accuracy"]
    assert len(first.sha256) == 64
    hit = routing.propose_route(text=HEATING)
    assert (hit.department_name, hit.routed_by, hit.model_version) == (
        "区供热办",
        "model",
        first.version,
    )
    assert hit.department_id == Department.objects.get(name="区供热办").pk
    assert 0 < hit.confidence <= 1 and hit.needs_dispatcher == (hit.confidence < 0.55)

    with django_capture_on_commit_callbacks(execute=True):
        second = routing.train_model(source="dev", activate=False)
    assert second.version.endswith("02") and not second.active
    assert routing.propose_route(text=HEATING).model_version == first.version

    with pytest.raises(NotAllowed):
        routing.model_activate(version=second.version, by=hl.agent)
    with pytest.raises(NotFound):
        routing.model_activate(version="r1999010101", by=hl.dispatcher)
    with django_capture_on_commit_callbacks(execute=True):
        routing.model_activate(version=second.version, by=hl.dispatcher)
    assert list(ClassifierModel.objects.filter(active=True).values_list("version", flat=True)) == [
        second.version
    ]
    assert routing.propose_route(text=HEATING).model_version == second.version
    assert AuditEntry.objects.filter(action="hotline.model_activated").count() == 2


def test_cached_model_follows_activation_in_another_process(
    trained, hl, prepared_dev_model, django_capture_on_commit_callbacks
):
    assert routing.propose_route(text=HEATING).model_version == trained.version
    cached = routing._cache.pipeline
    assert routing.propose_route(text="工资拖欠三个月了").model_version == trained.version
    assert routing._cache.pipeline is cached  # unpickled once, not per call
    with django_capture_on_commit_callbacks(execute=False):  # no in-process cache drop
        newer = routing.store_model(prepared_dev_model, source="dev", activate=False)
    # Another process switches the active model behind this process's back.
    ClassifierModel.objects.filter(pk=trained.pk).update(active=False)
    ClassifierModel.objects.filter(pk=newer.pk).update(active=True)
    assert routing.propose_route(text=HEATING).model_version == newer.version
    assert routing._cache.pipeline is not cached
    ClassifierModel.objects.filter(pk=newer.pk).update(active=False)
    hit = routing.propose_route(text=HEATING)
    assert (hit.model_version, hit.department_id, hit.needs_dispatcher) == ("", None, True)


def test_tampered_model_is_refused(trained, hl):
    payload = bytearray(bytes(ClassifierModel.objects.get(pk=trained.pk).payload))
    payload[-10] ^= 0xFF
    ClassifierModel.objects.filter(pk=trained.pk).update(payload=bytes(payload))
    routing.forget_cached_model()
    with pytest.raises(Conflict) as caught:
        routing.load_pipeline(trained.version)
    assert caught.value.code == "checksum_mismatch"
    hit = routing.propose_route(text=HEATING)
    assert (hit.department_id, hit.model_version, hit.needs_dispatcher) == (None, "", True)
    other = ClassifierModel.objects.create(
        version="r2000010101",
        created_at=timezone.now() - timedelta(days=1),
        algorithm="x",
        trained_on=1,
        evaluated_on=1,
        source="dev",
        sha256="0" * 64,
        payload=b"not a pickle",
    )
    with pytest.raises(Conflict):
        routing.model_activate(version=other.version, by=hl.dispatcher)
    assert ClassifierModel.objects.get(pk=trained.pk).active


def test_unknown_label_goes_to_the_dispatcher(trained, hl):
    Department.objects.filter(name="区供热办").update(name="区供热管理中心")
    hit = routing.propose_route(text=HEATING)
    assert (hit.department_id, hit.department_name, hit.routed_by) == (None, "", "model")
    assert hit.needs_dispatcher and hit.model_version == trained.version


def test_street_level_matters_go_to_the_street_office(trained, hl):
    xiwang_office = Department.objects.get(name="席王街道办事处")
    text = "开个居住证明要去哪开？社区说要去街道，街道又让回社区"
    hit = routing.propose_route(text=text, street_code=XIWANG)
    assert (hit.department_id, hit.department_name, hit.routed_by) == (
        xiwang_office.pk,
        "席王街道办事处",
        "street",
    )
    hit = routing.propose_route(text=text, street_code=f"{FANGZHICHENG}002")
    assert hit.department_id == hl.street_office.pk
    # Street unknown: no office can be chosen with confidence.
    hit = routing.propose_route(text=text)
    assert hit.needs_dispatcher


def test_street_cue_without_model(hl):
    hit = routing.propose_route(text="社区让我去街道开无犯罪证明", street_code=XIWANG)
    assert (hit.department_name, hit.routed_by, hit.needs_dispatcher) == (
        "席王街道办事处",
        "street",
        True,
    )


def test_emergency_from_the_model(trained, hl):
    hit = routing.propose_route(text="灞河边那片芦苇烧得很大，火越来越大了，快来人救火")
    if hit.department_name == EMERGENCY_DEPARTMENT:
        assert hit.department_id is None and hit.emergency_line in {"110", "119", "120", "122"}
    else:  # the model may not be sure; then it must still name a real department or nobody
        assert hit.department_id is None or Department.objects.filter(pk=hit.department_id)


def test_closed_tickets_training(hl, django_capture_on_commit_callbacks):
    with pytest.raises(InvalidInput) as caught:
        routing.train_model(source="closed")
    assert caught.value.code == "not_enough_data" and caught.value.field == "source"
    assert not ClassifierModel.objects.exists()

    now = timezone.now()
    examples = [
        ex for ex in routing.dev_examples() if ex.department in {"区城管局", "区住建局", "区供热办"}
    ]
    for n, ex in enumerate(examples):
        Ticket.objects.create(
            number=f"1234520261127{n:06d}",
            channel="phone",
            category=ex.category or "other",
            text=ex.text,
            received_at=now,
            status=TicketStatus.CLOSED,
            department=Department.objects.get(name=ex.department),
        )
    Ticket.objects.create(
        number="12345202611279999",
        channel="phone",
        category="help",
        text="着火了，快来",
        received_at=now,
        status=TicketStatus.TRANSFERRED,
        emergency_line="119",
    )
    assert len(routing.closed_examples()) == len(examples) + 1
    with django_capture_on_commit_callbacks(execute=True):
        model = routing.train_model(source="closed")
    assert model.active and model.source == "closed" and model.trained_on == len(examples) + 1
    assert set(model.metrics["per_department"]) <= {"区城管局", "区住建局", "区供热办"}
    assert routing.propose_route(text=HEATING).department_name == "区供热办"

    with pytest.raises(InvalidInput):
        routing.train_model(source="everything")
    with pytest.raises(NotAllowed):
        routing.train_model(source="dev", by=hl.agent)


def test_train_command_prints_the_evaluation(hl):
    out = StringIO()
    call_command("hotline_train", "--source", "dev", "--no-activate", "--seed-rules", stdout=out)
    text = out.getvalue()
    assert "accuracy" in text and "baseline" in text and "区住建局" in text
    model = ClassifierModel.objects.get()
    assert not model.active and f"{model.metrics['accuracy']:.3f}" in text
    assert RoutingRule.objects.count() == len(routing.DEFAULT_RULES)
