"""Queries of the e-licence domain used by pages, the API and other domains.

A user's licences are found through the blind index of their holder codes: the citizen ID
number of their own profile (personal) and the USCC of each enterprise they belong to. Other
domains (cases for 免证办, dossiers) call :func:`holder_indexes_of`, :func:`valid_licences`
and :func:`licence_for_holder` instead of reading the models.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from zhengwu.accounts import policies
from zhengwu.accounts import selectors as account_selectors
from zhengwu.kernel.errors import NotFound
from zhengwu.licences.choices import HolderCodeType, LicenceStatus
from zhengwu.licences.models import Licence, LicenceType
from zhengwu.licences.services import holder_index_for

logger = logging.getLogger("zhengwu.licences")


def personal_holder_index(user: Any) -> str | None:
    """The holder index of the user's own citizen ID number, or None without a profile."""
    if not policies.is_authenticated(user):
        return None
    profile = getattr(user, "citizen_profile", None)
    if profile is None:
        return None
    return holder_index_for(HolderCodeType.CITIZEN_ID, profile.id_number)


def enterprise_holder_index(uscc: str) -> str:
    return holder_index_for(HolderCodeType.USCC, uscc)


def holder_indexes_of(user: Any, *, include_enterprises: bool = True) -> list[str]:
    """Every holder index whose licences ``user`` may see in a wallet."""
    indexes: list[str] = []
    personal = personal_holder_index(user)
    if personal:
        indexes.append(personal)
    if include_enterprises:
        indexes += [
            enterprise_holder_index(identity.uscc)
            for identity in account_selectors.user_identities(user)
            if identity.enterprise_id is not None and identity.uscc
        ]
    return indexes


def wallet(user: Any) -> QuerySet[Licence]:
    """The licences of the user and their enterprises, newest first."""
    return Licence.objects.filter(holder_index__in=holder_indexes_of(user)).select_related(
        "licence_type"
    )


def licence_for_holder(user: Any, licence_id: int | str) -> Licence:
    """One licence of the user's wallet; another holder's licence is 404 like a missing one."""
    try:
        pk = int(licence_id)
    except (TypeError, ValueError):
        raise NotFound("未找到该证照", "Licence not found", field="licence_id") from None
    licence = wallet(user).filter(pk=pk).first()
    if licence is None:
        if Licence.objects.filter(pk=pk).exists():
            # Another holder's licence: refused exactly like a missing one, but logged.
            logger.warning("user %s asked for licence %s of another holder", user.pk, pk)
        raise NotFound("未找到该证照", "Licence not found", field="licence_id")
    return licence


def valid_licences(
    holder_index: str,
    type_codes: list[str] | tuple[str, ...] | None = None,
    *,
    on: date | None = None,
) -> list[Licence]:
    """The holder's licences (of these types, or any) valid on ``on`` (today), newest first."""
    on = on or timezone.localdate()
    licences = Licence.objects.filter(
        holder_index=holder_index, status=LicenceStatus.VALID, valid_from__lte=on
    ).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
    if type_codes is not None:
        licences = licences.filter(type_code__in=list(type_codes))
    return list(
        licences.select_related("licence_type", "holder_user").order_by("-issue_date", "-id")
    )


def licence_by_identifier(identifier: str) -> Licence | None:
    return Licence.objects.select_related("licence_type").filter(identifier=identifier).first()


def licence_types(*, active_only: bool = True) -> QuerySet[LicenceType]:
    qs = LicenceType.objects.all()
    return qs.filter(active=True) if active_only else qs


def is_valid_now(licence: Licence, *, on: date | None = None) -> bool:
    on = on or timezone.localdate()
    return (
        licence.status == LicenceStatus.VALID
        and licence.valid_from <= on
        and (licence.valid_until is None or licence.valid_until >= on)
    )
