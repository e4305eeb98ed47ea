"""Citizen pages of case handling (办件), mounted at ``/cases/``.

Thin, like the catalogue pages: parse the request (:mod:`zhengwu.cases.forms`), call one
service or selector, render. Every POST is a CSRF-protected form that works without
JavaScript; htmx only swaps parts of a page in place. A ``DomainError`` from a service
re-renders the page with its message and the status of the one error table
(``InvalidInput`` 422, ``NotAllowed`` 403, ``NotFound`` 404, ``Conflict`` 409); errors about
one material or question are shown next to it.

Only the applicant side sees a case here (the applicant, the agent, members of the applying
enterprise): for anyone else it does not exist (404). Staff use the workbench.
"""

from __future__ import annotations

import io
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhengwu.accounts import selectors as account_selectors
from zhengwu.cases import documents_service, forms, policies, selectors, services
from zhengwu.cases.blobs import FILE_TYPES, normalize_allowed_types
from zhengwu.cases.choices import (
    CLOCK_STATUSES,
    CaseKind,
    CaseStatus,
    Channel,
    IdType,
    MaterialSource,
)
from zhengwu.cases.payments import online_payment_enabled
from zhengwu.catalog import selectors as catalog_selectors
from zhengwu.kernel.errors import DomainError, FieldError, InvalidInput, NotFound, http_status
from zhengwu.kernel.masking import MaskKind, mask
from zhengwu.licences import exemptions

# The payment gateway's signed callback: POST /api/v1/cases/payments/notify (cases API).
PAYMENT_NOTIFY_URL_NAME = "api:cases_payment_notify"
# The states services.withdraw accepts (shown as a button only there).
WITHDRAWABLE = frozenset(
    {
        CaseStatus.DRAFT,
        CaseStatus.SUBMITTED,
        CaseStatus.CORRECTION,
        CaseStatus.IN_PROGRESS,
        CaseStatus.SUSPENDED,
    }
)
CASES_PER_PAGE = 20
COMPLAINT_SESSION_KEY = "zhengwu_cases_complaint_done"
PHONE_FIELD = services.CONTACT_PHONE_FIELD


# --- small helpers ----------------------------------------------------------------------------


def _english() -> bool:
    return (translation.get_language() or "").startswith("en")


def _pair(pair: tuple[str, str]) -> dict[str, str]:
    """A (Chinese, English) pair in the shape the ``localized_message`` filter reads."""
    return {"message": pair[0], "message_en": pair[1]}


def _field_errors(error: DomainError) -> list[FieldError]:
    if error.errors:
        return list(error.errors)
    return [FieldError(error.field, error.code, error.message, error.message_en)]


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    base: dict[str, Any] = {"nav_active": "cases"}
    if request.user.is_authenticated:
        base["unread_count"] = selectors.unread_count(request.user)
    return render(request, template, {**base, **context}, status=status)


def _error_page(request: HttpRequest, error: DomainError, **context: Any) -> HttpResponse:
    return _render(
        request, "cases/portal/error.html", {"error": error, **context}, status=http_status(error)
    )


def _own_case(request: HttpRequest, case_id: int | str) -> Any:
    """The case, if the signed-in user is on its applicant side; otherwise 404."""
    try:
        case = selectors.access_case(request.user, case_id)
    except NotFound as exc:
        raise Http404 from exc
    if not policies.is_applicant_side(
        request.user, case, selectors.enterprise_ids_of(request.user)
    ):
        raise Http404
    return case


def _applicant(case: Any) -> dict[str, Any]:
    """What the pages show of the applicant: the ID number masked (a USCC is public)."""
    is_uscc = case.applicant_id_type == IdType.USCC
    return {
        "name": case.applicant_name,
        "id_type": IdType(case.applicant_id_type).label if case.applicant_id_type else "",
        "id_number": mask(
            case.applicant_id_number, MaskKind.USCC if is_uscc else MaskKind.CITIZEN_ID
        ),
        "agent_name": case.agent_name,
        "enterprise": case.applicant_kind == "enterprise",
    }


def _size_text(max_size_kb: int) -> str:
    if max_size_kb >= 1024 and max_size_kb % 1024 == 0:
        return f"{max_size_kb // 1024} MB"
    return f"{max_size_kb} KB"


