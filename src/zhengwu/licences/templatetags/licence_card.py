"""Template helpers of the licence face card (``licences/_card.html``).

``{% licence_face licence as face %}`` gives what the card shows besides the plain fields:
the metadata rows with labels from the type's schema (in the active language), the status
label and whether it is 有效, and the drawn seal (inline SVG) of the issuer.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import translation

from zhengwu.licences.choices import LicenceStatus

register = template.Library()


def _english() -> bool:
    return (translation.get_language() or "").startswith("en")


@register.simple_tag
def licence_face(licence: Any, public_view: Any = False) -> dict[str, Any]:
    """``public_view``: a page for anyone (public verification): a citizen's metadata may be
    personal (an address), so it is left out; an enterprise's licence shows in full."""
    from zhengwu.licences.render import metadata_rows, seal_data_uri

    english = _english()
    rows = []
    if not (public_view and licence.holder_code_type != "001"):
        rows = [
            {"key": key, "label": label, "value": value}
            for key, label, value in metadata_rows(licence, english=english)
        ]
    chinese, _, en = str(LicenceStatus(licence.status).label).partition(" / ")
    return {
        "rows": rows,
        "status_label": (en or chinese) if english else chinese,
        "is_valid_status": licence.status == LicenceStatus.VALID,
        "type_label": (licence.licence_type.name_en or licence.type_name)
        if english
        else licence.type_name,
        "seal_src": seal_data_uri(licence.issuer_name),
    }
