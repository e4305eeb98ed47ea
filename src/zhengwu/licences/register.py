"""Queries of the staff register (workbench and staff API): which licences a staff member
sees (their department's, as issuer; administrators all) and the register search."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from zhengwu.kernel.errors import InvalidInput
from zhengwu.kernel.identifiers import parse_citizen_id, parse_uscc
from zhengwu.licences import policies
from zhengwu.licences.choices import HolderCodeType
from zhengwu.licences.models import Licence
from zhengwu.licences.services import holder_index_for


def register_queryset(user: Any) -> QuerySet[Licence]:
    qs = Licence.objects.select_related("licence_type")
    if policies.is_administrator(user):
        return qs
    code = policies.issuer_code_of(user) if policies.may_use_register(user) else None
    if not code:
        return qs.none()
    return qs.filter(issuer_code=code)


def register_licence(user: Any, licence_id: Any) -> Licence | None:
    try:
        pk = int(licence_id)
    except (TypeError, ValueError):
        return None
    return register_queryset(user).filter(pk=pk).first()


def _holder_index(text: str) -> str | None:
    """The blind index of a search term that is a valid ID number or USCC."""
    if len(text) != 18:
        return None
    for code_type, parse in (
        (HolderCodeType.CITIZEN_ID, parse_citizen_id),
        (HolderCodeType.USCC, parse_uscc),
    ):
        try:
            value = parse(text).value
        except InvalidInput:
            continue
        return holder_index_for(code_type, value)
    return None


def register_search(
    user: Any, *, q: str = "", type_code: str = "", status: str = ""
) -> QuerySet[Licence]:
    """Search by number, identifier or the holder's full code (exact, via the blind index),
    by type and by status."""
    qs = register_queryset(user)
    text = (q or "").strip().upper()
    if text:
        condition = Q(number__icontains=text) | Q(identifier=text)
        index = _holder_index(text)
        if index:
            condition |= Q(holder_index=index)
        qs = qs.filter(condition)
    if type_code:
        qs = qs.filter(type_code=type_code.strip().upper())
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-issue_date", "-id")
