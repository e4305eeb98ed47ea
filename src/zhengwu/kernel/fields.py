"""Model fields for personal data.

``EncryptedTextField`` keeps an SM4-GCM token (see :mod:`zhengwu.kernel.crypto`) in the
database while the model attribute holds the plaintext. Pair it with a plain ``CharField``
holding ``blind_index(value, purpose=...)`` when rows must be found by exact value.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldError
from django.db import models

from zhengwu.kernel.crypto import decrypt_field, encrypt_field

ALLOWED_LOOKUPS = frozenset({"isnull"})


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """A text column stored encrypted; the Python value is the plaintext.

    - ``None`` stays NULL and ``""`` stays ``""`` (an empty value reveals only that it is
      empty, and columns added with a blank default keep loading).
    - Every save encrypts with a fresh nonce, so equal values have different ciphertexts:
      lookups (``exact``, ``icontains`` …) could never match and are refused with a
      ``FieldError`` — only ``isnull`` is allowed. Look up through a blind-index column.
    - Ordering by this column orders by ciphertext, i.e. meaninglessly.
    """

    description = "Encrypted text (SM4-GCM token at rest)"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt_field(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt_field(str(value))

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name not in ALLOWED_LOOKUPS:
            raise FieldError(self._lookup_refusal(lookup_name))
        return super().get_lookup(lookup_name)

    def get_transform(self, lookup_name: str) -> Any:
        raise FieldError(self._lookup_refusal(lookup_name))

    def _lookup_refusal(self, lookup_name: str) -> str:
        model = getattr(self, "model", None)
        owner = f"{model.__name__}.{self.name}" if model else (self.name or "this field")
        return (
            f"{owner} is encrypted with a random nonce, so the "
            f"lookup {lookup_name!r} cannot match; query its blind-index column instead "
            f"(only 'isnull' is supported). 加密字段不支持按值查询，请使用盲索引字段。"
        )
