"""Catalogue search: jieba tokens + BM25 over fields, pinyin and initials, synonyms, filters.

One index covers the current published catalogue (item versions and bundles). The pure core
is ``SearchIndex.build(documents, synonyms)`` and ``index.search(q, filters=…, limit=…)``;
it needs no database, so the benchmarks and unit tests build it from plain documents.

Ranking (why it looks like this):

- BM25 per field (k1=1.2, b=0.75, each field with its own length normalisation), summed
  with field boosts; the name weighs most. The document side of BM25 does not depend on
  the query, so each posting stores its final per-term score: a query is a handful of numpy
  scatter-adds over the postings of its terms (sub-millisecond at 20,000 documents).
- Tokens: jieba search mode (whole words *and* their dictionary sub-words, so "食品许可"
  finds 食品经营许可) with ``search_lexicon.txt`` loaded once so government terms stay whole.
- The top candidates are re-ranked by how much of the *name* the question covers (a
  question that says 发票申领 should get 发票申领 first, not an item whose FAQ mentions it).
- Synonyms (``SearchSynonym``, editable by administrators): a query containing a term adds
  the tokens of its expansions at a lower weight; a document whose name contains an
  expansion gets the term as an alias (so 上户口 also hits 出生登记 through the alias field).
- Pinyin: a query of Latin letters is matched against the full pinyin and the initials of
  every name ("shipin jingying", "spjy" → 食品经营许可).

The cached index for the running process is rebuilt when a cheap version stamp of the
catalogue changes; the stamp is checked at most once every ``CATALOG_SEARCH_CHECK_SECONDS``.
"""

from __future__ import annotations

import bisect
import html
import math
import re
import threading
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from zhengwu.catalog.stamp import CATALOGUE_STAMP
from zhengwu.kernel.errors import InvalidInput

LEXICON_PATH = Path(__file__).with_name("search_lexicon.txt")

MAX_QUERY_LENGTH = 100
MAX_LIMIT = 50
SERVICE_OBJECT_CODES = frozenset({"1", "2", "3", "4", "5", "6"})
# Bundles declare an audience, not service-object codes (Audience choices → ServiceObject).
AUDIENCE_OBJECTS = {
    "natural_person": ("1",),
    "legal_person": ("2", "3", "4", "6"),
}

# --- tokenisation ------------------------------------------------------------------------

_jieba_lock = threading.Lock()
_jieba_ready = False

# Function words and question words of colloquial questions: they carry no topic, and as
# the catalogue rarely contains them they would otherwise get a high IDF.
STOPWORDS = frozenset(
    """的 了 吗 呢 啊 吧 呀 嘛 哦 么 着 过 得 地 和 与 及 或 也 都 就 还 又 再 才 而 并 但
    我 你 他 她 它 我们 你们 他们 咱 咱们 自己 人家 这 那 这个 那个 这些 那些 这样 那样
    是 在 有 没 没有 不 要 想 能 会 可 可以 能够 需要 应该 得去 去 来 到 给 让 把 被 对 从 向
    为 为了 因为 所以 如果 就是 还是 还有 以及 之前 之后 以后 时候 一下 一个 一些 一点 个 些
    哪 哪里 哪儿 哪个 在哪 去哪 啥 什么 怎么 怎样 怎么样 如何 多少 几 咋 咋办 吗 么 是不是
    能不能 可不可以 有没有 要不要 请问 你好 谢谢 麻烦 一下 听说 现在 今年 已经 刚 刚刚 准备
    打算 就要 办 办理 弄 搞 做 手续 情况 问题 东西""".split()  # noqa: SIM905
)
_PUNCT_RE = re.compile(r"^[\W_]+$", re.UNICODE)
_ASCII_QUERY_RE = re.compile(r"^[A-Za-z][A-Za-z\s']*$")
_SENTENCE_SPLIT_RE = re.compile(r"(?<=[。；！？!?;\n])")


def ensure_jieba() -> None:
    """Load jieba's dictionary and our lexicon once per process (≈0.6–1.3 s)."""
    global _jieba_ready
    if _jieba_ready:
        return
    with _jieba_lock:
        if _jieba_ready:
            return
        import jieba

        jieba.setLogLevel(60)
        jieba.initialize()
        jieba.load_userdict(str(LEXICON_PATH))
        _jieba_ready = True


