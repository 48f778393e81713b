"""Task 1's check, run by the worker: an uploaded image is decoded, stripped, measured and compared,
then goes to review or is rejected with reasons a contributor understands; its display and thumbnail
WebPs are made right after that verdict is committed.

`image_submission_check_enqueue` hands a new upload to the worker; `image_submission_check` is what
the worker runs (contributions.tasks).
"""

import logging
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from campaign.events import EventKind, publish
from contributions import checks, conf, storage
from contributions.decisions import image_submission_event
from contributions.hashing import bands_of
from contributions.models import ImageSubmission
from contributions.reasons import CHECK_MESSAGES, rejection_reason
from contributions.selectors import near_duplicate_candidates
from contributions.signals import image_entered_review

logger = logging.getLogger(__name__)


# The images whose pages show their display and thumbnail WebPs.
DERIVED_STATUSES = (ImageSubmission.Status.IN_REVIEW, ImageSubmission.Status.ACCEPTED)


def image_submission_check_enqueue(submission_id: int) -> None:
    """Queue the check; if the broker is down, the submission stays pending and the sweep re-queues it."""
    from campaign.tasks import enqueue
    from contributions.tasks import check_image_submission

    enqueue(check_image_submission, submission_id)


def _check_reason(code: str) -> dict:
    """The stored reason for a check outcome: its msgid and the numbers it shows."""
    params = {"px": conf.min_short_side()} if code == "too_small" else None
    return rejection_reason(code, CHECK_MESSAGES[code], params)


# ---------------------------------------------------------------------------------------------
# Checks computed ahead (the bulk import, when checks run in this process)
# ---------------------------------------------------------------------------------------------


def _check_bytes(data: bytes, *, min_short_side: int, max_pixels: int) -> checks.CheckedImage:
    """The check's work on the image itself, no database: decode, measure, and (ahead) the WebPs."""
    analysis = checks.check_image(data, min_short_side=min_short_side, max_pixels=max_pixels)
    analysis.derive_ahead()
    return analysis


class ChecksAhead:
    """The image work of the checks of files just stored, done in one thread beside the caller's.

    The bulk import stores a batch of photos (as submissions) and their checks then run one by one
    when the batch commits; while the importing thread writes rows and verdicts, this thread decodes,
    measures and encodes the next photos (Pillow and numpy release the GIL while they work). Only the
    pure image work moves here: each verdict (locks, duplicate comparisons against every checked image,
    including the ones of this ZIP recorded before it) is still recorded by `image_submission_check` in
    the importing thread, in row order, so its outcome is the same as when the check runs inline.

    At most `window` files wait or are held here: beyond that `offer` declines (that check runs inline),
    so memory stays bounded whatever the size of the ZIP. Use as a context manager (`checks_ahead`).
    """

    def __init__(self, *, window: int) -> None:
        self._window = window
        self._futures: dict[str, Future] = {}
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="checks-ahead")

    def offer(self, *, name: str, data: bytes) -> bool:
        """Start checking `data`, the bytes just stored under `name`. False when the window is full."""
        with self._lock:
            if len(self._futures) >= self._window or name in self._futures:
                return False
            # The settings are read here, in the caller's thread, as the inline check reads them.
            self._futures[name] = self._executor.submit(
                _check_bytes, data, min_short_side=conf.min_short_side(), max_pixels=conf.max_pixels()
            )
        return True

    def take(self, name: str) -> Future | None:
        """The check started for the file stored under `name` (taken out of the window), if any."""
        with self._lock:
            return self._futures.pop(name, None)

    def close(self) -> None:
        """Drop what was not taken (its submission's check did not run here) and stop the thread."""
        with self._lock:
            left, self._futures = list(self._futures.values()), {}
        for future in left:
            future.cancel()
        self._executor.shutdown(wait=True)
        for future in left:
            if not future.cancelled() and future.exception() is None:
                future.result().close()


_checks_ahead: ContextVar[ChecksAhead | None] = ContextVar("checks_ahead", default=None)


@contextmanager
def checks_ahead(*, window: int) -> Iterator[ChecksAhead]:
    """Within the block, `image_submission_check` in this thread uses the image work `offer`ed to the
    yielded `ChecksAhead` for the files it was offered (when the check runs in-process, eagerly)."""
    ahead = ChecksAhead(window=window)
    token = _checks_ahead.set(ahead)
    try:
        yield ahead
    finally:
        _checks_ahead.reset(token)
        ahead.close()


