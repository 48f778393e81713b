"""Signals other apps subscribe to, so that contributions never imports them.

`image_entered_review` is sent with `submission_id=` after the transaction that moved an image to
`in_review` commits; the review queue opens its item on it.
"""

from django.dispatch import Signal

image_entered_review = Signal()
