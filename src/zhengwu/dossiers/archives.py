"""Electronic archive packages: what goes in, the signed manifest, the four-properties test.

Layout in Django's default storage (local folder or S3-compatible object store)::

    archives/<case number>/metadata.json          case facts, applicant masked
    archives/<case number>/materials/NN-<key>.<ext> every uploaded material file
    archives/<case number>/documents/NN-<kind>.pdf  notices and decisions (受理通知书 …)
    archives/<case number>/audit.json             the case's audit trail (hash-chained log)
    archives/<case number>/manifest.json          the manifest (canonical bytes, see below)

Manifest (version 1): a JSON object with the case's facts, the retention period, the signer
(reserved code + key id) and ``files``: one entry per file above (not the manifest itself)
with ``path``, ``role``, ``format`` (declared: pdf, png, jpg, json …), ``size`` and ``sm3``.
Its canonical bytes are the orjson encoding with sorted keys; the SM3 digest of those bytes
is kept on the package and the bytes are signed with the platform's SM2 key (GB/T 32918,
SM3, default user id) through the e-licence signer (:mod:`zhengwu.licences.signing`) under
the reserved issuer code :data:`PLATFORM_SIGNER_CODE`. That code contains "-", which no
USCC can, so it never collides with a real issuing body; rotating it is the licences' key
rotation (old public keys stay and keep verifying old manifests).

Four properties (DA/T 70-2018 四性检测), per package:

- authenticity — the manifest's signature verifies with the recorded key, the stored
  ``manifest.json`` is byte-for-byte the signed manifest, and the row's facts (case number,
  retention) match it;
- integrity — every file of the manifest is present with its size and SM3 digest, and no
  file that the manifest does not list lies in the package's folder;
- usability — every file opens as its declared format: a PDF has its header, objects and
  ``%%EOF``; a PNG a valid IHDR (CRC) and IEND; a JPEG SOI and EOI; a GIF its trailer; JSON
  parses; other types are recognised by content as the declared type (ZIP-based ones must
  pass ``testzip``);
- security — every file is read-only on a local disk (mode 0444; an object store enforces
  this by bucket policy, which is reported as a note, not checked), the retention period is
  set and agrees with the manifest, and it has not passed without a disposal (approved or
  awaiting approval).
"""

from __future__ import annotations

import io
import os
import re
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import orjson
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from zhengwu.cases.blobs import pdf_is_complete, sniff
from zhengwu.dossiers.choices import FileRole, Property
from zhengwu.kernel.crypto import sm3_hex

MANIFEST_VERSION = 1
PLATFORM_SIGNER_CODE = "ZW-ARCHIVES"
PLATFORM_SIGNER_NAME = "政务服务平台电子档案 / platform archive signer"
ARCHIVE_ROOT = "archives"
MANIFEST_NAME = "manifest.json"
# Kept after disposal (销毁清册): the manifest, the metadata and the audit trail.
KEPT_ON_DISPOSAL = frozenset({FileRole.METADATA, FileRole.AUDIT})
_UNSAFE = re.compile(r"[^0-9A-Za-z._-]+")


def storage_prefix(case_number: str) -> str:
    return f"{ARCHIVE_ROOT}/{_UNSAFE.sub('_', case_number)}"


def safe_part(text: str, *, limit: int = 40) -> str:
    return _UNSAFE.sub("_", text).strip("._")[:limit] or "file"


def canonical(manifest: dict[str, Any]) -> bytes:
    return orjson.dumps(manifest, option=orjson.OPT_SORT_KEYS)


def json_bytes(value: Any) -> bytes:
    """The stored form of metadata.json / audit.json (sorted keys, UTF-8, indented)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2)


@dataclass(frozen=True)
class PackageFile:
    path: str  # relative to the package folder
    role: str
    format: str
    content: bytes
    title: str = ""

    def entry(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "role": self.role,
            "format": self.format,
            "size": len(self.content),
            "sm3": sm3_hex(self.content),
            "title": self.title,
        }


# --- storage ----------------------------------------------------------------------------------


def local_path(name: str) -> str | None:
    """The file's path on a local disk, or None on an object store."""
    try:
        return str(default_storage.path(name))
    except NotImplementedError:
        return None