def _checked_ahead(name: str) -> checks.CheckedImage | None:
    """The image work done ahead for the file `name`; raises its ImageCheckError as the check would.

    None when none was offered, or when it failed otherwise (a bug, memory): the check then runs
    inline on the stored file, exactly as it would have without it."""
    ahead = _checks_ahead.get()
    future = ahead.take(name) if ahead is not None and name else None
    if future is None:
        return None
    try:
        return future.result()
    except checks.ImageCheckError:
        raise
    except Exception:
        logger.warning("The check computed ahead for %s failed; checked again inline.", name, exc_info=True)
        return None


# ---------------------------------------------------------------------------------------------
# The check
# ---------------------------------------------------------------------------------------------


class _Stale(Exception):
    """The submission changed (withdrawn, or checked by another worker) while this one worked."""


def _reject_now(submission: ImageSubmission, reasons: list[dict], *, delete_files: bool) -> None:
    """Inside a transaction holding the row: reject with reasons (and drop unusable files)."""
    names = [submission.original.name, submission.thumbnail.name, submission.display.name]
    submission.status = ImageSubmission.Status.REJECTED
    submission.rejection_reasons = reasons
    submission.checked_at = submission.decided_at = timezone.now()
    update_fields = ["status", "rejection_reasons", "checked_at", "decided_at", "updated_at"]
    if delete_files:
        submission.original.name = submission.thumbnail.name = submission.display.name = ""
        update_fields += ["original", "thumbnail", "display"]
        transaction.on_commit(lambda: storage.delete_quietly(*names))
    submission.save(update_fields=update_fields)
    publish(image_submission_event(submission, EventKind.REJECTED, reason=reasons[0]["code"]))


def _claim_attempt(submission_id: int) -> ImageSubmission | None:
    """Count this attempt before the work (so an image that kills its worker is not tried forever).

    Returns the submission to check, or None when there is nothing (more) to do."""
    # The common case in one statement (an UPDATE is atomic and takes the row's lock itself, so it needs
    # no transaction around it): a pending submission with tries left. Anything else (gone, decided, out
    # of tries) takes the locked path.
    counted = ImageSubmission.objects.filter(
        pk=submission_id,
        status=ImageSubmission.Status.PENDING,
        check_attempts__lt=conf.max_check_attempts(),
    ).update(check_attempts=F("check_attempts") + 1, updated_at=timezone.now())
    if counted:
        # What the check reads before its verdict locks and reads the row again.
        return ImageSubmission.objects.filter(pk=submission_id).only("pk", "key", "original").first()
    with transaction.atomic():
        submission = ImageSubmission.objects.select_for_update().filter(pk=submission_id).first()
        if submission is None or submission.status != ImageSubmission.Status.PENDING:
            return None
        if submission.check_attempts >= conf.max_check_attempts():
            logger.warning(
                "Image %s failed its check %s times: rejected.", submission_id, submission.check_attempts
            )
            _reject_now(submission, [_check_reason("check_failed")], delete_files=True)
            return None
        submission.check_attempts += 1
        submission.save(update_fields=["check_attempts", "updated_at"])
        return submission


