"""Uploaded materials: type by content, limits, filenames, content-addressed storage.

Every file here is built for real (a PNG through zlib + struct, OOXML/OFD through zipfile,
a Compound File with a FAT and a directory), never taken from a fixture on disk.
"""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.db import connection
from django.http import FileResponse
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from zhengwu.cases import blobs
from zhengwu.cases.blobs import (
    FILE_TYPES,
    TYPE_ALIASES,
    BlobCorrupted,
    FileType,
    blob_storage_name,
    blob_stream,
    check_upload,
    normalize_allowed_types,
    read_blob,
    safe_filename,
    sniff,
    store_blob,
)
from zhengwu.cases.models import Blob
from zhengwu.kernel.errors import InvalidInput, http_status

# --- real minimal files ------------------------------------------------------------------


def make_png(width: int = 1, height: int = 1) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def make_jpeg() -> bytes:
    app0 = b"JFIF\x00" + bytes([1, 1, 0]) + struct.pack(">HH", 1, 1) + b"\x00\x00"
    return b"\xff\xd8" + b"\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0 + b"\xff\xd9"


def make_pdf(text: str = "hello") -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n% " + text.encode() + b"\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def make_zip(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            archive.writestr(name, b"<x/>" if name.endswith(".xml") else b"data")
    return buffer.getvalue()


def make_docx() -> bytes:
    return make_zip(["[Content_Types].xml", "_rels/.rels", "word/document.xml"])


def make_xlsx() -> bytes:
    return make_zip(["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml"])


def make_ofd() -> bytes:
    return make_zip(["OFD.xml", "Doc_0/Document.xml", "Doc_0/Pages/Page_0/Content.xml"])


FREESECT, ENDOFCHAIN, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def _cfb_entry(name: str, kind: int, left=NOSTREAM, right=NOSTREAM, child=NOSTREAM) -> bytes:
    encoded = name.encode("utf-16-le") + b"\x00\x00" if name else b""
    return (
        encoded.ljust(64, b"\x00")
        + struct.pack("<HBB", len(encoded), kind, 1)
        + struct.pack("<III", left, right, child)
        + b"\x00" * 16  # CLSID
        + struct.pack("<I", 0)  # state bits
        + b"\x00" * 16  # times
        + struct.pack("<IQ", ENDOFCHAIN, 0)  # start sector, size
    )


def make_ole(entries: list[bytes]) -> bytes:
    """A version-3 Compound File: header, sector 0 = FAT, sectors 1.. = the directory."""
    while len(entries) % 4:
        entries = [*entries, _cfb_entry("", 0)]
    dir_sectors = len(entries) // 4
    fat = [FATSECT] + [n + 2 for n in range(1, dir_sectors)] + [ENDOFCHAIN]
    fat += [FREESECT] * (128 - len(fat))
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\x00" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, ENDOFCHAIN, 0, ENDOFCHAIN, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", FREESECT) * 108
    )
    assert len(header) == 512
    return header + struct.pack("<128I", *fat) + b"".join(entries)


def make_doc() -> bytes:
    return make_ole(
        [
            _cfb_entry("Root Entry", 5, child=1),
            _cfb_entry("WordDocument", 2, right=2),
            _cfb_entry("1Table", 2),
        ]
    )


def make_xls() -> bytes:
    return make_ole([_cfb_entry("Root Entry", 5, child=1), _cfb_entry("Workbook", 2)])


def make_exe() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 48 + b"PE\x00\x00"


def invalid(excinfo: pytest.ExceptionInfo[InvalidInput], code: str, field: str) -> None:
    error = excinfo.value
    assert error.code == code
    assert error.field == field
    assert http_status(error) == 422
    assert any("\u4e00" <= c <= "\u9fff" for c in error.message), error.message
    assert error.message_en and error.message_en.isascii(), error.message_en


