"""Ticket routing: dispatcher rules, then the active learned model, then the dispatcher.

``propose_route(text=…, address=…, street_code=…)`` answers with a :class:`RouteProposal`:

1. **Rules** (:class:`~zhengwu.hotline.models.RoutingRule`, maintained by dispatchers and
   administrators). Active rules are tried in ``(priority, id)`` order and the first that
   matches wins with confidence 1.0 (``routed_by="rule"``). A *keyword* rule matches when
   every space-separated word of its pattern occurs in the text (NFKC, lower case); a
   *location* rule when the ticket's street/community code starts with its region code. A
   rule with an emergency line answers ``紧急转办`` + the line. :func:`seed_default_rules`
   installs a few emergency keyword rules (fire → 119, traffic accident with injuries →
   122, fights/knives/robbery → 110, fainting/unconscious → 120) at priority 10.
2. **Model** (the active :class:`~zhengwu.hotline.models.ClassifierModel`): jieba tokens,
   character bigrams (weighted 0.3, they survive typos) and a small *duty lexicon* (one
   feature per department whose typical duty terms occur in the text), TF-IDF, and a
   multinomial logistic regression for the department label (a registry name or
   ``紧急转办``), a second one for the category and a third, trained on the emergency tickets
   only, for the emergency line. Confidence is the predicted probability.
3. **Street offices**: a proposal of a street office (街道办事处), or a text that is plainly
   a street-level matter (a certificate the community or street must issue), goes to the
   street office of the ticket's street (``routed_by="street"``) when the street is known
   from ``street_code`` or from a street name in the address or text.

``needs_dispatcher`` is ``confidence < settings.HOTLINE_AUTO_DISPATCH_CONFIDENCE`` (default
0.55), and always true when no department could be named.

Each routing call reads the active model's (version, SHA-256) with one small query; the
unpickled model is cached in the process for that stamp, so an activation anywhere is
seen by the next call and a model is unpickled once per process. Rules, the department of
a label and streets are read per call with small indexed ``values_list`` queries (no model
instances), so a direct database change (an administrator, a test) is never served stale.
The payload's SHA-256 is checked before it is unpickled; a mismatch refuses the model
(routing falls back to rules and the dispatcher) and is logged.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import math
import pickle
import random
import re
import threading
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import orjson
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from scipy.sparse import hstack

from zhengwu.accounts import policies as account_policies
from zhengwu.accounts import selectors as account_selectors
from zhengwu.accounts.choices import StaffRole
from zhengwu.catalog import search as catalog_search
from zhengwu.hotline.choices import (
    CATEGORY_BY_CHINESE,
    EMERGENCY_DEPARTMENT,
    Category,
    EmergencyLine,
    RoutedBy,
    RuleKind,
    TicketStatus,
)
from zhengwu.hotline.models import ClassifierModel, RoutingRule, Ticket
from zhengwu.kernel.actors import SYSTEM, Actor
from zhengwu.kernel.audit import audit_record
from zhengwu.kernel.errors import Conflict, InvalidInput, NotAllowed, NotFound
from zhengwu.kernel.fastread import fetch_all, fetch_one, quote, quoted_column
from zhengwu.org import selectors as org_selectors
from zhengwu.org.choices import AdministrativeLevel, DepartmentKind

logger = logging.getLogger(__name__)

SPLIT_SEED = 20261127
TEST_SHARE = 0.25
MIN_CLOSED_TICKETS = 50
MAX_TEXT = 4000
DEFAULT_THRESHOLD = 0.55
# A text that is plainly a street-level matter but no model backs it: propose the street
# office, below the default threshold so that a dispatcher confirms.
STREET_CUE_CONFIDENCE = 0.5
BIGRAM_WEIGHT = 0.3
DEV_FIXTURE = "tickets_dev.jsonl"

_QUESTION_RE = re.compile(
    r"[?？]|吗|怎么|如何|哪里|哪儿|在哪|去哪|什么|能不能|可不可以|是否|多少|请问|咋|啥时候|要不要"
)
_PUNCT_RE = re.compile(r"[\W_]+", re.UNICODE)
# Street-level matters: a certificate the community (社区/村) or the street office issues.
_STREET_CUE_RE = re.compile(
    r"(开|办|出具).{0,8}证明.*(社区|街道|村委)|(社区|街道|村委).*(开|出具).{0,8}证明"
)

# Duty lexicon: terms typical of each department's remit (its 三定 duties as a caller would
# phrase them). Each department whose terms occur adds one feature ``§<department>``; the
# model learns from the training tickets how much to trust it. Written from the duties of
# the bodies, not from the evaluation texts.
DUTY_TERMS: dict[str, str] = {
    "区城管局": "占道 摆摊 摊贩 小贩 违建 违章建筑 私搭乱建 垃圾 环卫 清扫 扫雪 涂鸦 小广告 "
    "广告牌 井盖 路灯 油烟 烧烤 渣土 乱堆 乱放 市容 绿化带 公厕 城管 共享单车 垃圾桶",
    "区住建局": "工地 施工 夜间施工 打桩 围挡 物业 物业费 业主 维修基金 商品房 网签 备案 "
    "开发商 房产 交房 烂尾 电梯 小区 装修 二手房 房屋 安置房 拆迁 保障房 公租房 住建",
    "区市场监管局": "食品 过期 变质 餐馆 饭店 商家 消费 退款 假货 价格 收费 明码标价 营业执照 "
    "个体户 开店 店铺 缺斤短两 短斤少两 无证 作坊 药店 药品 化妆品 计量 特种设备 12315 商标 "
    "外卖 超市 预付卡",
    "区人社局": "工资 欠薪 拖欠 讨薪 社保 养老保险 失业 失业金 劳动合同 劳动仲裁 加班费 辞退 "
    "招聘 就业 培训 职业技能 退休 工伤 创业 人社 社保卡 养老金",
    "区供热办": "暖气 供暖 采暖 不热 集中供暖 取暖费 采暖费 热力 暖气片 供热 停暖 室温",
    "西安市生态环境局灞桥分局": "污染 排污 废水 污水 废气 异味 臭味 黑烟 粉尘 扬尘 噪声 噪音 "
    "环保 环评 化工 偷排 河水 发黑 辐射 焚烧 烟囱 空气",
    "区教育局": "学校 小学 中学 初中 高中 幼儿园 学生 老师 教师 招生 学位 入学 划片 学区 校车 "
    "补课 辅导班 培训机构 校外培训 教育 中考 高考 转学 学籍 课后服务",
    "区交通局": "公交 公交车 公交站 线路 出租车 网约车 拒载 绕路 客运 班车 公路 乡村公路 道路 "
    "修路 路面 坑 桥梁 货车 超载 驾校 运输",
    "区卫生健康局": "医院 诊所 医生 护士 看病 挂号 疫苗 接种 卫生院 出生证明 死亡证明 医疗纠纷 "
    "黑诊所 卫健 计生 生育 体检 传染病 核酸 急诊",
    "交警灞桥大队": "违章 罚款 扣分 驾驶证 驾照 行驶证 车牌 红绿灯 信号灯 减速带 斑马线 停车 "
    "乱停 违停 交警 电动车 上牌 拥堵 堵车 逆行 酒驾 事故认定 摄像头 电子眼",
    "公安灞桥分局": "户口 落户 身份证 居住证 派出所 报警 报案 被偷 被盗 盗窃 诈骗 骗子 治安 "
    "打架 赌博 传销 吸毒 扰民 公安 警察 出入境 护照 迁户 犬 狗 遛狗",
    "区医疗保障局": "医保 报销 异地就医 医保卡 门诊 住院报销 城乡居民医保 医疗保险 缴费 慢病 "
    "大病 定点 参保",
    "区民政局": "低保 救助 特困 养老院 敬老院 养老服务 高龄补贴 老年 残疾 结婚 离婚 婚姻登记 "
    "殡葬 墓地 火化 社会组织 儿童 孤儿 流浪 民政 居委会 村委会 地名",
    "区水务局": "自来水 停水 水压 供水 水管 爆管 漏水 水质 水费 二次供水 排水 下水道 积水 "
    "内涝 河道 水库 打井 水务",
    EMERGENCY_DEPARTMENT: "着火 起火 失火 火灾 冒烟 烧起来 爆炸 车祸 撞了 追尾 翻车 受伤 流血 "
    "晕倒 昏迷 不省人事 抽搐 说不出话 动不了 救命 持刀 拿刀 抢劫 绑架 拐 跟踪 快来人",
}

# Default emergency keyword rules: (pattern, line). Patterns are chosen so that everyday
# phrases do not trigger them (打不着火 is no fire, a chimney that 冒烟 is pollution).
DEFAULT_RULES: tuple[tuple[str, str], ...] = (
    ("着火了", EmergencyLine.FIRE),
    ("起火了", EmergencyLine.FIRE),
    ("失火了", EmergencyLine.FIRE),
    ("烧起来了", EmergencyLine.FIRE),
    ("冒烟了", EmergencyLine.FIRE),
    ("车祸", EmergencyLine.TRAFFIC),
    ("撞了 受伤", EmergencyLine.TRAFFIC),
    ("撞了 躺在", EmergencyLine.TRAFFIC),
    ("撞了 流血", EmergencyLine.TRAFFIC),
    ("翻车", EmergencyLine.TRAFFIC),
    ("打架", EmergencyLine.POLICE),
    ("打起来了", EmergencyLine.POLICE),
    ("持刀", EmergencyLine.POLICE),
    ("拿着刀", EmergencyLine.POLICE),
    ("抢劫", EmergencyLine.POLICE),
    ("晕倒", EmergencyLine.AMBULANCE),
    ("昏迷", EmergencyLine.AMBULANCE),
    ("不省人事", EmergencyLine.AMBULANCE),
)
DEFAULT_RULE_PRIORITY = 10
DEFAULT_RULE_NOTE = "默认紧急规则 / default emergency rule"


@dataclass(frozen=True)
class RouteProposal:
    department_id: int | None  # None for emergencies and when nothing matched
    department_name: str  # exact registry name, or "紧急转办"
    emergency_line: str  # "" or 110/119/120/122
    category: str  # Category value
    confidence: float  # 0..1
    routed_by: str  # RoutedBy value (rule / model / street)
    model_version: str
    needs_dispatcher: bool  # confidence below HOTLINE_AUTO_DISPATCH_CONFIDENCE


# --- text features ---------------------------------------------------------------------------


def _ensure_jieba() -> None:
    """jieba's dictionary plus the catalogue's lexicon, loaded once per process.

    jieba's default tokenizer is shared by the process: the catalogue search adds its
    lexicon to it. Routing always loads the same lexicon first, so a model tokenises texts
    the same way when it is trained (a command, a task) and when it serves (a web worker
    that may have searched the catalogue before).
    """
    catalog_search.ensure_jieba()


def normalise(text: str) -> str:
    """NFKC (full-width → half-width) and lower case."""
    return unicodedata.normalize("NFKC", text or "").lower()


def word_tokens(text: str) -> list[str]:
    """jieba precise-mode tokens of the normalised text, without punctuation."""
    _ensure_jieba()
    import jieba

    return [t for t in jieba.lcut(normalise(text)) if t.strip() and not _PUNCT_RE.fullmatch(t)]


def char_bigrams(text: str) -> list[str]:
    out: list[str] = []
    for segment in _PUNCT_RE.split(normalise(text)):
        out.extend(segment[i : i + 2] for i in range(len(segment) - 1))
    return out


class WordAnalyzer:
    """jieba words plus one ``§<department>`` feature per department whose duty terms occur.

    An instance (with its lexicon) is pickled with the model, so an old model keeps the
    lexicon it was trained with.
    """

    def __init__(self, duty_terms: dict[str, str]) -> None:
        self.terms = [(t, dept) for dept, terms in duty_terms.items() for t in terms.split()]
        # Terms by their first character: only those whose first character occurs are tried.
        self.by_first: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for term, dept in self.terms:
            self.by_first[normalise(term)[0]].append((normalise(term), dept))
        self.by_first = dict(self.by_first)

    def __call__(self, text: str) -> list[str]:
        low = normalise(text)
        hits = [
            f"§{dept}"
            for ch in dict.fromkeys(low)
            for term, dept in self.by_first.get(ch, ())
            if term in low
        ]
        return word_tokens(text) + sorted(hits)


class BigramAnalyzer:
    def __call__(self, text: str) -> list[str]:
        return char_bigrams(text)


class _Vectorizer:
    """A fitted TF-IDF vectorizer reduced to what prediction needs (sublinear tf, l2 norm)."""

    def __init__(self, analyzer: Any, vocabulary: dict[str, int], idf: Any, weight: float) -> None:
        self.analyzer = analyzer
        self.vocabulary = vocabulary
        self.idf = idf
        self.weight = weight

    def features(self, text: str, offset: int) -> tuple[list[int], list[float]]:
        counts = Counter(t for t in self.analyzer(text) if t in self.vocabulary)
        if not counts:
            return [], []
        idx = [self.vocabulary[t] for t in counts]
        vals = [
            (1.0 + math.log(c)) * float(self.idf[i])
            for i, c in zip(idx, counts.values(), strict=True)
        ]
        norm = math.sqrt(sum(v * v for v in vals)) or 1.0
        return [i + offset for i in idx], [v / norm * self.weight for v in vals]


class _Linear:
    """A fitted (multinomial or binary) logistic regression as arrays."""

    def __init__(self, model: Any) -> None:
        import numpy as np

        self.classes = [str(c) for c in model.classes_]
        self.coef_t = np.ascontiguousarray(model.coef_.T)  # features × classes (or × 1)
        self.intercept = np.asarray(model.intercept_, dtype=float)

    def proba(self, idx: list[int], vals: list[float]) -> Any:
        import numpy as np

        scores = self.intercept.copy()
        if idx:
            scores = scores + np.asarray(vals) @ self.coef_t[idx]
        if len(self.classes) == 2 and scores.shape[0] == 1:
            p1 = 1.0 / (1.0 + math.exp(-float(scores[0])))
            return np.array([1.0 - p1, p1])
        scores = scores - scores.max()
        exp = np.exp(scores)
        return exp / exp.sum()

    def predict(self, idx: list[int], vals: list[float]) -> tuple[str, float]:
        probs = self.proba(idx, vals)
        best = int(probs.argmax())
        return self.classes[best], float(probs[best])


class RoutingPipeline:
    """What is pickled: the fitted vectorizers and the department, category and emergency-line
    models, reduced to plain arrays so that one prediction takes well under a millisecond
    (scikit-learn's per-call validation would cost several)."""

    def __init__(
        self,
        vectorizers: list[_Vectorizer],
        department: _Linear,
        category: _Linear | None,
        line: _Linear | None,
        line_default: str,
    ) -> None:
        self.vectorizers = vectorizers
        self.department = department
        self.category = category
        self.line = line
        self.line_default = line_default

    def vector(self, text: str) -> tuple[list[int], list[float]]:
        idx: list[int] = []
        vals: list[float] = []
        offset = 0
        for vec in self.vectorizers:
            i, v = vec.features(text, offset)
            idx.extend(i)
            vals.extend(v)
            offset += len(vec.idf)
        return idx, vals

    def department_proba(self, text: str) -> dict[str, float]:
        idx, vals = self.vector(text)
        probs = self.department.proba(idx, vals)
        return {c: float(p) for c, p in zip(self.department.classes, probs, strict=True)}

    def predict(self, text: str) -> tuple[str, float, str, str]:
        """(department label, its probability, category value, emergency line or "")."""
        idx, vals = self.vector(text)
        label, p = self.department.predict(idx, vals)
        category = self.category.predict(idx, vals)[0] if self.category is not None else ""
        line = ""
        if label == EMERGENCY_DEPARTMENT:
            line = self.line.predict(idx, vals)[0] if self.line is not None else self.line_default
        return label, p, category, line


# --- examples, split, training ---------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    text: str
    department: str  # registry name or 紧急转办
    category: str  # Category value ("" when unknown)
    line: str = ""


def dev_examples() -> list[Example]:
    """The bundled labelled dev tickets (``fixtures/tickets_dev.jsonl``)."""
    raw = resources.files("zhengwu.hotline").joinpath("fixtures", DEV_FIXTURE).read_bytes()
    out = []
    for line in raw.decode("utf-8").splitlines():
        if not line.strip():
            continue
        row = orjson.loads(line)
        out.append(
            Example(
                text=str(row["text"]),
                department=str(row["department"]),
                category=str(CATEGORY_BY_CHINESE.get(row.get("category") or "", "")),
                line=str(row.get("emergency") or ""),
            )
        )
    return out


def closed_examples() -> list[Example]:
    """Closed tickets with their final lead department, and tickets sent to an emergency line."""
    out = []
    rows = Ticket.objects.filter(status=TicketStatus.CLOSED, department__isnull=False).values_list(
        "text", "category", "department__name"
    )
    for text, category, department in rows.iterator(chunk_size=2000):
        out.append(Example(text=text, department=str(department), category=category))
    transferred = Ticket.objects.filter(status=TicketStatus.TRANSFERRED).exclude(emergency_line="")
    for t in transferred.only("text", "category", "emergency_line").iterator(chunk_size=2000):
        out.append(
            Example(
                text=t.text,
                department=EMERGENCY_DEPARTMENT,
                category=t.category,
                line=t.emergency_line,
            )
        )
    return out


def stratified_split(
    examples: Sequence[Example], *, seed: int = SPLIT_SEED, test_share: float = TEST_SHARE
) -> tuple[list[Example], list[Example]]:
    """Per department, shuffle (seeded) and hold back ``round(n × share)``; a department with
    a single example stays in training."""
    by_label: dict[str, list[Example]] = defaultdict(list)
    for ex in examples:
        by_label[ex.department].append(ex)
    rng = random.Random(seed)  # noqa: S311 - a reproducible split, not a secret
    train: list[Example] = []
    test: list[Example] = []
    for label in sorted(by_label):
        group = list(by_label[label])
        rng.shuffle(group)
        n = round(len(group) * test_share) if len(group) >= 2 else 0
        test.extend(group[:n])
        train.extend(group[n:])
    return train, test


def _classifier() -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=30.0, max_iter=3000, class_weight="balanced")


