"""`plnet opml import FILE --user NAME` and `plnet opml export --user NAME` (to stdout)."""

import sys

from django.core.management.base import BaseCommand, CommandError

from plnet.protocols.opml import OpmlError
from plnet.reader import actions
from plnet.reader.management.commands._common import member


class Command(BaseCommand):
    help = "Import an OPML subscription list for a member, or export theirs to stdout."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import FILE (- for stdin)")
        imp.add_argument("file")
        imp.add_argument("--user", required=True)
        exp = sub.add_parser("export", help="write the member's subscriptions as OPML 2.0")
        exp.add_argument("--user", required=True)

    def handle(self, *args, action, user, **options):
        who = member(user)
        if action == "export":
            self.stdout.write(actions.export_opml(who).decode("utf-8"), ending="")
            return
        path = options["file"]
        try:
            content = sys.stdin.buffer.read() if path == "-" else open(path, "rb").read()  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from None
        try:
            summary = actions.import_opml(who, content)
        except OpmlError as exc:
            raise CommandError(f"{path}: {exc}; nothing was imported") from None
        self.stdout.write(str(summary))
        for url, why in summary.skipped:
            self.stdout.write(f"  skipped {url}: {why}")
        for url in summary.linked_lists:
            self.stdout.write(f"  not followed (another list): {url}")
