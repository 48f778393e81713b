"""The notice tests decide images built by the suite's one builder (tests/builders.py)."""

import pytest

from contributions.reasons import REASON_MESSAGES, rejection_reason


@pytest.fixture
def decided_image(build_image, django_capture_on_commit_callbacks):
    """decided_image(user, accepted=True) -> the submission after its decision, its event delivered.

    A rejection carries a review reason as the consensus stores it (a msgid), so a digest can be read
    in the contributor's language."""
    from contributions.decisions import image_submission_decide

    def make(user, *, accepted: bool = True):
        submission = build_image(
            user, countries=("ID",), native_description="Lapak di pasar pagi", native_language="Indonesian (ind)"
        )
        reasons = None if accepted else [rejection_reason("caption_mismatch", REASON_MESSAGES["caption_mismatch"])]
        with django_capture_on_commit_callbacks(execute=True):
            image_submission_decide(submission_id=submission.pk, accepted=accepted, reasons=reasons)
        submission.refresh_from_db()
        return submission

    return make
