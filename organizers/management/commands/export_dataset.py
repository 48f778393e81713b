import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from campaign.errors import DomainError
from organizers.models import DatasetExport
from organizers.services import dataset_export_run, dataset_export_start


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value!r}") from None


def _list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


class Command(BaseCommand):
    help = (
        "Export the accepted contributions as a dataset release (Parquet in the Hugging Face layout, with a "
        "dataset card) to the default storage. By default a Celery worker writes it and this command follows "
        "its progress; --here writes it in this process."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", type=_date, help="first submission date (YYYY-MM-DD)")
        parser.add_argument("--to", dest="date_to", type=_date, help="last submission date (YYYY-MM-DD)")
        parser.add_argument(
            "--countries", type=_list, default=[], help="ISO codes, e.g. TH,LA (default: all)"
        )
        parser.add_argument("--tasks", type=_list, default=[], help="task numbers, e.g. 1,3 (default: all)")
        parser.add_argument("--here", action="store_true", help="write the export in this process")
        parser.add_argument("--email", help="the organizer (by e-mail) the export is recorded for")

    def handle(self, *args, date_from, date_to, countries, tasks, here, email, **options):
        from django.contrib.auth import get_user_model

        user = None
        if email:
            user = get_user_model().objects.filter(email__iexact=email).first()
            if user is None:
                raise CommandError(f"No user with the e-mail {email}.")
        try:
            task_numbers = [int(task) for task in tasks]
        except ValueError:
            raise CommandError("--tasks takes task numbers, e.g. 1,3") from None
        try:
            export = dataset_export_start(
                requested_by=user,
                date_from=date_from,
                date_to=date_to,
                countries=countries,
                tasks=task_numbers,
                enqueue=not here,
            )
        except DomainError as error:
            raise CommandError(error.message) from error

        with tqdm(total=100, unit="%", desc=f"export {export.pk}", file=self.stderr) as bar:
            if here:

                def advance(done: int, total: int) -> None:
                    bar.n = done * 100 // max(total, 1)
                    bar.refresh()

                export = dataset_export_run(export_id=export.pk, on_progress=advance)
            else:
                while True:
                    export.refresh_from_db()
                    bar.n = export.progress
                    bar.refresh()
                    if export.status in (DatasetExport.Status.READY, DatasetExport.Status.FAILED):
                        break
                    time.sleep(1)
            if export.status == DatasetExport.Status.READY:
                bar.n = 100
                bar.refresh()
        if export.status == DatasetExport.Status.FAILED:
            raise CommandError(f"Export {export.pk} failed: {export.error}")
        self.stdout.write(f"Export {export.pk} is ready under {export.prefix}/:")
        for file in export.files:
            self.stdout.write(f"  {file['path']}  {file['size']} bytes  sha256 {file['sha256']}")
