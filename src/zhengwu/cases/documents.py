"""Numbered case documents (办件文书) rendered as PDF.

The Administrative Licensing Law makes every step the applicant must know about a written,
numbered, dated document issued under the body's seal (DOMAIN.md §3): 受理通知书 and
不予受理通知书 (art. 32, last paragraph), the one-time 补正材料通知书 (art. 32 (4)), the
licensing decision (art. 38; a denial states reasons and the route of appeal), the extension
(art. 42, reasons told to the applicant) and the special-procedure notice (art. 45, time not
counted, told in writing). 容缺受理, the combined result notice of a bundle (一件事一次办) and the
delivery receipt (送达回证) follow the same layout.

This module is pure Python — no Django, no database. The caller passes a
:class:`NoticeDocument` of plain data (it owns the numbering, the wording of reasons and the
legal basis it wants cited) and gets PDF bytes back from :func:`render_notice`. Where the
caller leaves the body text empty, a neutral default is used; a refusal or denial without an
``appeal`` text gets the statutory route of appeal (行政复议 within 60 days, 行政诉讼 within
6 months), because a refusal that omits it is defective (行政许可法 art. 38).

Chinese text uses reportlab's built-in CID font STSong-Light (Adobe-GB1): nothing is
downloaded or embedded, the PDF viewer supplies the glyphs. The seal is a drawn placeholder
(red circle, body name, star); the real electronic seal is applied by the signing service.
The QR code links to the public progress page and is drawn as vector rectangles from segno's
own matrix (:func:`qr_matrix`), so it is exact at any zoom.
"""

from __future__ import annotations

import functools
import io
import math
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

import segno
from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.enums import TA_CENTER  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

__all__ = [
    "FONT_NAME",
    "KINDS",
    "NoticeDocument",
    "NoticeSection",
    "chinese_date",
    "default_appeal",
    "notice_text",
    "qr_matrix",
    "qr_runs",
    "render_notice",
    "title_for",
]

FONT_NAME = "STSong-Light"

_TITLES: dict[str, str] = {
    "acceptance": "受理通知书",
    "correction": "补正材料通知书",
    "refusal": "不予受理通知书",
    "deficiency": "容缺受理通知书",
    "approval": "准予行政许可决定书",
    "denial": "不予行政许可决定书",
    "extension": "延长期限告知书",
    "special_procedure": "特别程序告知书",
    "bundle_result": "一件事办理结果通知书",
    "delivery_receipt": "送达回证",
}
KINDS: tuple[str, ...] = tuple(_TITLES)

# Kinds that refuse or deny: they must state the route of appeal (行政许可法 art. 38).
_ADVERSE_KINDS = frozenset({"refusal", "denial"})

_LISTING_TITLES: dict[str, str] = {
    "correction": "需补正的材料",
    "deficiency": "容缺材料及补交要求",
    "refusal": "不予受理的理由",
    "denial": "不予行政许可的理由",
    "bundle_result": "各事项办理结果",
    "delivery_receipt": "送达文书",
}
_LISTING_HEADERS: dict[str, tuple[str, str]] = {
    "correction": ("材料名称", "补正要求"),
    "deficiency": ("容缺材料", "补交期限及要求"),
    "refusal": ("事项", "理由"),
    "denial": ("事项", "理由"),
    "bundle_result": ("事项", "办理结果"),
    "delivery_receipt": ("文书名称", "文书编号"),
}
_DEFAULT_LISTING_HEADERS = ("项目", "说明")

QR_CAPTION = "扫码查询办理进度 / Scan to track progress"


@dataclass(frozen=True)
class NoticeSection:
    """One child case in a bundle result (一件事办理结果通知书)."""

    title: str  # the item's name, e.g. "出生医学证明"
    case_number: str = ""
    result: str = ""  # e.g. "准予许可" / "不予受理"
    facts: tuple[tuple[str, str], ...] = ()
    paragraphs: tuple[str, ...] = ()  # e.g. the refusal reason
    refused: bool = False  # refused or denied: the notice then states the route of appeal


