"""`plnet import-wordpress FILE`: import a WordPress export (WXR), with a progress bar and a summary."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from plnet.protocols.wxr import WxrError
from plnet.publishing.wordpress import ImportSummary, import_wxr


class Command(BaseCommand):
    help = (
        "Import a WordPress export (Tools → Export → All content): authors, categories, tags, "
        "posts, pages, attachments as links, comments, and redirects from the old URLs. "
        "Running the same file again changes nothing; a refused file writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the WXR file WordPress exported (.xml)")
        parser.add_argument(
            "--author-default",
            metavar="NAME",
            help="an existing user who gets the items that name no author",
        )
        parser.add_argument(
            "--author-map",
            metavar="LOGIN=USERNAME",
            action="append",
            default=[],
            help="give the items of the export's author LOGIN to the existing user USERNAME "
            "(repeat for several authors); no account is made for LOGIN",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="read and check everything, then write nothing"
        )

    def handle(self, *args, file, author_default=None, dry_run=False, **options):
        author_map = _author_map(options.get("author_map") or [])
        path = Path(file)
        if path.is_dir():
            raise CommandError(_folder_message(file, path))
        if not path.is_file():
            raise CommandError(f"{file}: no such file")
        bar = tqdm(
            desc="Importing",
            unit=" items",
            disable=None if options.get("verbosity", 1) else True,
            leave=False,
        )

        def progress(summary: ImportSummary) -> None:
            bar.update(summary.items - bar.n)
            bar.set_postfix(comments=summary.comments_read, refresh=False)

        try:
            summary = import_wxr(
                path,
                progress=progress,
                author_default=author_default,
                author_map=author_map,
                dry_run=dry_run,
            )
        except WxrError as exc:
            raise CommandError(
                f"{file}, line {exc.line}: {exc.message} (nothing imported)"
            ) from None
        except LookupError as exc:
            raise CommandError(f"--author-default/--author-map: {exc}") from None
        finally:
            bar.close()
        summary.file = str(file)
        for line in summary.lines():
            self.stdout.write(line)


def _author_map(pairs: list[str]) -> dict[str, str]:
    """{"mythz": "ana"} from ["mythz=ana"]; CommandError for a pair without "=" or a side."""
    found = {}
    for pair in pairs:
        login, _, username = pair.partition("=")
        if not login.strip() or not username.strip():
            raise CommandError(f"--author-map {pair!r}: write it as LOGIN=USERNAME, e.g. mythz=ana")
        found[login.strip()] = username.strip()
    return found


def _folder_message(given: str, folder: Path) -> str:
    """Say that a folder was given, and name the .xml files in it (a WordPress export is one)."""
    found = sorted(p.name for p in folder.iterdir() if p.suffix.lower() == ".xml" and p.is_file())
    if not found:
        return f"{given} is a folder, not a file, and holds no .xml file: give the WXR export file."
    shown = ", ".join(found[:10]) + (f" and {len(found) - 10} more" if len(found) > 10 else "")
    return (
        f"{given} is a folder, not a file: give one of the .xml files in it "
        f"({len(found)}: {shown}), e.g. plnet import-wordpress {folder / found[0]}"
    )