ALGORITHM = "TF-IDF(jieba words+duty lexicon, char bigrams×0.3) + LogisticRegression(C=30)"


def fit_pipeline(examples: Sequence[Example]) -> RoutingPipeline:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from threadpoolctl import threadpool_limits

    texts = [ex.text for ex in examples]
    words = TfidfVectorizer(analyzer=WordAnalyzer(DUTY_TERMS), sublinear_tf=True)
    bigrams = TfidfVectorizer(analyzer=BigramAnalyzer(), sublinear_tf=True)
    # One BLAS thread: the problem is small, and threads only contend on a busy machine.
    with threadpool_limits(limits=1):
        x = hstack(
            [words.fit_transform(texts), bigrams.fit_transform(texts) * BIGRAM_WEIGHT]
        ).tocsr()
        department = _classifier().fit(x, [ex.department for ex in examples])
        with_category = [(i, ex.category) for i, ex in enumerate(examples) if ex.category]
        category = None
        if len({c for _, c in with_category}) >= 2:
            rows = [i for i, _ in with_category]
            category = _classifier().fit(x[rows], [c for _, c in with_category])
        emergencies = [(i, ex.line) for i, ex in enumerate(examples) if ex.line]
        counts = Counter(line for _, line in emergencies)
        line_default = counts.most_common(1)[0][0] if counts else ""
        line = None
        if len(counts) >= 2:
            rows = [i for i, _ in emergencies]
            line = _classifier().fit(x[rows], [ln for _, ln in emergencies])
    return RoutingPipeline(
        [
            _Vectorizer(words.analyzer, dict(words.vocabulary_), words.idf_, 1.0),
            _Vectorizer(bigrams.analyzer, dict(bigrams.vocabulary_), bigrams.idf_, BIGRAM_WEIGHT),
        ],
        _Linear(department),
        _Linear(category) if category is not None else None,
        _Linear(line) if line is not None else None,
        line_default,
    )