@dataclass(frozen=True)
class NoticeDocument:
    kind: str
    number: str  # document number, e.g. "灞政受〔2026〕000123号" — the caller numbers
    case_number: str
    issuing_body: str  # e.g. "西安市灞桥区市场监督管理局"
    applicant_name: str
    item_name: str
    issued_on: date
    progress_url: str  # absolute URL of the public progress page, encoded as the QR code
    facts: tuple[tuple[str, str], ...] = ()  # label/value rows
    paragraphs: tuple[str, ...] = ()  # body text; empty → a neutral default for the kind
    listing_title: str = ""  # e.g. "需补正的材料"; empty → a default for the kind
    listing: tuple[tuple[str, str], ...] = ()  # (item, reason/remark) numbered table rows
    appeal: str = ""  # route of appeal; empty on refusal/denial → default_appeal()
    footer: str = ""  # small print after the signature, e.g. contact phone
    listing_headers: tuple[str, str] | tuple[()] = ()  # column headings of the listing
    sections: tuple[NoticeSection, ...] = ()  # bundle_result: one per child case

    def __post_init__(self) -> None:
        title_for(self.kind)  # ValueError for an unknown kind
        # Without its own number or the issuing body a document is no document. A missing
        # case number, applicant or item only leaves its line out.
        for name in ("number", "issuing_body"):
            if not _clean(getattr(self, name)).strip():
                raise ValueError(f"NoticeDocument.{name} must not be empty")
        if not isinstance(self.issued_on, date):
            raise ValueError("NoticeDocument.issued_on must be a date")
        if not re.match(r"https?://[^\s/]+", self.progress_url or ""):
            raise ValueError("NoticeDocument.progress_url must be an absolute http(s) URL")
        if self.listing_headers and len(self.listing_headers) != 2:
            raise ValueError("NoticeDocument.listing_headers must hold two headings")


def title_for(kind: str) -> str:
    """The document's title for ``kind`` (受理通知书 …); ValueError for an unknown kind."""
    try:
        return _TITLES[kind]
    except (KeyError, TypeError):
        raise ValueError(f"unknown notice kind {kind!r}; expected one of {KINDS}") from None


def chinese_date(value: date) -> str:
    """2026-11-27 → 2026年11月27日 (Arabic numerals, as GB/T 9704-2012 writes dates)."""
    return f"{value.year}年{value.month}月{value.day}日"


def default_appeal(kind: str) -> str:
    """The statutory route of appeal, for a caller that does not name the bodies itself."""
    document = "本决定书" if title_for(kind).endswith("决定书") else "本通知书"
    return (
        f"如不服本决定，可以自收到{document}之日起六十日内，依照《中华人民共和国行政复议法》"
        "的规定申请行政复议；也可以自收到之日起六个月内，依照《中华人民共和国行政诉讼法》"
        "的规定向人民法院提起行政诉讼。"
    )


# --- composition: what the document says, shared by the renderer and notice_text() ---------


@dataclass(frozen=True)
class _Block:
    kind: str  # heading | title | number | salutation | para | facts | section | listing | ...
    text: str = ""
    rows: tuple[tuple[str, str], ...] = ()
    headers: tuple[str, str] = ("", "")


def _clean(value: object) -> str:
    """Text as the PDF can show it: no control characters or lone surrogates; no-break
    spaces as spaces; characters beyond the BMP as 〓 (the printer's mark for a missing
    character) — the built-in CID font is addressed in UCS-2 and would show a wrong glyph."""
    text = "" if value is None else str(value)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = text.replace("\u00a0", " ").replace("\u202f", " ")
    text = _UNPRINTABLE.sub("", text)
    return _BEYOND_BMP.sub("〓", text)


_UNPRINTABLE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_BEYOND_BMP = re.compile("[\U00010000-\U0010ffff]")


