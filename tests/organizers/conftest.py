"""Helpers for the organizer tests: photos taken WITH a GPS position, submitted through Task 1's upload
service and checked by its worker (which strips the GPS data from the stored copy), then rated through
Task 2's services so that the consensus decides them.
"""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from organizer_images import has_gps, jpeg_bytes

ALL_COUNTRIES = ("BN", "KH", "TL", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN")
# (relevance, caption fits, quality ok) of the three counted ratings, by the decision wanted.
RATINGS = {
    "accepted": [(5, True, True), (4, True, True), (3, False, True)],
    "rejected": [(1, False, False), (2, False, True), (1, True, False)],
}


@pytest.fixture(autouse=True)
def _review_settings(settings):
    settings.IMAGE_MIN_SHORT_SIDE = 32
    settings.REVIEW_RATINGS_NEEDED = 3
    settings.REVIEW_GOLD_RATE = 0
    settings.ORGANIZERS_DASHBOARD_CACHE_SECONDS = 0  # every request computes (the caching has its test)


@pytest.fixture
def annotators(make_user):
    from accounts.roles import ANNOTATOR
    from review.models import AnnotatorQualification

    users = []
    for n in range(3):
        user = make_user(f"annotator{n}@example.org", roles=(ANNOTATOR,), country="TH")
        AnnotatorQualification.objects.bulk_create(
            [AnnotatorQualification(user=user, country_id=code) for code in ALL_COUNTRIES]
        )
        users.append(user)
    return users


@pytest.fixture
def submit_image(make_user, annotators, django_capture_on_commit_callbacks):
    """Submit a photo taken WITH a GPS position and move it to `status`: accepted/rejected through three
    real ratings and the consensus; in_review, pending or withdrawn as they are. `store_gps` keeps the
    unstripped bytes in storage, as a broken pipeline would; `upload` replaces the photo (with GPS too)."""
    from django.core.files.storage import default_storage

    from contributions.models import ImageSubmission
    from contributions.services import image_submission_create
    from review.answers import rating_record
    from review.queue import review_item_open
    from review.types import Answers

    counter = {"n": 0}

    def submit(
        contributor=None,
        *,
        countries=("ID",),
        status="accepted",
        created_days_ago: int = 0,
        store_gps: bool = False,
        description: str = "People drinking cendol at a market",
        native: str = "Orang minum cendol di pasar",
        language=("ind", "Indonesian"),
        location: str = "Jakarta, Indonesia",
        upload: bytes | None = None,
    ):
        counter["n"] += 1
        contributor = contributor or make_user()
        upload = upload or jpeg_bytes(counter["n"], gps=True)
        assert has_gps(upload)
        with django_capture_on_commit_callbacks(execute=True):
            created = image_submission_create(
                contributor=contributor,
                upload=upload,
                description=description,
                native_description=native,
                native_language=f"{language[1]} ({language[0]})",
                countries=list(countries),
                location=location,
                license_confirmed=True,
                filename="phone.jpg",
            )
        submission = ImageSubmission.objects.get(pk=created.pk)
        assert submission.status == ImageSubmission.Status.IN_REVIEW, submission.rejection_reasons
        with default_storage.open(submission.original.name, "rb") as handle:
            assert not has_gps(handle.read()), "the check stores the photo without its GPS data"
        if store_gps:  # a broken pipeline: the unstripped bytes back in storage
            default_storage.delete(submission.original.name)
            default_storage.save(submission.original.name, ContentFile(upload))
        if status in RATINGS:
            review_item_open(submission_id=submission.pk)
            with django_capture_on_commit_callbacks(execute=True):
                for annotator, (relevance, fits, quality) in zip(annotators, RATINGS[status], strict=True):
                    rating_record(
                        annotator=annotator,
                        item_id=submission.pk,
                        answers=Answers(relevance=relevance, caption_fit=fits, quality_ok=quality),
                    )
            submission.refresh_from_db()
            assert submission.status == status
        elif status != "in_review":
            ImageSubmission.objects.filter(pk=submission.pk).update(status=status)
        if created_days_ago:
            moment = timezone.now() - timedelta(days=created_days_ago)
            ImageSubmission.objects.filter(pk=submission.pk).update(created_at=moment)
        submission.refresh_from_db()
        return submission

    return submit


@pytest.fixture
def text_contributions(make_user, organizer, submit_image, django_capture_on_commit_callbacks):
    """Accepted (and some rejected or pending) contributions to Tasks 3, 4 and 5, through their services:
    two Lao translators of three prompts, Thai visual questions about an accepted image, a Cambodian
    chain of generation prompts."""
    from texttasks.decisions import text_submission_decide
    from texttasks.models import BenchmarkPrompt, PoolImage
    from texttasks.pool import pool_add_accepted_images
    from texttasks.prompts import generation_chain_create
    from texttasks.questions import visual_question_create
    from texttasks.translations import translation_save, translator_enroll

    def decide(task, submission, accepted=True):
        with django_capture_on_commit_callbacks(execute=True):
            text_submission_decide(
                task_number=task,
                submission_id=submission.pk,
                accepted=accepted,
                reason="" if accepted else "Not a translation of the prompt",
                decided_by=organizer,
            )

    prompts = [
        BenchmarkPrompt.objects.create(
            benchmark="aya",
            source_index=str(n),
            position=n,
            prompt=f"English prompt {n}",
            image_1=f"b/{n}.jpg",
        )
        for n in range(3)
    ]
    first, second = make_user(country="LA", native_language="Lao (lao)"), make_user(country="LA")
    for translator in (first, second):
        translator_enroll(user=translator, language_code="lao")
    accepted = translation_save(user=first, prompt_id=prompts[0].pk, text="ຄຳແປ 0", submit=True)
    decide(3, accepted)
    decide(3, translation_save(user=first, prompt_id=prompts[1].pk, text="ຄຳແປ 1", submit=True), False)
    translation_save(user=second, prompt_id=prompts[1].pk, text="ຄຳແປ 1 b", submit=True)  # pending
    translation_save(user=second, prompt_id=prompts[2].pk, text="draft", submit=False)  # a draft

    image = submit_image(countries=("TH",))
    pool_add_accepted_images()
    pool_image = PoolImage.objects.get(image_submission=image)
    asker = make_user(country="TH", native_language="Thai (tha)")
    question = visual_question_create(
        user=asker, image_id=pool_image.pk, language_code="tha", question="ขนมนี้ชื่ออะไร", answer="ข้าวเหนียว"
    )
    decide(4, question)

    writer = make_user(country="KH")
    chain = generation_chain_create(
        user=writer,
        country_code="KH",
        levels=[
            "Draw people eating num banh chok.",
            "Draw people eating num banh chok at a riverside market.",
            "Draw people eating num banh chok at a riverside market during Pchum Ben.",
        ],
    )
    for prompt in chain:
        decide(5, prompt)
    return {"translation": accepted, "question": question, "image": image, "chain": chain}
