"""The demo archives every concluded demo case (real service, signed, checked) once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from tests.cases.conftest import use_tmp_storage
from zhengwu.cases.choices import CaseStatus
from zhengwu.cases.models import Case
from zhengwu.dossiers import demo
from zhengwu.dossiers.models import ArchivePackage

pytestmark = pytest.mark.django_db


def test_the_demo_archives_concluded_cases_once(settings, tmp_path):
    use_tmp_storage(settings, tmp_path)
    out = StringIO()
    call_command("demo", stdout=out)
    assert "archives:" in out.getvalue()
    concluded = set(Case.objects.filter(status=CaseStatus.CONCLUDED).values_list("pk", flat=True))
    assert concluded
    packages = ArchivePackage.objects.all()
    assert set(packages.values_list("case_id", flat=True)) == concluded
    assert all(p.last_check_ok for p in packages)
    assert demo.load_demo() == {"built": 0, "checked": 0, "failing": 0}
