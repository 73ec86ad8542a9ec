"""The `plnet` console command: Django's management commands under friendlier names.

`plnet import-wordpress FILE` runs the `import_wordpress` command; any Django command works too
(`plnet migrate`, `plnet shell`). Hyphens in the command's name are read as underscores, and the
name is shown as typed (`usage: plnet import-wordpress`). `plnet --help` lists plnet's own
commands with what they do, then Django's by name.

Before anything else, variables are read from a `.env` file in the current folder (or the file
PLNET_ENV_FILE names), as `make run` and a service manager would give them: a variable already
set in the environment wins over the file (python-dotenv, override=False).
"""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

ENV_FILE = ".env"


class EnvFileError(Exception):
    """PLNET_ENV_FILE names a file that cannot be read."""


def load_env_file(environ=None, cwd: Path | None = None) -> Path | None:
    """Put the variables of the env file into environ (default os.environ) without replacing
    any already set; return the file read, or None when there was none.

    The file is PLNET_ENV_FILE when set (EnvFileError when it is not a readable file), else
    `.env` in cwd (default: the current folder) when it exists.
    """
    from dotenv import dotenv_values

    environ = os.environ if environ is None else environ
    named = environ.get("PLNET_ENV_FILE", "")
    path = Path(named) if named else (cwd or Path.cwd()) / ENV_FILE
    if not path.is_file():
        if named:
            raise EnvFileError(f"PLNET_ENV_FILE={named!r} is not a file")
        return None
    try:
        values = dotenv_values(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise EnvFileError(f"{path}: cannot be read ({exc})") from None
    for name, value in values.items():
        if value is not None:
            environ.setdefault(name, value)
    return path


def _shown(name: str) -> str:
    return name.replace("_", "-")


def _first_sentence(text: str, limit: int = 80) -> str:
    """A command's help cut to its first sentence, and before a colon when that is still long."""
    first = text.split(". ")[0].rstrip(".").strip()
    if len(first) > limit and ":" in first:
        first = first.split(":")[0]
    return first + "."


def _utility_class():
    """A ManagementUtility that finds `import-wordpress` as import_wordpress (keeping the typed
    name for usage lines) and whose main help puts plnet's own commands first."""
    from django.core.management import ManagementUtility, get_commands, load_command_class

    class PlnetUtility(ManagementUtility):
        def fetch_command(self, subcommand):
            return super().fetch_command(subcommand.replace("-", "_"))

        def main_help_text(self, commands_only=False):
            commands = get_commands()
            if commands_only:
                return "\n".join(
                    sorted(
                        _shown(n) if app.startswith("plnet.") else n for n, app in commands.items()
                    )
                )
            own = sorted(n for n, app in commands.items() if app.startswith("plnet."))
            lines = [
                "usage: plnet <command> [options]   (plnet help <command> for a command's options)",
                "",
                "plnet's commands:",
            ]
            width = max(len(_shown(n)) for n in own) + 2
            for name in own:
                summary = load_command_class(commands[name], name).help.strip()
                lines.append(f"  {_shown(name):<{width}}{_first_sentence(summary)}")
            others = sorted(n for n in commands if n not in own)
            lines += ["", *textwrap.wrap("Django commands: " + ", ".join(others), 100)]
            return "\n".join(lines)

    return PlnetUtility


def main(argv: list[str] | None = None) -> None:
    """Run a management command; argv defaults to sys.argv.

    A PLNET_* variable with an unusable value (or an unreadable PLNET_ENV_FILE) stops it before
    Django starts: one line on stderr naming the variable, its value and what is expected, and
    exit status 2.
    """
    from plnet.config import ConfigError, load_config

    try:
        load_env_file()
        load_config()
    except (ConfigError, EnvFileError) as exc:
        print(f"plnet: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plnet.settings")

    args = list(sys.argv if argv is None else argv)
    args[0] = "plnet"
    _utility_class()(args).execute()


if __name__ == "__main__":
    main()
