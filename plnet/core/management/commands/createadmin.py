"""`plnet createadmin`: create an administrator, printing a generated password when none is given."""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core import exceptions
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create a site administrator (superuser). Prints the generated password once."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password", default="", help="Default: a generated one, printed once."
        )

    def handle(self, *args, username, email, password, **options):
        User = get_user_model()
        username, email = _checked(User, "username", username), email.strip()
        if email:
            email = _checked(User, "email", email)
        if User.objects.filter(username=username).exists():
            raise CommandError(f"a user named {username!r} exists already")
        if password:
            try:
                validate_password(password, User(username=username, email=email))
            except exceptions.ValidationError as exc:
                raise CommandError("--password: " + " ".join(exc.messages)) from None
        generated = not password
        password = password or secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email=email, password=password)
        self.stdout.write(self.style.SUCCESS(f"created administrator {username!r}"))
        if generated:
            self.stdout.write(f"password (shown once, keep it): {password}")


def _checked(User, name: str, value: str) -> str:
    """value cleaned by the model field's own validators (as createsuperuser does); a refused
    value is a CommandError naming the option."""
    try:
        return User._meta.get_field(name).clean(value, None)
    except exceptions.ValidationError as exc:
        raise CommandError(f"--{name} {value!r}: " + " ".join(exc.messages)) from None