def _lock_for_duplicates() -> None:
    """One check at a time compares and records hashes, so two copies checked at once are still caught."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [0x5EA71])


def _duplicate_reasons(submission: ImageSubmission, analysis) -> list[dict]:
    """Exact and near duplicates among every other checked submission, except the contributor's own
    rejected or withdrawn ones and (for near duplicates) shots in the same group of the same contributor."""
    others = ImageSubmission.objects.exclude(pk=submission.pk).exclude(
        contributor_id=submission.contributor_id,
        status__in=[ImageSubmission.Status.REJECTED, ImageSubmission.Status.WITHDRAWN],
    )
    if others.filter(content_sha256=analysis.sha256).exists():
        return [_check_reason("duplicate")]
    candidates = near_duplicate_candidates(
        phash=analysis.phash, distance=conf.near_duplicate_distance(), exclude_id=submission.pk
    )
    if not candidates:
        return []
    near = others.filter(pk__in=[pk for pk, _phash in candidates])
    if submission.group:
        near = near.exclude(contributor_id=submission.contributor_id, group=submission.group)
    return [_check_reason("near_duplicate")] if near.exists() else []


def image_submission_check(*, submission_id: int) -> ImageSubmission | None:
    """The worker's check of one pending image: decode, strip, derive, measure, compare, decide.

    Idempotent: anything but a pending submission is left as it is, so a redelivered task changes
    nothing twice. Ends with the submission `in_review` (maybe flagged as borderline blurry) or
    `rejected` with reasons a contributor understands. The verdict is committed before the display
    and thumbnail WebPs are encoded (from the image the check decoded, in this same run), so the
    contributor and the review queue do not wait for them.
    """
    submission = _claim_attempt(submission_id)
    if submission is None:
        return ImageSubmission.objects.filter(pk=submission_id).first()
    try:
        # Done ahead from the very bytes stored under this name (the bulk import), or here.
        analysis = _checked_ahead(submission.original.name)
        if analysis is None:
            analysis = _check_stored(submission)
    except _FileMissing:
        with transaction.atomic():
            locked = ImageSubmission.objects.select_for_update().get(pk=submission_id)
            if locked.status == ImageSubmission.Status.PENDING:
                _reject_now(locked, [_check_reason("file_missing")], delete_files=True)
        return locked
    except checks.ImageCheckError as error:
        with transaction.atomic():
            locked = ImageSubmission.objects.select_for_update().get(pk=submission_id)
            if locked.status == ImageSubmission.Status.PENDING:
                code = error.code if error.code in CHECK_MESSAGES else "corrupt"
                # The file is unusable (and may carry GPS data): it is not kept.
                _reject_now(locked, [_check_reason(code)], delete_files=True)
        return locked
    with analysis:
        derived_ahead = analysis.derived_ahead  # then recorded with the verdict
        locked = _record_verdict(submission, analysis)
        if locked is not None and not derived_ahead:
            _record_derivatives(locked, analysis)
    return locked or ImageSubmission.objects.filter(pk=submission_id).first()


class _FileMissing(Exception):
    """The submission's uploaded file is not in storage (any more)."""


def _check_stored(submission: ImageSubmission) -> checks.CheckedImage:
    try:
        data = storage.read_all(submission.original.name) if submission.original.name else None
    except FileNotFoundError:
        data = None
    if data is None:
        raise _FileMissing
    return checks.check_image(data, min_short_side=conf.min_short_side(), max_pixels=conf.max_pixels())


def image_submission_derive(*, submission_id: int) -> bool:
    """Make the display and thumbnail WebPs of a checked image that has none, from its clean file.

    The check commits its verdict before encoding them, so a worker that died in between (or an
    encoding that failed) leaves an image in review with no display: reviewers on phones would be sent
    the full-size file for good. Idempotent: an image that has them, or no longer needs them, is left
    as it is. Returns whether they were recorded."""
    submission = (
        ImageSubmission.objects.filter(pk=submission_id, status__in=DERIVED_STATUSES, display="")
        .exclude(original="")
        .first()
    )
    if submission is None:
        return False
    try:
        data = storage.read_all(submission.original.name)
        analysis = checks.check_image(data, min_short_side=1, max_pixels=conf.max_pixels())
    except (FileNotFoundError, checks.ImageCheckError):
        logger.exception("Image %s: its clean file could not be read to make its display.", submission.pk)
        return False
    del data
    with analysis:
        _record_derivatives(submission, analysis)
    return bool(submission.display.name)