class KeywordBaseline:
    """The keyword-only baseline the classifier has to beat.

    The default emergency rules first; then, per department, the ``top`` words (jieba, two
    characters or more) most distinctive of its training texts (share of its texts containing
    the word minus the share of the other departments' texts, seen in at least two of its
    texts); a text goes to the department with most keyword hits (ties: the larger
    department), and with no hit to the largest department.
    """

    def __init__(self, top: int = 15) -> None:
        self.top = top
        self.keywords: dict[str, list[str]] = {}
        self.order: list[str] = []

    def fit(self, examples: Sequence[Example]) -> KeywordBaseline:
        docs: dict[str, list[set[str]]] = defaultdict(list)
        for ex in examples:
            docs[ex.department].append({t for t in word_tokens(ex.text) if len(t) >= 2})
        total = Counter[str]()
        for sets in docs.values():
            for s in sets:
                total.update(s)
        n_all = sum(len(s) for s in docs.values())
        for label, sets in docs.items():
            inside = Counter[str]()
            for s in sets:
                inside.update(s)
            n_in = len(sets)
            n_out = max(n_all - n_in, 1)
            scored = [
                (inside[w] / n_in - (total[w] - inside[w]) / n_out, w)
                for w in inside
                if inside[w] >= 2
            ]
            scored.sort(key=lambda p: (-p[0], p[1]))
            self.keywords[label] = [w for score, w in scored[: self.top] if score > 0]
        self.order = [label for label, _ in Counter(ex.department for ex in examples).most_common()]
        return self

    def predict(self, text: str) -> tuple[str, str]:
        low = normalise(text)
        for pattern, line in DEFAULT_RULES:
            if all(w in low for w in pattern.split()):
                return EMERGENCY_DEPARTMENT, str(line)
        best, best_hits = self.order[0], 0
        for label in self.order:
            hits = sum(1 for w in self.keywords.get(label, ()) if w in low)
            if hits > best_hits:
                best, best_hits = label, hits
        return best, ""