@dataclass
class MaterialRow:
    """A case material as the pages show it: its files, what it accepts, its errors."""

    material: Any
    files: list[Any]
    types: str
    accept: str
    max_size: str
    errors: list[FieldError] = field(default_factory=list)
    correction_reason: str = ""
    licence: Any = None  # 免提交: the e-licence satisfying it (exemptions.ExemptionState)
    licence_offer: Any = None  # a valid e-licence the applicant could use instead
    reusable: list[Any] = field(default_factory=list)  # earlier accepted files (reuse)

    @property
    def key(self) -> str:
        return str(self.material.key)

    @property
    def provided(self) -> bool:
        return bool(self.material.source)


def _material_rows(
    materials: Iterable[Any], errors: Sequence[FieldError] = (), *, only: set[str] | None = None
) -> list[MaterialRow]:
    rows = []
    for material in materials:
        if only is not None and material.key not in only:
            continue
        codes = normalize_allowed_types(material.allowed_types)
        accept = []
        for code in codes:
            accept += [f".{code}", FILE_TYPES[code].mime]
            if code == "jpg":
                accept.append(".jpeg")
        rows.append(
            MaterialRow(
                material=material,
                files=list(material.files.all()),
                types="、".join(FILE_TYPES[c].display for c in codes)
                if not _english()
                else ", ".join(FILE_TYPES[c].display for c in codes),
                accept=",".join(accept),
                max_size=_size_text(material.max_size_kb),
                errors=[e for e in errors if e.field == f"materials.{material.key}"],
            )
        )
    return rows


def _error_summary(
    errors: Sequence[FieldError], labels: dict[str, str] | None = None
) -> list[dict[str, str]]:
    """Every error with the place on the page it belongs to (for the summary's links)."""
    labels = labels or {}
    summary = []
    for e in errors:
        where = e.field or ""
        anchor = ""
        if where.startswith("materials."):
            anchor = "material-" + where.removeprefix("materials.")
        elif where.startswith("answers."):
            anchor = "question-" + where.removeprefix("answers.")
        elif where.startswith("form."):
            anchor = "f-" + where.removeprefix("form.")
        elif where in ("commitment_signed_name", "text", "reason"):
            anchor = where.replace("_", "-")
        label = labels.get(where, "")
        if label and label in e.message:
            label = ""  # the message names it already ("请提供材料：营业执照")
        summary.append(
            {"message": e.message, "message_en": e.message_en, "anchor": anchor, "label": label}
        )
    return summary


def _upload(request: HttpRequest, case: Any, keys: Iterable[str]) -> list[FieldError]:
    """Store every file posted as ``file.<material key>``; collect the files refused (type,
    size, name). Any other error (the case moved on: 409) stops here and is raised."""
    errors: list[FieldError] = []
    for key in keys:
        for upload in request.FILES.getlist(forms.FILE_PREFIX + key):
            try:
                services.material_upload(
                    case_id=case.pk,
                    material_key=key,
                    user=request.user,
                    filename=upload.name or "",
                    content=upload.read(),
                )
            except InvalidInput as exc:
                errors += [
                    FieldError(e.field or f"materials.{key}", e.code, e.message, e.message_en)
                    for e in _field_errors(exc)
                ]
    return errors


def _status_of(errors: Sequence[FieldError], fallback: DomainError | None = None) -> int:
    if fallback is not None:
        return http_status(fallback)
    return 422 if errors else 200


# --- apply ------------------------------------------------------------------------------------


def _enterprise_id(request: HttpRequest) -> int | None:
    identity = account_selectors.current_identity(request.user, request.session)
    return identity.enterprise_id if identity is not None else None


def _open_drafts(request: HttpRequest, **filters: Any) -> list[Any]:
    return list(
        selectors.applicant_cases(request.user).filter(status=CaseStatus.DRAFT, **filters)[:5]
    )