def _record_verdict(submission: ImageSubmission, analysis: checks.CheckedImage) -> ImageSubmission | None:
    """Store the clean file and decide, in one transaction; None if the submission changed meanwhile.

    The display and thumbnail WebPs are not waited for: they follow (`_record_derivatives`), and until
    they are there every page shows the clean original instead. When they were made ahead (the bulk
    import's thread), they are stored first and recorded in the verdict's own UPDATE: one statement and
    one commit less, and no moment in review without them.
    """
    submission_id = submission.pk
    extension = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}.get(analysis.mime_type, "img")
    clean = ContentFile(analysis.clean_bytes)
    clean.content_type = analysis.mime_type
    clean_name = default_storage.save(f"images/clean/{submission.key}.{extension}", clean)
    derived_names: list[str] = []
    if analysis.derived_ahead:
        try:
            derived_names = _store_derivatives(submission.key, analysis.derivatives())
        except Exception:
            # As when they are made after the verdict: the verdict is kept, the pages on the original.
            logger.exception("Image %s: its display and thumbnail could not be made.", submission_id)
    try:
        with transaction.atomic():
            locked = ImageSubmission.objects.select_for_update().get(pk=submission_id)
            if locked.status != ImageSubmission.Status.PENDING:
                raise _Stale
            _lock_for_duplicates()
            reasons = _duplicate_reasons(locked, analysis)
            verdict = checks.blur_verdict(
                analysis.sharpness, reject_below=conf.blur_reject_below(), flag_below=conf.blur_flag_below()
            )
            if verdict == "reject":
                reasons.insert(0, _check_reason("too_blurry"))
            upload_name = locked.original.name
            old_derivatives = [name for name in (locked.thumbnail.name, locked.display.name) if name]
            locked.original.name = clean_name
            locked.thumbnail.name, locked.display.name = derived_names or ("", "")
            locked.content_type = analysis.mime_type
            locked.width, locked.height = analysis.width, analysis.height
            locked.content_sha256 = analysis.sha256
            locked.phash = analysis.phash
            bands = bands_of(analysis.phash)  # written with the hash, in the same save
            locked.phash_band0, locked.phash_band1, locked.phash_band2, locked.phash_band3 = bands
            locked.sharpness = analysis.sharpness
            locked.blur_flagged = verdict == "flag"
            locked.checked_at = timezone.now()
            if not reasons:  # into review with the measurements, in the same UPDATE
                locked.status = ImageSubmission.Status.IN_REVIEW
                locked.rejection_reasons = []
            locked.save(update_fields=_VERDICT_FIELDS)
            stale = [
                name
                for name in (upload_name, *old_derivatives)
                if name and name != clean_name and name not in derived_names
            ]
            if stale:
                transaction.on_commit(lambda: storage.delete_quietly(*stale))
            if reasons:
                _reject_now(locked, reasons, delete_files=False)
            else:
                transaction.on_commit(
                    lambda: image_entered_review.send(sender=ImageSubmission, submission_id=submission_id)
                )
    except _Stale:
        storage.delete_quietly(clean_name, *derived_names)
        return None
    except BaseException:
        storage.delete_quietly(clean_name, *derived_names)
        raise
    return locked


# What the verdict sets on the locked row (nothing else of it changes): written in one UPDATE.
_VERDICT_FIELDS = [
    "original",
    "thumbnail",
    "display",
    "content_type",
    "width",
    "height",
    "content_sha256",
    "phash",
    "phash_band0",
    "phash_band1",
    "phash_band2",
    "phash_band3",
    "sharpness",
    "blur_flagged",
    "checked_at",
    "status",
    "rejection_reasons",
    "updated_at",
]


def _store_derivatives(key, derived: checks.Derivatives) -> list[str]:
    """The thumbnail and display WebPs stored under the submission's key: their names, in that order."""
    names: list[str] = []
    try:
        for name, payload in (("thumbnail", derived.thumbnail_webp), ("display", derived.display_webp)):
            content = ContentFile(payload)
            content.content_type = "image/webp"
            names.append(default_storage.save(f"images/derived/{key}/{name}.webp", content))
    except BaseException:
        storage.delete_quietly(*names)
        raise
    return names


def _record_derivatives(submission: ImageSubmission, analysis: checks.CheckedImage) -> None:
    """Encode the display and thumbnail WebPs from the image the check decoded, store them, record them.

    After the verdict's commit. Recorded only while the submission still has the clean file the check
    stored (not withdrawn or removed meanwhile); otherwise the files are deleted again. A failure
    here leaves the verdict as it is and the pages on the original (logged, not raised).
    """
    key = submission.key
    new_names: list[str] = []
    try:
        new_names = _store_derivatives(key, analysis.derivatives())
        # One UPDATE, atomic on its own: only while the row still has the clean file and no derivatives.
        recorded = ImageSubmission.objects.filter(
            pk=submission.pk, original=submission.original.name, thumbnail="", display=""
        ).update(thumbnail=new_names[0], display=new_names[1], updated_at=timezone.now())
        if not recorded:
            storage.delete_quietly(*new_names)
            return
        submission.thumbnail.name, submission.display.name = new_names
    except Exception:
        logger.exception("Image %s: its display and thumbnail could not be made.", submission.pk)
        storage.delete_quietly(*new_names)