def normalise(text: str) -> str:
    """NFKC (full-width → half-width), lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def tokenize(text: str) -> list[str]:
    """Search-mode tokens (whole words and their sub-words), without stopwords/punctuation."""
    if not text:
        return []
    ensure_jieba()
    import jieba

    return [
        t
        for t in jieba.lcut_for_search(normalise(text))
        if t.strip() and t not in STOPWORDS and not _PUNCT_RE.match(t)
    ]


def tokenize_precise(text: str) -> list[str]:
    """Precise-mode tokens (no overlapping sub-words), without stopwords/punctuation."""
    if not text:
        return []
    ensure_jieba()
    import jieba

    return [
        t
        for t in jieba.lcut(normalise(text))
        if t.strip() and t not in STOPWORDS and not _PUNCT_RE.match(t)
    ]


def name_pinyin(name: str) -> tuple[str, str]:
    """(full pinyin without separators, initials) of a name: 食品 → ("shipin", "sp")."""
    from pypinyin import lazy_pinyin

    syllables = [s.lower() for s in lazy_pinyin(name, errors="ignore") if s.strip()]
    full = "".join(re.sub(r"[^a-z0-9]", "", s) for s in syllables)
    initials = "".join(s[0] for s in syllables if s and s[0].isalnum())
    return full, initials


# --- documents, filters, hits -------------------------------------------------------------

Kind = Literal["item", "bundle"]


@dataclass(frozen=True)
class SearchDocument:
    kind: Kind
    code: str  # implementation code of an item version, code of a bundle
    name: str
    department_id: int | None = None
    department: str = ""
    result_name: str = ""
    aliases: tuple[str, ...] = ()
    faqs: tuple[tuple[str, str], ...] = ()  # (question, answer)
    acceptance_conditions: str = ""
    materials: tuple[str, ...] = ()
    life_events: tuple[str, ...] = ()
    members: tuple[str, ...] = ()  # bundle member item names
    description: str = ""
    service_objects: frozenset[str] = frozenset()
    online: bool = False
    cross_province: bool = False


@dataclass(frozen=True)
class SearchFilters:
    department_id: int | None = None
    service_object: str | None = None
    online: bool | None = None
    cross_province: bool | None = None
    kind: Kind | None = None


@dataclass(frozen=True)
class Hit:
    kind: Kind
    name: str
    code: str
    snippet: str  # HTML: escaped text with <mark> around matched tokens
    score: float
    department: str


@dataclass(frozen=True)
class SearchResult:
    query: str
    total: int
    hits: list[Hit]


# Field → (boost, BM25 b). Name first; long free texts weigh less and are normalised harder.
FIELD_BOOSTS: dict[str, tuple[float, float]] = {
    "name": (6.0, 0.5),
    "aliases": (3.0, 0.5),
    "result_name": (2.0, 0.5),
    "members": (1.2, 0.75),
    "faq_questions": (2.0, 0.75),  # written the way citizens ask
    "faq_answers": (0.6, 0.75),
    "acceptance_conditions": (0.6, 0.75),
    "materials": (0.5, 0.75),
    "life_events": (0.8, 0.5),
    "department": (0.5, 0.5),
    "description": (0.6, 0.75),
}
K1 = 1.2
SYNONYM_WEIGHT = 0.6  # weight of a synonym expansion's tokens relative to the query's own
RERANK_DEPTH = 100
NAME_COVERAGE_BONUS = 0.5  # score × (1 + bonus × share of the name's tokens in the query)
NAME_IN_QUERY_BONUS = 0.5  # extra factor when the whole name appears verbatim in the query
PINYIN_SCORE = 10.0
# Asking for several services at once (一件事一次办) favours bundles.
BUNDLE_CUES_RE = re.compile(r"一件事|一起|一块|一次(?!性)|一并|同时|联办|一站式|都办")
BUNDLE_INTENT_BOOST = 1.0

# Fields a snippet may come from, in order of preference on ties.
SNIPPET_FIELDS = (
    "faq_questions",
    "faq_answers",
    "acceptance_conditions",
    "description",
    "materials",
    "result_name",
    "members",
    "aliases",
    "life_events",
    "department",
)
SNIPPET_LENGTH = 80


def _field_texts(doc: SearchDocument) -> dict[str, list[str]]:
    return {
        "name": [doc.name],
        "aliases": list(doc.aliases),
        "result_name": [doc.result_name] if doc.result_name else [],
        "members": list(doc.members),
        "faq_questions": [q for q, _ in doc.faqs if q],
        "faq_answers": [a for _, a in doc.faqs if a],
        "acceptance_conditions": [doc.acceptance_conditions] if doc.acceptance_conditions else [],
        "materials": list(doc.materials),
        "life_events": list(doc.life_events),
        "department": [doc.department] if doc.department else [],
        "description": [doc.description] if doc.description else [],
    }


def _aliases_for(name: str, reverse_synonyms: dict[str, list[str]]) -> tuple[str, ...]:
    """Synonym terms whose expansions occur in the name (出生登记 → 上户口)."""
    found: list[str] = []
    for expansion, terms in reverse_synonyms.items():
        if expansion and expansion in name:
            found.extend(t for t in terms if t not in found)
    return tuple(found)


class SearchIndex:
    """An immutable in-memory index; build once, search from many threads."""

    def __init__(self) -> None:
        self.documents: list[SearchDocument] = []
        self.postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.synonyms: dict[str, list[str]] = {}
        self.name_tokens: list[frozenset[str]] = []
        self.field_texts: list[dict[str, list[str]]] = []
        self.masks: dict[str, Any] = {}
        self.pinyin_full = ""
        self.pinyin_initials = ""
        self.pinyin_full_starts: list[int] = []
        self.pinyin_initials_starts: list[int] = []

    # --- build -------------------------------------------------------------------------

    @classmethod
    def build(
        cls, documents: Sequence[SearchDocument], synonyms: dict[str, list[str]] | None = None
    ) -> SearchIndex:
        ensure_jieba()
        index = cls()
        index.synonyms = {
            normalise(t): [e for e in exps if e] for t, exps in (synonyms or {}).items() if t
        }
        reverse: dict[str, list[str]] = defaultdict(list)
        for term, expansions in index.synonyms.items():
            for expansion in expansions:
                reverse[expansion].append(term)

        docs: list[SearchDocument] = []
        for doc in documents:
            extra = _aliases_for(doc.name, reverse)
            if extra:
                doc = SearchDocument(**{**doc.__dict__, "aliases": (*doc.aliases, *extra)})
            docs.append(doc)
        index.documents = docs
        n = len(docs)

        # Token counts per field, field lengths.
        per_field_counts: dict[str, list[Counter[str]]] = {f: [] for f in FIELD_BOOSTS}
        # jieba cuts at punctuation anyway, so tokenising sentence by sentence gives the same
        # tokens, and boilerplate sentences (conditions, materials, departments) recur a lot.
        cache: dict[str, list[str]] = {}

        def toks(text: str) -> list[str]:
            out: list[str] = []
            for sentence in _SENTENCE_SPLIT_RE.split(text):
                got = cache.get(sentence)
                if got is None:
                    got = tokenize(sentence)
                    if len(cache) < 500_000:
                        cache[sentence] = got
                out.extend(got)
            return out

        for doc in docs:
            texts = _field_texts(doc)
            index.field_texts.append(texts)
            for field_name in FIELD_BOOSTS:
                counter: Counter[str] = Counter()
                for text in texts[field_name]:
                    counter.update(toks(text))
                per_field_counts[field_name].append(counter)
            index.name_tokens.append(frozenset(tokenize_precise(doc.name)))

        # Document frequency over the whole document (any field).
        df: Counter[str] = Counter()
        for i in range(n):
            seen: set[str] = set()
            for field_name in FIELD_BOOSTS:
                seen.update(per_field_counts[field_name][i])
            df.update(seen)

        accum: dict[str, dict[int, float]] = defaultdict(dict)
        for field_name, (boost, b) in FIELD_BOOSTS.items():
            counters = per_field_counts[field_name]
            lengths = [sum(c.values()) for c in counters]
            avg = (sum(lengths) / n) if n else 0.0
            if avg == 0:
                continue
            for i, counter in enumerate(counters):
                if not counter:
                    continue
                norm = K1 * (1 - b + b * lengths[i] / avg)
                for term, tf in counter.items():
                    part = boost * tf * (K1 + 1) / (tf + norm)
                    slot = accum[term]
                    slot[i] = slot.get(i, 0.0) + part
        for term, by_doc in accum.items():
            idf = math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))
            ids = np.fromiter(by_doc.keys(), dtype=np.int32, count=len(by_doc))
            weights = np.fromiter(by_doc.values(), dtype=np.float32, count=len(by_doc)) * idf
            index.postings[term] = (ids, weights)

        # Filter masks.
        index.masks = {
            "kind:item": np.array([d.kind == "item" for d in docs], dtype=bool),
            "kind:bundle": np.array([d.kind == "bundle" for d in docs], dtype=bool),
            "online": np.array([d.online for d in docs], dtype=bool),
            "cross_province": np.array([d.cross_province for d in docs], dtype=bool),
            "department": np.array([d.department_id or 0 for d in docs], dtype=np.int64),
        }
        for code in SERVICE_OBJECT_CODES:
            index.masks[f"object:{code}"] = np.array(
                [code in d.service_objects for d in docs], dtype=bool
            )

        # Pinyin: one joined string per style, searched with str.find.
        full_parts, initial_parts = [], []
        pos_full = pos_init = 0
        for doc in docs:
            full, initials = name_pinyin(doc.name)
            index.pinyin_full_starts.append(pos_full)
            index.pinyin_initials_starts.append(pos_init)
            full_parts.append(full)
            initial_parts.append(initials)
            pos_full += len(full) + 1
            pos_init += len(initials) + 1
        index.pinyin_full = "|".join(full_parts)
        index.pinyin_initials = "|".join(initial_parts)
        return index

    # --- query -------------------------------------------------------------------------

    def query_terms(self, q: str) -> dict[str, float]:
        """Query tokens with weights: the question's own at 1, synonym expansions lower."""
        text = normalise(q)
        weights: dict[str, float] = {}
        for token in tokenize(text):
            weights[token] = 1.0
        for term, expansions in self.synonyms.items():
            if term in text:
                for expansion in expansions:
                    for token in tokenize(expansion):
                        weights.setdefault(token, SYNONYM_WEIGHT)
        return weights

    def _mask(self, filters: SearchFilters | None) -> np.ndarray | None:
        if filters is None:
            return None
        mask: np.ndarray | None = None

        def both(m: np.ndarray) -> None:
            nonlocal mask
            mask = m if mask is None else (mask & m)

        if filters.kind:
            both(self.masks[f"kind:{filters.kind}"])
        if filters.online is not None:
            both(self.masks["online"] == filters.online)
        if filters.cross_province is not None:
            both(self.masks["cross_province"] == filters.cross_province)
        if filters.department_id is not None:
            both(self.masks["department"] == filters.department_id)
        if filters.service_object:
            both(self.masks[f"object:{filters.service_object}"])
        return mask

    def _pinyin_scores(self, q: str) -> dict[int, float]:
        compact = re.sub(r"[^a-z]", "", q.lower())
        found: dict[int, float] = {}
        if len(compact) < 2:
            return found
        for haystack, starts, weight in (
            (self.pinyin_full, self.pinyin_full_starts, 1.0),
            (self.pinyin_initials, self.pinyin_initials_starts, 0.9),
        ):
            at = haystack.find(compact)
            while at != -1:
                i = bisect.bisect_right(starts, at) - 1
                end = starts[i + 1] - 1 if i + 1 < len(starts) else len(haystack)
                length = end - starts[i]
                prefix = 1.0 if at == starts[i] else 0.6
                score = PINYIN_SCORE * weight * prefix * (0.5 + 0.5 * len(compact) / length)
                found[i] = max(found.get(i, 0.0), score)
                at = haystack.find(compact, at + 1)
        return found

    def search(
        self, q: str, *, filters: SearchFilters | None = None, limit: int = 10
    ) -> tuple[int, list[Hit]]:
        """(total number of matching documents, the best ``limit`` hits)."""
        n = len(self.documents)
        if n == 0 or not q.strip():
            return 0, []
        terms = self.query_terms(q)
        scores = np.zeros(n, dtype=np.float32)
        for term, weight in terms.items():
            posting = self.postings.get(term)
            if posting is not None:
                ids, values = posting
                scores[ids] += values * weight
        if _ASCII_QUERY_RE.match(q.strip()):
            for i, value in self._pinyin_scores(q).items():
                scores[i] += value
        mask = self._mask(filters)
        if mask is not None:
            scores[~mask] = 0.0
        candidates = np.flatnonzero(scores > 0)
        total = int(candidates.size)
        if total == 0:
            return 0, []
        if total > RERANK_DEPTH:
            top = np.argpartition(-scores[candidates], RERANK_DEPTH - 1)[:RERANK_DEPTH]
            candidates = candidates[top]

        text = normalise(q)
        bundle_intent = BUNDLE_CUES_RE.search(text) is not None
        own_tokens = {t for t, w in terms.items() if w >= 1.0}
        query_tokens = set(terms)
        ranked: list[tuple[float, int]] = []
        for i in candidates.tolist():
            score = float(scores[i])
            name_tokens = self.name_tokens[i]
            if name_tokens:
                covered = sum(
                    (1.0 if t in own_tokens else SYNONYM_WEIGHT)
                    for t in name_tokens
                    if t in query_tokens
                )
                score *= 1 + NAME_COVERAGE_BONUS * covered / len(name_tokens)
            if len(self.documents[i].name) >= 2 and normalise(self.documents[i].name) in text:
                score *= 1 + NAME_IN_QUERY_BONUS
            if bundle_intent and self.documents[i].kind == "bundle":
                score *= 1 + BUNDLE_INTENT_BOOST
            ranked.append((score, i))
        ranked.sort(key=lambda pair: (-pair[0], pair[1]))
        hits = []
        for score, i in ranked[:limit]:
            doc = self.documents[i]
            hits.append(
                Hit(
                    kind=doc.kind,
                    name=doc.name,
                    code=doc.code,
                    snippet=self.snippet(i, query_tokens),
                    score=round(score, 4),
                    department=doc.department,
                )
            )
        return total, hits

    # --- snippets ----------------------------------------------------------------------

    def snippet(self, i: int, tokens: Iterable[str]) -> str:
        """The best matching fragment of document ``i``, HTML-escaped, tokens in <mark>."""
        marks = sorted({t for t in tokens if t}, key=len, reverse=True)
        texts = self.field_texts[i]
        best: tuple[float, str] | None = None
        for field_name in SNIPPET_FIELDS:
            for text in texts.get(field_name, []):
                for fragment in _fragments(text):
                    low = normalise(fragment)
                    covered = sum(len(t) for t in marks if t in low)
                    if covered and (best is None or covered > best[0]):
                        best = (covered, fragment)
        if best is None:
            fallback = next(
                (texts[f][0] for f in ("acceptance_conditions", "description", "faq_questions")
                 if texts.get(f)),
                self.documents[i].name,
            )  # fmt: skip
            return highlight(_clip(fallback, SNIPPET_LENGTH), marks)
        return highlight(best[1], marks)