def evaluate(
    train: Sequence[Example], test: Sequence[Example], pipeline: RoutingPipeline
) -> dict[str, Any]:
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

    truth = [ex.department for ex in test]
    predicted = []
    categories = []
    for ex in test:
        label, _p, category, _line = pipeline.predict(ex.text)
        predicted.append(label)
        categories.append(category)
    baseline = KeywordBaseline().fit(train)
    base_pred = [baseline.predict(ex.text)[0] for ex in test]
    labels = sorted(set(truth))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=labels, zero_division=0
    )
    cat_pairs = [(ex.category, c) for ex, c in zip(test, categories, strict=True) if ex.category]
    return {
        "accuracy": round(float(accuracy_score(truth, predicted)), 4),
        "macro_f1": round(float(f1_score(truth, predicted, labels=labels, average="macro")), 4),
        "baseline_accuracy": round(float(accuracy_score(truth, base_pred)), 4),
        "baseline_macro_f1": round(
            float(f1_score(truth, base_pred, labels=labels, average="macro", zero_division=0)), 4
        ),
        "category_accuracy": round(sum(1 for a, b in cat_pairs if a == b) / len(cat_pairs), 4)
        if cat_pairs
        else None,
        "per_department": {
            label: {
                "precision": round(float(precision[i]), 4),
                "recall": round(float(recall[i]), 4),
                "f1": round(float(f1[i]), 4),
                "support": int(support[i]),
            }
            for i, label in enumerate(labels)
        },
        "split": {"train": len(train), "test": len(test), "test_share": TEST_SHARE},
    }


def _examples_for(source: str) -> list[Example]:
    if source == "dev":
        return dev_examples()
    if source == "closed":
        return closed_examples()
    if source == "both":
        return dev_examples() + closed_examples()
    raise InvalidInput(
        "训练数据来源应为 dev、closed 或 both",
        "source must be dev, closed or both",
        field="source",
    )


def _next_version(now: Any) -> str:
    prefix = f"r{timezone.localtime(now):%Y%m%d}"
    taken = set(
        ClassifierModel.objects.filter(version__startswith=prefix).values_list("version", flat=True)
    )
    n = 1
    while f"{prefix}{n:02d}" in taken:
        n += 1
    return f"{prefix}{n:02d}"


