"""`plnet subscribe URL --user NAME [--person P] [--folder F]`: follow a feed or a site."""

from django.core.management.base import BaseCommand, CommandError

from plnet.reader import services
from plnet.reader.management.commands._common import member


class Command(BaseCommand):
    help = "Subscribe a member to a feed URL or a site's URL (the feed is discovered)."

    def add_arguments(self, parser):
        parser.add_argument("url")
        parser.add_argument("--user", required=True)
        parser.add_argument("--person", default="", help="group the source under this person")
        parser.add_argument("--folder", default="")

    def handle(self, *args, url, user, person, folder, **options):
        who = member(user)
        try:
            sub = services.subscribe(
                who,
                url,
                person=services.person_named(who, person),
                folder=services.folder_named(who, folder),
            )
        except services.SubscribeError as exc:
            raise CommandError(str(exc)) from None
        source = sub.source
        verb = "subscribed" if sub.created else "already subscribed"
        moved = "".join(f", {field} now {new.name}" for field, _, new in sub.changes)
        self.stdout.write(
            f"{verb} {who.username}{moved} to {source.url} ({source.title or 'untitled'}, "
            f"{source.entries.count()} entries, state {source.state})"
        )