def _default_paragraphs(doc: NoticeDocument) -> list[str]:
    item = _clean(doc.item_name)
    subject = f"你（单位）提交的“{item}”申请" if item.strip() else "你（单位）提交的申请"
    if doc.kind == "acceptance":
        return [
            f"{subject}，申请事项属于本机关职权范围，申请材料齐全、符合法定形式，"
            "本机关决定予以受理。",
            "请妥善保管本通知书，凭办件编号查询办理进度、领取办理结果。",
        ]
    if doc.kind == "correction":
        return [
            f"{subject}，申请材料不齐全或者不符合法定形式。现一次性告知你（单位）需要补正的"
            "全部内容。请按要求补正后重新提交，补正材料齐全、符合法定形式的，本机关将予以受理。"
        ]
    if doc.kind == "refusal":
        return [f"{subject}，经审查，本机关决定不予受理。"]
    if doc.kind == "deficiency":
        return [
            f"{subject}，基本条件具备、主要申请材料齐全且符合法定形式，仅次要材料欠缺，"
            "本机关决定容缺受理。请在规定期限内补交所欠缺的材料；逾期未补交的，"
            "将依照有关规定处理。"
        ]
    if doc.kind == "approval":
        return [
            f"{subject}，经审查，符合法定条件、标准。根据《中华人民共和国行政许可法》"
            "第三十八条第一款的规定，本机关决定准予行政许可。"
        ]
    if doc.kind == "denial":
        return [
            f"{subject}，经审查，不符合法定条件、标准。根据《中华人民共和国行政许可法》"
            "第三十八条第二款的规定，本机关决定不予行政许可。"
        ]
    if doc.kind == "extension":
        return [
            f"{subject}，本机关在法定期限内不能作出决定。根据《中华人民共和国行政许可法》"
            "第四十二条第一款的规定，经本机关负责人批准，决定延长办理期限，现将延长期限的"
            "理由告知你（单位）。"
        ]
    if doc.kind == "special_procedure":
        return [
            f"{subject}，依法需要履行特别程序。根据《中华人民共和国行政许可法》第四十五条的"
            "规定，特别程序所需时间不计算在办理期限内，现书面告知你（单位）。"
        ]
    if doc.kind == "bundle_result":
        return [f"{subject}，所含各事项的办理结果如下。"]
    return []  # delivery_receipt: a form, no body text


def _with_facts(
    first: Sequence[tuple[str, str]], rest: Sequence[tuple[str, str]]
) -> tuple[tuple[str, str], ...]:
    """``first`` rows whose label the caller did not already give, then the caller's rows."""
    given = {_clean(label) for label, _ in rest}
    if given & _ITEM_LABELS:
        given |= _ITEM_LABELS
    return tuple((a, b) for a, b in first if a not in given and b.strip()) + tuple(
        (_clean(a), _clean(b)) for a, b in rest
    )


_ITEM_LABELS = frozenset({"事项名称", "申请事项", "办理事项", "事项"})

_CHINESE_DIGITS = "零一二三四五六七八九"


def _chinese_ordinal(n: int) -> str:
    if n < 10:
        return _CHINESE_DIGITS[n]
    if n < 100:
        tens, units = divmod(n, 10)
        return (
            ("" if tens == 1 else _CHINESE_DIGITS[tens])
            + "十"
            + ("" if units == 0 else _CHINESE_DIGITS[units])
        )
    return str(n)