def train_model(
    *,
    source: str = "closed",
    activate: bool = True,
    seed: int = SPLIT_SEED,
    by: Any = None,
) -> ClassifierModel:
    """Train, evaluate on a held-out stratified 25 %, refit on everything and store.

    The stored metrics describe the model fitted on the training part and evaluated on the
    held-out part (and the keyword baseline on the same split); the stored pipeline is then
    refitted on all examples. ``by`` (optional) is the user asking; ``None`` is the platform
    (the periodic retraining).
    """
    if by is not None and not _may_manage_routing(by):
        raise NotAllowed(
            "只有派单员或管理员可以训练分派模型",
            "Only dispatchers and administrators may train the routing model",
            field="by",
        )
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise InvalidInput("随机种子必须是整数", "seed must be an integer", field="seed")
    examples = [ex for ex in _examples_for(source) if ex.text.strip()]
    departments = {ex.department for ex in examples}
    if len(examples) < (MIN_CLOSED_TICKETS if source != "dev" else 10) or len(departments) < 2:
        raise InvalidInput(
            f"已办结工单不足（{len(examples)} 条，{len(departments)} 个部门），"
            f"至少需要 {MIN_CLOSED_TICKETS} 条、2 个部门",
            f"Not enough closed tickets to train ({len(examples)} tickets, "
            f"{len(departments)} departments; at least {MIN_CLOSED_TICKETS} and 2 needed)",
            field="source",
            code="not_enough_data",
        )
    return store_model(prepare_model(examples, seed=seed), source=source, activate=activate, by=by)


@dataclass(frozen=True)
class PreparedModel:
    """A trained and evaluated model, not yet stored."""

    payload: bytes
    metrics: dict[str, Any]
    trained_on: int
    evaluated_on: int


def prepare_model(examples: Sequence[Example], *, seed: int = SPLIT_SEED) -> PreparedModel:
    """Evaluate on the held-out split, then refit on everything and pickle (no database)."""
    train, test = stratified_split(examples, seed=seed)
    metrics = evaluate(train, test, fit_pipeline(train))
    metrics["split"]["seed"] = seed
    buffer = io.BytesIO()
    pickle.dump(fit_pipeline(examples), buffer, protocol=pickle.HIGHEST_PROTOCOL)
    return PreparedModel(buffer.getvalue(), metrics, len(examples), len(test))


def store_model(
    prepared: PreparedModel, *, source: str, activate: bool = True, by: Any = None
) -> ClassifierModel:
    """Store a prepared model under the next version (and activate it)."""
    metrics = prepared.metrics
    now = timezone.now()
    actor = _actor(by)
    with transaction.atomic():
        model = ClassifierModel.objects.create(
            version=_next_version(now),
            created_at=now,
            algorithm=ALGORITHM[:100],
            trained_on=prepared.trained_on,
            evaluated_on=prepared.evaluated_on,
            source=source,
            metrics=metrics,
            sha256=hashlib.sha256(prepared.payload).hexdigest(),
            payload=prepared.payload,
            active=False,
        )
        audit_record(
            action="hotline.model_trained",
            object_type="hotline.classifier_model",
            object_id=model.pk,
            actor=actor,
            after={
                "version": model.version,
                "source": source,
                "accuracy": metrics["accuracy"],
                "baseline_accuracy": metrics["baseline_accuracy"],
            },
        )
        if activate:
            _activate(model, actor)
    return model


def _activate(model: ClassifierModel, actor: Actor) -> None:
    previous = list(
        ClassifierModel.objects.select_for_update()
        .filter(active=True)
        .exclude(pk=model.pk)
        .values_list("version", flat=True)
    )
    ClassifierModel.objects.filter(active=True).exclude(pk=model.pk).update(active=False)
    ClassifierModel.objects.filter(pk=model.pk).update(active=True)
    model.active = True
    audit_record(
        action="hotline.model_activated",
        object_type="hotline.classifier_model",
        object_id=model.pk,
        actor=actor,
        before={"active": previous},
        after={"active": model.version},
    )
    transaction.on_commit(forget_cached_model)


def model_activate(*, version: str, by: Any) -> ClassifierModel:
    """Make ``version`` the one active model (dispatchers and administrators)."""
    if not _may_manage_routing(by):
        raise NotAllowed(
            "只有派单员或管理员可以启用分派模型",
            "Only dispatchers and administrators may activate a routing model",
            field="version",
        )
    if not isinstance(version, str) or not version.strip():
        raise InvalidInput("请指定模型版本", "A model version is required", field="version")
    with transaction.atomic():
        model = ClassifierModel.objects.select_for_update().filter(version=version.strip()).first()
        if model is None:
            raise NotFound("模型版本不存在", "No such model version", field="version")
        if model.active:
            return model
        if hashlib.sha256(bytes(model.payload)).hexdigest() != model.sha256:
            raise Conflict(
                "模型文件校验失败，不能启用",
                "The model payload does not match its SHA-256; it cannot be activated",
                field="version",
                code="checksum_mismatch",
            )
        _activate(model, _actor(by))
    return model


def models_list() -> list[ClassifierModel]:
    """Every stored model, newest first, without payloads."""
    return list(ClassifierModel.objects.defer("payload").order_by("-created_at", "-id"))


def active_model_row() -> ClassifierModel | None:
    return ClassifierModel.objects.defer("payload").filter(active=True).first()


# --- the cached active model -----------------------------------------------------------------


@dataclass
class _ModelCache:
    key: tuple[str, str] = ("", "")  # (version, sha256) of the cached model
    pipeline: RoutingPipeline | None = None
    refused: tuple[str, str] = ("", "")  # a model whose checksum failed (not retried)
    lock: threading.Lock = field(default_factory=threading.Lock)


_cache = _ModelCache()


def forget_cached_model() -> None:
    """Drop the process's cached model; the next routing call loads the active one again."""
    with _cache.lock:
        _cache.key = ("", "")
        _cache.pipeline = None
        _cache.refused = ("", "")


def load_pipeline(version: str) -> RoutingPipeline:
    """Load one stored model after checking its SHA-256 (``Conflict`` when it does not match)."""
    row = ClassifierModel.objects.filter(version=version).first()
    if row is None:
        raise NotFound("模型版本不存在", "No such model version", field="version")
    payload = bytes(row.payload)
    if hashlib.sha256(payload).hexdigest() != row.sha256:
        raise Conflict(
            "模型文件校验失败，拒绝加载",
            "The model payload does not match its SHA-256; refusing to load it",
            field="version",
            code="checksum_mismatch",
        )
    pipeline = pickle.loads(payload)  # noqa: S301 - checked against the stored SHA-256
    if not isinstance(pipeline, RoutingPipeline):
        raise Conflict(
            "模型格式不正确", "The model payload is not a routing model", field="version"
        )
    return pipeline


