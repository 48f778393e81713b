from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from campaign.errors import DomainError
from texttasks.imports import pool_images_import
from texttasks.pool import pool_add_accepted_images


class Command(BaseCommand):
    help = (
        "Import images for Task 4's pool: a folder with metadata.jsonl/metadata.csv (file_name, caption, "
        "culture_relevant_loc), or a Parquet file of the published SEA-VL set. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, nargs="?", help="A folder of images or a .parquet file.")
        parser.add_argument(
            "--metadata", type=Path, help="The metadata file (default: metadata.* in the folder)."
        )
        parser.add_argument(
            "--accepted-task1", action="store_true", help="Also put every accepted Task 1 image in the pool."
        )

    def handle(self, *args, path: Path | None, metadata: Path | None, accepted_task1: bool, **options):
        if path is None and not accepted_task1:
            raise CommandError("Give a folder or Parquet file, or --accepted-task1.")
        if path is not None:

            def progress(rows, total):
                return tqdm(rows, total=total, unit="image", desc="Importing", file=self.stderr._out)

            try:
                result = pool_images_import(path=path, metadata=metadata, progress=progress)
            except DomainError as error:
                raise CommandError(error.message) from None
            self.stdout.write(
                self.style.SUCCESS(
                    f"{result.created} new, {result.updated} updated, {result.unchanged} unchanged."
                )
            )
        if accepted_task1:
            self.stdout.write(
                self.style.SUCCESS(f"{pool_add_accepted_images()} accepted Task 1 images added.")
            )