def _clip(text: str, length: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


def _fragments(text: str) -> list[str]:
    """Sentences of at most SNIPPET_LENGTH characters (long sentences are cut)."""
    out = []
    for sentence in _SENTENCE_SPLIT_RE.split(" ".join(text.split())):
        sentence = sentence.strip()
        while len(sentence) > SNIPPET_LENGTH:
            out.append(sentence[:SNIPPET_LENGTH] + "…")
            sentence = sentence[SNIPPET_LENGTH:]
        if sentence:
            out.append(sentence)
    return out


def highlight(text: str, tokens: Sequence[str]) -> str:
    """Escape ``text`` for HTML and put <mark> around (case-insensitive) token matches."""
    words = [t for t in tokens if t and len(t.strip()) > 0]
    if not words:
        return html.escape(text)
    pattern = re.compile(
        "|".join(re.escape(t) for t in sorted(words, key=len, reverse=True)), re.IGNORECASE
    )
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(html.escape(text[last : match.start()]))
        out.append(f"<mark>{html.escape(match.group(0))}</mark>")
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out).replace("</mark><mark>", "")


# --- validation shared by the API and the page --------------------------------------------


def parse_filters(
    *,
    department: int | None = None,
    service_object: str | None = None,
    online: bool | None = None,
    cross_province: bool | None = None,
    kind: str | None = None,
) -> SearchFilters:
    if department is not None and department <= 0:
        raise InvalidInput("部门编号无效", "Not a valid department id", field="department")
    if service_object in ("", None):
        service_object = None
    elif service_object not in SERVICE_OBJECT_CODES:
        raise InvalidInput(
            "服务对象代码无效（1–6）", "Not a service object code (1–6)", field="object"
        )
    if kind in ("", None):
        kind = None
    elif kind not in ("item", "bundle"):
        raise InvalidInput("类型只能是 item 或 bundle", "kind must be item or bundle", field="kind")
    return SearchFilters(
        department_id=department,
        service_object=service_object,
        online=online,
        cross_province=cross_province,
        kind=kind,  # type: ignore[arg-type]
    )