def active_pipeline() -> tuple[str, RoutingPipeline | None]:
    """(version, pipeline) of the active model; ("", None) when there is none.

    The stamp is the active row's (version, SHA-256), read with one small query per call;
    the unpickled pipeline is cached in the process for that stamp, so a new activation (in
    any process) is seen by the very next call and a model is unpickled once per process.
    """
    row = fetch_one(_active_model_sql(), [True])
    key = (row[0], row[1]) if row else ("", "")
    if key == _cache.key:
        return key[0], _cache.pipeline
    if key == _cache.refused or not key[0]:
        return "", None
    with _cache.lock:
        if key != _cache.key:
            try:
                pipeline = load_pipeline(key[0])
            except (Conflict, NotFound):
                logger.error("hotline routing model %s refused (checksum or format)", key[0])
                _cache.refused = key
                return "", None
            _cache.key, _cache.pipeline = key, pipeline
        return _cache.key[0], _cache.pipeline


# --- rules, departments, streets (read per call: small indexed queries) ----------------------


@dataclass(frozen=True)
class _Rule:
    kind: str
    words: tuple[str, ...]  # keyword rule: normalised words
    prefix: str  # location rule: region code prefix
    department_id: int | None
    department_name: str
    emergency_line: str
    category: str


# Every routing proposal (each intake, and the console while the agent types) reads the
# active model's stamp, the active rules and a department by name: small indexed reads, kept
# per call so that a change is seen at once, written as fixed statements (kernel.fastread)
# because the ORM's compilation cost more than the reads (bench/hotline_intake.py).
_DEPARTMENT = RoutingRule._meta.get_field("department").related_model


@functools.lru_cache(maxsize=1)
def _active_model_sql() -> str:
    def col(name: str) -> str:
        return quoted_column(ClassifierModel, name)

    return (
        f"SELECT {col('version')}, {col('sha256')} "  # noqa: S608
        f"FROM {quote(ClassifierModel._meta.db_table)} WHERE {col('active')} = %s "
        f"ORDER BY {col('created_at')} DESC LIMIT 1"
    )


@functools.lru_cache(maxsize=1)
def _rules_sql() -> str:
    def rule(name: str) -> str:
        return "r." + quoted_column(RoutingRule, name)

    def dept(name: str) -> str:
        return "d." + quoted_column(_DEPARTMENT, name)  # type: ignore[arg-type]

    columns = ", ".join(
        (
            rule("kind"),
            rule("pattern"),
            rule("department"),
            dept("name"),
            dept("active"),
            rule("emergency_line"),
            rule("category"),
        )
    )
    return (
        f"SELECT {columns} FROM {quote(RoutingRule._meta.db_table)} r "  # noqa: S608
        f"LEFT JOIN {quote(_DEPARTMENT._meta.db_table)} d "  # type: ignore[union-attr]
        f"ON {dept('id')} = {rule('department')} "
        f"WHERE {rule('active')} = %s ORDER BY {rule('priority')}, {rule('id')}"
    )


def _active_rules() -> list[_Rule]:
    rows = fetch_all(_rules_sql(), [True])
    rules = []
    for kind, pattern, rule_dept, rule_dept_name, dept_active, line, category in rows:
        dept_id: int | None = rule_dept
        dept_name = str(rule_dept_name or "")
        if line:
            dept_id, dept_name = None, EMERGENCY_DEPARTMENT
        elif dept_id is None or not dept_active:
            continue  # a rule whose department was deactivated routes nothing
        rules.append(
            _Rule(
                kind=kind,
                words=tuple(normalise(pattern).split()),
                prefix=pattern.strip() if kind == RuleKind.LOCATION else "",
                department_id=dept_id,
                department_name=dept_name,
                emergency_line=line,
                category=category,
            )
        )
    return rules


def _streets() -> list[tuple[str, str, str]]:
    out = []
    for code, name in org_selectors.regions(level=AdministrativeLevel.STREET).values_list(
        "code", "name"
    ):
        short = name.removesuffix("街道").removesuffix("镇").removesuffix("乡")
        out.append((code, normalise(name), normalise(short)))
    return out


def ticket_street_code(*, street_code: str = "", address: str = "", text: str = "") -> str:
    """The street (level 5) of a ticket: the street whose code prefixes ``street_code`` (a
    street or community code; statistical codes extend their parent's), else the first
    street named in the address or the text (纺织城街道, or 纺织城)."""
    streets = _streets()
    if street_code:
        for code, _name, _short in streets:
            if street_code.startswith(code):
                return code
    joined = " ".join(normalise(t) for t in (address, text) if t)
    if joined:
        for code, name, short in streets:
            if name in joined or (len(short) >= 2 and short in joined):
                return code
    return ""


def street_office_for(street_code: str) -> tuple[int, str] | None:
    """(id, name) of the street office of a street, or None."""
    if not street_code:
        return None
    row = (
        org_selectors.departments(kind=DepartmentKind.STREET_OFFICE, region_code=street_code)
        .values_list("id", "name")
        .first()
    )
    return (row[0], row[1]) if row else None


# --- propose_route ----------------------------------------------------------------------------


def _threshold() -> float:
    return float(getattr(settings, "HOTLINE_AUTO_DISPATCH_CONFIDENCE", DEFAULT_THRESHOLD))


def fallback_category(text: str) -> str:
    return str(Category.CONSULT if _QUESTION_RE.search(text or "") else Category.OTHER)


def _rule_matches(rule: _Rule, low: str, codes: Sequence[str]) -> bool:
    if rule.kind == RuleKind.KEYWORD:
        return bool(rule.words) and all(w in low for w in rule.words)
    if rule.kind == RuleKind.LOCATION:
        return bool(rule.prefix) and any(c and c.startswith(rule.prefix) for c in codes)
    return False


def _proposal(
    department_id: int | None,
    department_name: str,
    *,
    category: str,
    confidence: float,
    routed_by: str,
    version: str = "",
    line: str = "",
    needs: bool | None = None,
) -> RouteProposal:
    return RouteProposal(
        department_id=department_id,
        department_name=department_name,
        emergency_line=str(line),
        category=str(category),
        confidence=float(confidence),
        routed_by=str(routed_by),
        model_version=version,
        needs_dispatcher=confidence < _threshold() if needs is None else needs,
    )


