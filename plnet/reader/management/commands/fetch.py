"""`plnet fetch [--all|--due]`: fetch sources in the foreground, with a progress bar."""

from django.core.management.base import BaseCommand
from django.utils import timezone
from tqdm import tqdm

from plnet.core.management.arguments import positive_int
from plnet.reader import services
from plnet.reader.models import Source


class Command(BaseCommand):
    help = "Fetch followed sources now: every one (--all) or those due (--due, the default)."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--all", action="store_true", help="every followed source")
        group.add_argument("--due", action="store_true", help="sources due for a fetch (default)")
        parser.add_argument(
            "--workers", type=positive_int, default=services.WORKERS,
            help=f"threads fetching at once (1 or more; default {services.WORKERS})",
        )  # fmt: skip

    def handle(self, *args, **options):
        sources = Source.objects.followed()
        if not options["all"]:
            sources = sources.due(timezone.now())
        ids = list(sources.values_list("pk", flat=True))
        with tqdm(total=len(ids), unit="feed", desc="fetching", file=self.stderr) as bar:

            def progress(source, result):
                bar.update(1)
                if result.error:
                    bar.write(f"{source.url}: {result.error}", file=self.stderr)

            counts = services.fetch_many(ids, workers=options["workers"], progress=progress)
        self.stdout.write(
            f"{len(ids)} sources: {counts['ok']} fetched, {counts['not_modified']} not modified, "
            f"{counts['error']} errors, {counts['gone']} gone; {counts['added']} new entries"
        )
