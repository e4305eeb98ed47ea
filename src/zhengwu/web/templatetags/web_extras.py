from __future__ import annotations

from django import template
from django.utils import translation

register = template.Library()


@register.filter
def bcp47(language_code: str) -> str:
    """Django's language code as an HTML ``lang`` value: ``zh-hans`` → ``zh-Hans``."""
    return translation.to_locale(language_code or "").replace("_", "-")


@register.filter
def in_language(label: object) -> str:
    """One half of a bilingual code-set label (``"综合窗口人员 / window clerk"``).

    The domain ``choices.py`` labels carry both languages; pages show the active one. A
    label without the `` / `` separator is returned unchanged.
    """
    text = str(label)
    chinese, separator, english = text.partition(" / ")
    if not separator:
        return text
    return english if (translation.get_language() or "").startswith("en") else chinese


@register.filter
def localized_message(error: object) -> str:
    """A domain error's message in the active language: ``message_en`` in English, else
    ``message`` (Chinese). Works on ``DomainError`` objects and on their dict form."""
    if isinstance(error, dict):
        chinese, english = error.get("message", ""), error.get("message_en", "")
    else:
        chinese = getattr(error, "message", "")
        english = getattr(error, "message_en", "")
    if (translation.get_language() or "").startswith("en"):
        return str(english or chinese)
    return str(chinese or english)