def clean_query(q: str | None) -> str:
    text = (q or "").strip()
    if not text:
        raise InvalidInput("请输入搜索内容", "The query is empty", field="q", code="required")
    if len(text) > MAX_QUERY_LENGTH:
        raise InvalidInput(
            f"搜索内容最多 {MAX_QUERY_LENGTH} 个字",
            f"The query is longer than {MAX_QUERY_LENGTH} characters",
            field="q",
            code="string_too_long",
        )
    return text


def search_catalog(
    q: str | None,
    *,
    department: int | None = None,
    service_object: str | None = None,
    online: bool | None = None,
    cross_province: bool | None = None,
    kind: str | None = None,
    limit: int = 10,
) -> SearchResult:
    """Search the published catalogue: the one call behind the search page and the API."""
    text = clean_query(q)
    filters = parse_filters(
        department=department,
        service_object=service_object,
        online=online,
        cross_province=cross_province,
        kind=kind,
    )
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(
            f"数量应在 1–{MAX_LIMIT} 之间", f"limit must be 1–{MAX_LIMIT}", field="limit"
        )
    total, hits = get_index().search(text, filters=filters, limit=limit)
    return SearchResult(query=text, total=total, hits=hits)


# --- the per-process cached index ---------------------------------------------------------


@dataclass
class _Cache:
    index: SearchIndex | None = None
    stamp: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


