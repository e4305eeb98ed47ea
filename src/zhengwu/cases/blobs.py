"""Uploaded application materials: type by content, size limits, content-addressed storage.

A file's type is decided by its CONTENT (magic bytes), never by its name: an ``.exe``
renamed ``.pdf`` is refused as an unknown type, and a real PNG named ``x.pdf`` is accepted
as a PNG where PNG is allowed. :func:`check_upload` applies a material's limits
(``allowed_types`` normalised through :data:`TYPE_ALIASES`, ``max_size_kb``) and raises
:class:`~zhengwu.kernel.errors.InvalidInput` (HTTP 422) naming the field, with a code:

=========================== ==============================================================
``upload_filename``         empty name, over 200 characters, a path separator, NUL or
                            another control / bidi-override character
``upload_empty``            0 bytes
``upload_too_large``        over ``max_size_kb`` × 1024 bytes (exactly at the limit is fine)
``upload_type_unknown``     the content matches no known type
``upload_type_not_allowed`` a known type the material does not allow
``upload_pdf_damaged``      a PDF without ``%%EOF`` in its last 2 KB (a truncated upload)
=========================== ==============================================================

:func:`store_blob` keeps each content once under its SHA-256 in Django's default storage
(``blobs/<aa>/<bb>/<sha256>``); the file is always written before its ``Blob`` row, so a
row never points at a missing file (a rolled-back transaction may leave a file without a
row, which the next upload of the same content reuses).
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from zhengwu.cases.models import Blob
from zhengwu.kernel.errors import InvalidInput

__all__ = [
    "DEFAULT_ALLOWED_TYPES",
    "FILE_TYPES",
    "MAX_FILENAME_LENGTH",
    "MAX_ZIP_ENTRIES_INSPECTED",
    "TYPE_ALIASES",
    "BlobCorrupted",
    "FileType",
    "blob_storage_name",
    "blob_stream",
    "check_upload",
    "normalize_allowed_types",
    "normalize_type",
    "read_blob",
    "safe_filename",
    "sniff",
    "store_blob",
]


@dataclass(frozen=True)
class FileType:
    code: str
    mime: str
    label: str

    @property
    def display(self) -> str:
        """The short name shown in lists of allowed types: ``PDF``, ``JPG`` …"""
        return self.code.upper()


FILE_TYPES: dict[str, FileType] = {
    t.code: t
    for t in (
        FileType("pdf", "application/pdf", "PDF 文档 / PDF document"),
        FileType("jpg", "image/jpeg", "JPEG 图片 / JPEG image"),
        FileType("png", "image/png", "PNG 图片 / PNG image"),
        FileType("gif", "image/gif", "GIF 图片 / GIF image"),
        FileType("bmp", "image/bmp", "BMP 图片 / BMP image"),
        FileType("tif", "image/tiff", "TIFF 图片 / TIFF image"),
        FileType("webp", "image/webp", "WebP 图片 / WebP image"),
        FileType("ofd", "application/ofd", "OFD 版式文档 / OFD document"),
        FileType(
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "Word 文档 / Word document (docx)",
        ),
        FileType(
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "Excel 表格 / Excel workbook (xlsx)",
        ),
        FileType("doc", "application/msword", "Word 97-2003 文档 / Word 97-2003 document"),
        FileType("xls", "application/vnd.ms-excel", "Excel 97-2003 表格 / Excel 97-2003 workbook"),
        FileType("zip", "application/zip", "ZIP 压缩包 / ZIP archive"),
    )
}

# What a material allows when its ``allowed_types`` is empty.
DEFAULT_ALLOWED_TYPES: tuple[str, ...] = ("pdf", "jpg", "png", "ofd")


def _build_aliases() -> dict[str, str]:
    aliases: dict[str, str] = {code: code for code in FILE_TYPES}
    aliases.update(
        {"jpeg": "jpg", "jpe": "jpg", "jfif": "jpg", "tiff": "tif", "dib": "bmp", "docm": "docx"}
    )
    aliases.update({t.mime: t.code for t in FILE_TYPES.values()})
    aliases.update({"image/jpg": "jpg", "image/pjpeg": "jpg", "image/x-ms-bmp": "bmp"})
    aliases.update({"application/x-zip-compressed": "zip"})
    for key, code in list(aliases.items()):
        aliases.setdefault(key.upper(), code)
        aliases.setdefault("." + key, code)
        aliases.setdefault("." + key.upper(), code)
    return aliases


# Spellings seen in material definitions → a code of FILE_TYPES ("jpeg"/"JPG"/".jpg" → "jpg").
TYPE_ALIASES: dict[str, str] = _build_aliases()


def normalize_type(value: object) -> str | None:
    """The code of FILE_TYPES a spelling stands for, or None when it names no known type."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    return TYPE_ALIASES.get(text) or TYPE_ALIASES.get(text.lower().lstrip("."))


