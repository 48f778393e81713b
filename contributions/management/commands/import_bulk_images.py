"""Import a ZIP of images with its bulk CSV for a contributor, in this process, with a progress bar.

For organizers moving the campaign's earlier bulk files into the portal: those files were sent with
the campaign's own-work and CC-BY-SA 4.0 confirmation, which the import records. The same rules as the
web page apply (the same service); running it again with the same files creates nothing twice.
"""

import getpass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from accounts.roles import is_organizer
from campaign.errors import DomainError
from contributions.bulk.processing import bulk_import_process
from contributions.bulk.selectors import bulk_import_progress, bulk_rows_of
from contributions.bulk.services import (
    BulkImportExists,
    bulk_import_create,
    bulk_import_record_on_behalf,
)
from contributions.models import BulkImport, BulkImportRow
from contributions.reasons import bulk_row_reason_text


class Command(BaseCommand):
    help = "Import a ZIP of images with the campaign's bulk CSV for the contributor with this email."

    def add_arguments(self, parser):
        parser.add_argument(
            "email", help="The contributor the images belong to (their profile must be complete)."
        )
        parser.add_argument("zip", type=Path, help="The ZIP of images (it may hold the CSV).")
        parser.add_argument("--csv", type=Path, help="The bulk CSV, when it is not inside the ZIP.")
        parser.add_argument(
            "--by", help="The email of the organizer running the import (kept in the audit log)."
        )

    def handle(self, *args, email, zip, csv=None, by=None, **options):
        user = get_user_model().objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"No user with the email {email}.")
        actor = None
        if by:
            actor = get_user_model().objects.filter(email__iexact=by).first()
            if actor is None or not is_organizer(actor):
                raise CommandError(f"No organizer with the email {by}.")
        for path in filter(None, (zip, csv)):
            if not path.is_file():
                raise CommandError(f"No such file: {path}")
        with zip.open("rb") as archive_handle:
            csv_handle = csv.open("rb") if csv else None
            try:
                bulk_import = bulk_import_create(
                    contributor=user,
                    archive=File(archive_handle, name=zip.name),
                    csv_file=File(csv_handle, name=csv.name) if csv_handle else None,
                    license_confirmed=True,
                    source=BulkImport.Source.COMMAND,
                    enqueue=False,  # processed below, in this process, with the progress bar
                )
                bulk_import_record_on_behalf(
                    bulk_import=bulk_import, actor=actor, run_by=by or getpass.getuser()
                )
            except BulkImportExists as error:
                bulk_import = error.bulk_import
                self.stdout.write(self.style.WARNING(error.message))
            except DomainError as error:
                raise CommandError(error.message) from None
            finally:
                if csv_handle:
                    csv_handle.close()

        pending = bulk_import.rows.filter(status=BulkImportRow.Status.PENDING).count()
        with tqdm(total=bulk_import.total_rows, initial=bulk_import.total_rows - pending, unit="row") as bar:
            bulk_import_process(import_id=bulk_import.pk, on_row=lambda: bar.update(1))
        bulk_import.refresh_from_db()
        progress = bulk_import_progress(bulk_import=bulk_import)
        for row in bulk_rows_of(bulk_import=bulk_import).filter(status=BulkImportRow.Status.REFUSED):
            self.stdout.write(
                f"row {row.row_number} (line {row.line_number}) {row.file_name}: {bulk_row_reason_text(row.reasons, row.legacy_reason)}"
            )
        for name in bulk_import.unreferenced_files:
            self.stdout.write(f"not in the CSV: {name}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Bulk import #{bulk_import.pk}: {progress['imported_rows']} imported, "
                f"{progress['refused_rows']} not imported, of {progress['total_rows']} rows."
            )
        )
