"""Translation catalogues: complete in Chinese, compiled .mo files committed and current."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import polib
import pytest
from django.utils.translation.template import templatize

from zhengwu.web.i18n_compile import LOCALE_DIR, catalogues, compile_catalogue

SRC = LOCALE_DIR.parent
ZH_PO = LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "django.po"
EN_PO = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"
GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "pgettext", "pgettext_lazy"}
TEMPLATE_CALL = re.compile(
    r"""(?<![\w.])(?:p?gettext|ngettext|_)\(\s*u?(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")"""
)


def test_both_catalogues_exist():
    assert ZH_PO.exists()
    assert EN_PO.exists()
    assert set(catalogues()) >= {ZH_PO, EN_PO}


def test_every_chinese_msgid_is_translated_and_none_is_fuzzy():
    po = polib.pofile(str(ZH_PO))
    assert not po.metadata_is_fuzzy
    assert po.metadata["Language"] == "zh_Hans"
    live = [entry for entry in po if not entry.obsolete]
    assert live, "the Chinese catalogue is empty"
    untranslated = [e.msgid for e in live if not e.translated() and "fuzzy" not in e.flags]
    fuzzy = [e.msgid for e in live if "fuzzy" in e.flags]
    assert not untranslated, f"untranslated in {ZH_PO.relative_to(SRC)}: {untranslated}"
    assert not fuzzy, f"fuzzy in {ZH_PO.relative_to(SRC)}: {fuzzy}"


def test_translations_keep_their_placeholders():
    placeholder = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")
    for entry in polib.pofile(str(ZH_PO)):
        if entry.obsolete or not entry.msgstr:
            continue
        assert sorted(placeholder.findall(entry.msgid)) == sorted(
            placeholder.findall(entry.msgstr)
        ), entry.msgid


@pytest.mark.parametrize("po_path", catalogues(), ids=lambda p: str(p.relative_to(LOCALE_DIR)))
def test_committed_mo_matches_its_po(po_path: Path, tmp_path: Path):
    committed = po_path.with_suffix(".mo")
    assert committed.exists(), f"{committed} missing: run `zhengwu compilemessages_py`"
    fresh = compile_catalogue(po_path, tmp_path / "django.mo")
    assert fresh.read_bytes() == committed.read_bytes(), (
        f"{committed.relative_to(SRC)} is stale: run `zhengwu compilemessages_py`"
    )


def _template_msgids() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in SRC.glob("*/templates/**/*.html"):
        for match in TEMPLATE_CALL.finditer(templatize(path.read_text(), origin=str(path))):
            literal = match.group(1) if match.group(1) is not None else match.group(2)
            msgid = re.sub(r"\\(.)", r"\1", literal)
            found[msgid] = str(path.relative_to(SRC))
    return found


def _python_msgids() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in GETTEXT_NAMES
                and node.args
                and isinstance(node.args[-1], ast.Constant)
                and isinstance(node.args[-1].value, str)
            ):
                found[node.args[-1].value] = str(path.relative_to(SRC))
    return found


def test_every_string_marked_for_translation_is_in_the_catalogue():
    """Catches a new {% translate %} or gettext() without `makemessages` being run."""
    known = {entry.msgid for entry in polib.pofile(str(ZH_PO)) if not entry.obsolete}
    marked = {**_python_msgids(), **_template_msgids()}
    assert "Skip to main content" in marked  # the scan itself works
    missing = {msgid: where for msgid, where in marked.items() if msgid not in known}
    assert not missing, (
        "strings not in the catalogue (run `django-admin makemessages -l zh_Hans -l en "
        f"--no-location` in src/zhengwu, translate, then `zhengwu compilemessages_py`): {missing}"
    )
