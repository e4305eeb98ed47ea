"""Case documents as PDF: every kind renders, says what it must, and stays inside the page."""

from __future__ import annotations

import io
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date

import pytest
import segno
from pypdf import PdfReader

from zhengwu.cases.documents import (
    KINDS,
    NoticeDocument,
    NoticeSection,
    chinese_date,
    default_appeal,
    notice_text,
    qr_matrix,
    qr_runs,
    render_notice,
    title_for,
)

URL = "https://zw.baqiao.gov.cn/progress/BQ-2026-000123?t=4f9c2a"
CASE = "BQ-2026-000123"


def make(kind: str = "acceptance", **changes) -> NoticeDocument:
    doc = NoticeDocument(
        kind=kind,
        number="灞政受〔2026〕000123号",
        case_number=CASE,
        issuing_body="西安市灞桥区市场监督管理局",
        applicant_name="西安市灞桥区好味道餐饮有限公司",
        item_name="食品经营许可（新办）",
        issued_on=date(2026, 11, 27),
        progress_url=URL,
        facts=(("受理日期", "2026年11月27日"), ("承诺办结日期", "2026年12月25日")),
    )
    return replace(doc, **changes)


def pdf_reader(data: bytes) -> PdfReader:
    assert data.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(data))


def all_text(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def squeezed(text: str) -> str:
    """Without whitespace: wrapped table cells come back from pypdf with line breaks."""
    return re.sub(r"\s+", "", text)


def rows(count: int, prefix: str = "材料") -> tuple[tuple[str, str], ...]:
    return tuple(
        (f"{prefix}{n:03d}：营业场所平面布局图及周边环境示意图", "未加盖公章，须提供原件核验")
        for n in range(1, count + 1)
    )


# --- titles and validation -------------------------------------------------------------------


def test_titles():
    assert title_for("acceptance") == "受理通知书"
    assert title_for("correction") == "补正材料通知书"
    assert title_for("refusal") == "不予受理通知书"
    assert title_for("deficiency") == "容缺受理通知书"
    assert title_for("approval") == "准予行政许可决定书"
    assert title_for("denial") == "不予行政许可决定书"
    assert title_for("extension") == "延长期限告知书"
    assert title_for("special_procedure") == "特别程序告知书"
    assert title_for("bundle_result") == "一件事办理结果通知书"
    assert title_for("delivery_receipt") == "送达回证"
    assert len(KINDS) == 10


@pytest.mark.parametrize("kind", ["", "accept", "ACCEPTANCE", None])
def test_unknown_kind_is_a_value_error(kind):
    with pytest.raises(ValueError):
        title_for(kind)
    with pytest.raises(ValueError):
        render_notice(make(kind))


@pytest.mark.parametrize(
    "changes",
    [
        {"number": ""},
        {"number": " \x00"},
        {"issuing_body": ""},
        {"progress_url": ""},
        {"progress_url": "/progress/BQ-2026-000123"},
        {"progress_url": "javascript:alert(1)"},
        {"issued_on": "2026-11-27"},
        {"listing_headers": ("only one",)},
    ],
)
def test_incomplete_documents_are_refused(changes):
    with pytest.raises(ValueError):
        make(**changes)


def test_missing_case_number_applicant_or_item_only_leaves_the_line_out():
    doc = make(case_number="", applicant_name="", item_name=" ", facts=())
    text = notice_text(doc)
    assert not any(t.endswith("：") for t in text)  # no salutation, no empty 办件编号 caption
    assert "办件编号" not in text and "事项名称" not in text
    assert "你（单位）提交的申请，" in text[3]
    reader = pdf_reader(render_notice(doc))
    assert reader.metadata.subject == doc.number


def test_chinese_date():
    assert chinese_date(date(2026, 11, 27)) == "2026年11月27日"
    assert chinese_date(date(2027, 1, 5)) == "2027年1月5日"


# --- every kind renders ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_renders_a_pdf_with_its_numbers(kind):
    doc = make(kind, listing=rows(3))
    reader = pdf_reader(render_notice(doc))
    assert len(reader.pages) >= 1
    text = all_text(reader)
    assert CASE in text
    assert doc.number in text
    assert title_for(kind) in text  # pypdf reads the CID font's UCS-2 codes back to Chinese
    assert "2026年11月27日" in text
    assert "扫码查询办理进度" in text


def test_font_is_the_builtin_stsong_and_nothing_is_embedded():
    reader = pdf_reader(render_notice(make("correction", listing=rows(3))))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    names = {font.get_object()["/BaseFont"] for font in fonts.values()}
    assert "/STSong-Light" in names
    for font in fonts.values():
        font = font.get_object()
        if font["/BaseFont"] == "/STSong-Light":
            assert font["/Encoding"] == "/UniGB-UCS2-H"
            descendant = font["/DescendantFonts"][0].get_object()
            assert descendant["/CIDSystemInfo"]["/Ordering"] == "GB1"
            descriptor = descendant["/FontDescriptor"].get_object()
            assert not {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor)


def test_metadata_and_a4():
    doc = make()
    reader = pdf_reader(render_notice(doc))
    meta = reader.metadata
    assert meta.title == "受理通知书 灞政受〔2026〕000123号"
    assert meta.subject == CASE
    assert meta.author == "西安市灞桥区市场监督管理局"
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_same_document_same_bytes_across_threads():
    docs = [make(kind, listing=rows(5)) for kind in KINDS]
    expected = [render_notice(doc) for doc in docs]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(render_notice, docs * 3))
    assert got == expected * 3