def make_read_only(name: str) -> None:
    path = local_path(name)
    if path is not None and os.path.exists(path):
        os.chmod(path, 0o444)


def read_stored(name: str) -> bytes | None:
    if not default_storage.exists(name):
        return None
    with default_storage.open(name, "rb") as handle:
        data = handle.read()
    return data if isinstance(data, bytes) else bytes(data)


def put(name: str, content: bytes) -> None:
    """Store ``content`` at exactly ``name``, read-only. Idempotent: an identical copy is
    left as it is; a different one (an interrupted earlier build) is replaced."""
    existing = read_stored(name)
    if existing == content:
        make_read_only(name)
        return
    if existing is not None:
        remove(name)
    saved = default_storage.save(name, ContentFile(content))
    if saved != name:  # written meanwhile by a concurrent build of the same package
        default_storage.delete(saved)
        if read_stored(name) != content:
            raise RuntimeError(f"archive file {name} changed while it was being written")
    make_read_only(name)


def remove(name: str) -> None:
    """Delete a stored file (read-only files are deleted by their folder's permission)."""
    path = local_path(name)
    if path is not None and os.path.exists(path):
        os.chmod(path, 0o644)
    if default_storage.exists(name):
        default_storage.delete(name)


def stored_names(prefix: str) -> set[str]:
    """Every file under the package folder (recursively), as storage names."""
    names: set[str] = set()
    pending = [prefix]
    while pending:
        folder = pending.pop()
        try:
            directories, files = default_storage.listdir(folder)
        except (FileNotFoundError, NotADirectoryError):
            continue
        names.update(f"{folder}/{f}" for f in files)
        pending.extend(f"{folder}/{d}" for d in directories)
    return names


# --- usability --------------------------------------------------------------------------------

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_PDF_OBJECT = re.compile(rb"\d+\s+\d+\s+obj\b")


def _png_ok(data: bytes) -> str:
    if not data.startswith(_PNG_MAGIC) or len(data) < 33:
        return "not a PNG"
    length, kind = struct.unpack_from(">I4s", data, 8)
    if kind != b"IHDR" or length != 13:
        return "PNG without an IHDR header"
    (crc,) = struct.unpack_from(">I", data, 16 + length)
    if zlib.crc32(data[12 : 16 + length]) & 0xFFFFFFFF != crc:
        return "PNG header checksum does not match"
    if b"IEND" not in data[-16:]:
        return "PNG is cut short (no IEND)"
    return ""


