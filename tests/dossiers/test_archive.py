"""Electronic archives: built on conclusion through the real case services, signed, checked
for the four properties; tampering and forgery are caught; disposal needs two people."""

from __future__ import annotations

import os
from datetime import date, timedelta

import pytest
from django.core.files.storage import default_storage

from tests.dossiers.conftest import concluded_case
from zhengwu.dossiers import archives, services
from zhengwu.dossiers.choices import PackageStatus
from zhengwu.dossiers.models import ArchiveCheck, ArchivePackage
from zhengwu.kernel.crypto import sm3_hex

pytestmark = pytest.mark.django_db


def _built(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = concluded_case(world)
    return case, ArchivePackage.objects.get(case_id=case.pk)


def test_conclusion_builds_a_signed_package_that_passes_the_check(
    world, django_capture_on_commit_callbacks
):
    case, package = _built(world, django_capture_on_commit_callbacks)
    assert package.status == PackageStatus.ARCHIVED
    assert package.case_number == case.number
    roles = [f["role"] for f in package.manifest["files"]]
    assert roles[0] == "metadata" and roles[-1] == "audit"
    assert roles.count("material") == case.materials.filter(files__isnull=False).count()
    assert "document" in roles
    for entry in package.manifest["files"]:
        name = f"{package.storage_prefix}/{entry['path']}"
        with default_storage.open(name, "rb") as handle:
            data = handle.read()
        assert sm3_hex(data) == entry["sm3"] and len(data) == entry["size"]
        assert os.stat(default_storage.path(name)).st_mode & 0o777 == 0o444
    meta = archives.read_stored(f"{package.storage_prefix}/metadata.json")
    assert "张伟".encode() not in meta  # the applicant is masked in the metadata copy
    assert package.retention_until == date(case.concluded_at.year + 30, 12, 31)
    check = services.archive_check(package_id=package.pk)
    assert check.ok, check.problems
    package.refresh_from_db()
    assert package.last_check_ok is True


def test_build_is_idempotent(world, django_capture_on_commit_callbacks):
    case, package = _built(world, django_capture_on_commit_callbacks)
    again = services.archive_build(case_id=case.pk)
    assert again.pk == package.pk and again.manifest_sm3 == package.manifest_sm3
    assert ArchivePackage.objects.filter(case_id=case.pk).count() == 1


def test_a_modified_file_is_an_integrity_failure(world, django_capture_on_commit_callbacks):
    _case, package = _built(world, django_capture_on_commit_callbacks)
    entry = next(f for f in package.manifest["files"] if f["role"] == "material")
    path = default_storage.path(f"{package.storage_prefix}/{entry['path']}")
    os.chmod(path, 0o644)
    with open(path, "ab") as handle:
        handle.write(b"% tampered\n")
    os.chmod(path, 0o444)
    check = services.archive_check(package_id=package.pk)
    assert not check.ok and not check.integrity_ok and check.authenticity_ok
    assert [p["path"] for p in check.problems if p["code"] == "digest_mismatch"] == [entry["path"]]


def test_a_forged_manifest_is_an_authenticity_failure(world, django_capture_on_commit_callbacks):
    _case, package = _built(world, django_capture_on_commit_callbacks)
    # Someone replaces a file and "fixes" the manifest's digest to match it.
    entry = next(f for f in package.manifest["files"] if f["role"] == "material")
    name = f"{package.storage_prefix}/{entry['path']}"
    forged = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    archives.remove(name)
    archives.put(name, forged)
    entry["sm3"], entry["size"] = sm3_hex(forged), len(forged)
    ArchivePackage.objects.filter(pk=package.pk).update(manifest=package.manifest)
    check = services.archive_check(package_id=package.pk)
    assert not check.authenticity_ok
    assert {"bad_signature", "manifest_changed"} <= {p["code"] for p in check.problems}


def test_disposal_is_refused_before_retention_and_needs_four_eyes(
    world, admin_pair, django_capture_on_commit_callbacks
):
    from zhengwu.kernel.errors import Conflict, NotAllowed

    _case, package = _built(world, django_capture_on_commit_callbacks)
    first, second = admin_pair
    with pytest.raises(Conflict) as running:
        services.disposal_propose(number=package.case_number, by=first, reason="到期")
    assert running.value.code == "retention_running"
    later = package.retention_until + timedelta(days=1)
    request = services.disposal_propose(
        number=package.case_number, by=first, reason="保管期满，经鉴定无继续保存价值", today=later
    )
    with pytest.raises(NotAllowed):
        services.disposal_decide(request_id=request.pk, by=first, approve=True, today=later)
    with django_capture_on_commit_callbacks(execute=True):
        services.disposal_decide(request_id=request.pk, by=second, approve=True, today=later)
    package.refresh_from_db()
    assert package.status == PackageStatus.DISPOSED
    remaining = {
        f["role"]
        for f in package.manifest["files"]
        if default_storage.exists(f"{package.storage_prefix}/{f['path']}")
    }
    assert remaining == {"metadata", "audit"}
    assert services.archive_check(package_id=package.pk, today=later).ok
    assert ArchiveCheck.objects.filter(package=package).count() == 1


def test_the_build_command_backfills_a_package_that_was_never_built(world):
    from django.core.management import call_command

    case = concluded_case(world)  # the on-commit handler does not run in this test
    assert not ArchivePackage.objects.filter(case_id=case.pk).exists()
    call_command("archive", "build", case.number)
    package = ArchivePackage.objects.get(case_id=case.pk)
    assert package.status == PackageStatus.ARCHIVED and package.file_count >= 3
    call_command("archive", "build", case.number)  # again: nothing changes
    assert ArchivePackage.objects.get(case_id=case.pk).manifest_sm3 == package.manifest_sm3
    assert services.archive_check(package_id=package.pk).ok


def test_an_open_case_cannot_be_archived(world):
    from tests.dossiers.conftest import accepted_case
    from zhengwu.kernel.errors import Conflict

    case = accepted_case(world)
    with pytest.raises(Conflict) as refused:
        services.archive_build(case_id=case.pk)
    assert refused.value.code == "not_concluded"
    assert not ArchivePackage.objects.filter(case_id=case.pk).exists()
