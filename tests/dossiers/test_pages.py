"""The pages: the owner's dossier on the portal, the staff lookup (POST only; 422 at the
field, 403 without a ground), the archive pages for administrators, the ``archive``
command."""

from __future__ import annotations

import os

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.test import Client

from tests.dossiers.conftest import accepted_case, concluded_case
from zhengwu.dossiers.models import ArchiveCheck, ArchivePackage
from zhengwu.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_owner_page_lists_the_dossier_and_who_read_it(world):
    case = accepted_case(world)
    client = login(world.approver)
    response = client.post(
        "/workbench/dossiers/", {"code": world.citizen.citizen_profile.id_number}
    )
    assert response.status_code == 200
    page = login(world.citizen).get("/dossiers/")
    assert page.status_code == 200
    html = page.content.decode()
    assert case.number in html and 'id="ds-reads"' in html
    assert "区市场监管局" in html  # the reader's department, in 谁查看了我的档案
    assert world.citizen.citizen_profile.id_number not in html  # masked
    assert login(world.citizen).get("/dossiers/enterprise/999999/").status_code == 404
    huge = login(world.citizen).get("/dossiers/enterprise/99999999999999999999/")
    assert huge.status_code == 404


def test_the_lookup_page_refuses_bad_numbers_and_missing_grounds(world):
    case = accepted_case(world)
    client = login(world.other_approver)
    assert client.get("/workbench/dossiers/").status_code == 200
    bad = client.post("/workbench/dossiers/", {"code": "610111199001011235"})
    assert bad.status_code == 422
    assert 'aria-invalid="true"' in bad.content.decode()
    refused = client.post("/workbench/dossiers/", {"code": world.citizen.citizen_profile.id_number})
    assert refused.status_code == 403 and case.number not in refused.content.decode()
    assert not AuditEntry.objects.filter(action="dossier.read").exists()
    assert login(world.citizen).get("/workbench/dossiers/").status_code == 403
    shown = login(world.approver).post(
        "/workbench/dossiers/", {"code": world.citizen.citizen_profile.id_number}
    )
    assert shown.status_code == 200 and case.number in shown.content.decode()
    assert 'id="ds-ratings"' not in shown.content.decode()


def test_archive_pages_and_the_command(world, admin_pair, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = concluded_case(world)
    package = ArchivePackage.objects.get(case_id=case.pk)
    admin, _second = admin_pair
    client = login(admin)
    listing = client.get("/workbench/dossiers/archives/")
    assert listing.status_code == 200 and case.number in listing.content.decode()
    assert login(world.approver).get("/workbench/dossiers/archives/").status_code == 403
    ran = client.post(f"/workbench/dossiers/archives/{case.number}/check/")
    assert ran.status_code == 302
    assert ArchiveCheck.objects.get(package=package).ok
    detail = client.get(f"/workbench/dossiers/archives/{case.number}/")
    assert detail.status_code == 200 and "metadata.json" in detail.content.decode()
    early = client.post(f"/workbench/dossiers/archives/{case.number}/dispose/", {"reason": "到期"})
    assert early.status_code == 409 and not package.disposals.exists()
    assert client.get("/workbench/dossiers/archives/nope/").status_code == 404

    call_command("archive", "check")  # passes
    entry = next(f for f in package.manifest["files"] if f["role"] == "document")
    path = default_storage.path(f"{package.storage_prefix}/{entry['path']}")
    os.chmod(path, 0o644)
    with open(path, "r+b") as handle:
        handle.write(b"%PDX")
    with pytest.raises(CommandError, match="1 failing"):
        call_command("archive", "check", case.number)
    check = ArchiveCheck.objects.filter(package=package).first()
    codes = {p["code"] for p in check.problems}
    assert {"digest_mismatch", "unreadable", "writable"} <= codes
    assert not check.integrity_ok and not check.usability_ok and not check.security_ok
    assert check.authenticity_ok