def upload(content: bytes, *, filename: str = "材料.pdf", allowed=("pdf", "jpg", "png"), kb=100):
    return check_upload(
        content, filename=filename, allowed_types=list(allowed), max_size_kb=kb, field="file"
    )


# --- sniffing ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (make_pdf(), "pdf"),
        (make_jpeg(), "jpg"),
        (make_png(), "png"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "gif"),
        (b"GIF87a\x01\x00\x01\x00\x00\x00\x00;", "gif"),
        (b"BM" + struct.pack("<IHHII", 58, 0, 0, 54, 40) + b"\x00" * 40, "bmp"),
        (b"II*\x00\x08\x00\x00\x00" + b"\x00" * 8, "tif"),
        (b"MM\x00*\x00\x00\x00\x08" + b"\x00" * 8, "tif"),
        (b"RIFF" + struct.pack("<I", 4) + b"WEBPVP8 ", "webp"),
        (make_doc(), "doc"),
        (make_xls(), "xls"),
        (make_docx(), "docx"),
        (make_xlsx(), "xlsx"),
        (make_ofd(), "ofd"),
        (make_zip(["a.txt", "b/c.txt"]), "zip"),
    ],
)
def test_sniff_recognises_real_files(content, code):
    file_type = sniff(content)
    assert file_type is not None
    assert file_type.code == code
    assert file_type == FILE_TYPES[code]
    assert " / " in file_type.label


@pytest.mark.parametrize(
    "content",
    [
        b"",
        make_exe(),
        b"hello, plain text",
        b"BM is also how a text may begin",  # "BM" without a DIB header
        b"RIFF\x00\x00\x00\x00WAVEfmt ",  # RIFF but not WebP
        b"PK\x03\x04 not really a zip",
        b"%PDF",  # magic cut short
        b"\x89PNG",
    ],
)
def test_sniff_refuses_unknown_content(content):
    assert sniff(content) is None


def test_ofd_only_when_ofd_xml_is_at_the_root():
    assert sniff(make_zip(["sub/OFD.xml", "Doc_0/Document.xml"])).code == "zip"


def test_ole_word_document_with_an_embedded_workbook_is_doc_and_vice_versa():
    # An embedded object is a sub-storage with its own streams: only the root's count.
    word = make_ole(
        [
            _cfb_entry("Root Entry", 5, child=1),
            _cfb_entry("WordDocument", 2, right=2),
            _cfb_entry("ObjectPool", 1, child=3),
            _cfb_entry("Workbook", 2),
        ]
    )
    excel = make_ole(
        [
            _cfb_entry("Root Entry", 5, child=1),
            _cfb_entry("Workbook", 2, left=2),
            _cfb_entry("MBD0001", 1, child=3),
            _cfb_entry("WordDocument", 2),
            _cfb_entry("1Table", 2),
            _cfb_entry("Data", 2),
        ]
    )
    assert sniff(word).code == "doc"
    assert sniff(excel).code == "xls"


def test_ole_falls_back_to_doc_or_to_the_directory_entry_itself():
    magic = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    assert sniff(magic).code == "doc"  # header only: best effort "doc"
    assert sniff(magic + b"\xff" * 600).code == "doc"
    # An unreadable header (bad sector shift) but an intact "Workbook" entry at 512.
    broken = bytearray(make_xls())
    broken[0x1E:0x20] = struct.pack("<H", 3)
    assert sniff(bytes(broken)).code == "xls"


def test_ole_directory_with_a_cycle_terminates():
    content = bytearray(make_xls())
    # FAT entry of the directory sector (1) points back at itself; the root's child at itself.
    content[512 + 4 : 512 + 8] = struct.pack("<I", 1)
    assert sniff(bytes(content)).code == "xls"
    content[1024 + 76 : 1024 + 80] = struct.pack("<I", 0)
    assert sniff(bytes(content)).code == "doc"