def _compose(doc: NoticeDocument) -> list[_Block]:
    kind = doc.kind
    blocks = [
        _Block("heading", _clean(doc.issuing_body)),
        _Block("title", title_for(kind)),
        _Block("number", _clean(doc.number)),
    ]
    applicant = _clean(doc.applicant_name).strip()
    if applicant and kind != "delivery_receipt":
        blocks.append(_Block("salutation", f"{applicant}："))
    paragraphs = [_clean(p) for p in doc.paragraphs] or _default_paragraphs(doc)
    blocks.extend(_Block("para", p) for p in paragraphs if p.strip())

    identity = [("事项名称", _clean(doc.item_name)), ("办件编号", _clean(doc.case_number))]
    if kind == "delivery_receipt":
        identity.insert(0, ("受送达人", _clean(doc.applicant_name)))
    facts = _with_facts(identity, doc.facts)
    if facts:
        blocks.append(_Block("facts", rows=facts))

    for index, section in enumerate(doc.sections, start=1):
        blocks.append(_Block("section", f"{_chinese_ordinal(index)}、{_clean(section.title)}"))
        rows = []
        if section.case_number:
            rows.append(("办件编号", _clean(section.case_number)))
        if section.result:
            rows.append(("办理结果", _clean(section.result)))
        rows.extend((_clean(a), _clean(b)) for a, b in section.facts)
        if rows:
            blocks.append(_Block("facts", rows=tuple(rows)))
        blocks.extend(_Block("para", _clean(p)) for p in section.paragraphs if str(p).strip())

    if doc.listing:
        title = _clean(doc.listing_title) or _LISTING_TITLES.get(kind, "")
        if title:
            blocks.append(_Block("listing_title", title))
        headers = doc.listing_headers or _LISTING_HEADERS.get(kind, _DEFAULT_LISTING_HEADERS)
        blocks.append(
            _Block(
                "listing",
                rows=tuple((_clean(a), _clean(b)) for a, b in doc.listing),
                headers=(_clean(headers[0]), _clean(headers[1])),
            )
        )

    appeal = _clean(doc.appeal).strip()
    if not appeal and (kind in _ADVERSE_KINDS or any(s.refused for s in doc.sections)):
        appeal = default_appeal(kind)
    if appeal:
        blocks.append(_Block("appeal", appeal))

    if kind == "delivery_receipt":
        blocks.append(
            _Block(
                "signing",
                rows=(
                    ("受送达人（签名或盖章）", ""),
                    ("签收日期", "＿＿＿＿年＿＿月＿＿日"),
                    ("送达人（签名）", ""),
                    ("备注", ""),
                ),
            )
        )
    blocks.append(_Block("signature", _clean(doc.issuing_body)))
    blocks.append(_Block("date", chinese_date(doc.issued_on)))
    blocks.append(_Block("qr_caption", QR_CAPTION))
    if _clean(doc.case_number).strip():
        blocks.append(_Block("qr_case_number", f"办件编号：{_clean(doc.case_number)}"))
    if doc.footer.strip():
        blocks.append(_Block("footer", _clean(doc.footer)))
    return blocks


def notice_text(doc: NoticeDocument) -> list[str]:
    """The text the PDF shows, in reading order (tables flattened row by row)."""
    out: list[str] = []
    for block in _compose(doc):
        if block.kind == "listing":
            out.extend(["序号", *block.headers])
            for number, (item, remark) in enumerate(block.rows, start=1):
                out.extend([str(number), item, remark])
        elif block.rows:
            for label, value in block.rows:
                out.extend([label, value])
        else:
            out.append(block.text)
    return [text for text in out if text]


# --- QR code ---------------------------------------------------------------------------------


@functools.lru_cache(maxsize=512)
def qr_matrix(url: str) -> tuple[tuple[bool, ...], ...]:
    """segno's module matrix for ``url`` (error level M, no quiet zone); True is dark."""
    code = segno.make_qr(url, error="m")
    return tuple(tuple(bool(v) for v in row) for row in code.matrix_iter(border=0))


def qr_runs(matrix: Sequence[Sequence[bool]]) -> list[tuple[int, int, int]]:
    """Horizontal runs of dark modules as (row, column, length): one rectangle each."""
    runs = []
    for r, row in enumerate(matrix):
        c, width = 0, len(row)
        while c < width:
            if row[c]:
                start = c
                while c < width and row[c]:
                    c += 1
                runs.append((r, start, c - start))
            else:
                c += 1
    return runs


# --- reportlab setup, once per process ----------------------------------------------------------

_font_lock = threading.Lock()
_font_ready = False


def _ensure_font() -> None:
    global _font_ready
    if _font_ready:
        return
    with _font_lock:
        if not _font_ready:
            if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(UnicodeCIDFont(FONT_NAME))
            _font_ready = True


@dataclass(frozen=True)
class _Styles:
    salutation: Any
    body: Any
    cell: Any
    cell_label: Any
    cell_head: Any
    section: Any
    small: Any


