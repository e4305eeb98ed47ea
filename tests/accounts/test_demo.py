"""The ``demo`` command: idempotent, every role present, passwords printed once."""

from __future__ import annotations

import os
import stat
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from zhengwu.accounts import policies, selectors
from zhengwu.accounts.models import (
    CitizenProfile,
    Enterprise,
    EnterpriseMembership,
    StaffProfile,
    User,
    WindowClerkCertificate,
)
from zhengwu.org.models import Department, Region

pytestmark = pytest.mark.django_db

USERNAMES = [
    "citizen",
    "enterprise",
    "clerk",
    "approver",
    "head",
    "hotline",
    "dispatcher",
    "supervisor",
    "admin",
]
MODELS = [
    User,
    CitizenProfile,
    Enterprise,
    EnterpriseMembership,
    StaffProfile,
    WindowClerkCertificate,
    Department,
    Region,
]


def run_demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def passwords_in(output: str) -> dict[str, str]:
    found = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0] in USERNAMES:
            found[parts[0]] = parts[1]
    return found


def test_demo_twice_changes_nothing_and_accounts_work(tmp_path):
    password_file = tmp_path / "demo-passwords.txt"
    first = run_demo("--password-file", str(password_file))
    passwords = passwords_in(first)
    assert set(passwords) == set(USERNAMES)
    assert stat.S_IMODE(os.stat(password_file).st_mode) == 0o600
    assert dict(line.split() for line in password_file.read_text().splitlines()) == passwords
    counts = [m.objects.count() for m in MODELS]
    hashes = dict(User.objects.values_list("username", "password"))

    second = run_demo()
    assert [m.objects.count() for m in MODELS] == counts
    assert dict(User.objects.values_list("username", "password")) == hashes
    assert passwords_in(second) == {} and "passwords unchanged" in second

    for username, password in passwords.items():
        response = Client().post(
            "/api/v1/accounts/login",
            {"username": username, "password": password},
            content_type="application/json",
        )
        assert response.status_code == 200, username

    third = run_demo("--reset-passwords")
    new_passwords = passwords_in(third)
    assert set(new_passwords) == set(USERNAMES)
    assert all(new_passwords[u] != passwords[u] for u in USERNAMES)
    assert [m.objects.count() for m in MODELS] == counts


def test_demo_roles_and_relations():
    run_demo()
    users = {u.username: u for u in User.objects.all()}
    expected_roles = {
        "clerk": {"window_clerk"},
        "approver": {"approver"},
        "head": {"department_head"},
        "hotline": {"hotline_agent"},
        "dispatcher": {"dispatcher"},
        "supervisor": {"supervisor"},
        "admin": {"administrator"},
    }
    for username, roles in expected_roles.items():
        assert policies.staff_roles(users[username]) == roles
    assert users["admin"].is_superuser and not users["clerk"].is_superuser
    assert users["clerk"].staff_profile.department.name == "区行政审批服务局"
    assert users["approver"].staff_profile.department.name == "区市场监管局"
    assert users["head"].staff_profile.department.name == "区市场监管局"
    citizen = users["citizen"].citizen_profile
    assert citizen.id_number.startswith("610111") and citizen.real_name == "张晓明"
    identities = selectors.user_identities(users["enterprise"])
    assert sorted(i.role for i in identities[1:]) == ["legal_representative", "manager"]
    supervisor = users["supervisor"]
    assert selectors.window_clerk_certification(supervisor) == []  # the clerk is certified