def normalize_allowed_types(allowed_types: Iterable[object] | None) -> tuple[str, ...]:
    """A material's ``allowed_types`` as known codes, in order, without repeats.

    Blank entries are ignored; an empty list means :data:`DEFAULT_ALLOWED_TYPES`. Spellings
    naming no known type are dropped — a list made only of those allows nothing (it does
    NOT fall back to the default, which could widen what the material accepts).
    """
    entries = [t for t in (allowed_types or ()) if not (isinstance(t, str) and not t.strip())]
    if not entries:
        return DEFAULT_ALLOWED_TYPES
    codes: list[str] = []
    for entry in entries:
        code = normalize_type(entry)
        if code is not None and code not in codes:
            codes.append(code)
    return tuple(codes)


# --- sniffing ----------------------------------------------------------------------------

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_BMP_DIB_HEADER_SIZES = frozenset({12, 16, 40, 52, 56, 64, 108, 124})

# A ZIP's central directory is read by zipfile (its cost is linear in the directory, which
# the size limit bounds: check_upload checks the size before sniffing); the names looked
# at are capped so a crafted archive cannot make classification itself expensive.
MAX_ZIP_ENTRIES_INSPECTED = 1000

PDF_EOF_WINDOW = 2048


def sniff(content: bytes) -> FileType | None:
    """The type of ``content`` by its magic bytes, or None when it is no known type.

    Never raises: a damaged container (ZIP, OLE) is None or a best-effort guess.
    """
    head = bytes(content[:16])
    code: str | None = None
    if head.startswith(b"%PDF-"):
        code = "pdf"
    elif head.startswith(_PNG_MAGIC):
        code = "png"
    elif head.startswith(b"\xff\xd8\xff"):
        code = "jpg"
    elif head.startswith((b"GIF87a", b"GIF89a")):
        code = "gif"
    elif head.startswith((b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")):
        code = "tif"
    elif head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        code = "webp"
    elif head.startswith(b"BM") and _looks_like_bmp(content):
        code = "bmp"
    elif head.startswith(_OLE_MAGIC):
        code = _ole_kind(content)
    elif head.startswith(_ZIP_MAGIC):
        code = _zip_kind(content)
    return FILE_TYPES[code] if code else None


def _looks_like_bmp(content: bytes) -> bool:
    # "BM" alone is two letters of text: also ask for a known DIB header size.
    if len(content) < 18:
        return False
    (dib_size,) = struct.unpack_from("<I", content, 14)
    return dib_size in _BMP_DIB_HEADER_SIZES


def pdf_is_complete(content: bytes) -> bool:
    """A PDF ends with ``%%EOF`` (allowing trailing whitespace or junk within 2 KB)."""
    return b"%%EOF" in content[-PDF_EOF_WINDOW:]


def _zip_kind(content: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names: list[str] = []
            for number, info in enumerate(archive.infolist()):
                if number >= MAX_ZIP_ENTRIES_INSPECTED:
                    break
                names.append(info.filename)
    except Exception:  # zipfile raises many kinds on a crafted file; no archive then
        return None
    if "OFD.xml" in names:
        return "ofd"
    if "[Content_Types].xml" in names:
        if any(n.startswith("word/") for n in names):
            return "docx"
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
    return "zip"


# Compound File Binary (MS-CFB): the root storage's streams tell Word from Excel.
_CFB_NOSTREAM = 0xFFFFFFFF
_CFB_MAXREGSECT = 0xFFFFFFFA
_CFB_MAX_DIR_SECTORS = 256
_CFB_MAX_DIFAT_SECTORS = 64
_CFB_MAX_ENTRIES_VISITED = 4096
_WORD_STREAMS = ("WordDocument",)
_EXCEL_STREAMS = ("Workbook", "Book")


def _ole_kind(content: bytes) -> str:
    """ "doc" or "xls" (best effort; "doc" when the streams say neither)."""
    try:
        streams = _cfb_root_streams(content)
    except (struct.error, IndexError, ValueError):
        streams = None
    if streams is not None:
        if any(name in streams for name in _WORD_STREAMS):
            return "doc"
        if any(name in streams for name in _EXCEL_STREAMS):
            return "xls"
        return "doc"
    # The directory could not be walked: look for the entries themselves anywhere.
    if any(_cfb_entry_present(content, name) for name in _WORD_STREAMS):
        return "doc"
    if any(_cfb_entry_present(content, name) for name in _EXCEL_STREAMS):
        return "xls"
    return "doc"


def _cfb_entry_present(content: bytes, name: str) -> bool:
    """A directory entry named ``name``: the 64-byte UTF-16LE field then its length."""
    encoded = name.encode("utf-16-le")
    fingerprint = encoded.ljust(64, b"\x00") + struct.pack("<H", len(encoded) + 2)
    start = content.find(fingerprint)
    while start != -1:
        if start % 128 == 0:  # entries are 128 bytes, sectors are multiples of 512
            return True
        start = content.find(fingerprint, start + 1)
    return False


def _cfb_root_streams(content: bytes) -> set[str] | None:
    """Names of the streams directly under the root storage, or None if unreadable."""
    (shift,) = struct.unpack_from("<H", content, 0x1E)
    if shift not in (9, 12):
        return None
    sector_size = 1 << shift
    per_sector = sector_size // 4

    def sector_offset(sector: int) -> int:
        return (sector + 1) * sector_size

    def u32(offset: int) -> int:
        return int(struct.unpack_from("<I", content, offset)[0])

    # FAT sector numbers: 109 in the header, then the DIFAT chain (capped).
    (fat_count,) = struct.unpack_from("<I", content, 0x2C)
    fat_sectors = [u32(0x4C + 4 * i) for i in range(109)]
    difat_sector = u32(0x44)
    seen_difat: set[int] = set()
    while difat_sector < _CFB_MAXREGSECT and len(seen_difat) < _CFB_MAX_DIFAT_SECTORS:
        if difat_sector in seen_difat or sector_offset(difat_sector + 1) > len(content):
            break
        seen_difat.add(difat_sector)
        base = sector_offset(difat_sector)
        fat_sectors.extend(u32(base + 4 * i) for i in range(per_sector - 1))
        difat_sector = u32(base + 4 * (per_sector - 1))
    fat_sectors = [s for s in fat_sectors[: max(fat_count, 0)] if s < _CFB_MAXREGSECT]

    def next_sector(sector: int) -> int:
        index, slot = divmod(sector, per_sector)
        if index >= len(fat_sectors):
            return _CFB_NOSTREAM
        offset = sector_offset(fat_sectors[index]) + 4 * slot
        if offset + 4 > len(content):
            return _CFB_NOSTREAM
        return u32(offset)

    # The directory stream: a chain of sectors of 128-byte entries.
    entries: list[tuple[str, int, int, int, int]] = []  # name, type, left, right, child
    sector = u32(0x30)
    seen: set[int] = set()
    while sector < _CFB_MAXREGSECT and len(seen) < _CFB_MAX_DIR_SECTORS and sector not in seen:
        base = sector_offset(sector)
        if base + sector_size > len(content):
            break
        seen.add(sector)
        for at in range(base, base + sector_size, 128):
            (name_length,) = struct.unpack_from("<H", content, at + 64)
            name_length = min(name_length, 64)
            name = content[at : at + max(name_length - 2, 0)].decode("utf-16-le", "replace")
            left, right, child = struct.unpack_from("<III", content, at + 68)
            entries.append((name, content[at + 66], left, right, child))
        sector = next_sector(sector)
    if not entries or entries[0][1] != 5:  # entry 0 is the root storage
        return None

    streams: set[str] = set()
    visited: set[int] = set()
    stack = [entries[0][4]]
    while stack and len(visited) < _CFB_MAX_ENTRIES_VISITED:
        index = stack.pop()
        if index >= len(entries) or index in visited:
            continue
        visited.add(index)
        name, kind, left, right, _child = entries[index]
        if kind == 2:
            streams.add(name)
        stack.extend((left, right))
    return streams


# --- filenames ---------------------------------------------------------------------------

MAX_FILENAME_LENGTH = 200
_SEPARATORS = re.compile(r"[\\/]")
# Bidi overrides / isolates / marks can make "x<RLO>fdp.exe" display as "xexe.pdf".
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def _filename_error(field: str, message: str, message_en: str) -> InvalidInput:
    return InvalidInput(message, message_en, field=field, code="upload_filename")


def _check_filename_characters(name: str, field: str) -> None:
    if not isinstance(name, str):
        raise _filename_error(field, "文件名无效", "The file name is not text")
    if "\x00" in name:
        raise _filename_error(field, "文件名含有空字符", "The file name contains a NUL character")
    for char in name:
        if char in _BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp"):
            raise _filename_error(
                field,
                f"文件名含有控制字符（U+{ord(char):04X}）",
                f"The file name contains a control character (U+{ord(char):04X})",
            )


def _check_filename_shape(name: str, field: str) -> None:
    if name in ("", ".", ".."):
        raise _filename_error(field, "文件名不能为空", "The file name is empty")
    if len(name) > MAX_FILENAME_LENGTH:
        raise _filename_error(
            field,
            f"文件名过长（{len(name)} 个字符，最多 {MAX_FILENAME_LENGTH} 个）",
            f"The file name is too long ({len(name)} characters, at most {MAX_FILENAME_LENGTH})",
        )


def safe_filename(name: str, *, field: str = "filename") -> str:
    """The name to keep for an upload: its last path component, NFC, trimmed.

    Directories are dropped (``"../x.pdf"`` and ``"C:\\\\a\\\\x.pdf"`` → ``"x.pdf"``); Chinese
    and other letters are kept. Raises InvalidInput ``upload_filename`` when the name holds
    NUL or control characters, or is empty or over 200 characters once the directories are
    dropped.
    """
    _check_filename_characters(name, field)
    base = _SEPARATORS.split(unicodedata.normalize("NFC", name))[-1].strip()
    _check_filename_shape(base, field)
    return base


def _check_upload_filename(name: str, field: str) -> None:
    # Strict: the caller passes a plain name (through safe_filename when it comes from a
    # browser that may send a path); a separator here means it did not.
    _check_filename_characters(name, field)
    if _SEPARATORS.search(name):
        raise _filename_error(
            field, "文件名不能包含路径分隔符（/ 或 \\）", "The file name may not contain / or \\"
        )
    _check_filename_shape(name.strip(), field)


# --- checking an upload ------------------------------------------------------------------


def _format_kb(kb: int) -> str:
    if kb >= 1024:
        return f"{round(kb / 1024, 2):g} MB"
    return f"{kb} KB"


def _format_bytes(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{round(size / 1024 / 1024, 2):g} MB"
    if size >= 1024:
        return f"{round(size / 1024, 1):g} KB"
    return f"{size} B"


def check_upload(
    content: bytes,
    *,
    filename: str,
    allowed_types: Sequence[Any],
    max_size_kb: int,
    field: str,
) -> FileType:
    """The type of an upload that meets a material's limits, else InvalidInput on ``field``.

    Checks, in order: the file name, emptiness, the size (``max_size_kb`` × 1024 bytes is
    still accepted), the type by content, whether the material allows it, and that a PDF is
    complete. The name's extension plays no part: the content decides.
    """
    _check_upload_filename(filename, field)
    size = len(content)
    if size == 0:
        raise InvalidInput(
            "上传的文件为空（0 字节）",
            "The uploaded file is empty (0 bytes)",
            field=field,
            code="upload_empty",
        )
    limit = max(max_size_kb, 0) * 1024
    if size > limit:
        raise InvalidInput(
            f"文件过大（{_format_bytes(size)}），不能超过 {_format_kb(max_size_kb)}",
            f"The file is too large ({_format_bytes(size)}); the limit is "
            f"{_format_kb(max_size_kb)}",
            field=field,
            code="upload_too_large",
            details={"size": size, "max_size_kb": max_size_kb},
        )
    allowed = normalize_allowed_types(allowed_types)
    shown = [FILE_TYPES[code].display for code in allowed]
    allowed_zh = "、".join(shown) or "（无）"
    allowed_en = ", ".join(shown) or "(none)"
    file_type = sniff(content)
    if file_type is None:
        raise InvalidInput(
            f"无法识别文件类型，请上传以下格式之一：{allowed_zh}",
            f"The file's type is not recognised; upload one of: {allowed_en}",
            field=field,
            code="upload_type_unknown",
            details={"allowed": list(allowed)},
        )
    if file_type.code not in allowed:
        zh_label, _, en_label = file_type.label.partition(" / ")
        raise InvalidInput(
            f"该材料不接受{zh_label}（{file_type.display}），仅允许：{allowed_zh}",
            f"This material does not accept a {en_label or file_type.label} "
            f"({file_type.display}); allowed: {allowed_en}",
            field=field,
            code="upload_type_not_allowed",
            details={"detected": file_type.code, "allowed": list(allowed)},
        )
    if file_type.code == "pdf" and not pdf_is_complete(content):
        raise InvalidInput(
            "PDF 文件已损坏或上传不完整（缺少 %%EOF 结束标记），请重新上传",
            "The PDF is damaged or was cut short (no %%EOF end marker); upload it again",
            field=field,
            code="upload_pdf_damaged",
        )
    return file_type


# --- storage -----------------------------------------------------------------------------


class BlobCorrupted(Exception):
    """A stored file no longer matches its SHA-256 (a server fault, not the user's)."""


def blob_storage_name(sha256: str) -> str:
    return f"blobs/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def _find_blob(sha256: str) -> Blob | None:
    return Blob.objects.filter(pk=sha256).first()


def _write_file(name: str, content: bytes) -> None:
    """Put ``content`` at ``name`` unless a complete copy is already there."""
    if default_storage.exists(name):
        if default_storage.size(name) == len(content):
            return
        default_storage.delete(name)  # a partial write from an interrupted upload
    saved = default_storage.save(name, ContentFile(content))
    if saved != name:
        # Another upload of the same content wrote ``name`` between our check and our
        # write, so the storage picked a free name: that copy is redundant.
        default_storage.delete(saved)


def store_blob(content: bytes, file_type: FileType) -> Blob:
    """The Blob of ``content``, stored once under its SHA-256 (file first, then row)."""
    sha256 = hashlib.sha256(content).hexdigest()
    existing = _find_blob(sha256)
    if existing is not None:
        return existing
    name = blob_storage_name(sha256)
    _write_file(name, content)
    try:
        with transaction.atomic():
            return Blob.objects.create(
                sha256=sha256,
                size=len(content),
                file_type=file_type.code,
                content_type=file_type.mime,
                storage_name=name,
            )
    except IntegrityError:
        # Stored concurrently by another request: same content, same file.
        return Blob.objects.get(pk=sha256)


def read_blob(blob: Blob, *, verify: bool = True) -> bytes:
    """The stored bytes; with ``verify``, checked against the SHA-256 (BlobCorrupted)."""
    with default_storage.open(blob.storage_name, "rb") as handle:
        data = handle.read()
    if isinstance(data, str):  # pragma: no cover - binary mode gives bytes
        data = data.encode()
    if verify and hashlib.sha256(data).hexdigest() != blob.sha256:
        raise BlobCorrupted(f"blob {blob.sha256} does not match its stored file")
    return data


def blob_stream(blob: Blob) -> File:
    """An open binary file for ``FileResponse`` (which closes it)."""
    return default_storage.open(blob.storage_name, "rb")