# --- what the documents say ------------------------------------------------------------------


def test_text_in_reading_order():
    text = notice_text(make())
    assert text[:4] == [
        "西安市灞桥区市场监督管理局",
        "受理通知书",
        "灞政受〔2026〕000123号",
        "西安市灞桥区好味道餐饮有限公司：",
    ]
    assert "本机关决定予以受理" in text[4]
    for value in ("事项名称", "食品经营许可（新办）", "办件编号", CASE, "承诺办结日期"):
        assert value in text
    assert text.index("受理日期") < text.index("西安市灞桥区市场监督管理局", 1)
    assert text[-3:] == [
        "2026年11月27日",
        "扫码查询办理进度 / Scan to track progress",
        f"办件编号：{CASE}",
    ]


def test_caller_paragraphs_replace_the_default_and_facts_are_not_repeated():
    doc = make(paragraphs=("第一段。", "第二段。"), facts=(("办件编号", CASE),))
    text = notice_text(doc)
    assert "第一段。" in text and "第二段。" in text
    assert not any("本机关决定予以受理" in t for t in text)
    assert text.count("办件编号") == 1
    own_item = notice_text(make(facts=(("申请事项", "食品经营许可（新办）"),)))
    assert "事项名称" not in own_item and own_item.count("食品经营许可（新办）") == 1


@pytest.mark.parametrize("kind", ["refusal", "denial"])
def test_refusal_and_denial_without_appeal_get_the_statutory_route(kind):
    text = notice_text(make(kind))
    appeal = default_appeal(kind)
    assert appeal in text
    assert "行政复议" in appeal and "六十日" in appeal and "《中华人民共和国行政复议法》" in appeal
    assert "行政诉讼" in appeal and "六个月" in appeal and "《中华人民共和国行政诉讼法》" in appeal
    assert ("本决定书" in appeal) is (kind == "denial")
    assert "行政复议" in all_text(pdf_reader(render_notice(make(kind))))


def test_a_given_appeal_is_used_as_is():
    own = "如不服本决定，可以自收到本通知书之日起六十日内向西安市灞桥区人民政府申请行政复议。"
    text = notice_text(make("refusal", appeal=own))
    assert own in text
    assert default_appeal("refusal") not in text


