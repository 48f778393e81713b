from django.core.management.base import BaseCommand
from tqdm import tqdm

from points.recompute import points_recompute

# What the bar says during each step of the recomputation (the records step counts records).
STAGES = {
    "records": "reading the records",
    "compare": "comparing with the ledger",
    "snapshot": "publishing the leaderboard",
}


class Command(BaseCommand):
    help = "Recompute every contributor's points from the source records, write corrections, publish the leaderboard."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force-snapshot", action="store_true", help="Publish a snapshot even if nothing changed."
        )

    def handle(self, *args, **options):
        with tqdm(
            desc=STAGES["records"], unit=" records", file=self.stderr, disable=options["verbosity"] == 0
        ) as bar:
            result = points_recompute(
                progress=bar.update,
                stage=lambda name: bar.set_description_str(STAGES[name]),
                force_snapshot=options["force_snapshot"],
            )
        snapshot = "published" if result.snapshot_published else "unchanged"
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.events} records, {result.corrections} corrections, snapshot {snapshot} "
                f"({result.seconds:.1f} s)"
            )
        )
        for source in result.unverified_sources:
            self.stdout.write(
                self.style.WARNING(
                    f"Ledger entries of “{source}” were left as they are: no credit source answers for that "
                    "record type (demo data, or entries written by hand), so they cannot be checked."
                )
            )
