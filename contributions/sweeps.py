"""Task 1's sweeps, run by the beat: checks left pending are queued again, stored files no
submission refers to are deleted, resumable uploads not completed in time are aborted.
"""

import re
import uuid
from datetime import timedelta

from django.utils import timezone

from contributions import conf, storage
from contributions.models import ImageSubmission, ResumableUpload
from contributions.pipeline import DERIVED_STATUSES, image_submission_check_enqueue

# ---------------------------------------------------------------------------------------------
# Sweeps (beat)
# ---------------------------------------------------------------------------------------------


def image_submissions_requeue_pending(
    *, older_than_minutes: int | None = None, older_than_seconds: int | None = None, limit: int = 1000
) -> int:
    """Queue again the checks of images left pending (the broker was down, or a worker died).

    Each one re-queued is touched (`updated_at`), so a check still waiting behind a long queue is
    queued again at most once per threshold, not at every sweep."""
    if older_than_seconds is None:
        older_than_seconds = conf.pending_requeue_seconds() if older_than_minutes is None else older_than_minutes * 60
    now = timezone.now()
    ids = list(
        ImageSubmission.objects.filter(
            status=ImageSubmission.Status.PENDING, updated_at__lte=now - timedelta(seconds=older_than_seconds)
        )
        .order_by("updated_at")
        .values_list("pk", flat=True)[:limit]
    )
    ImageSubmission.objects.filter(pk__in=ids, status=ImageSubmission.Status.PENDING).update(updated_at=now)
    for submission_id in ids:
        image_submission_check_enqueue(submission_id)
    return len(ids)


def image_submissions_rederive_missing(*, older_than_minutes: int = 10, limit: int = 200) -> int:
    """Queue the display and thumbnail of checked images that still have none some minutes after their
    verdict (the worker died between the two, or the encoding failed). Each one queued is touched
    (`updated_at`), so an image whose encoding keeps failing is tried again once per threshold."""
    now = timezone.now()
    ids = list(
        ImageSubmission.objects.filter(
            status__in=DERIVED_STATUSES,
            display="",
            checked_at__lte=now - timedelta(minutes=older_than_minutes),
            updated_at__lte=now - timedelta(minutes=older_than_minutes),
        )
        .exclude(original="")
        .order_by("updated_at")
        .values_list("pk", flat=True)[:limit]
    )
    ImageSubmission.objects.filter(pk__in=ids, display="").update(updated_at=now)
    from campaign.tasks import enqueue
    from contributions.tasks import derive_image_submission

    for submission_id in ids:
        enqueue(derive_image_submission, submission_id)
    return len(ids)


def stored_images_sweep_orphans(*, older_than_minutes: int | None = None, batch: int = 1000) -> int:
    """Delete stored image files that no submission refers to, once they are old enough that no upload
    can still be on its way to becoming a row. Returns how many were deleted."""
    minutes = conf.orphan_min_age_minutes() if older_than_minutes is None else older_than_minutes
    cutoff = timezone.now() - timedelta(minutes=minutes)
    deleted = 0
    page: list[str] = []

    def flush() -> int:
        keys = {}
        for name in page:
            match = re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", name)
            if match:
                keys[name] = match.group(0)
        referenced = set()
        rows = ImageSubmission.objects.filter(key__in=set(keys.values())).values_list(
            "original", "thumbnail", "display"
        )
        for row in rows:
            referenced.update(filter(None, row))
        orphans = [name for name in page if name not in referenced]
        storage.delete_quietly(*orphans)
        page.clear()
        return len(orphans)

    for name, modified in storage.iter_stored("images/"):
        if modified > cutoff:
            continue
        page.append(name)
        if len(page) >= batch:
            deleted += flush()
    if page:
        deleted += flush()
    return deleted


def resumable_uploads_sweep(*, older_than_hours: int | None = None) -> dict[str, int]:
    """Abort what resumable uploads left behind, once they are past their time (the daily beat sweep).

    Rows older than the limit go, open or completed (a completed one was kept only so a repeated
    finalize answers its submission), with their parts. Parts whose upload has no row are deleted.
    S3 multipart uploads left incomplete under `uploads/` or `images/original/` (an assembly cut off)
    are aborted when initiated before the limit, or whatever their age when on an expired row's key.
    Idempotent: a second run finds nothing. Returns what it removed."""
    hours = conf.resumable_upload_max_age_hours() if older_than_hours is None else older_than_hours
    cutoff = timezone.now() - timedelta(hours=hours)
    counts = {"uploads": 0, "parts": 0, "multipart": 0}

    expired = list(ResumableUpload.objects.filter(created_at__lte=cutoff).values_list("pk", "key"))
    expired_keys = {f"images/original/{key}" for _pk, key in expired}
    for pk, _key in expired:
        counts["parts"] += storage.delete_under(f"uploads/{pk}/")
    counts["uploads"] = ResumableUpload.objects.filter(pk__in=[pk for pk, _key in expired]).delete()[0]

    # Parts without their row (a PUT that arrived after a cancel, on a URL still valid): a row is written
    # before any part URL is given, so parts without one are left-overs, whatever their age.
    upload_ids = {name.split("/")[1] for name, _modified in storage.iter_stored("uploads/") if name.count("/") >= 2}
    candidates = [upload_id for upload_id in upload_ids if _is_uuid(upload_id)]
    known = {str(pk) for pk in ResumableUpload.objects.filter(pk__in=candidates).values_list("pk", flat=True)}
    for upload_id in sorted(set(candidates) - known):
        counts["parts"] += storage.delete_under(f"uploads/{upload_id}/")

    for prefix in ("uploads/", "images/original/"):
        for key, upload_id, initiated in storage.incomplete_multipart_uploads(prefix):
            if initiated <= cutoff or key in expired_keys:
                storage.abort_multipart_upload(key, upload_id)
                counts["multipart"] += 1
    return counts


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