def propose_route(*, text: str, address: str = "", street_code: str = "") -> RouteProposal:
    """The routing proposal for a ticket (see the module docstring for the order)."""
    text = (text if isinstance(text, str) else "")[:MAX_TEXT]
    address = address if isinstance(address, str) else ""
    street_code = (street_code if isinstance(street_code, str) else "").strip()
    low = normalise(text)
    version, pipeline = active_pipeline()

    model_label, model_p, model_category, model_line = "", 0.0, "", ""
    if pipeline is not None and text.strip():
        model_label, model_p, model_category, model_line = pipeline.predict(text)
    category = model_category or fallback_category(text)

    street_memo: list[str] = []

    def ticket_street() -> str:
        if not street_memo:
            street_memo.append(
                ticket_street_code(street_code=street_code, address=address, text=text)
            )
        return street_memo[0]

    # 1. Rules, in (priority, id) order: the first match wins.
    rules = _active_rules()
    if rules:
        codes = [street_code]
        if any(r.kind == RuleKind.LOCATION for r in rules):
            codes.append(ticket_street())
        for rule in rules:
            if _rule_matches(rule, low, codes):
                return _proposal(
                    rule.department_id,
                    rule.department_name,
                    line=rule.emergency_line,
                    category=rule.category or (Category.HELP if rule.emergency_line else category),
                    confidence=1.0,
                    routed_by=RoutedBy.RULE,
                )

    street_cue = bool(_STREET_CUE_RE.search(low))

    # 2. The model.
    if model_label:
        if model_label == EMERGENCY_DEPARTMENT:
            return _proposal(
                None,
                EMERGENCY_DEPARTMENT,
                line=model_line,
                category=category,
                confidence=model_p,
                routed_by=RoutedBy.MODEL,
                version=version,
                needs=model_p < _threshold() or not model_line,
            )
        found = org_selectors.department_row_named(model_label)
        if found is None or not found[3]:
            # A label the registry does not know (renamed or retired): the dispatcher decides.
            return _proposal(
                None,
                "",
                category=category,
                confidence=model_p,
                routed_by=RoutedBy.MODEL,
                version=version,
                needs=True,
            )
        dept_id, dept_name, dept_kind, _active = found
        if dept_kind == DepartmentKind.STREET_OFFICE or street_cue:
            office = street_office_for(ticket_street())
            if office is not None:
                return _proposal(
                    office[0],
                    office[1],
                    category=category,
                    confidence=model_p,
                    routed_by=RoutedBy.STREET,
                    version=version,
                )
            if dept_kind == DepartmentKind.STREET_OFFICE:
                # A street office, but the ticket's street is unknown: the dispatcher decides.
                return _proposal(
                    dept_id,
                    dept_name,
                    category=category,
                    confidence=model_p,
                    routed_by=RoutedBy.MODEL,
                    version=version,
                    needs=True,
                )
        return _proposal(
            dept_id,
            dept_name,
            category=category,
            confidence=model_p,
            routed_by=RoutedBy.MODEL,
            version=version,
        )

    # 3. No model: a street-level matter still goes to the street office (to be confirmed).
    if street_cue:
        office = street_office_for(ticket_street())
        if office is not None:
            return _proposal(
                office[0],
                office[1],
                category=category,
                confidence=STREET_CUE_CONFIDENCE,
                routed_by=RoutedBy.STREET,
            )
    return _proposal(
        None,
        "",
        category=category,
        confidence=0.0,
        routed_by=RoutedBy.NONE,
        version=version,
        needs=True,
    )


# --- rules: services ------------------------------------------------------------------------


def _may_manage_routing(user: Any) -> bool:
    return account_policies.is_administrator(user) or account_policies.has_any_role(
        user, StaffRole.DISPATCHER, StaffRole.ADMINISTRATOR
    )


def _actor(user: Any) -> Actor:
    if user is None:
        return SYSTEM
    return account_selectors.actor_for(user, channel="workbench")


def _require_manager(by: Any) -> None:
    if not _may_manage_routing(by):
        raise NotAllowed(
            "只有派单员或管理员可以维护分派规则",
            "Only dispatchers and administrators may maintain routing rules",
            field="by",
        )


@dataclass(frozen=True)
class _RuleValues:
    kind: str
    pattern: str
    department_id: int | None
    emergency_line: str
    category: str
    priority: int
    note: str


def _clean_rule(
    *,
    kind: Any,
    pattern: Any,
    department_id: Any,
    emergency_line: Any,
    category: Any,
    priority: Any,
    note: Any,
) -> _RuleValues:
    if kind not in RuleKind.values:
        raise InvalidInput(
            "规则类型应为 keyword 或 location", "kind must be keyword or location", field="kind"
        )
    if not isinstance(pattern, str):
        raise InvalidInput("匹配内容必须是文本", "pattern must be text", field="pattern")
    if kind == RuleKind.KEYWORD:
        pattern = " ".join(pattern.split())
        if not pattern:
            raise InvalidInput("关键词不能为空", "The keyword pattern is empty", field="pattern")
        if len(pattern) > 255:
            raise InvalidInput(
                "关键词不能超过 255 个字符",
                "The keyword pattern is longer than 255 characters",
                field="pattern",
            )
    else:
        pattern = pattern.strip()
        region = org_selectors.region_by_code(pattern) if pattern else None
        if region is None or not region.active:
            raise InvalidInput(
                "地点规则必须是有效的行政区划代码",
                "A location rule needs the code of an existing region",
                field="pattern",
            )
    if emergency_line in (None, ""):
        emergency_line = ""
    elif emergency_line not in EmergencyLine.values:
        raise InvalidInput(
            "紧急线应为 110、119、120 或 122",
            "emergency_line must be 110, 119, 120 or 122",
            field="emergency_line",
        )
    if department_id is not None:
        if isinstance(department_id, bool) or not isinstance(department_id, int):
            raise InvalidInput(
                "部门编号必须是整数", "department_id must be an integer", field="department_id"
            )
        department = org_selectors.department_by_id(department_id)
        if department is None or not department.active:
            raise InvalidInput("部门不存在", "No such department", field="department_id")
    if department_id is None and not emergency_line:
        raise InvalidInput(
            "规则须指定承办部门或紧急线",
            "A rule needs a department or an emergency line",
            field="department_id",
        )
    if department_id is not None and emergency_line:
        raise InvalidInput(
            "规则不能同时指定承办部门和紧急线",
            "A rule names either a department or an emergency line, not both",
            field="emergency_line",
        )
    if category in (None, ""):
        category = ""
    elif category not in Category.values:
        raise InvalidInput("类别不正确", "Unknown category", field="category")
    if isinstance(priority, bool) or not isinstance(priority, int) or not 0 <= priority <= 32767:
        raise InvalidInput(
            "优先级应为 0–32767 的整数", "priority must be an integer 0–32767", field="priority"
        )
    if note is None:
        note = ""
    if not isinstance(note, str) or len(note) > 255:
        raise InvalidInput(
            "说明不能超过 255 个字符", "note must be text of at most 255 characters", field="note"
        )
    return _RuleValues(
        kind=str(kind),
        pattern=pattern,
        department_id=department_id,
        emergency_line=str(emergency_line),
        category=str(category),
        priority=priority,
        note=note.strip(),
    )


