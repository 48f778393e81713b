"""Bulk imports in the background: `bulk_import_process` (run by a Celery task) submits the pending rows
one by one through the same service as the web form and the API (`image_submission_create`, source
"bulk"), so every rule is the same. Each row's submission and its result commit together (a batch of
rows at a time), so a row is never processed twice, and a stopped import resumes where it stopped. The
beat re-queues stale imports and deletes archives no import refers to.

When the checks run in this process (eager Celery, the embedded default), each stored photo's image
work (decode, measures, WebPs) starts at once in a thread beside the import (`pipeline.checks_ahead`),
so it overlaps the writing of the rows and verdicts, which stay here, in row order.
"""

from __future__ import annotations

import logging
import mimetypes
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import timedelta
from functools import partial

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from campaign.errors import DomainError
from campaign.messages import Message
from contributions import pipeline, storage
from contributions.bulk import archive as zip_archive
from contributions.bulk.archive import Member, MemberError
from contributions.models import BulkImport, BulkImportRow
from contributions.reasons import bulk_row_message, rejection_reason

logger = logging.getLogger(__name__)

MAX_ROW_ATTEMPTS = 3  # a row whose image kills the worker every time is refused after this many tries
STALE_AFTER = timedelta(minutes=10)
# Rows submitted in one transaction: two commits for the batch instead of two a row (each commit waits
# for the disk). A crash loses at most this many rows' work, all redone (each then alone).
BATCH_ROWS = 20


def bulk_import_enqueue(*, import_id: int) -> None:
    """Queue the processing; if the broker is down the import waits as it is for the stale sweep."""
    from campaign.tasks import enqueue
    from contributions.bulk.tasks import process_bulk_import

    enqueue(process_bulk_import, import_id)  # broker down: logged; the stale-import sweep re-queues it


def bulk_import_process(
    *, import_id: int, time_budget: float | None = None, on_row: Callable[[], None] | None = None
) -> bool:
    """Submit the import's pending rows in order. Returns True when every row has its result.

    Safe to run twice at once or again after a crash: each row is locked, checked and written with
    its submission in one transaction, so it is submitted once. Rows go in batches of `BATCH_ROWS`
    (one commit for their tries, one for their submissions and results: a commit waits for the disk);
    a row tried before goes alone. Stops after `time_budget` seconds (checked between batches; the
    task then queues itself again) so that a long import never hits the worker's time limit.
    """
    bulk_import = BulkImport.objects.filter(pk=import_id).select_related("contributor").first()
    if bulk_import is None or bulk_import.status == BulkImport.Status.DONE:
        return True
    BulkImport.objects.filter(pk=import_id, status=BulkImport.Status.QUEUED).update(
        status=BulkImport.Status.PROCESSING, started_at=timezone.now(), updated_at=timezone.now()
    )
    deadline = time.monotonic() + time_budget if time_budget else None
    pending = list(
        bulk_import.rows.filter(status=BulkImportRow.Status.PENDING)
        .order_by("row_number")
        .values_list("pk", "attempts")
    )
    if pending:
        try:
            archive_file = bulk_import.archive.open("rb") if bulk_import.archive else None
        except FileNotFoundError:
            archive_file = None
        if archive_file is None:
            _refuse_pending(bulk_import, "archive_missing")
        else:
            with ExitStack() as stack:
                stack.enter_context(archive_file)
                zip_file = stack.enter_context(zipfile.ZipFile(archive_file))
                ahead = (
                    stack.enter_context(pipeline.checks_ahead(window=BATCH_ROWS)) if _checks_here() else None
                )
                last_touch = time.monotonic()
                for batch in _batches(pending):
                    if deadline is not None and time.monotonic() > deadline:
                        return False
                    done = bulk_rows_process(
                        row_ids=batch, bulk_import=bulk_import, zip_file=zip_file, ahead=ahead
                    )
                    if on_row is not None:
                        for _row in range(done):
                            on_row()
                    if time.monotonic() - last_touch > 30:
                        # Shows the import is alive, so the stale sweep leaves it alone.
                        BulkImport.objects.filter(pk=import_id).update(updated_at=timezone.now())
                        last_touch = time.monotonic()
    return bulk_import_finish(import_id=import_id)


def _checks_here() -> bool:
    """Whether the images' checks run in this process when their batch commits (eager Celery, the
    embedded default): then their image work is done ahead in a thread beside this one. With a broker
    the workers check them, and there is nothing to do ahead here."""
    from celery import current_app

    return bool(current_app.conf.task_always_eager)


