"""From a ``Notice`` row to its PDF: gather the facts, render outside any transaction, store
the file content-addressed and link it. Rendering the same notice twice stores one file."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from zhengwu.cases.blobs import read_blob, sniff, store_blob
from zhengwu.cases.choices import NoticeKind, SpecialProcedureKind
from zhengwu.cases.documents import NoticeDocument, render_notice
from zhengwu.cases.models import Notice
from zhengwu.org import selectors as org_selectors


def _cn_date(value: str | date | None) -> str:
    if not value:
        return ""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day.year}年{day.month}月{day.day}日"


def progress_url(number: str) -> str:
    base = str(getattr(settings, "PUBLIC_URL", "") or "http://127.0.0.1:8000").rstrip("/")
    return f"{base}{reverse('cases:progress')}?number={number}"


def notice_document(notice: Notice) -> NoticeDocument:
    case = notice.case
    content = notice.content or {}
    department = org_selectors.department_by_id(case.department_id) if case.department_id else None
    body = department.name if department else "西安市灞桥区政务服务中心"
    facts: list[tuple[str, str]] = [("办件编号", case.number or ""), ("申请事项", case.item_name)]
    paragraphs: list[str] = []
    listing: list[tuple[str, str]] = []
    listing_title = ""
    appeal = ""
    kind = notice.kind
    if kind in (NoticeKind.ACCEPTANCE, NoticeKind.DEFICIENCY):
        due = _cn_date(content.get("promised_due"))
        if content.get("provisional"):
            due += "（暂定：次年节假日安排公布后确认）"
        facts += [("受理日期", _cn_date(content.get("accepted_on"))), ("承诺办结日期", due)]
        if content.get("auto"):
            paragraphs.append(
                "你（单位）提交的申请材料自收到之日起五个工作日内未被告知需要补正，"
                "依据《中华人民共和国行政许可法》第三十二条，自收到申请材料之日起即为受理。"
            )
        else:
            paragraphs.append(
                "你（单位）提交的申请，经审查，申请材料齐全、符合法定形式，决定予以受理。"
            )
        if kind == NoticeKind.DEFICIENCY:
            listing_title = "容缺后补的材料"
            listing = [
                (o["name"], f"请于{_cn_date(o['due'])}前补齐") for o in content.get("owed", [])
            ]
            paragraphs.append("以上材料逾期未补齐的，本办件将终止办理，已出具的受理决定随之失效。")
    elif kind == NoticeKind.CORRECTION:
        paragraphs.append(
            "你（单位）提交的申请材料不齐全或者不符合法定形式，现一次性告知需要补正的全部内容。"
            "请补齐后通过网上办事大厅或任一综合窗口提交；补正材料收齐之日起计算受理期限。"
        )
        listing_title = "需补正的材料"
        listing = [(i["name"], i["reason"]) for i in content.get("items", [])]
    elif kind in (NoticeKind.REFUSAL, NoticeKind.DENIAL):
        lead = "决定不予受理" if kind == NoticeKind.REFUSAL else "决定不予行政许可"
        paragraphs.append(
            f"你（单位）提出的申请，经审查，{lead}。理由如下：{content.get('reasons', '')}"
        )
        appeal = content.get("appeal", "")
    elif kind == NoticeKind.APPROVAL:
        paragraphs.append("你（单位）提出的申请，经审查，符合法定条件、标准，决定准予行政许可。")
        facts += [
            ("审批结果", content.get("result_name", "")),
            ("结果编号", content.get("result_number", "")),
        ]
    elif kind == NoticeKind.EXTENSION:
        paragraphs.append(
            f"因{content.get('reason', '')}，经本机关负责人批准，办理期限延长"
            f"{content.get('days', 10)}个工作日（《中华人民共和国行政许可法》第四十二条）。"
        )
        facts.append(("延长后办结期限", _cn_date(content.get("promised_due"))))
    elif kind == NoticeKind.SPECIAL_PROCEDURE:
        label = content.get("label") or SpecialProcedureKind(content.get("kind", "hearing")).label
        paragraphs.append(
            f"你（单位）的申请需要进行{label}，原因：{content.get('reason', '')}。"
            "依据《中华人民共和国行政许可法》第四十五条，所需时间不计算在办理期限内。"
        )
        facts.append(("开始日期", _cn_date(content.get("started_on"))))
    elif kind == NoticeKind.BUNDLE_RESULT:
        paragraphs.append("你（单位）申请的“一件事”已全部办理完毕，各事项结果如下。")
        listing_title = "各事项办理结果"
        for child in content.get("children", []):
            if child.get("decision") == "approve":
                result = f"准予（{child.get('result_number', '')}）"
            elif child.get("reason"):
                result = f"未办成：{child['reason']}"
            else:
                result = child.get("status", "")
            listing.append((f"{child.get('item', '')} {child.get('number', '')}", result))
    return NoticeDocument(
        kind=str(kind),
        number=notice.number,
        case_number=case.number or "",
        issuing_body=body,
        applicant_name=case.applicant_name,
        item_name=case.item_name,
        issued_on=timezone.localdate(notice.issued_at),
        progress_url=progress_url(case.number or ""),
        facts=tuple(facts),
        paragraphs=tuple(paragraphs),
        listing_title=listing_title,
        listing=tuple(listing),
        appeal=appeal,
    )


def render_and_store(notice_id: int) -> str:
    """Render (outside any transaction) and link the PDF; returns the blob's SHA-256."""
    notice = Notice.objects.select_related("case").filter(pk=notice_id).first()
    if notice is None:
        return ""
    if notice.pdf_id:
        return str(notice.pdf_id)
    pdf = render_notice(notice_document(notice))
    file_type = sniff(pdf)
    assert file_type is not None and file_type.code == "pdf"
    blob = store_blob(pdf, file_type)
    with transaction.atomic():
        Notice.objects.filter(pk=notice_id, pdf__isnull=True).update(pdf=blob)
    return blob.sha256


def notice_pdf(notice: Notice) -> bytes:
    """The notice's PDF, rendered now if the task has not run yet."""
    if not notice.pdf_id:
        render_and_store(notice.pk)
        notice.refresh_from_db(fields=["pdf"])
    assert notice.pdf is not None
    return read_blob(notice.pdf)
