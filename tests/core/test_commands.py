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


def plnet(*args, cwd=REPO_ROOT, **env):
    """Run the `plnet` command in a child process with a clean environment."""
    environ = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO_ROOT), **env}
    return subprocess.run(
        [sys.executable, "-m", "plnet.cli", *args],
        cwd=cwd, env=environ, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_help_lists_plnets_commands_with_what_they_do_then_djangos(tmp_path):
    out = plnet("--help", PLNET_DATA_DIR=str(tmp_path)).stdout
    own, _, django = out.partition("\nDjango commands: ")
    assert "plnet's commands:\n" in own
    assert "  import-wordpress  Import a WordPress export (Tools → Export → All content).\n" in own
    assert "  fetch             Fetch followed sources now" in own
    assert "startproject" not in own and "testserver" not in own
    assert {"startproject", "testserver", "migrate"} <= set(django.replace(",", " ").split())


def test_a_commands_usage_shows_the_hyphenated_name(tmp_path):
    for args in (["import-wordpress", "--help"], ["help", "import-wordpress"]):
        result = plnet(*args, PLNET_DATA_DIR=str(tmp_path))
        assert result.stdout.startswith("usage: plnet import-wordpress "), args


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["run", "--port", "99999"], "plnet run: error: argument --port: a port is a number "
         "from 1 to 65535, not 99999"),
        (["run", "--port", "http"], "plnet run: error: argument --port: 'http' is not a port number"),
        (["fetch", "--workers", "0"], "plnet fetch: error: argument --workers: must be 1 or more, not 0"),
        (["fetch", "--workers", "-1"], "plnet fetch: error: argument --workers: must be 1 or more, not -1"),
    ],
)  # fmt: skip
def test_bad_numbers_are_one_line_errors(tmp_path, args, error):
    result = plnet(*args, PLNET_DATA_DIR=str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == error
    assert "Traceback" not in result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--username", "bad name!"], "--username 'bad name!': Enter a valid username. This value "
         "may contain only letters, numbers, and @/./+/-/_ characters."),
        (["--email", "notanemail"], "--email 'notanemail': Enter a valid email address."),
        (["--password", "password"], "--password: This password is too common."),
    ],
)  # fmt: skip
def test_createadmin_checks_its_values_like_createsuperuser(args, error):
    with pytest.raises(CommandError) as refused:
        call_command("createadmin", *args, stdout=io.StringIO())
    assert str(refused.value) == error
    assert not get_user_model().objects.exists()


def test_env_file_is_read_without_overriding_the_environment(tmp_path):
    from plnet.cli import EnvFileError, load_env_file

    (tmp_path / ".env").write_text(
        "# the server's variables\nPLNET_SITE_NAME='From the file'\nPLNET_TIME_ZONE=Europe/Paris\n"
    )
    environ = {"PLNET_TIME_ZONE": "UTC"}
    assert load_env_file(environ, cwd=tmp_path) == tmp_path / ".env"
    assert environ == {"PLNET_TIME_ZONE": "UTC", "PLNET_SITE_NAME": "From the file"}
    assert load_env_file({}, cwd=tmp_path / "elsewhere") is None
    other = tmp_path / "plnet.env"
    other.write_text("PLNET_SITE_NAME=Named\n")
    environ = {"PLNET_ENV_FILE": str(other)}
    assert load_env_file(environ, cwd=tmp_path) == other and environ["PLNET_SITE_NAME"] == "Named"
    with pytest.raises(EnvFileError, match="PLNET_ENV_FILE='/nonexistent.env' is not a file"):
        load_env_file({"PLNET_ENV_FILE": "/nonexistent.env"})


def test_plnet_reads_the_env_file_of_the_current_folder(tmp_path):
    (tmp_path / ".env").write_text(f"PLNET_DATA_DIR={tmp_path}\nPLNET_SITE_NAME=From dotenv\n")
    result = plnet("diffsettings", cwd=tmp_path)
    assert "SITE_NAME = 'From dotenv'" in result.stdout, result.stderr
    result = plnet("diffsettings", cwd=tmp_path, PLNET_SITE_NAME="From the shell")
    assert "SITE_NAME = 'From the shell'" in result.stdout, result.stderr
    missing = plnet("check", cwd=tmp_path, PLNET_ENV_FILE=str(tmp_path / "no.env"))
    assert (missing.returncode, missing.stderr) == (
        2, f"plnet: configuration error: PLNET_ENV_FILE='{tmp_path}/no.env' is not a file\n"
    )  # fmt: skip