def _batches(pending: list[tuple[int, int]]) -> Iterator[list[int]]:
    """The pending rows (pk, tries so far) in order, in batches: a row tried before goes alone, so an
    image that killed the worker costs its own tries, never those of the rows batched with it."""
    batch: list[int] = []
    for row_id, attempts in pending:
        if attempts:
            if batch:
                yield batch
                batch = []
            yield [row_id]
            continue
        batch.append(row_id)
        if len(batch) == BATCH_ROWS:
            yield batch
            batch = []
    if batch:
        yield batch


def bulk_rows_process(
    *,
    row_ids: list[int],
    bulk_import: BulkImport,
    zip_file: zipfile.ZipFile,
    ahead: pipeline.ChecksAhead | None = None,
) -> int:
    """Submit pending rows through the image service, and record each one's submission or reason.

    Returns how many of them got their result here (rows done already, or being done by another
    worker right now, are left alone). The rows' submissions and results commit together, once.
    With `ahead`, each stored image's check starts at once in its thread, for the check that runs when
    the batch commits (`pipeline.checks_ahead`)."""
    # A try is counted, and committed, before the images are touched: an image that kills the worker
    # every time is refused after MAX_ROW_ATTEMPTS instead of being retried forever. Rows another
    # worker holds are skipped (not counted): they are done by it.
    with transaction.atomic():
        counted = list(
            BulkImportRow.objects.select_for_update(skip_locked=True)
            .filter(pk__in=row_ids, status=BulkImportRow.Status.PENDING)
            .order_by()  # no join to the import (its default ordering): only the rows are locked
            .values_list("pk", flat=True)
        )
        BulkImportRow.objects.filter(pk__in=counted).update(attempts=F("attempts") + 1)
    if not counted:
        return 0
    failure: BaseException | None = None
    done: list[BulkImportRow] = []
    untried: list[int] = []
    with transaction.atomic():
        # Only rows whose try this worker counted (another may have taken one since: it is skipped).
        rows = list(
            BulkImportRow.objects.select_for_update(skip_locked=True)
            .filter(pk__in=counted, status=BulkImportRow.Status.PENDING)
            .order_by("row_number")
        )
        for position, row in enumerate(rows):
            try:
                _row_submit(row, bulk_import=bulk_import, zip_file=zip_file, ahead=ahead)
            except Exception as error:  # storage away, a bug: the rows done so far are kept
                failure = error
                untried = [other.pk for other in rows[position + 1 :]]
                break
            done.append(row)
        if failure is not None and not transaction.get_connection().needs_rollback:
            # The rows after the failing one were not tried: their try is given back.
            BulkImportRow.objects.filter(pk__in=untried).update(attempts=F("attempts") - 1)
        if done and not transaction.get_connection().needs_rollback:
            BulkImportRow.objects.bulk_update(done, fields=_RESULT_FIELDS)
    if failure is not None:
        raise failure
    return len(done)


_RESULT_FIELDS = ["status", "submission", "reason_code", "reasons", "processed_at"]


def _row_submit(
    row: BulkImportRow,
    *,
    bulk_import: BulkImport,
    zip_file: zipfile.ZipFile,
    ahead: pipeline.ChecksAhead | None = None,
) -> None:
    """One locked pending row through the image service: its result set on `row`, saved by the caller.

    The submission is written in a savepoint of the caller's transaction, so a refused row leaves
    nothing behind and the row's result commits with it."""
    if row.attempts > MAX_ROW_ATTEMPTS:
        _row_refuse(row, "processing_failed", [_row_reason("processing_failed")])
        return
    try:
        info = zip_file.getinfo(row.member_name)
        member = Member(row.member_name, row.file_name, info.file_size, info.compress_size)
        data = zip_archive.read_member(zip_file, member)
    except KeyError:
        _row_refuse(row, "file_missing", [_row_reason("file_missing", name=row.file_name)])
        return
    except MemberError as error:
        _row_refuse(row, error.code, [error.text.stored(error.code)])
        return
    upload = SimpleUploadedFile(
        row.file_name,
        data,
        content_type=mimetypes.guess_type(row.file_name)[0] or "application/octet-stream",
    )
    if ahead is None:
        del data  # the upload holds the one copy (the thread checking ahead keeps it until it is done)
    fields = row.fields
    try:
        with transaction.atomic():
            submission = image_submission_create(
                contributor=bulk_import.contributor,
                upload=upload,
                description=fields.get("description", ""),
                native_description=fields.get("native_description", ""),
                native_language=fields.get("native_language", ""),
                countries=list(fields.get("countries", [])),
                location=fields.get("location", ""),
                group=fields.get("group", ""),
                license_confirmed=True,
                source="bulk",
            )
    except DomainError as error:
        _row_refuse(row, error.code, _error_reasons(error))
        return
    if ahead is not None:
        # The very bytes just stored under this name: the check the batch's commit runs uses its work.
        ahead.offer(name=submission.original.name, data=data)
    row.status = BulkImportRow.Status.IMPORTED
    row.submission = submission
    row.processed_at = timezone.now()


