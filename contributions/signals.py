"""Signals other apps subscribe to, so that contributions never imports them.

`image_entered_review` is sent with `submission_id=` after the transaction that moved an image to
`in_review` commits; the review queue opens its item on it.

`image_removed` is sent with `submission_id=` after an organizer's take-down or the contributor's
withdrawal commits (its files are gone): whatever shows or reuses the image (the review queue, Task 4's
pool) should drop it.
"""

from django.dispatch import Signal

image_entered_review = Signal()
image_removed = Signal()
