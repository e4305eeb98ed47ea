"""Settings come from the environment alone, with safe failures for production."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from zhengwu.config import env

ROOT = Path(__file__).resolve().parents[2]


def _start(extra_env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ZHENGWU_")}
    clean.update(
        {"DJANGO_SETTINGS_MODULE": "zhengwu.config.settings", "ZHENGWU_VAR_DIR": str(tmp_path)}
    )
    clean.update(extra_env)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_without_secret_key_refuses_to_start_with_a_clear_message(tmp_path):
    result = _start({"ZHENGWU_MODE": "production"}, tmp_path)
    assert result.returncode != 0
    assert "ZHENGWU_SECRET_KEY is not set" in result.stderr
    assert "started" not in result.stdout


def test_production_needs_field_keys_too(tmp_path):
    result = _start({"ZHENGWU_MODE": "production", "ZHENGWU_SECRET_KEY": "x" * 50}, tmp_path)
    assert result.returncode != 0
    assert "ZHENGWU_FIELD_KEYS" in result.stderr


def test_debug_is_refused_in_production(tmp_path):
    result = _start(
        {"ZHENGWU_MODE": "production", "ZHENGWU_DEBUG": "true", "ZHENGWU_SECRET_KEY": "s" * 50},
        tmp_path,
    )
    assert result.returncode != 0
    assert "ZHENGWU_DEBUG" in result.stderr


def test_malformed_values_are_named(tmp_path):
    result = _start({"ZHENGWU_MODE": "demo", "ZHENGWU_SESSION_AGE": "eight hours"}, tmp_path)
    assert result.returncode != 0
    assert "ZHENGWU_SESSION_AGE must be a whole number" in result.stderr


def test_demo_mode_starts_with_generated_secrets_kept_under_var(tmp_path):
    result = _start({"ZHENGWU_MODE": "demo"}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "secrets" / "secret_key").exists()
    assert oct((tmp_path / "secrets" / "secret_key").stat().st_mode & 0o777) == "0o600"
    # a second start reuses the same secret instead of logging everybody out
    first = (tmp_path / "secrets" / "secret_key").read_text()
    assert _start({"ZHENGWU_MODE": "demo"}, tmp_path).returncode == 0
    assert (tmp_path / "secrets" / "secret_key").read_text() == first


def test_production_starts_when_every_secret_is_given(tmp_path):
    key_file = tmp_path / "oidc.pem"
    from zhengwu.config.keys import local_rsa_key

    local_rsa_key(key_file)
    result = _start(
        {
            "ZHENGWU_MODE": "production",
            "ZHENGWU_SECRET_KEY": "s" * 50,
            "ZHENGWU_FIELD_KEYS": "k2:" + "A" * 22 + "==",
            "ZHENGWU_BLIND_INDEX_KEY": "B" * 44,
            "ZHENGWU_OIDC_PRIVATE_KEY_FILE": str(key_file),
        },
        tmp_path,
    )
    assert result.returncode == 0, result.stderr


def test_the_readme_documents_every_variable_with_its_default():
    readme = (ROOT / "README.md").read_text()
    for var in env.VARIABLES.values():
        row = re.search(rf"^\| `{var.name}` \| ([^|]*) \|", readme, re.MULTILINE)
        assert row, f"{var.name} is missing from README's configuration table"
        shown = row.group(1).strip().strip("`")
        assert shown == (var.default or "(empty)"), f"README shows a wrong default for {var.name}"


def test_only_the_env_module_reads_the_environment():
    offenders = []
    for path in (ROOT / "src" / "zhengwu").rglob("*.py"):
        if path.name in ("env.py", "settings_test.py", "__main__.py", "wsgi.py", "asgi.py"):
            continue
        # Bootstrapping Django in a script (DJANGO_SETTINGS_MODULE) is not reading settings.
        text = re.sub(r'os\.environ\.setdefault\("DJANGO_SETTINGS_MODULE"', "", path.read_text())
        if re.search(r"os\.environ|os\.getenv", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_sqlite_runs_in_wal_mode(tmp_path):
    script = (
        "import django; django.setup();"
        "from django.db import connection;"
        "c = connection.cursor(); c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ZHENGWU_")}
    clean.update(
        {
            "DJANGO_SETTINGS_MODULE": "zhengwu.config.settings",
            "ZHENGWU_MODE": "demo",
            "ZHENGWU_VAR_DIR": str(tmp_path),
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", script], env=clean, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "wal"
    assert (tmp_path / "zhengwu.sqlite3").exists()


def test_the_console_script_prints_the_problem_without_a_traceback(tmp_path):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ZHENGWU_")}
    clean.update({"ZHENGWU_MODE": "production", "ZHENGWU_VAR_DIR": str(tmp_path)})
    clean.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "-m", "zhengwu", "check"],
        env=clean,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "ZHENGWU_SECRET_KEY is not set" in result.stderr


def test_workers_starting_together_on_a_fresh_folder_agree_on_every_secret(tmp_path):
    """Regression: a reader once saw the secret file between its creation and its write."""
    script = (
        "import django; django.setup(); from django.conf import settings;"
        "print(settings.SECRET_KEY, settings.BLIND_INDEX_KEY, settings.FIELD_ENCRYPTION_KEYS)"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ZHENGWU_")}
    clean.update(
        {
            "DJANGO_SETTINGS_MODULE": "zhengwu.config.settings",
            "ZHENGWU_MODE": "demo",
            "ZHENGWU_VAR_DIR": str(tmp_path),
        }
    )
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", script], env=clean, stdout=subprocess.PIPE, text=True
        )
        for _ in range(6)
    ]
    outputs = {worker.communicate(timeout=60)[0].strip() for worker in workers}
    assert len(outputs) == 1
    secret_key, blind_key, field_keys = outputs.pop().split(" ")
    assert len(secret_key) >= 60 and len(blind_key) >= 40 and field_keys.startswith("k1:")
    assert not [p for p in (tmp_path / "secrets").iterdir() if p.name.startswith(".")]
