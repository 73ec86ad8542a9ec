"""The `plnet` command and the core management commands (setup, createadmin, tick)."""

import io
import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from tests.conftest import REPO_ROOT


@pytest.mark.django_db
def test_createadmin_prints_generated_password_once_and_it_works():
    out = io.StringIO()
    call_command("createadmin", "--username", "root", "--email", "r@example.org", stdout=out)
    text = out.getvalue()
    password = text.split("keep it): ", 1)[1].strip()
    user = get_user_model().objects.get(username="root")
    assert user.is_superuser and user.is_staff and user.email == "r@example.org"
    assert user.check_password(password) and len(password) >= 12


@pytest.mark.django_db
def test_createadmin_refuses_an_existing_name():
    call_command("createadmin", "--username", "root", stdout=io.StringIO())
    with pytest.raises(CommandError, match="exists already"):
        call_command("createadmin", "--username", "root", stdout=io.StringIO())


@pytest.mark.django_db
def test_setup_creates_the_first_admin_only_once(tmp_path, settings):
    settings.STATIC_ROOT = tmp_path / "static"
    first, second = io.StringIO(), io.StringIO()
    call_command("setup", stdout=first)
    call_command("setup", stdout=second)
    assert "created administrator 'admin'" in first.getvalue()
    assert "created administrator" not in second.getvalue()
    assert get_user_model().objects.filter(is_superuser=True).count() == 1
    assert (tmp_path / "static" / "plnet" / "site.css").exists()


def test_plnet_cli_reads_hyphens_as_underscores(tmp_path):
    env = {"PLNET_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "plnet.cli", "create-admin-does-not-exist"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode != 0
    assert "Unknown command: 'create_admin_does_not_exist'" in result.stderr
    listing = subprocess.run(
        [sys.executable, "-m", "plnet.cli", "help", "--commands"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    commands = set(listing.stdout.split())
    assert {"run", "worker", "setup", "createadmin", "tick"} <= commands


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("PLNET_DEBUG", "maybe", "must be true or false, not 'maybe'"),
        ("PLNET_COMMENT_THREAD_DEPTH", "x", "must be a whole number, not 'x'"),
        ("PLNET_TIME_ZONE", "Mars/Olympus", "must be a time zone name such as UTC or "
         "Europe/Paris, not 'Mars/Olympus'"),
        ("PLNET_EMAIL_URL", "mail://me", "must be console: or smtp://user:pass@host:587 "
         "(smtps:// for TLS), not 'mail://me'"),
    ],
)  # fmt: skip
def test_a_typo_in_a_setting_is_one_line_and_exit_status_2(tmp_path, name, value, expected):
    env = {"PLNET_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", name: value}
    result = subprocess.run(
        [sys.executable, "-m", "plnet.cli", "check"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr == f"plnet: configuration error: {name} {expected}\n"
    assert result.stdout == ""
