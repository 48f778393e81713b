from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from campaign.errors import DomainError
from texttasks.imports import benchmark_import, prompt_drafts_import


class Command(BaseCommand):
    help = (
        "Import a benchmark's English prompts for Task 3 (JSONL or CSV with --images, or Parquet with "
        "embedded images). Safe to run again: existing prompts are updated, never duplicated."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The prompts file (.jsonl, .csv or .parquet).")
        parser.add_argument("--images", type=Path, help="The folder holding the images named in the file.")
        parser.add_argument(
            "--benchmark", default="aya-vision", help="The benchmark's name (default aya-vision)."
        )
        parser.add_argument(
            "--drafts",
            nargs=2,
            action="append",
            metavar=("LANG", "FILE"),
            default=[],
            help="Machine-translated drafts in a language (ISO 639-3), by index. Repeatable.",
        )

    def handle(self, *args, path: Path, images: Path | None, benchmark: str, drafts, **options):
        def progress(rows, total):
            return tqdm(rows, total=total, unit="prompt", desc="Importing", file=self.stderr._out)

        try:
            result = benchmark_import(path=path, images_dir=images, benchmark=benchmark, progress=progress)
            self.stdout.write(
                self.style.SUCCESS(
                    f"{benchmark}: {result.created} new, {result.updated} updated, {result.unchanged} unchanged."
                )
            )
            for language, draft_file in drafts:
                draft_result = prompt_drafts_import(
                    path=Path(draft_file), language_code=language, benchmark=benchmark
                )
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Drafts in {language}: {draft_result.created} new, {draft_result.updated} updated."
                    )
                )
        except DomainError as error:
            raise CommandError(error.message) from None