BODY_SIZE = 12
SEAL_RED = colors.Color(0.82, 0.07, 0.09)
GRID_GREY = colors.Color(0.35, 0.35, 0.35)
LABEL_FILL = colors.Color(0.94, 0.94, 0.94)


@functools.cache
def _styles() -> _Styles:
    _ensure_font()
    base = {"fontName": FONT_NAME, "wordWrap": "CJK"}
    body = ParagraphStyle(
        "zw-body", fontSize=BODY_SIZE, leading=21, firstLineIndent=2 * BODY_SIZE, **base
    )
    cell = ParagraphStyle("zw-cell", fontSize=10.5, leading=14.5, **base)
    return _Styles(
        salutation=ParagraphStyle("zw-salutation", parent=body, firstLineIndent=0, spaceAfter=2),
        body=body,
        cell=cell,
        cell_label=ParagraphStyle("zw-cell-label", parent=cell),
        cell_head=ParagraphStyle("zw-cell-head", parent=cell, alignment=TA_CENTER),
        section=ParagraphStyle(
            "zw-section",
            fontSize=13,
            leading=20,
            spaceBefore=10,
            spaceAfter=4,
            **base,
        ),
        small=ParagraphStyle(
            "zw-small", fontSize=9, leading=13, textColor=colors.Color(0.3, 0.3, 0.3), **base
        ),
    )


def _markup(text: str) -> str:
    """Plain text as platypus Paragraph markup: <, & and > escaped, newlines kept."""
    return escape(text).replace("\n", "<br/>")


# --- flowables ---------------------------------------------------------------------------------


class _Line(Flowable):  # type: ignore[misc]
    """One line drawn directly, centred or right-aligned, shrunk to fit; CID fonts have no
    bold face, so ``bold`` fills and strokes the glyphs."""

    def __init__(self, text: str, size: float, *, align: str, bold: bool = False) -> None:
        super().__init__()
        self.text, self.size, self.align, self.bold = text, size, align, bold

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        text_width = pdfmetrics.stringWidth(self.text, FONT_NAME, self.size)
        self._size = self.size * min(1.0, avail_width / text_width) if text_width else self.size
        self.height = self._size * 1.45
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        text_width = pdfmetrics.stringWidth(self.text, FONT_NAME, self._size)
        x = (self.width - text_width) / 2 if self.align == "center" else self.width - text_width
        text = canvas.beginText(x, self._size * 0.35)
        text.setFont(FONT_NAME, self._size)
        if self.bold:
            canvas.setLineWidth(self._size * 0.035)
            text.setTextRenderMode(2)
        text.textOut(self.text)
        canvas.drawText(text)


class _SignatureBlock(Flowable):  # type: ignore[misc]
    """QR code with its caption at the left; issuing body, date and the placeholder seal at
    the right (GB/T 9704: the date four characters from the right edge, the body centred
    over it, the seal over both)."""

    QR_SIZE = 26 * mm
    SEAL_RADIUS = 20 * mm
    CAPTION_SIZE = 8

    def __init__(self, *, body: str, issued: str, matrix, caption: Sequence[str]) -> None:
        super().__init__()
        self.body, self.issued, self.matrix, self.caption = body, issued, matrix, caption
        self.height = 2 * self.SEAL_RADIUS + 8 * mm

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        size = BODY_SIZE
        date_width = pdfmetrics.stringWidth(self.issued, FONT_NAME, size)
        center_x = self.width - 4 * size - date_width / 2
        body_size = size
        body_width = pdfmetrics.stringWidth(self.body, FONT_NAME, size)
        max_body = self.width * 0.55
        if body_width > max_body:
            body_size, body_width = size * max_body / body_width, max_body
        body_x = min(center_x - body_width / 2, self.width - body_width)
        center_y = self.height / 2
        canvas.setFillColor(colors.black)
        canvas.setFont(FONT_NAME, body_size)
        canvas.drawString(body_x, center_y - 4, self.body)
        canvas.setFont(FONT_NAME, size)
        canvas.drawString(center_x - date_width / 2, center_y - size - 16, self.issued)
        seal_x = center_x
        seal_left = seal_x - self.SEAL_RADIUS
        _draw_seal(canvas, seal_x, center_y, self.SEAL_RADIUS, self.body)
        self._draw_qr(canvas, max_width=seal_left - 6)

    def _draw_qr(self, canvas: Any, *, max_width: float) -> None:
        matrix = self.matrix
        n = len(matrix)
        module = self.QR_SIZE / n
        caption_height = 2 * (self.CAPTION_SIZE + 3)
        top = caption_height + 4 + self.QR_SIZE
        # In module units (one unit = one module, origin at the code's bottom left), so the
        # path is small integers written straight into the stream: one rectangle per run of
        # dark modules, a hundredth of a module taller so viewers show no seams between rows.
        canvas.saveState()
        canvas.translate(0, top - n * module)
        canvas.scale(module, module)
        canvas.setFillColor(colors.black)
        canvas.addLiteral(
            " ".join(
                f"{column} {n - 1 - row} {length} 1.01 re"
                for row, column, length in qr_runs(matrix)
            )
            + " f"
        )
        canvas.restoreState()
        canvas.setFillColor(colors.Color(0.2, 0.2, 0.2))
        y = caption_height - self.CAPTION_SIZE
        for line in self.caption:
            font_size = self.CAPTION_SIZE
            width = pdfmetrics.stringWidth(line, FONT_NAME, font_size)
            if width > max_width > 0:
                font_size *= max_width / width
            canvas.setFont(FONT_NAME, font_size)
            canvas.drawString(0, y, line)
            y -= self.CAPTION_SIZE + 3