_cache = _Cache()


def set_index(index: SearchIndex | None, *, stamp: str | None = None) -> None:
    """Install an index (benchmarks, tests); ``None`` forces a rebuild on next use."""
    with _cache.lock:
        _cache.index = index
        _cache.stamp = stamp
    if index is None:
        CATALOGUE_STAMP.expire()


def get_index(*, force_check: bool = False) -> SearchIndex:
    """The process's index; rebuilt when the catalogue stamp changed.

    The stamp is the one the cached guide pages use (``catalog.stamp``), re-read at most every
    ``CATALOG_SEARCH_CHECK_SECONDS``; within that interval a search touches no database.
    """
    index = _cache.index
    if index is not None and _cache.stamp is None and not force_check:
        # Injected by a benchmark/test without a stamp: keep it until told otherwise.
        return index
    if force_check:
        CATALOGUE_STAMP.expire()
    stamp = CATALOGUE_STAMP.value()
    if index is not None and stamp == _cache.stamp:
        return index
    with _cache.lock:
        if _cache.index is None or stamp != _cache.stamp:
            documents, synonyms = load_documents()
            _cache.index = SearchIndex.build(documents, merged_synonyms(synonyms))
            _cache.stamp = stamp
        return _cache.index


# --- build source -------------------------------------------------------------------------