@login_required
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, code: str) -> HttpResponse:
    """Start an application: GET shows who applies (the current identity) and any draft
    already started; POST creates the draft and goes to its form."""
    try:
        version = catalog_selectors.published_version(code)
    except NotFound as exc:
        raise Http404 from exc
    error = None
    if request.method == "POST":
        try:
            case = services.draft_create(
                user=request.user,
                implementation_code=version.implementation_code,
                channel=Channel.PORTAL,
                enterprise_id=_enterprise_id(request),
            )
        except DomainError as exc:
            error = exc
        else:
            return redirect("cases:edit", case_id=case.pk)
    context = {
        "version": version,
        "title": version.name,
        "identity": account_selectors.current_identity(request.user, request.session),
        "drafts": _open_drafts(
            request, implementation_code=version.implementation_code, kind=CaseKind.SINGLE
        ),
        "error": error,
        "action": reverse("cases:apply", args=[version.implementation_code]),
    }
    return _render(
        request,
        "cases/portal/apply.html",
        context,
        status=http_status(error) if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def apply_bundle(request: HttpRequest, code: str) -> HttpResponse:
    """一件事: one application for every member item (one form, one set of materials)."""
    try:
        view = catalog_selectors.bundle_with_members(code)
    except NotFound as exc:
        raise Http404 from exc
    error = None
    if request.method == "POST":
        try:
            case = services.draft_create(
                user=request.user,
                bundle_code=view.bundle.code,
                channel=Channel.PORTAL,
                enterprise_id=_enterprise_id(request),
            )
        except DomainError as exc:
            error = exc
        else:
            return redirect("cases:edit", case_id=case.pk)
    context = {
        "bundle": view,
        "title": view.bundle.name,
        "identity": account_selectors.current_identity(request.user, request.session),
        "drafts": _open_drafts(request, bundle=view.bundle, kind=CaseKind.BUNDLE),
        "unavailable": [m for m in view.members if m.version is None],
        "error": error,
        "action": reverse("cases:apply_bundle", args=[view.bundle.code]),
    }
    return _render(
        request,
        "cases/portal/apply.html",
        context,
        status=http_status(error) if error else 200,
    )


# --- the draft form ---------------------------------------------------------------------------


def _bundle_view(case: Any) -> Any:
    if case.kind != CaseKind.BUNDLE or case.bundle is None:
        return None
    try:
        return catalog_selectors.bundle_with_members(case.bundle.code)
    except NotFound:
        return None  # the bundle was withdrawn from the catalogue since


def _form_fields(case: Any, bundle: Any) -> list[forms.FormField]:
    """The application form: the bundle's merged fields (asked once), else the contact
    phone; the phone is always there and always labelled in the page's language."""
    phone = forms.FormField(PHONE_FIELD, _("Contact phone"), "phone", required=True)
    if bundle is None:
        return [phone]
    fields = []
    for raw in bundle.form_fields:
        key = str(raw.get("key", ""))
        if key == PHONE_FIELD:
            fields.append(phone)
            continue
        kind = str(raw.get("type") or "text")
        options = tuple(str(o) for o in raw.get("options") or ())
        fields.append(
            forms.FormField(
                key, str(raw.get("label") or key), kind, bool(raw.get("required")), options
            )
        )
    if not any(f.key == PHONE_FIELD for f in fields):
        fields.insert(0, phone)
    return fields


@dataclass
class FieldRow:
    field: forms.FormField
    value: str
    errors: list[FieldError]

    @property
    def input_type(self) -> str:
        return {"phone": "tel", "date": "date"}.get(self.field.kind, "text")

    @property
    def masked_value(self) -> str:
        """ID numbers typed into the form are shown masked once typed in."""
        if self.field.kind == "id_number":
            return mask(self.value, MaskKind.CITIZEN_ID)
        return self.value


@dataclass
class QuestionRow:
    question: Any  # catalog AnsweredQuestion
    errors: list[FieldError]


def _questions(case: Any, errors: Sequence[FieldError]) -> list[QuestionRow]:
    if case.kind != CaseKind.SINGLE or case.item_version is None:
        return []
    checklist = catalog_selectors.checklist_for(case.item_version, case.answers or {})
    return [
        QuestionRow(q, [e for e in errors if e.field == f"answers.{q.node.key}"])
        for q in checklist.questions
    ]


def _draft_context(
    case: Any, errors: Sequence[FieldError], posted: dict[str, str] | None = None
) -> dict[str, Any]:
    bundle = _bundle_view(case)
    stored = dict(case.form_data or {})
    stored.setdefault(PHONE_FIELD, case.applicant_phone)
    values = posted if posted is not None else stored
    fields = [
        FieldRow(
            f, str(values.get(f.key, "") or ""), [e for e in errors if e.field == f"form.{f.key}"]
        )
        for f in _form_fields(case, bundle)
    ]
    materials = _material_rows(case.materials.prefetch_related("files"), errors)
    _with_exemptions(case, materials)
    labels = {f"materials.{r.key}": r.material.name for r in materials}
    labels.update({f"form.{r.field.key}": r.field.label for r in fields})
    questions = _questions(case, errors)
    labels.update({f"answers.{q.question.node.key}": q.question.node.question for q in questions})
    return {
        "case": case,
        "title": case.item_name,
        "bundle": bundle,
        "applicant": _applicant(case),
        "fields": fields,
        "questions": questions,
        "materials": materials,
        "errors": _error_summary(errors, labels),
        "files": [f for row in materials for f in row.files],
    }


def _with_exemptions(case: Any, rows: list[MaterialRow]) -> None:
    """免证办 and reuse on a draft: the licence behind each exempt material (checked live), a
    licence that could replace a material still to provide, and earlier accepted files."""
    if case.status != CaseStatus.DRAFT:
        return
    holder_index = services.applicant_licence_index(case)
    reusable = selectors.reusable_files(case)
    for row in rows:
        material = row.material
        if material.source == MaterialSource.LICENCE:
            row.licence = exemptions.exemption_state(material.licence_identifier)
        elif not material.source and holder_index:
            type_code = services.licence_type_of(case, material.key)
            row.licence_offer = exemptions.find_valid_licence(holder_index, type_code)
        row.reusable = reusable.get(material.key, [])


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, case_id: int) -> HttpResponse:
    """The draft: situation questions, the application form, the materials with uploads.

    One form posts everything (answers, form fields, files); "Save draft" comes back here,
    "Continue" goes on to the review page once nothing was refused.
    """
    case = _own_case(request, case_id)
    if case.status != CaseStatus.DRAFT:
        return redirect("cases:detail", case_id=case.pk)
    if request.method == "GET":
        return _render(request, "cases/portal/edit.html", _draft_context(case, []))

    fields = _form_fields(case, _bundle_view(case))
    values, errors = forms.parse_form_fields(request.POST, fields)
    failure: DomainError | None = None
    posted = None
    if errors:
        posted = values  # shown back as typed; nothing of the form is saved
    else:
        answers = forms.parse_answers(request.POST) if case.kind == CaseKind.SINGLE else None
        try:
            services.draft_update(
                case_id=case.pk,
                user=request.user,
                answers=answers,
                form={**(case.form_data or {}), **values},
            )
        except DomainError as exc:
            errors += _field_errors(exc)
            failure = None if exc.field and exc.field.startswith("answers") else exc
    case = _own_case(request, case.pk)  # the materials follow the answers
    try:
        errors += _upload(request, case, case.materials.values_list("key", flat=True))
    except DomainError as exc:
        errors += _field_errors(exc)
        failure = exc
    if not errors:
        if request.POST.get("action") == "review":
            return redirect("cases:review", case_id=case.pk)
        flash.success(request, _("Your draft is saved. You can come back to it from My cases."))
        return HttpResponseRedirect(reverse("cases:edit", args=[case.pk]) + "#materials")
    return _render(
        request,
        "cases/portal/edit.html",
        _draft_context(case, errors, posted),
        status=_status_of(errors, failure),
    )