def _draw_seal(canvas: Any, cx: float, cy: float, radius: float, name: str) -> None:
    """A placeholder official seal: red ring, the body's name along the top arc, a star."""
    canvas.saveState()
    canvas.setStrokeColor(SEAL_RED)
    canvas.setFillColor(SEAL_RED)
    canvas.setLineWidth(1.8)
    canvas.circle(cx, cy, radius, stroke=1, fill=0)
    # five-pointed star in the middle
    outer, inner = radius * 0.3, radius * 0.3 * 0.382
    star = canvas.beginPath()
    for i in range(10):
        r = outer if i % 2 == 0 else inner
        angle = math.pi / 2 + i * math.pi / 5
        x, y = cx + r * math.cos(angle), cy + r * math.sin(angle)
        if i == 0:
            star.moveTo(x, y)
        else:
            star.lineTo(x, y)
    star.close()
    canvas.drawPath(star, stroke=0, fill=1)
    # the name clockwise over the top, upright towards the rim, within 220° of arc
    chars = [char for char in name if not char.isspace()]
    if chars:
        max_span = math.radians(220)
        size = 13.0
        while size > 5:
            mid = radius - 4 - size / 2
            if len(chars) * size * 1.12 / mid <= max_span:
                break
            size -= 0.5
        baseline = radius - 4 - size * 0.88
        # a name too long even at the smallest size is squeezed into the arc
        step = min(size * 1.12 / (radius - 4 - size / 2), max_span / len(chars))
        start = math.pi / 2 + step * (len(chars) - 1) / 2
        canvas.setFont(FONT_NAME, size)
        for i, char in enumerate(chars):
            canvas.saveState()
            canvas.translate(cx, cy)
            canvas.rotate(math.degrees(start - i * step) - 90)
            canvas.drawCentredString(0, baseline, char)
            canvas.restoreState()
    canvas.restoreState()


# --- rendering ---------------------------------------------------------------------------------

PAGE_WIDTH, PAGE_HEIGHT = A4
LEFT_MARGIN, RIGHT_MARGIN = 28 * mm, 26 * mm  # GB/T 9704-2012 body margins
TOP_MARGIN, BOTTOM_MARGIN = 30 * mm, 25 * mm
FRAME_WIDTH = PAGE_WIDTH - LEFT_MARGIN - RIGHT_MARGIN


def _table_style(*, header: bool, label_column: bool) -> TableStyle:
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.6, GRID_GREY),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 5),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), LABEL_FILL))
    if label_column:
        commands.append(("BACKGROUND", (0, 0), (0, -1), LABEL_FILL))
    return TableStyle(commands)