@pytest.mark.parametrize("kind", ["acceptance", "approval", "extension", "correction"])
def test_favourable_notices_carry_no_appeal(kind):
    assert not any("行政复议" in t for t in notice_text(make(kind)))


def test_correction_lists_every_missing_material_at_once():
    listing = rows(4)
    text = notice_text(make("correction", listing=listing))
    assert "需补正的材料" in text
    assert "一次性告知" in "".join(text)
    for n, (item, remark) in enumerate(listing, start=1):
        assert item in text and remark in text and str(n) in text


def test_bundle_result_has_one_section_per_child_and_the_appeal_when_one_is_refused():
    sections = (
        NoticeSection("出生医学证明", case_number="BQ-2026-000124", result="准予办理"),
        NoticeSection(
            "出生登记（户口）",
            case_number="BQ-2026-000125",
            result="不予受理",
            paragraphs=("未提供父母双方身份证明原件。",),
            refused=True,
        ),
    )
    doc = make("bundle_result", item_name="新生儿出生一件事", sections=sections)
    text = notice_text(doc)
    assert "一、出生医学证明" in text and "二、出生登记（户口）" in text
    assert "未提供父母双方身份证明原件。" in text
    assert default_appeal("bundle_result") in text
    pdf_text = all_text(pdf_reader(render_notice(doc)))
    assert "BQ-2026-000124" in pdf_text and "BQ-2026-000125" in pdf_text
    favourable = replace(doc, sections=sections[:1])
    assert not any("行政复议" in t for t in notice_text(favourable))


def test_delivery_receipt_is_a_form_for_signing():
    text = notice_text(make("delivery_receipt", listing=(("受理通知书", "灞政受〔2026〕1号"),)))
    assert "受送达人" in text and "受送达人（签名或盖章）" in text
    assert not any(t.endswith("：") and "公司" in t for t in text)  # no salutation


# --- QR code ---------------------------------------------------------------------------------


def test_qr_matrix_is_segnos():
    code = segno.make_qr(URL, error="m")
    assert qr_matrix(URL) == tuple(tuple(bool(v) for v in row) for row in code.matrix)


def test_qr_runs_cover_exactly_the_dark_modules():
    matrix = qr_matrix(URL)
    rebuilt = [[False] * len(row) for row in matrix]
    for row, column, length in qr_runs(matrix):
        assert length > 0
        for c in range(column, column + length):
            assert not rebuilt[row][c]
            rebuilt[row][c] = True
    assert tuple(tuple(row) for row in rebuilt) == matrix


def test_the_drawn_qr_code_is_segnos_matrix():
    """Read the rectangles back out of the page and rebuild the code module by module."""
    reader = pdf_reader(render_notice(make()))
    content = reader.pages[0].get_contents().get_data().decode("latin-1")
    matrix = qr_matrix(URL)
    size = len(matrix)
    module = 26 * 72 / 25.4 / size
    # the code is drawn in module units: "<module> 0 0 <module> x y cm", then one "re" per run
    scales = re.findall(r"([\d.]+) 0 0 ([\d.]+) [-\d.]+ [-\d.]+ cm", content)
    assert any(abs(float(a) - module) < 1e-3 and a == d for a, d in scales)
    runs = re.findall(r"(\d+) (\d+) (\d+) 1\.01 re\b", content)
    assert len(runs) == len(qr_runs(matrix)) > 0
    drawn = [[False] * size for _ in range(size)]
    for x, y, width in runs:
        for column in range(int(x), int(x) + int(width)):
            drawn[size - 1 - int(y)][column] = True
    assert tuple(tuple(row) for row in drawn) == matrix


def test_progress_url_too_long_for_a_qr_code_is_a_value_error():
    with pytest.raises(ValueError):
        render_notice(make(progress_url="https://zw.example.cn/" + "a" * 5000))


# --- long and hostile input ------------------------------------------------------------------


