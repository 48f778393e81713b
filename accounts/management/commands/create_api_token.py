from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.services import api_token_create


class Command(BaseCommand):
    help = "Create a personal API token for the user with this email and print it (shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--name", default="Command-line token")

    def handle(self, *args, email: str, name: str, **options):
        user = get_user_model().objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No user with the email {email!r}.")
        _token, secret = api_token_create(user=user, name=name)
        self.stdout.write(secret)
