"""Demo data of dossiers and archives (run after the cases demo).

Dossiers are gathered live, so there is nothing to seed for them. For the archives: every
concluded demo case gets its archive package through the real service (signed manifest,
files copied read-only under ``archives/<number>/``), and each package is checked once so
the workbench's archive page shows results. Idempotent: built packages are left alone.
"""

from __future__ import annotations

from zhengwu.dossiers import services
from zhengwu.dossiers.models import ArchivePackage


def load_demo() -> dict[str, int]:
    built = services.archive_missing()
    checked = failing = 0
    for package_id in ArchivePackage.objects.filter(last_checked_at__isnull=True).values_list(
        "pk", flat=True
    ):
        check = services.archive_check(package_id=package_id)
        checked += 1
        failing += 0 if check.ok else 1
    return {"built": built, "checked": checked, "failing": failing}