def test_sixty_rows_take_several_pages_with_the_header_repeated():
    listing = rows(60)
    reader = pdf_reader(render_notice(make("correction", listing=listing)))
    assert len(reader.pages) >= 2
    text = squeezed(all_text(reader))
    for item, _ in listing:
        assert squeezed(item) in text
    for number, page in enumerate(reader.pages, start=1):
        page_text = page.extract_text()
        assert f"第 {number} 页" in page_text
    assert "序号" in reader.pages[1].extract_text()  # the listing header again
    assert "灞政受〔2026〕000123号" in reader.pages[1].extract_text()  # running header


@pytest.mark.parametrize("count", range(8, 36))
def test_the_seal_page_always_carries_body_text(count):
    """GB/T 9704: never the signature alone on a page; the last row goes along with it."""
    listing = rows(count)
    reader = pdf_reader(render_notice(make("correction", listing=listing)))
    last_page = reader.pages[-1].extract_text()
    assert "扫码查询办理进度" in last_page
    assert squeezed(listing[-1][0]) in squeezed(last_page)


def test_text_stays_inside_the_page():
    """A long material name or reason wraps (and a huge one spills into continuation rows)
    instead of running off the page or into its margins."""
    huge = "营业执照副本复印件" * 400
    listing = (*rows(5), (huge, "须提供原件<核验>&" * 300), ("短", "x\n" * 150))
    reader = pdf_reader(render_notice(make("correction", listing=listing)))
    assert len(reader.pages) > 3
    placed: list[tuple[str, float, float]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            x = cm[0] * tm[4] + cm[2] * tm[5] + cm[4]
            y = cm[1] * tm[4] + cm[3] * tm[5] + cm[5]
            placed.append((text.strip(), x, y))

    for page in reader.pages:
        page.extract_text(visitor_text=visit)
    mm = 72 / 25.4
    left, right = 28 * mm - 0.5, 595.28 - 26 * mm + 0.5
    bottom, top = 25 * mm - 0.5, 841.89 - 30 * mm + 0.5
    body = [(t, x, y) for t, x, y in placed if not re.fullmatch(r"第 \d+ 页", t)]
    body = [(t, x, y) for t, x, y in body if not t.startswith("补正材料通知书")]  # page header
    assert len(body) > 100
    for text, x, y in body:
        assert left <= x <= right, (text, x)
        assert bottom <= y <= top, (text, y)
    # nothing of the long name is lost (its lines interleave with the reason's when read back)
    assert all_text(reader).count("照") == huge.count("照") == 400


def test_markup_characters_in_user_text_are_text():
    name = '<b>张&三</b> <font color="red">&amp;</font>'
    doc = make(
        "refusal",
        applicant_name=name,
        item_name="<para>",
        listing=(("A<B", "x > y & z"),),
        paragraphs=("理由：<br/> 缺少 & 错误。",),
    )
    text = all_text(pdf_reader(render_notice(doc)))
    assert "<b>张&三</b>" in text
    assert '<font color="red">&amp;</font>' in text
    assert "A<B" in text and "x > y & z" in text
    assert "理由：<br/> 缺少 & 错误。" in text


def test_control_characters_and_characters_beyond_the_bmp():
    doc = make(applicant_name="张\x00三\x1b𡒄", footer="电话：029-83521234\r\n\t地址：纺织城")
    text = notice_text(doc)
    assert "张三〓：" in text  # the built-in font is UCS-2: 𡒄 would show a wrong glyph
    reader = pdf_reader(render_notice(doc))
    assert "张三〓" in all_text(reader)


def test_long_names_shrink_to_fit():
    body = "西安市灞桥区行政审批服务局" * 4
    doc = make("approval", issuing_body=body, number="灞政许准〔2026〕" + "0" * 80 + "号")
    reader = pdf_reader(render_notice(doc))
    assert len(reader.pages) == 1
