"""`plnet worker`: run background tasks, and the periodic ticks that enqueue recurring work."""

import threading
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from plnet.core import ticks


def _tick_loop(stop: threading.Event) -> None:
    while not stop.is_set():
        close_old_connections()
        ticks.run_due()
        stop.wait(5.0)


class Command(BaseCommand):
    help = "Run the background task worker (django-tasks database backend) and periodic ticks."

    def add_arguments(self, parser):
        parser.add_argument("--no-ticks", action="store_true", help="Run tasks only, no ticks.")

    def handle(self, *args, no_ticks, **options):
        stop = threading.Event()
        if not no_ticks:
            threading.Thread(target=_tick_loop, args=(stop,), daemon=True).start()
        try:
            call_command("db_worker", interval=1.0)
        finally:
            stop.set()
            time.sleep(0)