@functools.cache
def _cached_table_styles() -> dict[str, TableStyle]:
    return {
        "facts": _table_style(header=False, label_column=True),
        "listing": _table_style(header=True, label_column=False),
        "listing_body": _table_style(header=False, label_column=False),
    }


# A table row never splits across pages, so no cell may be taller than a page: longer text is
# cut into continuation rows. Text this short always fits (≥ 15 characters a line).
CELL_MAX_HEIGHT = 320.0
_CELL_SAFE_CHARS = 160
_CELL_PADDING = 10.0  # left + right padding of _table_style


def _cell(text: str, style: Any, column_width: float) -> list[Any]:
    """``text`` as one Paragraph, or several when it would be taller than CELL_MAX_HEIGHT."""
    paragraph = Paragraph(_markup(text), style)
    if len(text) + 20 * text.count("\n") <= _CELL_SAFE_CHARS:
        return [paragraph]
    width = column_width - _CELL_PADDING
    pieces = []
    while True:
        if paragraph.wrap(width, CELL_MAX_HEIGHT)[1] <= CELL_MAX_HEIGHT:
            pieces.append(paragraph)
            return pieces
        parts = paragraph.split(width, CELL_MAX_HEIGHT)
        if len(parts) < 2:  # cannot be cut further; let reportlab do its best
            pieces.append(paragraph)
            return pieces
        pieces.append(parts[0])
        paragraph = parts[1]


def _rows(cells: Sequence[list[Any]]) -> list[list[Any]]:
    """One table row per piece: the first row of a cut cell, then its continuation rows."""
    count = max(len(pieces) for pieces in cells)
    return [[pieces[i] if i < len(pieces) else "" for pieces in cells] for i in range(count)]


@dataclass
class _TableSpec:
    """A table not yet built, so that its last row can go with the signature."""

    data: list[list[Any]]
    widths: list[float]
    style: str  # key of _cached_table_styles()
    header_rows: int = 0
    min_height: float = 0
    space_before: float = 6

    def table(self, start: int = 0, end: int | None = None, *, joined: bool = False) -> Table:
        rows = self.data[start:end]
        header = self.header_rows if start == 0 else 0
        style = self.style if header or self.style != "listing" else "listing_body"
        table = Table(
            rows,
            colWidths=self.widths,
            repeatRows=header,  # the listing's header again on every page
            minRowHeights=[self.min_height] * len(rows) if self.min_height else None,
            hAlign="LEFT",
            spaceBefore=self.space_before if start == 0 else 0,
            spaceAfter=0 if joined else 6,
        )
        table.setStyle(_cached_table_styles()[style])
        return table


FACT_LABEL_WIDTH = 40 * mm


def _facts_table(
    rows: Sequence[tuple[str, str]], styles: _Styles, *, min_height: float = 0
) -> _TableSpec:
    value_width = FRAME_WIDTH - FACT_LABEL_WIDTH
    data: list[list[Any]] = []
    for label, value in rows:
        data.extend(
            _rows(
                [
                    _cell(label, styles.cell_label, FACT_LABEL_WIDTH),
                    _cell(value, styles.cell, value_width),
                ]
            )
        )
    return _TableSpec(data, [FACT_LABEL_WIDTH, value_width], "facts", min_height=min_height)


LISTING_WIDTHS = (13 * mm, 62 * mm, FRAME_WIDTH - 75 * mm)  # 序号, item, remark


def _listing_table(block: _Block, styles: _Styles) -> _TableSpec:
    _, item_width, remark_width = LISTING_WIDTHS
    data = [[Paragraph(_markup(h), styles.cell_head) for h in ("序号", *block.headers)]]
    for number, (item, remark) in enumerate(block.rows, start=1):
        data.extend(
            _rows(
                [
                    [Paragraph(str(number), styles.cell_head)],
                    _cell(item, styles.cell, item_width),
                    _cell(remark, styles.cell, remark_width),
                ]
            )
        )
    return _TableSpec(data, list(LISTING_WIDTHS), "listing", header_rows=1, space_before=2)


