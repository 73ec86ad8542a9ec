"""The `plnet` console command: Django's management commands under friendlier names.

`plnet import-wordpress FILE` runs the `import_wordpress` command; any Django command works too
(`plnet migrate`, `plnet shell`). Hyphens in the first word are read as underscores.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run a management command; argv defaults to sys.argv.

    A PLNET_* variable with an unusable value stops it before Django starts: one line on
    stderr naming the variable, its value and what is expected, and exit status 2.
    """
    from plnet.config import ConfigError, load_config

    try:
        load_config()
    except ConfigError as exc:
        print(f"plnet: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plnet.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "plnet"
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
