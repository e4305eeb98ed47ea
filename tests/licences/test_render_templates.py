"""Face templates: a landscape type prints on landscape A4, the card carries the template."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from zhengwu.kernel.actors import SYSTEM
from zhengwu.kernel.errors import InvalidInput
from zhengwu.licences import render, services, verification


def _page_size(pdf: bytes) -> tuple[float, float]:
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    return float(box.width), float(box.height)


def test_landscape_template_prints_landscape_and_still_verifies(lw):
    portrait = lw.issue()
    width, height = _page_size(render.render_pdf(portrait))
    assert width < height
    services.update_licence_type(
        lw.food.code, {"template": "landscape"}, actor=SYSTEM, user=lw.administrator
    )
    lw.food.refresh_from_db()
    landscape = lw.issue()
    pdf = render.render_pdf(landscape)
    width, height = _page_size(pdf)
    assert width > height
    assert verification.verify_document(pdf, "licence.pdf").valid_now


def test_unknown_template_is_refused_naming_the_field(lw):
    with pytest.raises(InvalidInput) as err:
        services.update_licence_type(
            lw.food.code, {"template": "poster"}, actor=SYSTEM, user=lw.administrator
        )
    assert err.value.field == "template"
    lw.food.refresh_from_db()
    assert lw.food.template == "standard"
