"""Rendering of licences: the printable PDF and the inline SVGs of the face card.

The PDF (A4, reportlab, Chinese in the built-in CID font STSong-Light like the case
documents) shows the face — type, number, holder, metadata, issuer, dates, identifier — the
drawn seal of the issuer and a QR code to the public verification page (by ``qr_token``).

**Embedded signed document.** Every PDF carries the licence's signed JSON export
(:func:`zhengwu.licences.verification.export_document`) as a standard PDF attachment
(``/Names /EmbeddedFiles``, file ``licence.json``, stream written uncompressed), so an
uploaded PDF can be verified: :func:`extract_document` reads it back without a PDF library.

**File signature.** What the signature of the licence proves is the *content*; someone could
still edit the visible face of a PDF and keep the attachment. So the whole file is signed
too, the way PDF signatures use a byte range: the attachment holds a fixed-width
``file_signature`` placeholder; after rendering, the SM2 signature (issuer's active key) over
every byte of the file except that placeholder is written into it. :func:`check_file_signature`
recomputes it: any byte changed anywhere in the file (face text, attachment, an incremental
update appended by an editor) makes the file invalid.

**Cache.** The PDF is stored in the default storage under ``licences/pdf/<digest>.pdf``;
``rendered_digest`` is SM3 over the canonical bytes, the status and the layout version, so a
status change or any change of content renders afresh. :func:`render_cached` is what pages
call; ``tasks_render.render_licence_pdf`` warms the cache after issuance (never inside the
issuing transaction).
"""

from __future__ import annotations

import base64
import functools
import io
import logging
import math
import re
import zlib
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

import orjson
import segno
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4, landscape  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.pdfdoc import (  # type: ignore[import-untyped]
    PDFArray,
    PDFDictionary,
    PDFName,
    PDFStream,
    PDFString,
)
from reportlab.pdfbase.pdfdoc import format as format_pdf  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]
from reportlab.platypus import Paragraph  # type: ignore[import-untyped]

from zhengwu.cases import documents
from zhengwu.kernel.crypto import sm3_hex
from zhengwu.kernel.errors import Conflict
from zhengwu.licences import signing
from zhengwu.licences.choices import FaceTemplate
from zhengwu.licences.models import IssuerKey, Licence

SEAL_RED_HEX = "#c8161d"


