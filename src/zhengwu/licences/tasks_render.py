"""Rendering of licence PDFs after issuance (django-tasks), never inside the issuing
transaction: ``licence.issued`` → :func:`on_licence_issued` (after commit) → the task."""

from __future__ import annotations

import logging
from typing import Any

from django_tasks import task

from zhengwu.kernel.errors import DomainError

logger = logging.getLogger("zhengwu.licences")


@task()
def render_licence_pdf(licence_id: int) -> str:
    """Warm the PDF cache of one licence; idempotent (a current cached PDF is kept)."""
    from zhengwu.licences import render
    from zhengwu.licences.models import Licence

    licence = Licence.objects.select_related("licence_type").filter(pk=licence_id).first()
    if licence is None:
        return ""
    try:
        render.render_cached(licence)
    except DomainError as error:  # a licence that no longer verifies is not rendered
        logger.warning("licence %s PDF not rendered: %s", licence_id, error.code)
        return ""
    return licence.rendered_pdf


def on_licence_issued(event: str, payload: dict[str, Any]) -> None:
    """``licence.issued`` handler (runs after commit): enqueue the PDF rendering."""
    licence_id = payload.get("licence_id")
    if isinstance(licence_id, int):
        render_licence_pdf.enqueue(licence_id)
