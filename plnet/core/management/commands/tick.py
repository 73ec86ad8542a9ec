"""`plnet tick`: run every registered periodic tick once (what the worker does every minute)."""

from django.core.management.base import BaseCommand

from plnet.core import ticks


class Command(BaseCommand):
    help = "Run every periodic tick once (publish due posts, fetch due feeds, empty old spam…)."

    def handle(self, *args, **options):
        for name in ticks.run_due(force=True):
            result = ticks.registered()[name].last_result
            self.stdout.write(f"ran {name}" + (f": {result}" if isinstance(result, str) else ""))