def _rule_summary(rule: RoutingRule) -> dict[str, Any]:
    return {
        "kind": rule.kind,
        "pattern": rule.pattern,
        "department_id": rule.department_id,
        "emergency_line": rule.emergency_line,
        "category": rule.category,
        "priority": rule.priority,
        "active": rule.active,
        "note": rule.note,
    }


def rule_create(
    *,
    by: Any,
    kind: str,
    pattern: str,
    department_id: int | None = None,
    emergency_line: str = "",
    category: str = "",
    priority: int = 100,
    note: str = "",
) -> RoutingRule:
    _require_manager(by)
    values = _clean_rule(
        kind=kind,
        pattern=pattern,
        department_id=department_id,
        emergency_line=emergency_line,
        category=category,
        priority=priority,
        note=note,
    )
    with transaction.atomic():
        rule = RoutingRule.objects.create(
            kind=values.kind,
            pattern=values.pattern,
            department_id=values.department_id,
            emergency_line=values.emergency_line,
            category=values.category,
            priority=values.priority,
            note=values.note,
            created_by=by,
        )
        audit_record(
            action="hotline.rule_created",
            object_type="hotline.routing_rule",
            object_id=rule.pk,
            actor=_actor(by),
            after=_rule_summary(rule),
        )
    return rule


_UNSET: Any = object()


def rule_update(
    *,
    rule_id: int,
    by: Any,
    kind: Any = _UNSET,
    pattern: Any = _UNSET,
    department_id: Any = _UNSET,
    emergency_line: Any = _UNSET,
    category: Any = _UNSET,
    priority: Any = _UNSET,
    note: Any = _UNSET,
    active: Any = _UNSET,
) -> RoutingRule:
    """Change the given fields of a rule (the others stay); validated as a whole."""
    _require_manager(by)
    with transaction.atomic():
        rule = RoutingRule.objects.select_for_update().filter(pk=rule_id).first()
        if rule is None:
            raise NotFound("分派规则不存在", "No such routing rule", field="rule_id")
        before = _rule_summary(rule)

        def pick(value: Any, current: Any) -> Any:
            return current if value is _UNSET else value

        values = _clean_rule(
            kind=pick(kind, rule.kind),
            pattern=pick(pattern, rule.pattern),
            department_id=pick(department_id, rule.department_id),
            emergency_line=pick(emergency_line, rule.emergency_line),
            category=pick(category, rule.category),
            priority=pick(priority, rule.priority),
            note=pick(note, rule.note),
        )
        if active is not _UNSET and not isinstance(active, bool):
            raise InvalidInput(
                "有效标志必须是布尔值", "active must be true or false", field="active"
            )
        rule.kind = values.kind
        rule.pattern = values.pattern
        rule.department_id = values.department_id
        rule.emergency_line = values.emergency_line
        rule.category = values.category
        rule.priority = values.priority
        rule.note = values.note
        if active is not _UNSET:
            rule.active = active
        rule.save()
        audit_record(
            action="hotline.rule_updated",
            object_type="hotline.routing_rule",
            object_id=rule.pk,
            actor=_actor(by),
            before=before,
            after=_rule_summary(rule),
        )
    return rule


def rule_deactivate(*, rule_id: int, by: Any) -> RoutingRule:
    _require_manager(by)
    with transaction.atomic():
        rule = RoutingRule.objects.select_for_update().filter(pk=rule_id).first()
        if rule is None:
            raise NotFound("分派规则不存在", "No such routing rule", field="rule_id")
        if not rule.active:
            return rule
        rule.active = False
        rule.save(update_fields=["active"])
        audit_record(
            action="hotline.rule_deactivated",
            object_type="hotline.routing_rule",
            object_id=rule.pk,
            actor=_actor(by),
            before={"active": True},
            after={"active": False},
        )
    return rule


def rules_list(*, include_inactive: bool = False) -> list[RoutingRule]:
    qs = RoutingRule.objects.select_related("department")
    if not include_inactive:
        qs = qs.filter(active=True)
    return list(qs.order_by("priority", "id"))


def seed_default_rules() -> int:
    """Install the default emergency keyword rules that are missing; returns how many."""
    created = 0
    with transaction.atomic():
        for pattern, line in DEFAULT_RULES:
            if RoutingRule.objects.filter(kind=RuleKind.KEYWORD, pattern=pattern).exists():
                continue
            rule = RoutingRule.objects.create(
                kind=RuleKind.KEYWORD,
                pattern=pattern,
                emergency_line=line,
                category=Category.HELP,
                priority=DEFAULT_RULE_PRIORITY,
                note=DEFAULT_RULE_NOTE,
            )
            audit_record(
                action="hotline.rule_created",
                object_type="hotline.routing_rule",
                object_id=rule.pk,
                actor=SYSTEM,
                after=_rule_summary(rule),
            )
            created += 1
    return created


def explain_examples(examples: Iterable[Example]) -> Counter[str]:
    """Counts per department label (for the command's summary)."""
    return Counter(ex.department for ex in examples)