def image_submission_create(**kwargs):
    # Looked up at call time: the one service every way in shares (web form, API, bulk import).
    from contributions import services

    return services.image_submission_create(**kwargs)


def _row_reason(code: str, **params) -> dict:
    return bulk_row_message(code, **params).stored(code)


def _error_reasons(error: DomainError) -> list[dict]:
    """Every message of the service's refusal, untranslated: a row with two bad fields says both.

    A message the service gave only as text (not a `Message`) is kept as written, as a note."""
    texts = getattr(error, "texts", None)
    if isinstance(texts, dict) and texts:
        messages = [message for field_messages in texts.values() for message in field_messages]
    else:
        messages = [error.text or error.message]
    reasons: dict[str, dict] = {}
    for message in messages:
        if isinstance(message, Message):
            item = message.stored(error.code)
        else:
            item = rejection_reason(error.code, "", note=str(message))
        reasons.setdefault(repr(sorted(item.items())), item)
    return list(reasons.values())


def _row_refuse(row: BulkImportRow, code: str, reasons: list[dict]) -> None:
    """The row's refusal, set on it (saved with the other rows of its batch)."""
    row.status = BulkImportRow.Status.REFUSED
    row.reason_code = (code or "invalid")[:64]
    row.reasons = reasons
    row.processed_at = timezone.now()


def _refuse_pending(bulk_import: BulkImport, code: str) -> None:
    bulk_import.rows.filter(status=BulkImportRow.Status.PENDING).update(
        status=BulkImportRow.Status.REFUSED,
        reason_code=code,
        reasons=[_row_reason(code)],
        processed_at=timezone.now(),
    )


@transaction.atomic
def bulk_import_finish(*, import_id: int) -> bool:
    """Mark the import finished once no row is pending, and delete its archive (the images are stored)."""
    bulk_import = BulkImport.objects.select_for_update().get(pk=import_id)
    if bulk_import.status == BulkImport.Status.DONE:
        return True
    if bulk_import.rows.filter(status=BulkImportRow.Status.PENDING).exists():
        return False
    archive_name = bulk_import.archive.name
    archive_storage = bulk_import.archive.storage
    bulk_import.status = BulkImport.Status.DONE
    bulk_import.finished_at = timezone.now()
    bulk_import.archive = ""
    bulk_import.save(update_fields=["status", "finished_at", "archive", "updated_at"])
    if archive_name:
        transaction.on_commit(partial(archive_storage.delete, archive_name))
    return True


def bulk_imports_requeue_stale() -> list[int]:
    """Queue again the imports that stopped moving (broker down at upload, worker lost): beat runs it."""
    cutoff = timezone.now() - STALE_AFTER
    stale = list(
        BulkImport.objects.filter(
            status__in=[BulkImport.Status.QUEUED, BulkImport.Status.PROCESSING], updated_at__lt=cutoff
        ).values_list("pk", flat=True)
    )
    for import_id in stale:
        BulkImport.objects.filter(pk=import_id).update(updated_at=timezone.now())
        bulk_import_enqueue(import_id=import_id)
    return stale


def bulk_archives_sweep_orphans(*, min_age: timedelta = timedelta(hours=1)) -> list[str]:
    """Delete stored archives that no import points to: an upload that failed after storing its file,
    and ZIPs posted straight to the bucket (under `PENDING_PREFIX`) whose form was never sent."""
    cutoff = timezone.now() - min_age
    referenced = set(BulkImport.objects.exclude(archive="").values_list("archive", flat=True))
    orphans = [
        name
        for name, modified in storage.iter_stored("bulk/")
        if modified < cutoff and name not in referenced
    ]
    storage.delete_quietly(*orphans)
    return orphans
