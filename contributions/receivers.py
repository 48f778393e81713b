"""What Task 1 plugs into the campaign's shared machinery, loaded once by ContributionsConfig.ready():
its accepted images as a credit source (the points recomputation) and its pending images as a pending
source (what a contributor may still earn). Task 1 listens to no signal."""

from campaign.events import register_credit_source, register_pending_source
from contributions.credit import accepted_images_as_events, accepted_images_as_rows, pending_images_as_events
from contributions.decisions import IMAGE_SOURCE


def connect() -> None:
    register_credit_source(
        "images", accepted_images_as_events, as_rows=accepted_images_as_rows, covers=(IMAGE_SOURCE,)
    )
    register_pending_source("images", pending_images_as_events)