def usability_problem(fmt: str, data: bytes) -> str:
    """Why ``data`` does not open as ``fmt`` (English, for the record), or ""."""
    if not data:
        return "empty file"
    if fmt == "json":
        try:
            orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            return f"JSON does not parse: {exc}"
        return ""
    if fmt == "pdf":
        if not data.startswith(b"%PDF-"):
            return "no %PDF- header"
        if not _PDF_OBJECT.search(data):
            return "PDF holds no objects"
        if not pdf_is_complete(data):
            return "PDF is cut short (no %%EOF)"
        return ""
    if fmt == "png":
        return _png_ok(data)
    if fmt == "jpg":
        if not data.startswith(b"\xff\xd8\xff"):
            return "no JPEG start-of-image marker"
        if b"\xff\xd9" not in data[-64:]:
            return "JPEG is cut short (no end-of-image marker)"
        return ""
    if fmt == "gif":
        if not data.startswith((b"GIF87a", b"GIF89a")):
            return "no GIF header"
        if not data.rstrip(b"\x00").endswith(b";"):
            return "GIF is cut short (no trailer)"
        return ""
    found = sniff(data)
    if found is None or found.code != fmt:
        return f"content is {found.code if found else 'of no known type'}, not {fmt}"
    if fmt in ("ofd", "docx", "xlsx", "zip"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                bad = archive.testzip()
        except zipfile.BadZipFile as exc:
            return f"damaged container: {exc}"
        if bad is not None:
            return f"damaged entry {bad}"
    return ""


# --- the test ---------------------------------------------------------------------------------


@dataclass
class CheckResult:
    problems: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def fail(self, prop: str, code: str, message: str, message_en: str, path: str = "") -> None:
        self.problems.append(
            {
                "property": prop,
                "code": code,
                "path": path,
                "message": message,
                "message_en": message_en,
            }
        )

    def ok_for(self, prop: str) -> bool:
        return not any(p["property"] == prop for p in self.problems)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_files(
    result: CheckResult,
    *,
    prefix: str,
    manifest: dict[str, Any],
    disposed: bool,
) -> None:
    """Integrity, usability and read-only of the stored files against the manifest."""
    listed = {f"{prefix}/{MANIFEST_NAME}"}
    object_store_noted = False
    for entry in manifest.get("files") or []:
        path = str(entry.get("path", ""))
        name = f"{prefix}/{path}"
        if disposed and entry.get("role") not in KEPT_ON_DISPOSAL:
            continue
        listed.add(name)
        data = read_stored(name)
        if data is None:
            result.fail(
                Property.INTEGRITY, "missing", f"文件缺失：{path}", f"File missing: {path}", path
            )
            continue
        if len(data) != entry.get("size") or sm3_hex(data) != entry.get("sm3"):
            result.fail(
                Property.INTEGRITY,
                "digest_mismatch",
                f"文件内容与清单不符（SM3 摘要不一致）：{path}",
                f"The file does not match the manifest (SM3 digest differs): {path}",
                path,
            )
        problem = usability_problem(str(entry.get("format", "")), data)
        if problem:
            result.fail(
                Property.USABILITY,
                "unreadable",
                f"文件无法按声明格式（{entry.get('format')}）打开：{path}",
                f"The file does not open as {entry.get('format')}: {path} ({problem})",
                path,
            )
        local = local_path(name)
        if local is None:
            if not object_store_noted:
                result.notes.append(
                    "对象存储：只读由存储桶策略（对象锁定）保证，本检测不核对 / "
                    "object store: read-only is enforced by the bucket policy, not checked here"
                )
                object_store_noted = True
        elif os.stat(local).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
            result.fail(
                Property.SECURITY,
                "writable",
                f"文件未设为只读：{path}",
                f"The file is not read-only: {path}",
                path,
            )
    for extra in sorted(stored_names(prefix) - listed):
        relative = extra[len(prefix) + 1 :]
        result.fail(
            Property.INTEGRITY,
            "unlisted_file",
            f"档案目录中有清单未列出的文件：{relative}",
            f"A file not listed in the manifest lies in the package: {relative}",
            relative,
        )


def check_retention(
    result: CheckResult,
    *,
    manifest: dict[str, Any],
    permanent: bool,
    years: int | None,
    until: date | None,
    disposed: bool,
    disposal_pending: bool,
    today: date,
) -> None:
    signed = manifest.get("retention") or {}
    if not permanent and (years is None or until is None):
        result.fail(
            Property.SECURITY,
            "no_retention",
            "未设定保管期限",
            "No retention period is set",
        )
        return
    if (
        bool(signed.get("permanent")) != permanent
        or signed.get("years") != (None if permanent else years)
        or str(signed.get("until") or "") != (until.isoformat() if until else "")
    ):
        result.fail(
            Property.SECURITY,
            "retention_changed",
            "保管期限与签名清单不一致（被改动）",
            "The retention period differs from the signed manifest (altered)",
        )
    if until is not None and until < today and not disposed and not disposal_pending:
        result.fail(
            Property.SECURITY,
            "retention_passed",
            f"保管期限已于 {until.isoformat()} 届满，尚未鉴定处置",
            f"The retention period ended on {until.isoformat()} and no disposal is under way",
        )
