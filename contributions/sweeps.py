"""Task 1's sweeps, run by the beat: checks left pending are queued again, stored files no
submission refers to are deleted.
"""

import re
from datetime import timedelta

from django.utils import timezone

from contributions import conf, storage
from contributions.models import ImageSubmission
from contributions.pipeline import image_submission_check_enqueue

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