@login_required
@require_POST
def remove_file(request: HttpRequest, case_id: int, file_id: int) -> HttpResponse:
    case = _own_case(request, case_id)
    try:
        services.material_remove_file(case_id=case.pk, file_id=file_id, user=request.user)
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        return _error_page(request, exc, case=case)
    flash.success(request, _("The file was removed."))
    if case.status == CaseStatus.DRAFT:
        return HttpResponseRedirect(reverse("cases:edit", args=[case.pk]) + "#materials")
    return HttpResponseRedirect(reverse("cases:detail", args=[case.pk]) + "#correction")


def _draft_action(request: HttpRequest, case_id: int, act: Any) -> HttpResponse:
    """Run one material action of a draft (免证办 choice, reuse) and go back to the
    material, or show the draft again with the refusal next to the material."""
    case = _own_case(request, case_id)
    if case.status != CaseStatus.DRAFT:
        return redirect("cases:detail", case_id=case.pk)
    try:
        key = act(case)
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        case = _own_case(request, case.pk)
        return _render(
            request,
            "cases/portal/edit.html",
            _draft_context(case, _field_errors(exc)),
            status=http_status(exc),
        )
    return HttpResponseRedirect(reverse("cases:edit", args=[case.pk]) + f"#material-{key}")


@login_required
@require_POST
def material_licence(request: HttpRequest, case_id: int) -> HttpResponse:
    """免证办: use the applicant's e-licence for a material, or upload instead."""

    def act(case: Any) -> str:
        key = forms.material_key(request.POST)
        if request.POST.get("action") == "decline":
            services.material_decline_licence(case_id=case.pk, material_key=key, user=request.user)
            flash.success(request, _("You can now upload this material."))
        else:
            services.material_use_licence(case_id=case.pk, material_key=key, user=request.user)
            flash.success(request, _("Your e-licence will be used for this material."))
        return key

    return _draft_action(request, case_id, act)


