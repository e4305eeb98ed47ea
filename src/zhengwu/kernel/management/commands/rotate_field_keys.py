"""`zhengwu rotate_field_keys`: re-encrypt personal data under the current field key.

After a new key is put first in ``ZHENGWU_FIELD_KEYS`` (old keys still listed after it), this
finds every ``EncryptedTextField`` of every installed model and rewrites the values whose
token names an old key id. Rows are processed in primary-key batches, each batch in its own
transaction with the rows locked, so the command can be interrupted and run again. Once it
reports no rows left on old keys, the old keys can be removed from the setting.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import models, transaction
from django.db.models.functions import Cast

from zhengwu.kernel.crypto import DecryptionError, decrypt_field, keyring, needs_rotation
from zhengwu.kernel.fields import EncryptedTextField

_RAW = "_zhengwu_raw_token"


def encrypted_fields() -> list[tuple[type[models.Model], EncryptedTextField]]:
    """Every concrete ``EncryptedTextField`` of every installed, managed model."""
    found = []
    for model in apps.get_models():
        if not model._meta.managed or model._meta.proxy:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                found.append((model, field))
    return found


def _raw_tokens(queryset: models.QuerySet[Any], field: EncryptedTextField) -> Any:
    # Cast to a plain TextField so the stored token comes back as is (the field's own
    # from_db_value would decrypt it).
    return queryset.annotate(**{_RAW: Cast(field.attname, output_field=models.TextField())})


def rotate_field(
    model: type[models.Model], field: EncryptedTextField, *, batch_size: int
) -> dict[str, int]:
    ring = keyring()
    counts = {"scanned": 0, "rotated": 0, "failed": 0}
    manager = model._base_manager
    pk_name = model._meta.pk.attname  # type: ignore[union-attr]
    last_pk: Any = None
    while True:
        page = manager.filter(**{f"{field.attname}__isnull": False}).order_by(pk_name)
        if last_pk is not None:
            page = page.filter(**{f"{pk_name}__gt": last_pk})
        pks = list(page.values_list(pk_name, flat=True)[:batch_size])
        if not pks:
            return counts
        last_pk = pks[-1]
        with transaction.atomic():
            rows = (
                _raw_tokens(manager.select_for_update().filter(**{f"{pk_name}__in": pks}), field)
                .values_list(pk_name, _RAW)
                .order_by(pk_name)
            )
            for pk, token in rows:
                counts["scanned"] += 1
                if not token:
                    continue
                try:
                    if not needs_rotation(token, ring=ring):
                        continue
                    plaintext = decrypt_field(token, ring=ring)
                except DecryptionError:
                    counts["failed"] += 1
                    continue
                # The field encrypts on the way in, with the current key and a fresh nonce.
                manager.filter(**{pk_name: pk}).update(**{field.attname: plaintext})
                counts["rotated"] += 1


class Command(BaseCommand):
    help = "Re-encrypt EncryptedTextField values that use an old field key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        self.stdout.write(f"current field key: {keyring().current}")
        failed = 0
        for model, field in encrypted_fields():
            counts = rotate_field(model, field, batch_size=batch_size)
            failed += counts["failed"]
            self.stdout.write(
                f"{model._meta.label}.{field.name}: scanned={counts['scanned']} "
                f"rotated={counts['rotated']} failed={counts['failed']}"
            )
        if failed:
            raise CommandError(
                f"{failed} values could not be decrypted with any configured key "
                "(unknown key id or tampered); they were left unchanged"
            )