@functools.lru_cache(maxsize=256)
def seal_svg(issuer_name: str) -> SafeString:
    """A drawn official seal (red ring, the issuer's name along the top arc, a star) as inline
    SVG. Decorative for assistive technology: the card states the issuer in words."""
    cx = cy = 60.0
    radius = 56.0
    chars = [escape(c) for c in (issuer_name or "") if not c.isspace()]
    parts = [
        '<svg class="lc-seal-svg" viewBox="0 0 120 120" aria-hidden="true" focusable="false">',
        f'<circle cx="{cx}" cy="{cy}" r="{radius}" fill="none" stroke="{SEAL_RED_HEX}" '
        'stroke-width="3.2"/>',
    ]
    outer, inner = 15.0, 15.0 * 0.382
    points = []
    for i in range(10):
        r = outer if i % 2 == 0 else inner
        angle = -math.pi / 2 + i * math.pi / 5
        points.append(f"{cx + r * math.cos(angle):.2f},{cy + r * math.sin(angle):.2f}")
    parts.append(f'<polygon points="{" ".join(points)}" fill="{SEAL_RED_HEX}"/>')
    if chars:
        max_span = math.radians(260)
        size = 17.0
        while size > 6 and len(chars) * size * 1.1 / (radius - 6 - size / 2) > max_span:
            size -= 0.5
        step = min(size * 1.1 / (radius - 6 - size / 2), max_span / len(chars))
        start = -step * (len(chars) - 1) / 2
        baseline = cy - radius + 6 + size * 0.9
        for i, char in enumerate(chars):
            degrees = math.degrees(start + i * step)
            parts.append(
                f'<text x="{cx}" y="{baseline:.2f}" font-size="{size:.1f}" text-anchor="middle" '
                f'fill="{SEAL_RED_HEX}" font-weight="700" '
                f'transform="rotate({degrees:.2f} {cx} {cy})">{char}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - built here from escaped text


@functools.lru_cache(maxsize=256)
def seal_data_uri(issuer_name: str) -> str:
    """The seal as a ``data:`` URI for an ``<img alt="">``: a seal is a picture, and its
    lettering is not text of the page (the card states the issuer in words)."""
    svg = str(seal_svg(issuer_name)).replace(
        '<svg class="lc-seal-svg" ', '<svg xmlns="http://www.w3.org/2000/svg" ', 1
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


@functools.lru_cache(maxsize=1024)
def qr_svg(url: str, *, label: str = "") -> SafeString:
    """The QR code of ``url`` as inline SVG (sized by CSS through its viewBox)."""
    code = segno.make_qr(url, error="m")
    svg = code.svg_inline(scale=1, border=2, omitsize=True, svgclass="lc-qr-svg", lineclass=None)
    name = escape(label or url, {'"': "&quot;"})
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{name}" ', 1)
    return mark_safe(svg)  # noqa: S308 - segno's markup and an escaped label


# --- PDF ---------------------------------------------------------------------------------------

RENDER_VERSION = b"licence-pdf-1"
PDF_PREFIX = "licences/pdf/"
ATTACHMENT_NAME = "licence.json"
FILE_SIGNATURE_KEY = b'"file_signature":"'
FILE_SIGNATURE_WIDTH = 128  # base64 of a DER SM2 signature is at most 96 characters
_PLACEHOLDER = "#" * FILE_SIGNATURE_WIDTH

logger = logging.getLogger("zhengwu.licences")


def verification_url(licence: Licence) -> str:
    """Absolute URL of the public verification page of ``licence`` (its printed QR code)."""
    base = str(getattr(settings, "PUBLIC_URL", "") or "http://127.0.0.1:8000").rstrip("/")
    return f"{base}{reverse('licences_public:qr', args=[licence.qr_token])}"


def render_digest(licence: Licence) -> str:
    canonical = signing.licence_canonical_bytes(licence)
    return sm3_hex(b"\x00".join((RENDER_VERSION, canonical, licence.status.encode())))


def _chinese_date(value: date | None) -> str:
    if value is None:
        return "长期"
    return f"{value.year}年{value.month}月{value.day}日"


def metadata_rows(licence: Licence, *, english: bool = False) -> list[tuple[str, str, str]]:
    """The licence's metadata as (key, label, value), in the type's schema order, labels in
    Chinese (or English); fields of an older schema still show under their key."""
    metadata = licence.metadata or {}
    rows: list[tuple[str, str, str]] = []
    known: set[str] = set()
    for spec in licence.licence_type.metadata_schema or []:
        key = str(spec.get("key", ""))
        known.add(key)
        if metadata.get(key) in (None, ""):
            continue
        label = (spec.get("label_en") if english else None) or spec.get("label") or key
        rows.append((key, str(label), str(metadata[key])))
    for key in sorted(set(metadata) - known):
        if metadata[key] not in (None, ""):
            rows.append((key, key, str(metadata[key])))
    return rows


def _face_rows(licence: Licence) -> list[tuple[str, str]]:
    code_label = "统一社会信用代码" if licence.holder_code_type == "001" else "身份证号码"
    rows = [
        ("证照编号", licence.number),
        ("持证主体", licence.holder_name),
        (code_label, licence.holder_code),
    ]
    rows += [(label, value) for _, label, value in metadata_rows(licence)]
    validity = f"{_chinese_date(licence.valid_from)} 至 {_chinese_date(licence.valid_until)}"
    rows += [
        ("签发机构", licence.issuer_name),
        ("签发日期", _chinese_date(licence.issue_date)),
        ("有效期限", validity),
        ("证照标识", licence.identifier),
    ]
    return rows


class _EmbeddedStream(PDFStream):  # type: ignore[misc]
    """An uncompressed stream (so the file signature placeholder can be found and filled)."""

    def __init__(self, dictionary: Any, content: bytes) -> None:
        super().__init__(dictionary, content, filters=None)

    def format(self, document: Any) -> bytes:
        dictionary = PDFDictionary(self.dictionary.dict.copy())
        dictionary["Length"] = len(self.content)
        return format_pdf(dictionary, document) + b"\nstream\n" + self.content + b"\nendstream\n"


def _attach(canvas: Any, name: str, content: bytes) -> None:
    """Add ``content`` as the document-level attachment ``name`` (PDF 1.7 §7.11.4)."""
    doc = canvas._doc
    stream = _EmbeddedStream(
        PDFDictionary(
            {
                "Type": PDFName("EmbeddedFile"),
                "Subtype": "/application#2Fjson",  # PDFName() would not escape the solidus
                "Params": PDFDictionary({"Size": len(content)}),
            }
        ),
        content,
    )
    spec = PDFDictionary(
        {
            "Type": PDFName("Filespec"),
            "F": PDFString(name),
            "UF": PDFString(name),
            "Desc": PDFString("signed licence (SM2) / 电子证照签名数据"),
            "AFRelationship": PDFName("Data"),
            "EF": PDFDictionary({"F": doc.Reference(stream)}),
        }
    )
    doc.Catalog.Names = PDFDictionary(
        {
            "EmbeddedFiles": PDFDictionary(
                {"Names": PDFArray([PDFString(name), doc.Reference(spec)])}
            )
        }
    )


def page_size(licence: Licence) -> tuple[float, float]:
    """A4 portrait, or landscape for types whose face template says so (营业执照式)."""
    if licence.licence_type.template == FaceTemplate.LANDSCAPE:
        return landscape(A4)
    return A4


def _draw_face(canvas: Any, licence: Licence, url: str) -> None:
    width, height = page_size(licence)
    landscape_face = width > height
    margin = 18 * mm
    red = documents.SEAL_RED
    font = documents.FONT_NAME
    # frame
    canvas.setStrokeColor(red)
    canvas.setLineWidth(2.2)
    canvas.rect(margin, margin, width - 2 * margin, height - 2 * margin)
    canvas.setLineWidth(0.6)
    canvas.rect(margin + 4, margin + 4, width - 2 * margin - 8, height - 2 * margin - 8)
    # title
    canvas.setFillColor(colors.black)
    title = licence.type_name
    size = 26.0
    while size > 12 and pdfmetrics.stringWidth(title, font, size) > width - 2 * margin - 40:
        size -= 1
    canvas.setFont(font, size)
    top = height - margin - (20 if landscape_face else 30) * mm
    canvas.drawCentredString(width / 2, top, title)
    canvas.setFont(font, 10)
    canvas.setFillColor(colors.Color(0.3, 0.3, 0.3))
    canvas.drawCentredString(width / 2, top - 16, "电子证照 · Electronic licence")
    # facts
    label_style = ParagraphStyle(
        "lc-label",
        fontName=font,
        fontSize=11,
        leading=15,
        wordWrap="CJK",
        textColor=colors.Color(0.3, 0.3, 0.3),
    )
    value_style = ParagraphStyle(
        "lc-value", fontName=font, fontSize=12.5, leading=17, wordWrap="CJK"
    )
    left = margin + 16 * mm
    label_width = 34 * mm
    value_width = width - 2 * margin - 32 * mm - label_width
    y = top - (16 if landscape_face else 22) * mm
    if landscape_face:  # the facts sit between the QR code (left) and the seal (right)
        left = margin + 60 * mm
        value_width = width - 2 * margin - 120 * mm - label_width
    for label, value in _face_rows(licence):
        lab = Paragraph(documents._markup(label), label_style)
        val = Paragraph(documents._markup(value or "—"), value_style)
        _, lh = lab.wrap(label_width, 200)
        _, vh = val.wrap(value_width, 400)
        row = max(lh, vh)
        lab.drawOn(canvas, left, y - lh)
        val.drawOn(canvas, left + label_width, y - vh)
        y -= row + 7
        canvas.setStrokeColor(colors.Color(0.85, 0.85, 0.85))
        canvas.setLineWidth(0.4)
        canvas.line(left, y + 3, left + label_width + value_width, y + 3)
    # QR (bottom left) and seal (bottom right, over the issuer and date)
    qr_size = 34 * mm
    matrix = documents.qr_matrix(url)
    n = len(matrix)
    module = qr_size / n
    qr_x, qr_y = (margin + 14 * mm if landscape_face else left), margin + 22 * mm
    canvas.saveState()
    canvas.translate(qr_x, qr_y)
    canvas.scale(module, module)
    canvas.setFillColor(colors.black)
    canvas.addLiteral(
        " ".join(
            f"{column} {n - 1 - row} {length} 1.01 re"
            for row, column, length in documents.qr_runs(matrix)
        )
        + " f"
    )
    canvas.restoreState()
    canvas.setFillColor(colors.Color(0.2, 0.2, 0.2))
    canvas.setFont(font, 9)
    canvas.drawString(qr_x, qr_y - 12, "扫码核验 · Scan to verify")
    seal_cx = width - margin - 45 * mm
    seal_cy = margin + 40 * mm
    canvas.setFillColor(colors.black)
    canvas.setFont(font, 12)
    # the signature line (落款) under the seal: issuer above the star, date below it
    canvas.drawCentredString(seal_cx, seal_cy + 24, licence.issuer_name[:24])
    canvas.drawCentredString(seal_cx, seal_cy - 34, _chinese_date(licence.issue_date))
    documents._draw_seal(canvas, seal_cx, seal_cy, 21 * mm, licence.issuer_name)
    # status, if it is no longer valid at rendering time
    if licence.status != "valid":
        label = str(licence.get_status_display()).split(" / ")[0]
        canvas.setFillColor(red)
        canvas.setFont(font, 16)
        canvas.drawCentredString(width / 2, margin + 10 * mm, f"状态：{label}")


def _file_seal_key(licence: Licence) -> IssuerKey | None:
    key = IssuerKey.objects.filter(
        issuer_code=licence.issuer_code, active=True, foreign=False
    ).first()
    if key is None or not key.private_key_encrypted:
        return None
    return key


def render_pdf(licence: Licence) -> bytes:
    """The printable PDF of ``licence`` with its signed export attached and the whole file
    signed (see the module docstring). Pure rendering: nothing is stored."""
    from zhengwu.licences.verification import export_document

    documents._ensure_font()
    url = verification_url(licence)
    document = export_document(licence)
    key = _file_seal_key(licence)
    if key is not None:
        document["file_key_id"] = key.key_id
        document["file_signature"] = _PLACEHOLDER
    attachment = orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=page_size(licence), invariant=1, pageCompression=1)
    canvas.setTitle(f"{licence.type_name} {licence.number}")
    canvas.setAuthor(licence.issuer_name)
    canvas.setSubject(f"电子证照 {licence.identifier}")
    canvas.setCreator("zhengwu")
    _draw_face(canvas, licence, url)
    _attach(canvas, ATTACHMENT_NAME, attachment)
    canvas.showPage()
    canvas.save()
    pdf = buffer.getvalue()
    if key is None:
        return pdf
    start = _file_signature_offset(pdf)
    if start is None:  # pragma: no cover - the placeholder is always written above
        raise RuntimeError("file signature placeholder not found")
    signed = signing.sign_with(key, pdf[:start] + pdf[start + FILE_SIGNATURE_WIDTH :])
    return (
        pdf[:start]
        + signed.ljust(FILE_SIGNATURE_WIDTH).encode()
        + pdf[start + FILE_SIGNATURE_WIDTH :]
    )


def _file_signature_offset(pdf: bytes) -> int | None:
    at = pdf.find(FILE_SIGNATURE_KEY)
    if at < 0 or pdf.find(FILE_SIGNATURE_KEY, at + 1) >= 0:
        return None
    return at + len(FILE_SIGNATURE_KEY)


_STREAM_DICT = re.compile(rb"/Type\s*/EmbeddedFile\b")
_LENGTH = re.compile(rb"/Length\s+(\d+)(?!\s+\d+\s+R)")


def extract_document(pdf: bytes) -> dict[str, Any] | None:
    """The signed JSON attached to a licence PDF, or None when there is none (or it is not
    a JSON object). Reads the file as bytes: the attachment of our PDFs is uncompressed; one
    compressed by another tool (FlateDecode) is inflated."""
    for match in _STREAM_DICT.finditer(pdf):
        dict_start = pdf.rfind(b"<<", 0, match.start())
        stream_at = pdf.find(b"stream", match.end())
        if dict_start < 0 or stream_at < 0:
            continue
        header = pdf[dict_start:stream_at]
        body_start = stream_at + len(b"stream")
        if pdf[body_start : body_start + 2] == b"\r\n":
            body_start += 2
        elif pdf[body_start : body_start + 1] in (b"\n", b"\r"):
            body_start += 1
        length = _LENGTH.search(header)
        end = pdf.find(b"endstream", body_start)
        if end < 0:
            continue
        body = pdf[body_start:end].rstrip(b"\r\n")
        if length is not None and int(length.group(1)) <= len(body):
            body = body[: int(length.group(1))]
        if b"FlateDecode" in header:
            try:
                body = zlib.decompressobj().decompress(body, 5 * 1024 * 1024)
            except zlib.error:
                continue
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError:
            continue
        if isinstance(document, dict):
            return document
    return None


def check_file_signature(pdf: bytes, document: dict[str, Any]) -> signing.SignatureCheck | None:
    """Verify the whole-file signature of a licence PDF; None when the file has none."""
    key_id = document.get("file_key_id")
    if not isinstance(key_id, str) or "file_signature" not in document:
        return None
    start = _file_signature_offset(pdf)
    if start is None:
        return signing.SignatureCheck(
            False, "file_altered", "PDF 文件已被改动", "The PDF file was altered"
        )
    signature = pdf[start : start + FILE_SIGNATURE_WIDTH].decode("ascii", "replace").strip()
    rest = pdf[:start] + pdf[start + FILE_SIGNATURE_WIDTH :]
    result = signing.check_signature(rest, signature, key_id)
    if not result.valid and result.reason == "bad_signature":
        return signing.SignatureCheck(
            False,
            "file_altered",
            "PDF 文件在签发后被改动（照面内容可能与签发内容不同）",
            "The PDF file was changed after issuance (its printed face may differ from what "
            "was issued)",
        )
    return result


# --- cache -------------------------------------------------------------------------------------


def _read(path: str) -> bytes | None:
    try:
        with default_storage.open(path, "rb") as handle:
            return bytes(handle.read())
    except (FileNotFoundError, OSError):
        return None


def render_cached(licence: Licence) -> bytes:
    """The licence's PDF from the cache, rendered and stored when missing or out of date.

    A licence whose stored content no longer verifies is not rendered (Conflict): a PDF
    would lend it the look of a genuine one."""
    digest = render_digest(licence)
    path = f"{PDF_PREFIX}{digest}.pdf"
    if licence.rendered_digest == digest and licence.rendered_pdf == path:
        cached = _read(path)
        if cached is not None:
            return cached
    check = signing.verify_stored(licence)
    if not check.valid:
        logger.warning(
            "licence %s not rendered: signature check failed (%s)", licence.pk, check.reason
        )
        raise Conflict(
            "该证照的签名验证失败，不能生成文件",
            "The licence's signature does not verify: no PDF is made",
            field="licence",
            code=check.reason,
        )
    pdf = render_pdf(licence)
    if default_storage.exists(path):
        default_storage.delete(path)
    saved = default_storage.save(path, ContentFile(pdf))
    old = licence.rendered_pdf
    Licence.objects.filter(pk=licence.pk).update(rendered_pdf=saved, rendered_digest=digest)
    licence.rendered_pdf, licence.rendered_digest = saved, digest
    if old and old != saved:
        try:
            default_storage.delete(old)
        except OSError:  # pragma: no cover - best effort
            logger.info("could not delete old licence PDF %s", old)
    return pdf
