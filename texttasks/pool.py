"""Task 4's pool of images: accepted Task 1 images join it; an image taken down leaves it.

(Imported image sets join it through `texttasks/imports.py`.)
"""

from django.db import transaction

from texttasks.models import PoolImage


def pool_add_accepted_images() -> int:
    """Put every accepted Task 1 image in Task 4's pool (once); returns how many were added."""
    from contributions.models import ImageSubmission

    added = 0
    accepted = ImageSubmission.objects.filter(status=ImageSubmission.Status.ACCEPTED, pool_image__isnull=True)
    for submission in accepted.prefetch_related("countries").iterator(chunk_size=500):
        with transaction.atomic():
            image, created = PoolImage.objects.get_or_create(
                image_submission=submission, defaults={"caption": submission.description}
            )
            if created:
                image.countries.set(submission.countries.all())
                added += 1
    return added


def pool_image_drop_submission(*, submission_id: int) -> int:
    """Take a Task 1 image out of Task 4's pool (an organizer took it down; its files are gone).
    Its questions stay as they were decided; no new ones are asked. Returns how many rows changed."""
    return PoolImage.objects.filter(image_submission_id=submission_id, active=True).update(active=False)