def load_documents() -> tuple[list[SearchDocument], dict[str, list[str]]]:
    """Documents of the current published catalogue and the synonyms table."""
    return _load_documents()


def _load_documents() -> tuple[list[SearchDocument], dict[str, list[str]]]:
    # Items through the catalog selector (guide-ready, current published versions); bundles
    # and synonyms straight from their models (no selector returns all bundles at once).
    from django.db.models import Prefetch

    from zhengwu.catalog import selectors
    from zhengwu.catalog.models import Bundle, BundleMember, SearchSynonym

    versions = selectors.published_versions()
    documents: list[SearchDocument] = []
    by_code: dict[str, Any] = {}
    for v in versions:
        by_code[v.implementation_code] = v
        documents.append(
            SearchDocument(
                kind="item",
                code=v.implementation_code,
                name=v.name,
                department_id=v.department_id,
                department=v.department.name,
                result_name=v.result_name,
                faqs=_faq_pairs(v.faqs),
                acceptance_conditions=v.acceptance_conditions,
                materials=tuple(m.name for m in v.materials.all()),
                life_events=tuple(e.name for e in v.life_events.all()),
                service_objects=frozenset(str(o) for o in v.service_objects or ()),
                online=bool(v.online_handling),
                cross_province=bool(v.cross_province),
            )
        )
    bundles = (
        Bundle.objects.filter(active=True)
        .select_related("lead_department", "life_event")
        .prefetch_related(Prefetch("members", queryset=BundleMember.objects.select_related("item")))
        .order_by("code")
    )
    for bundle in bundles:
        members = [by_code.get(m.implementation_code) for m in bundle.members.all()]
        names = [
            v.name if v is not None else m.item.name
            for v, m in zip(members, bundle.members.all(), strict=True)
        ]
        live = [v for v in members if v is not None]
        objects = set(AUDIENCE_OBJECTS.get(bundle.audience, ()))
        for v in live:
            objects.update(str(o) for o in v.service_objects or ())
        documents.append(
            SearchDocument(
                kind="bundle",
                code=bundle.code,
                name=bundle.name,
                department_id=bundle.lead_department_id,
                department=bundle.lead_department.name,
                members=tuple(names),
                description=bundle.description,
                life_events=(bundle.life_event.name,) if bundle.life_event else (),
                service_objects=frozenset(objects),
                online=bool(live) and all(v.online_handling for v in live),
                cross_province=bool(live) and all(v.cross_province for v in live),
            )
        )
    synonyms = {s.term: list(s.expansions or []) for s in SearchSynonym.objects.all()}
    return documents, synonyms


def _faq_pairs(faqs: Any) -> tuple[tuple[str, str], ...]:
    pairs = []
    for entry in faqs or ():
        if isinstance(entry, dict):
            pairs.append((str(entry.get("question", "")), str(entry.get("answer", ""))))
    return tuple(pairs)