def _flowables(doc: NoticeDocument, blocks: list[_Block]) -> list[Any]:
    styles = _styles()
    story: list[Any] = []
    by_kind: dict[str, list[_Block]] = {}
    for block in blocks:
        by_kind.setdefault(block.kind, []).append(block)
    for block in blocks:
        kind = block.kind
        if kind == "heading":
            story.append(_Line(block.text, 16, align="center"))
        elif kind == "title":
            story.append(_Line(block.text, 22, align="center", bold=True))
            story.append(Spacer(1, 4))
        elif kind == "number":
            story.append(_Line(block.text, BODY_SIZE, align="right"))
            story.append(Spacer(1, 10))
        elif kind == "salutation":
            story.append(Paragraph(_markup(block.text), styles.salutation))
        elif kind in ("para", "appeal"):
            story.append(Paragraph(_markup(block.text), styles.body))
        elif kind == "facts":
            story.append(_facts_table(block.rows, styles))
        elif kind in ("section", "listing_title"):
            # not keepWithNext: that would push a long table whole onto a new page
            story.append(CondPageBreak(36 * mm))
            story.append(Paragraph(_markup(block.text), styles.section))
        elif kind == "listing":
            story.append(_listing_table(block, styles))
        elif kind == "signing":
            story.append(_facts_table(block.rows, styles, min_height=30))

    # GB/T 9704: the page with the seal carries body text, never the signature alone; the
    # last paragraph, or the last row of a closing table, goes along with it.
    last = story.pop()
    if isinstance(last, _TableSpec) and len(last.data) > last.header_rows + 3:
        story.append(last.table(0, -1, joined=True))
        closing = [last.table(len(last.data) - 1)]
    else:
        closing = [last.table() if isinstance(last, _TableSpec) else last]
    story = [item.table() if isinstance(item, _TableSpec) else item for item in story]
    closing.append(Spacer(1, 14))
    closing.append(
        _SignatureBlock(
            body=by_kind["signature"][0].text,
            issued=by_kind["date"][0].text,
            matrix=qr_matrix(doc.progress_url),
            caption=[b.text for b in by_kind["qr_caption"] + by_kind.get("qr_case_number", [])],
        )
    )
    for block in by_kind.get("footer", []):
        closing.append(Spacer(1, 6))
        closing.append(Paragraph(_markup(block.text), styles.small))
    story.append(KeepTogether(closing))
    return story


def _page_decorator(title: str, number: str) -> Callable[[Any, Any], None]:
    def decorate(canvas: Any, template: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT_NAME, 9)
        canvas.setFillColor(colors.Color(0.35, 0.35, 0.35))
        page = canvas.getPageNumber()
        canvas.drawCentredString(PAGE_WIDTH / 2, BOTTOM_MARGIN / 2, f"第 {page} 页")
        if page > 1:  # later pages say which document they belong to
            canvas.drawRightString(
                PAGE_WIDTH - RIGHT_MARGIN, PAGE_HEIGHT - TOP_MARGIN / 2, f"{title}　{number}"
            )
        canvas.restoreState()

    return decorate


def render_notice(doc: NoticeDocument) -> bytes:
    """The document as PDF bytes: A4 portrait, as many pages as the listing needs."""
    _ensure_font()
    blocks = _compose(doc)
    title = title_for(doc.kind)
    buffer = io.BytesIO()
    template = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=LEFT_MARGIN,
        rightMargin=RIGHT_MARGIN,
        topMargin=TOP_MARGIN,
        bottomMargin=BOTTOM_MARGIN,
        title=f"{title} {_clean(doc.number)}",
        author=_clean(doc.issuing_body),
        subject=_clean(doc.case_number) or _clean(doc.number),
        creator="zhengwu",
        keywords=[title, _clean(doc.number), _clean(doc.case_number)],
        invariant=1,  # same input, same bytes: no timestamp or random document ID
        lang="zh-CN",
        initialFontName=FONT_NAME,
        initialFontSize=BODY_SIZE,
    )
    decorate = _page_decorator(title, _clean(doc.number))
    template.build(_flowables(doc, blocks), onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()
