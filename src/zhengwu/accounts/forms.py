"""Page forms: they only parse; the services decide."""

from __future__ import annotations

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from zhengwu.accounts.choices import TokenScope


def _scope_choices() -> list[tuple[str, str]]:
    """The scopes, each labelled in the active language only (read when the form renders).

    The code-set labels carry both languages (``"只读 / read"``); the page shows one.
    """
    english = (translation.get_language() or "").startswith("en")
    choices = []
    for value, label in TokenScope.choices:
        chinese, separator, other = str(label).partition(" / ")
        choices.append((value, (other if english else chinese) if separator else str(label)))
    return choices


class LoginForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(
        label=_("Password"), max_length=128, widget=forms.PasswordInput(render_value=False)
    )


class TokenCreateForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=64)
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=_scope_choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[TokenScope.READ],
    )
    expires_in_days = forms.IntegerField(
        label=_("Valid for (days)"), min_value=1, max_value=365, initial=90
    )