@login_required
@require_POST
def material_reuse(request: HttpRequest, case_id: int) -> HttpResponse:
    """Reuse a material accepted in an earlier case: pressing the button is the consent."""

    def act(case: Any) -> str:
        key = forms.material_key(request.POST)
        file_id = forms.reuse_file_id(request.POST, key)
        services.reusable_consent(
            case_id=case.pk, material_key=key, user=request.user, file_id=file_id
        )
        flash.success(request, _("The earlier material is attached with your consent."))
        return key

    return _draft_action(request, case_id, act)


# --- review and submit ------------------------------------------------------------------------


def _review_context(case: Any, errors: Sequence[FieldError], token: str) -> dict[str, Any]:
    context = _draft_context(case, errors)
    version = case.item_version
    context.update(
        token=token,
        commitment_allowed=bool(
            case.kind == CaseKind.SINGLE and version is not None and version.commitment_allowed
        ),
        commitment_errors=[e for e in errors if e.field == "commitment_signed_name"],
    )
    return context


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, case_id: int) -> HttpResponse:
    """Check your answers, then submit. The hidden token makes a double submission (a
    double click, a resent form) return the case already submitted."""
    case = _own_case(request, case_id)
    if request.method == "GET":
        if case.status != CaseStatus.DRAFT:
            return redirect("cases:detail", case_id=case.pk)
        token = secrets.token_urlsafe(24)
        return _render(request, "cases/portal/review.html", _review_context(case, [], token))

    token = forms.idempotency_key(request.POST)
    signed_posted = request.POST.get("commitment_signed_name", "")
    try:
        signed = forms.commitment_signature(request.POST)
        if case.kind == CaseKind.BUNDLE:
            submitted = services.bundle_submit(
                case_id=case.pk, user=request.user, idempotency_key=token
            )
        else:
            submitted = services.submit(
                case_id=case.pk,
                user=request.user,
                idempotency_key=token,
                commitment_signed_name=signed,
            )
    except DomainError as exc:
        if case.status != CaseStatus.DRAFT:  # already submitted, or under correction
            return redirect("cases:detail", case_id=case.pk)
        case = _own_case(request, case.pk)
        context = _review_context(case, _field_errors(exc), token or secrets.token_urlsafe(24))
        context["signed_name"] = signed_posted
        context["commitment_ticked"] = bool(request.POST.get("commitment"))
        return _render(request, "cases/portal/review.html", context, status=http_status(exc))
    if case.status == CaseStatus.DRAFT:
        flash.success(
            request,
            _("Your application has been submitted. Your case number is %(number)s.")
            % {"number": submitted.number},
        )
    return redirect("cases:detail", case_id=submitted.pk)


# --- my cases, detail -------------------------------------------------------------------------


@never_cache
@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.applicant_cases(request.user), CASES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = [{"case": c, "next": _pair(selectors.next_step_text(c))} for c in page]
    return _render(request, "cases/portal/mine.html", {"page": page, "rows": rows})