def test_zip_with_ten_thousand_entries_is_inspected_only_up_to_the_cap():
    names = [f"f/{n}" for n in range(10_000)] + ["[Content_Types].xml", "word/document.xml"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, b"")
    content = buffer.getvalue()
    file_type = sniff(content)
    # The markers come after the cap: looked at no further, it is a plain zip.
    assert blobs.MAX_ZIP_ENTRIES_INSPECTED < 10_000
    assert file_type.code == "zip"


def test_corrupt_zip_is_unknown():
    docx = make_docx()
    assert sniff(docx[: len(docx) // 2]) is None  # cut short: no central directory


KNOWN_MAGICS = (
    b"%PDF-",
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"GIF87a",
    b"GIF89a",
    b"II*\x00",
    b"MM\x00*",
    b"II+\x00",
    b"MM\x00+",
    b"RIFF",
    b"BM",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
    b"PK\x03\x04",
)


@given(st.binary(max_size=4096))
def test_random_bytes_without_magic_are_not_a_type(content):
    result = sniff(content)
    if not content.startswith(KNOWN_MAGICS):
        assert result is None
    else:
        assert result is None or result in FILE_TYPES.values()


@hyp_settings(max_examples=300)
@given(st.sampled_from(KNOWN_MAGICS), st.binary(max_size=4096))
def test_random_bytes_after_a_magic_never_raise(magic, tail):
    result = sniff(magic + tail)
    assert result is None or result in FILE_TYPES.values()


@hyp_settings(max_examples=100)
@given(
    st.binary(min_size=600, max_size=3000),
    st.integers(0, 2999),
    st.binary(min_size=1, max_size=16),
)
def test_damaged_ole_never_raises(filler, at, patch):
    content = bytearray(make_xls() + filler)
    start = 8 + at % (len(content) - 8)
    content[start : start + len(patch)] = patch
    assert sniff(bytes(content)).code in ("doc", "xls")


@hyp_settings(max_examples=100)
@given(st.binary(max_size=2048), st.text(max_size=30))
def test_check_upload_returns_a_type_or_raises_invalid_input(content, filename):
    try:
        result = check_upload(
            content, filename=filename, allowed_types=[], max_size_kb=1, field="f"
        )
    except InvalidInput as error:
        assert error.code.startswith("upload_")
        assert error.field == "f"
    else:
        assert result.code in ("pdf", "jpg", "png", "ofd")


# --- check_upload ------------------------------------------------------------------------


def test_each_allowed_real_file_is_accepted():
    assert upload(make_pdf()).code == "pdf"
    assert upload(make_jpeg(), filename="照片.jpg").code == "jpg"
    assert upload(make_png(), filename="scan.png").code == "png"
    assert upload(make_docx(), filename="a.docx", allowed=["docx"]).code == "docx"
    assert upload(make_xlsx(), filename="a.xlsx", allowed=["xlsx"]).code == "xlsx"
    assert upload(make_doc(), filename="a.doc", allowed=["doc"]).code == "doc"
    assert upload(make_xls(), filename="a.xls", allowed=["xls"]).code == "xls"
    assert upload(make_ofd(), filename="证照.ofd", allowed=["ofd"]).code == "ofd"


def test_empty_file():
    with pytest.raises(InvalidInput) as excinfo:
        upload(b"")
    invalid(excinfo, "upload_empty", "file")


@pytest.mark.parametrize(("kb", "shown"), [(1, "1 KB"), (500, "500 KB"), (2048, "2 MB")])
def test_size_exactly_at_the_limit_is_accepted_one_byte_over_is_not(kb, shown):
    pdf = make_pdf()
    at_limit = pdf[:-6] + b" " * (kb * 1024 - len(pdf)) + pdf[-6:]  # keep %%EOF at the end
    assert len(at_limit) == kb * 1024
    assert upload(at_limit, kb=kb).code == "pdf"
    with pytest.raises(InvalidInput) as excinfo:
        upload(at_limit + b"\n", kb=kb)
    invalid(excinfo, "upload_too_large", "file")
    assert shown in excinfo.value.message
    assert shown in excinfo.value.message_en
    assert excinfo.value.details == {"size": kb * 1024 + 1, "max_size_kb": kb}


def test_exe_renamed_pdf_is_an_unknown_type():
    with pytest.raises(InvalidInput) as excinfo:
        upload(make_exe(), filename="申请表.pdf")
    invalid(excinfo, "upload_type_unknown", "file")


def test_known_type_not_allowed_lists_the_allowed_ones():
    with pytest.raises(InvalidInput) as excinfo:
        upload(make_png(), filename="x.png", allowed=["pdf", "jpeg"])
    invalid(excinfo, "upload_type_not_allowed", "file")
    assert "PDF、JPG" in excinfo.value.message
    assert "PDF, JPG" in excinfo.value.message_en
    assert excinfo.value.details == {"detected": "png", "allowed": ["pdf", "jpg"]}


def test_the_content_decides_not_the_extension():
    assert upload(make_png(), filename="x.pdf", allowed=["png"]).code == "png"
    with pytest.raises(InvalidInput) as excinfo:  # a PNG named .pdf where only PDF is allowed
        upload(make_png(), filename="x.pdf", allowed=["pdf"])
    invalid(excinfo, "upload_type_not_allowed", "file")
    # A docx renamed .zip is a docx; a zip renamed .docx is a zip.
    assert upload(make_docx(), filename="a.zip", allowed=["docx"]).code == "docx"
    with pytest.raises(InvalidInput):
        upload(make_zip(["a.txt"]), filename="a.docx", allowed=["docx"])


def test_truncated_pdf_is_damaged():
    pdf = make_pdf()
    with pytest.raises(InvalidInput) as excinfo:
        upload(pdf[: len(pdf) // 2])
    invalid(excinfo, "upload_pdf_damaged", "file")
    # %%EOF followed by more than 2 KB of anything is no intact end either.
    with pytest.raises(InvalidInput):
        upload(pdf + b"\x00" * 2100)
    assert upload(pdf + b"\r\n\r\n").code == "pdf"


def test_empty_allowed_types_means_pdf_jpg_png_ofd():
    for content in (make_pdf(), make_jpeg(), make_png(), make_ofd()):
        assert upload(content, allowed=[]).code in ("pdf", "jpg", "png", "ofd")
    with pytest.raises(InvalidInput) as excinfo:
        upload(make_docx(), allowed=[])
    invalid(excinfo, "upload_type_not_allowed", "file")
    assert normalize_allowed_types([]) == ("pdf", "jpg", "png", "ofd")
    assert normalize_allowed_types(["", "  "]) == ("pdf", "jpg", "png", "ofd")


def test_allowed_types_go_through_the_aliases():
    assert TYPE_ALIASES["jpeg"] == TYPE_ALIASES["JPG"] == TYPE_ALIASES["JPEG"] == "jpg"
    assert TYPE_ALIASES["tiff"] == TYPE_ALIASES["TIF"] == "tif"
    assert normalize_allowed_types(["JPEG", ".PDF", "image/png", "jpg", "tiff"]) == (
        "jpg",
        "pdf",
        "png",
        "tif",
    )
    assert upload(make_jpeg(), allowed=["JPEG"]).code == "jpg"
    tif = b"II*\x00\x08\x00\x00\x00" + b"\x00" * 8
    assert upload(tif, allowed=["TIFF"]).code == "tif"


def test_only_unknown_allowed_types_allow_nothing():
    # Never widened to the default by a typo.
    assert normalize_allowed_types(["txt", 7]) == ()
    with pytest.raises(InvalidInput) as excinfo:
        upload(make_pdf(), allowed=["txt"])
    invalid(excinfo, "upload_type_not_allowed", "file")


@pytest.mark.parametrize(
    "filename",
    [
        "",
        "   ",
        "a" * 197 + ".pdf",  # 201 characters
        "../x.pdf",
        "dir\\x.pdf",
        "x\x00.pdf",
        "x\n.pdf",
        "x\x7f.pdf",
        "x\u202efdp.exe",  # right-to-left override
    ],
)
def test_bad_upload_filenames(filename):
    with pytest.raises(InvalidInput) as excinfo:
        upload(make_pdf(), filename=filename)
    invalid(excinfo, "upload_filename", "file")


def test_filename_is_checked_before_the_content():
    with pytest.raises(InvalidInput) as excinfo:
        upload(b"", filename="a\x00b")
    assert excinfo.value.code == "upload_filename"


def test_filename_of_200_characters_is_accepted():
    assert upload(make_pdf(), filename="申" * 196 + ".pdf").code == "pdf"


# --- safe_filename -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("营业执照副本.pdf", "营业执照副本.pdf"),
        ("../x.pdf", "x.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\张三\\身份证.jpg", "身份证.jpg"),
        ("  空格.png  ", "空格.png"),
        ("e\u0301.pdf", "\u00e9.pdf"),  # NFC
    ],
)
def test_safe_filename(raw, safe):
    assert safe_filename(raw) == safe


@pytest.mark.parametrize(
    "raw", ["", "dir/", "..", "../..", "a\x00.pdf", "a\tb.pdf", "x" * 201, "d/" + "x" * 201]
)
def test_safe_filename_rejects(raw):
    with pytest.raises(InvalidInput) as excinfo:
        safe_filename(raw, field="materials.0.name")
    invalid(excinfo, "upload_filename", "materials.0.name")


def test_safe_filename_length_counts_after_dropping_directories():
    assert safe_filename("d" * 300 + "/" + "x" * 200) == "x" * 200


# --- storage -----------------------------------------------------------------------------


@pytest.fixture
def storage_dir(settings, tmp_path) -> Path:
    """The default storage in a directory of this test's own."""
    location = tmp_path / "files"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }
    return location


def stored_files(location: Path) -> list[Path]:
    return sorted(p for p in location.rglob("*") if p.is_file())


@pytest.mark.django_db
def test_store_and_read_back(storage_dir):
    content = make_png(3, 2)
    sha = hashlib.sha256(content).hexdigest()
    blob = store_blob(content, FILE_TYPES["png"])
    assert blob.sha256 == sha
    assert blob.size == len(content)
    assert (blob.file_type, blob.content_type) == ("png", "image/png")
    assert blob.storage_name == f"blobs/{sha[:2]}/{sha[2:4]}/{sha}" == blob_storage_name(sha)
    assert stored_files(storage_dir) == [storage_dir / "blobs" / sha[:2] / sha[2:4] / sha]
    assert read_blob(Blob.objects.get(pk=sha)) == content

    response = FileResponse(blob_stream(blob), content_type=blob.content_type)
    assert b"".join(response.streaming_content) == content
    response.close()


@pytest.mark.django_db
def test_same_content_twice_is_one_row_and_one_file(storage_dir):
    content = make_pdf("dedup")
    first = store_blob(content, FILE_TYPES["pdf"])
    second = store_blob(content, FILE_TYPES["pdf"])
    assert first.pk == second.pk
    assert Blob.objects.count() == 1
    assert len(stored_files(storage_dir)) == 1
    other = store_blob(make_pdf("other"), FILE_TYPES["pdf"])
    assert other.pk != first.pk
    assert Blob.objects.count() == 2
    assert len(stored_files(storage_dir)) == 2


@pytest.mark.django_db
def test_existing_row_is_returned_without_touching_storage(storage_dir, monkeypatch):
    content = make_jpeg()
    store_blob(content, FILE_TYPES["jpg"])

    def fail(*args, **kwargs):
        raise AssertionError("storage written again")

    monkeypatch.setattr(blobs, "_write_file", fail)
    assert store_blob(content, FILE_TYPES["jpg"]).file_type == "jpg"


@pytest.mark.django_db
def test_file_left_by_a_rolled_back_upload_is_reused_not_rewritten(storage_dir):
    content = make_docx()
    sha = hashlib.sha256(content).hexdigest()
    path = storage_dir / blob_storage_name(sha)
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    mtime = path.stat().st_mtime_ns
    blob = store_blob(content, FILE_TYPES["docx"])
    assert blob.storage_name == blob_storage_name(sha)
    assert path.stat().st_mtime_ns == mtime
    assert stored_files(storage_dir) == [path]


@pytest.mark.django_db
def test_a_partial_file_is_replaced(storage_dir):
    content = make_pdf("partial")
    sha = hashlib.sha256(content).hexdigest()
    path = storage_dir / blob_storage_name(sha)
    path.parent.mkdir(parents=True)
    path.write_bytes(content[:10])
    blob = store_blob(content, FILE_TYPES["pdf"])
    assert read_blob(blob) == content
    assert stored_files(storage_dir) == [path]


@pytest.mark.django_db
def test_concurrent_insert_returns_the_existing_row(storage_dir, monkeypatch):
    content = make_png(2, 2)
    stored = store_blob(content, FILE_TYPES["png"])
    # Another request inserted the row after our look-up: the insert fails, we fetch it.
    monkeypatch.setattr(blobs, "_find_blob", lambda sha256: None)
    again = store_blob(content, FILE_TYPES["png"])
    assert again.pk == stored.pk
    assert Blob.objects.count() == 1
    assert len(stored_files(storage_dir)) == 1
    # The savepoint kept the surrounding transaction usable.
    assert connection.needs_rollback is False
    assert Blob.objects.filter(pk=stored.pk).exists()


@pytest.mark.django_db
def test_a_file_written_between_check_and_save_leaves_no_duplicate(storage_dir, monkeypatch):
    content = make_jpeg()
    name = blob_storage_name(hashlib.sha256(content).hexdigest())
    real_exists = FileSystemStorage.exists

    def exists_then_raced(storage, path):
        found = real_exists(storage, path)
        if path == name and not found:
            (storage_dir / name).parent.mkdir(parents=True, exist_ok=True)
            (storage_dir / name).write_bytes(content)  # the other request wins
        return found

    # Patched on the class: the settings fixture swaps the storage instance at teardown.
    monkeypatch.setattr(FileSystemStorage, "exists", exists_then_raced)
    deleted: list[str] = []
    real_delete = FileSystemStorage.delete

    def spy_delete(storage, path):
        deleted.append(path)
        real_delete(storage, path)

    monkeypatch.setattr(FileSystemStorage, "delete", spy_delete)
    blob = store_blob(content, FILE_TYPES["jpg"])
    assert blob.storage_name == name
    assert stored_files(storage_dir) == [storage_dir / name]
    # our copy went to a free name the storage picked, and was removed again
    assert len(deleted) == 1
    assert deleted[0] != name
    assert deleted[0].startswith(name)


@pytest.mark.django_db
def test_row_is_never_written_without_its_file(storage_dir, monkeypatch):
    def broken_save(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(FileSystemStorage, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        store_blob(make_pdf("lost"), FILE_TYPES["pdf"])
    assert not Blob.objects.exists()


@pytest.mark.django_db
def test_read_blob_detects_a_changed_file(storage_dir):
    blob = store_blob(make_png(), FILE_TYPES["png"])
    (storage_dir / blob.storage_name).write_bytes(make_png(2, 1))
    with pytest.raises(BlobCorrupted):
        read_blob(blob)
    assert read_blob(blob, verify=False) == make_png(2, 1)


def test_file_type_is_frozen():
    with pytest.raises(AttributeError):
        FILE_TYPES["pdf"].code = "exe"  # type: ignore[misc]
    assert FileType("pdf", "application/pdf", "x").display == "PDF"
