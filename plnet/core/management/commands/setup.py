"""`plnet setup`: make the site ready to serve (migrate, static files, first admin)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Migrate the database, collect static files and create the first admin when none exists."

    def handle(self, *args, **options):
        settings.PLNET.data_dir.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("database ready")
        call_command("collectstatic", interactive=False, verbosity=0)
        if not get_user_model().objects.filter(is_superuser=True).exists():
            call_command("createadmin", stdout=self.stdout)
