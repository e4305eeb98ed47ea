"""Compile the gettext catalogues (.po → .mo) with polib, so that no gettext tool is needed.

The compiled .mo files are committed; ``zhengwu compilemessages_py`` (or, without Django
settings, ``python -m zhengwu.web.i18n_compile``) rewrites them after
the .po files change, and a test checks that the committed files match their .po.
"""

from __future__ import annotations

from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def catalogues(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Every .po file under ``locale_dir`` (``<lang>/LC_MESSAGES/<domain>.po``)."""
    return sorted(locale_dir.glob("*/LC_MESSAGES/*.po"))


def compile_catalogue(po_path: Path, mo_path: Path | None = None) -> Path:
    """Write the .mo for ``po_path`` (beside it unless ``mo_path`` is given).

    Fuzzy and obsolete entries are left out, as msgfmt does.
    """
    mo_path = mo_path or po_path.with_suffix(".mo")
    mo_path.parent.mkdir(parents=True, exist_ok=True)
    polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
    return mo_path


def compile_all(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    return [compile_catalogue(po) for po in catalogues(locale_dir)]


if __name__ == "__main__":  # python -m zhengwu.web.i18n_compile (no Django settings needed)
    for compiled in compile_all():
        print(f"compiled {compiled.relative_to(LOCALE_DIR.parent)}")
