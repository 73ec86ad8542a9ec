"""`plnet token create --user NAME [--name LABEL]`: print a new API token once."""

from django.core.management.base import BaseCommand

from plnet.reader import actions
from plnet.reader.management.commands._common import member


class Command(BaseCommand):
    help = "Create a JSON API token for a member and print it (it is shown only this once)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("--user", required=True)
        create.add_argument("--name", default="command line")

    def handle(self, *args, user, name, **options):
        _, token = actions.create_token(member(user), name)
        self.stdout.write(token)
