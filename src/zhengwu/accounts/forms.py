"""Page forms: they only parse; the services decide."""

from __future__ import annotations

from django import forms

from zhengwu.accounts.choices import TokenScope


class LoginForm(forms.Form):
    username = forms.CharField(label="用户名 / Username", max_length=150)
    password = forms.CharField(
        label="密码 / Password", max_length=128, widget=forms.PasswordInput(render_value=False)
    )


class TokenCreateForm(forms.Form):
    name = forms.CharField(label="名称 / Name", max_length=64)
    scopes = forms.MultipleChoiceField(
        label="权限范围 / Scopes",
        choices=TokenScope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[TokenScope.READ],
    )
    expires_in_days = forms.IntegerField(
        label="有效天数 / Valid for (days)", min_value=1, max_value=365, initial=90
    )