def documents_from_export(
    data: dict[str, Any], *, department_names: dict[str, str] | None = None
) -> tuple[list[SearchDocument], dict[str, list[str]]]:
    """Documents straight from a ``zhengwu-catalog`` JSON document (docs/catalog-format.md).

    Departments are USCCs there; ``department_names`` maps them to names (and their
    position + 1 stands in for the database id). No database is touched.
    """
    names = department_names or {}
    dept_ids = {uscc: i for i, uscc in enumerate(sorted(names), start=1)}
    life_events = {e["code"]: e["name"] for e in data.get("life_events", [])}
    documents: list[SearchDocument] = []
    by_code: dict[str, dict[str, Any]] = {}
    for item in data.get("items", []):
        for v in item.get("versions", []):
            if v.get("status") != "published":
                continue
            by_code[v["implementation_code"]] = v
            uscc = v.get("department", "")
            documents.append(
                SearchDocument(
                    kind="item",
                    code=v["implementation_code"],
                    name=v.get("name") or item.get("name", ""),
                    department_id=dept_ids.get(uscc),
                    department=names.get(uscc, ""),
                    result_name=v.get("result_name", ""),
                    faqs=_faq_pairs(v.get("faqs")),
                    acceptance_conditions=v.get("acceptance_conditions", ""),
                    materials=tuple(m.get("name", "") for m in v.get("materials", [])),
                    life_events=tuple(
                        life_events.get(c, "") for c in v.get("life_events", []) if c
                    ),
                    service_objects=frozenset(str(o) for o in v.get("service_objects", [])),
                    online=bool(v.get("online_handling")),
                    cross_province=bool(v.get("cross_province")),
                )
            )
    for bundle in data.get("bundles", []):
        if not bundle.get("active", True):
            continue
        members = [by_code.get(m["implementation_code"]) for m in bundle.get("members", [])]
        live = [v for v in members if v is not None]
        objects = set(AUDIENCE_OBJECTS.get(bundle.get("audience", ""), ()))
        for v in live:
            objects.update(str(o) for o in v.get("service_objects", []))
        uscc = bundle.get("lead_department", "")
        documents.append(
            SearchDocument(
                kind="bundle",
                code=bundle["code"],
                name=bundle["name"],
                department_id=dept_ids.get(uscc),
                department=names.get(uscc, ""),
                members=tuple(v["name"] for v in live),
                description=bundle.get("description", ""),
                life_events=(life_events.get(bundle.get("life_event") or "", ""),),
                service_objects=frozenset(objects),
                online=bool(live) and all(v.get("online_handling") for v in live),
                cross_province=bool(live) and all(v.get("cross_province") for v in live),
            )
        )
    synonyms = {s["term"]: list(s.get("expansions", [])) for s in data.get("synonyms", [])}
    return documents, synonyms


# --- built-in synonyms ----------------------------------------------------------------------