def _detail_context(case: Any, errors: Sequence[FieldError] = ()) -> dict[str, Any]:
    materials = list(case.materials.prefetch_related("files"))
    correction = None
    correction_rows: list[MaterialRow] = []
    correction_other: list[dict[str, str]] = []
    if case.status == CaseStatus.CORRECTION:
        correction = case.corrections.filter(resolved_at__isnull=True).order_by("-id").first()
    if correction is not None:
        reasons = {i["material_key"]: i["reason"] for i in correction.items if i["material_key"]}
        correction_rows = _material_rows(materials, errors, only=set(reasons))
        for row in correction_rows:
            row.correction_reason = reasons.get(row.key, "")
        correction_other = [i for i in correction.items if not i["material_key"]]
    owed_rows: list[MaterialRow] = []
    if case.status in CLOCK_STATUSES:
        owed = {m.key for m in materials if m.source == MaterialSource.OWED}
        owed_rows = _material_rows(materials, errors, only=owed)
    version = case.item_version
    fee_due = case.fee_amount > 0 and not case.fee_paid
    may_pay_online = bool(
        fee_due
        and case.fee_assessed
        and case.status in CLOCK_STATUSES
        and version is not None
        and version.online_payment
        and online_payment_enabled()
    )
    children = list(case.children.order_by("id")) if case.kind == CaseKind.BUNDLE else []
    labels = {f"materials.{m.key}": m.name for m in materials}
    return {
        "case": case,
        "title": case.item_name,
        "applicant": _applicant(case),
        "timeline": selectors.timeline(case, public_only=True),
        "next_step": _pair(selectors.next_step_text(case)),
        "days_left": selectors.working_days_left(case)
        if case.status == CaseStatus.IN_PROGRESS
        else None,
        "notices": list(case.notices.all()),
        "materials": _material_rows(materials),
        "correction": correction,
        "correction_rows": correction_rows,
        "correction_other": correction_other,
        "owed_rows": owed_rows,
        "fee_due": fee_due,
        "may_pay_online": may_pay_online,
        "may_withdraw": case.status in WITHDRAWABLE and case.kind != CaseKind.CHILD,
        "children": children,
        "errors": _error_summary(errors, labels),
        "files": [f for row in correction_rows for f in row.files],
    }


def _render_detail(
    request: HttpRequest, case: Any, errors: Sequence[FieldError] = (), *, status: int = 200
) -> HttpResponse:
    return _render(
        request, "cases/portal/detail.html", _detail_context(case, errors), status=status
    )


@never_cache
@login_required
@require_GET
def detail(request: HttpRequest, case_id: int) -> HttpResponse:
    return _render_detail(request, _own_case(request, case_id))


@login_required
@require_POST
def upload(request: HttpRequest, case_id: int) -> HttpResponse:
    """Corrected materials (补正) or owed ones (容缺后补), from the case page."""
    case = _own_case(request, case_id)
    keys = list(case.materials.values_list("key", flat=True))
    if not any(request.FILES.getlist(forms.FILE_PREFIX + k) for k in keys):
        flash.info(request, _("Choose a file first."))
        return redirect("cases:detail", case_id=case.pk)
    try:
        errors = _upload(request, case, keys)
    except DomainError as exc:
        errors, status = _field_errors(exc), http_status(exc)
    else:
        status = 422
    if errors:
        return _render_detail(request, _own_case(request, case.pk), errors, status=status)
    flash.success(request, _("Your files were uploaded."))
    anchor = "#correction" if case.status == CaseStatus.CORRECTION else "#owed"
    return HttpResponseRedirect(reverse("cases:detail", args=[case.pk]) + anchor)


@login_required
@require_POST
def resubmit(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _own_case(request, case_id)
    try:
        services.resubmit(case_id=case.pk, user=request.user)
    except DomainError as exc:
        return _render_detail(
            request, _own_case(request, case.pk), _field_errors(exc), status=http_status(exc)
        )
    flash.success(request, _("Your corrections were submitted. The window will check them."))
    return redirect("cases:detail", case_id=case.pk)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, case_id: int) -> HttpResponse:
    """GET asks for confirmation (and an optional reason); POST withdraws."""
    case = _own_case(request, case_id)
    error = None
    reason = ""
    if request.method == "POST":
        reason = str(request.POST.get("reason", ""))
        try:
            services.withdraw(
                case_id=case.pk, user=request.user, reason=forms.withdraw_reason(request.POST)
            )
        except DomainError as exc:
            error = exc
        else:
            flash.success(request, _("Your application was withdrawn."))
            return redirect("cases:detail", case_id=case.pk)
    allowed = case.status in WITHDRAWABLE and case.kind != CaseKind.CHILD
    return _render(
        request,
        "cases/portal/withdraw.html",
        {"case": case, "title": case.item_name, "error": error, "reason": reason,
         "allowed": allowed},
        status=http_status(error) if error else 200,
    )  # fmt: skip


