from importlib import import_module

from django.core.management.base import BaseCommand

from portal.demo import DEMO_PASSWORD, seed_accounts

# Each app that has demo content exposes `demo.seed(stdout)`; all of them are idempotent.
APPS_WITH_DEMO_CONTENT = ["contributions", "review", "texttasks", "points"]


class Command(BaseCommand):
    help = "Load demo accounts and demo contributions for a local portal. Safe to run again."

    def handle(self, *args, **options):
        accounts = seed_accounts()
        for app in APPS_WITH_DEMO_CONTENT:
            try:
                demo = import_module(f"{app}.demo")
            except ModuleNotFoundError as error:
                if error.name != f"{app}.demo":
                    raise
                continue
            demo.seed(self.stdout)
        self.stdout.write(
            self.style.SUCCESS("Demo data is loaded. Sign in at http://127.0.0.1:8000/accounts/login/")
        )
        for email, role in accounts:
            self.stdout.write(f"  {role:<12} {email:<28} password: {DEMO_PASSWORD}")