# Citizens' everyday words → the catalogue's words. A starting set that a fresh install
# searches with; the administrators' SearchSynonym table is merged over it (a term there
# replaces the same term here). Keep it general: common colloquial names of services,
# certificates and situations, never phrases copied from a particular question.
BASE_SYNONYMS: dict[str, list[str]] = {
    # household registration, identity
    "上户口": ["出生登记", "户口"],
    "报户口": ["出生登记", "户口"],
    "落户": ["户口迁移"],
    "迁户口": ["户口迁移"],
    "销户": ["注销户口"],
    "销户口": ["注销户口"],
    "户口本": ["户口"],
    "身份证": ["居民身份证"],
    "补身份证": ["居民身份证申领"],
    "暂住证": ["居住证"],
    "公章": ["印章"],
    "刻章": ["印章刻制"],
    # birth, marriage, death
    "领证": ["结婚登记"],
    "结婚证": ["结婚登记"],
    "离婚证": ["离婚登记"],
    "生孩子": ["生育", "出生"],
    "新生儿": ["出生"],
    "准生证": ["生育登记"],
    "打疫苗": ["预防接种"],
    "出生证": ["出生医学证明"],
    "去世": ["死亡", "身后"],
    "过世": ["死亡", "身后"],
    "火化": ["遗体火化证明"],
    "丧葬费": ["丧葬补助金"],
    # social security, employment, retirement
    "社保": ["社会保险", "参保"],
    "交社保": ["参保登记"],
    "社保卡": ["社会保障卡"],
    "养老金": ["养老保险待遇"],
    "退休金": ["养老保险待遇"],
    "退休": ["退休", "养老保险待遇"],
    "失业金": ["失业登记", "失业保险金"],
    "没工作": ["失业登记"],
    "被辞退": ["失业登记"],
    "自由职业": ["灵活就业"],
    "毕业生": ["高校毕业生"],
    "见习": ["就业见习补贴"],
    "招人": ["员工录用", "就业登记"],
    "招工": ["员工录用", "就业登记"],
    # medical insurance
    "医保": ["医疗保险", "医保"],
    "医疗保险": ["医保"],  # the abbreviation both ways
    "看病": ["就医"],
    "住院": ["就医"],
    "手术": ["就医"],
    "异地看病": ["异地就医"],
    "外地看病": ["异地就医"],
    "外地住院": ["异地就医"],
    "生育险": ["生育医疗费用"],
    "生育保险": ["生育医疗费用"],
    # assistance, elderly, disability, veterans
    "低保": ["最低生活保障"],
    "五保户": ["特困人员救助供养"],
    "孤寡老人": ["特困人员救助供养"],
    "老人补贴": ["高龄补贴"],
    "残疾证": ["残疾人证"],
    "残疾补贴": ["残疾人两项补贴"],
    "退伍": ["退役"],
    "转业": ["退役"],
    "打官司": ["法律援助"],
    "请律师": ["法律援助"],
    "律师": ["法律援助"],
    # housing, land, utilities
    "房产证": ["不动产", "不动产权证"],
    "房本": ["不动产", "不动产权证"],
    "过户": ["转移登记", "过户"],
    "买房": ["商品房", "网签"],
    "卖房": ["二手房", "转移登记"],
    "盖房": ["宅基地"],
    "建房": ["宅基地"],
    "水表": ["供水"],
    "自来水": ["供水"],
    "电表": ["供电"],
    "天然气": ["燃气"],
    "煤气": ["燃气"],
    "取公积金": ["住房公积金提取"],
    "交公积金": ["住房公积金缴存登记"],
    # education
    "上学": ["入学"],
    "上小学": ["义务教育入学"],
    "上初中": ["义务教育入学"],
    "幼儿园": ["民办学校办学许可"],
    "培训学校": ["民办学校办学许可"],
    "教资": ["教师资格"],
    # business
    "开公司": ["企业设立登记"],
    "注册公司": ["企业设立登记"],
    "办执照": ["设立登记", "营业执照"],
    "营业执照": ["设立登记"],
    "个体户": ["个体工商户"],
    "注销公司": ["企业注销"],
    "关门": ["注销"],
    "开饭馆": ["食品经营许可"],
    "饭店": ["食品经营"],
    "餐馆": ["食品经营"],
    "餐饮": ["食品经营"],
    "小卖部": ["食品经营"],
    "药店": ["药品零售"],
    "卖药": ["药品零售"],
    "危化品": ["危险化学品"],
    "ktv": ["娱乐场所"],
    "歌厅": ["娱乐场所"],
    "网吧": ["互联网上网服务营业场所"],
    "演出": ["营业性演出"],
    "书店": ["出版物零售"],
    "卖书": ["出版物零售"],
    "鞭炮": ["烟花爆竹"],
    "放炮": ["烟花爆竹"],
    "跑运输": ["道路货物运输"],
    "货车": ["道路货物运输"],
    "劳务中介": ["人力资源服务许可"],
    "职业中介": ["人力资源服务许可"],
    "开出租": ["出租汽车驾驶员"],
    "的哥": ["出租汽车驾驶员"],
    "渣土": ["建筑垃圾"],
    "消纳": ["建筑垃圾处置"],
    "广告牌": ["户外广告"],
    "招牌": ["户外广告"],
    "占道": ["临时占用城市道路"],
    "宾馆": ["公共场所卫生许可"],
    "旅馆": ["公共场所卫生许可"],
    "理发店": ["公共场所卫生许可"],
    "美容院": ["公共场所卫生许可"],
    "诊所": ["医疗机构执业登记"],
    "进出口": ["对外贸易经营者"],
    "外贸": ["对外贸易经营者"],
    "外资": ["外商投资企业"],
    "开发票": ["发票申领"],
    "领发票": ["发票申领"],
    "锅炉": ["特种设备"],
    "电梯": ["特种设备"],
    "叉车": ["特种设备"],
    "压力容器": ["特种设备"],
    "血压计": ["医疗器械"],
    "血糖仪": ["医疗器械"],
    "施工证": ["施工许可"],
    "盖楼": ["施工许可"],
    "非营利": ["民办非企业单位"],
    "公益": ["民办非企业单位", "社会团体"],
    "停业": ["注销"],
    "协会": ["社会团体"],
    "商会": ["社会团体"],
    # several services at once (一件事一次办)
    "一起办": ["一件事"],
    "一块办": ["一件事"],
    "一次办": ["一件事"],
    "一并办": ["一件事"],
    "联办": ["一件事"],
}


def merged_synonyms(table: dict[str, list[str]]) -> dict[str, list[str]]:
    """The built-in synonyms with the administrators' table over them."""
    return {**BASE_SYNONYMS, **table}