@login_required
@require_POST
def pay(request: HttpRequest, case_id: int) -> HttpResponse:
    """Start an online payment and send the applicant to the gateway's page."""
    case = _own_case(request, case_id)
    here = reverse("cases:detail", args=[case.pk])
    try:
        payment = services.payment_online_start(
            case_id=case.pk,
            user=request.user,
            notify_url=request.build_absolute_uri(reverse(PAYMENT_NOTIFY_URL_NAME)),
            return_url=request.build_absolute_uri(here),
        )
    except DomainError as exc:
        context = _detail_context(_own_case(request, case.pk))
        context["payment_error"] = exc
        return _render(request, "cases/portal/detail.html", context, status=http_status(exc))
    return HttpResponseRedirect(payment.pay_url)


@login_required
@require_GET
def notice_pdf(request: HttpRequest, case_id: int, notice_id: int) -> HttpResponse:
    case = _own_case(request, case_id)
    notice = case.notices.filter(pk=notice_id).first()
    if notice is None:
        raise Http404
    content = documents_service.notice_pdf(notice)
    title = str(notice.get_kind_display()).split(" / ")[0]
    response = FileResponse(
        io.BytesIO(content),
        as_attachment=True,
        filename=f"{title}（{notice.number}）.pdf",
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- public progress lookup -------------------------------------------------------------------


@never_cache
@require_GET
def progress(request: HttpRequest) -> HttpResponse:
    """办件进度查询: the case number and the applicant's exact name. A wrong name and an
    unknown number get the same answer. The QR code on notices links here with the number
    only: then the form is shown with the number filled in."""
    number = request.GET.get("number", "").strip()[:64]
    name = request.GET.get("name", "").strip()[:200]
    case = None
    error = None
    if "name" in request.GET:
        try:
            case = selectors.public_progress(number, name)
        except DomainError as exc:
            error = exc
    context: dict[str, Any] = {
        "number": number,
        "name": name,
        "found": case,
        "error": error,
        "title": _("Track an application"),
    }
    if case is not None:
        context.update(
            timeline=selectors.timeline(case, public_only=True),
            next_step=_pair(selectors.next_step_text(case)),
        )
    response = _render(
        request,
        "cases/portal/progress.html",
        context,
        status=http_status(error) if error else 200,
    )
    # The name travels in the query string: keep it out of Referer headers and indexes.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


# --- messages ---------------------------------------------------------------------------------


@never_cache
@login_required
@require_GET
def message_list(request: HttpRequest) -> HttpResponse:
    return _render(
        request,
        "cases/portal/messages.html",
        {"inbox": selectors.messages_of(request.user), "title": _("Messages")},
    )


@login_required
@require_POST
def message_read(request: HttpRequest, message_id: int) -> HttpResponse:
    try:
        services.message_read(user=request.user, message_id=message_id)
    except NotFound as exc:
        raise Http404 from exc
    return HttpResponseRedirect(reverse("cases:messages") + f"#message-{message_id}")


# --- 办不成事 -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def complaint(request: HttpRequest) -> HttpResponse:
    """“办不成事”反映, about one of the user's cases or about an item."""
    params = request.POST if request.method == "POST" else request.GET
    case_id = forms.optional_id(params.get("case"))
    case = _own_case(request, case_id) if case_id else None
    version = None
    item_code = str(params.get("item", "") or "").strip()[:50]
    if case is None and item_code:
        try:
            version = catalog_selectors.published_version(item_code)
        except NotFound as exc:
            raise Http404 from exc
    error = None
    text = ""
    if request.method == "POST":
        text = str(request.POST.get("text", ""))
        try:
            opened = services.complaint_open(
                user=request.user,
                text=forms.complaint_text(request.POST),
                case_id=case.pk if case else None,
                implementation_code=version.implementation_code if version else "",
            )
        except DomainError as exc:
            error = exc
        else:
            request.session[COMPLAINT_SESSION_KEY] = {
                "due_on": opened.due_on.isoformat(),
                "case_id": case.pk if case else None,
            }
            return HttpResponseRedirect(reverse("cases:complaint") + "?done=1")
    done = None
    if request.method == "GET" and request.GET.get("done"):
        done = request.session.pop(COMPLAINT_SESSION_KEY, None)
        if done:
            done = {**done, "due_on": date.fromisoformat(done["due_on"])}
    return _render(
        request,
        "cases/portal/complaint.html",
        {
            "case": case,
            "version": version,
            "error": error,
            "errors": _error_summary(_field_errors(error)) if error else [],
            "text": text,
            "done": done,
            "title": _("Couldn't get it done? Tell us"),
        },
        status=http_status(error) if error else 200,
    )
