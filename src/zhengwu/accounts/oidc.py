"""OpenID Connect provider claims (单点登录, "一次注册、多点互认").

zhengwu is the identity provider for other government systems through django-oauth-toolkit
(endpoints under ``/o/``: authorize, token, userinfo, ``.well-known/openid-configuration``,
``.well-known/jwks.json``). Authorization code with PKCE is required.

Claims:

- ``sub``: the account's ``public_id`` (a UUID): stable, and unlike the row id it reveals
  neither the number of accounts nor anything personal.
- ``profile`` scope: ``name``, ``preferred_username``, ``zhengwu_kind`` (citizen /
  enterprise / staff), ``zhengwu_roles`` (staff roles), ``zhengwu_department`` (staff).
- The citizen ID number is **never** a claim, not even masked: a relying party that needs it
  must ask the citizen, under its own legal basis.

Registering a client (Django admin → "Django OAuth Toolkit" → Applications): client type
confidential, grant type "Authorization code", algorithm RS256, the exact redirect URIs;
tick "skip authorization" only for the platform's own systems.
"""

from __future__ import annotations

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator

from zhengwu.accounts import policies


def _name(request: Any) -> str:
    return request.user.display_name or request.user.username


def _roles(request: Any) -> list[str]:
    return sorted(policies.staff_roles(request.user))


def _department(request: Any) -> int | None:
    return policies.staff_department_id(request.user)


class ZhengwuOIDCValidator(OAuth2Validator):
    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        "zhengwu_kind": "profile",
        "zhengwu_roles": "profile",
        "zhengwu_department": "profile",
    }

    def get_claim_dict(self, request: Any) -> dict[str, Any]:
        claims = super().get_claim_dict(request)
        claims["sub"] = lambda r: str(r.user.public_id)
        return claims

    # One parameter (no request): claims are callables, so discovery can list them.
    def get_additional_claims(self) -> dict[str, Any]:  # type: ignore[override]
        return {
            "name": _name,
            "preferred_username": lambda r: r.user.username,
            "zhengwu_kind": lambda r: r.user.kind,
            "zhengwu_roles": _roles,
            "zhengwu_department": _department,
        }
