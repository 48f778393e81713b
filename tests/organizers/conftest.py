"""Helpers for the organizer tests: photos taken WITH a GPS position, whose stored copies had it removed
(as Task 1's check does), rated through Task 2's real services so that the consensus decides them.

NOTE: the image rows are made with the ORM (status in_review, the stripped copy in default storage)
while Task 1's upload service is not on this branch; `submit_image` switches to it when it lands.
"""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from organizer_images import has_gps, jpeg_bytes, strip_metadata

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
    unstripped bytes in storage, as a broken pipeline would."""
    from campaign.models import Country
    from contributions.models import ImageSubmission
    from review.services import Answers, rating_record, review_item_open

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
    ):
        counter["n"] += 1
        contributor = contributor or make_user()
        upload = jpeg_bytes(counter["n"], gps=True)
        assert has_gps(upload)
        stored = upload if store_gps else strip_metadata(upload)
        submission = ImageSubmission(
            contributor=contributor,
            status=ImageSubmission.Status.IN_REVIEW,
            description=description,
            native_description=native,
            native_language_code=language[0],
            native_language_name=language[1],
            location=location,
            license_confirmed_at=timezone.now(),
            content_type="image/jpeg",
        )
        submission.original.save("upload.jpg", ContentFile(stored), save=False)
        submission.save()
        submission.countries.set(Country.objects.filter(code__in=countries))
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
    from texttasks.models import BenchmarkPrompt, PoolImage
    from texttasks.services import (
        generation_chain_create,
        pool_add_accepted_images,
        text_submission_decide,
        translation_save,
        translator_enroll,
        visual_question_create,
    )

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
        user=asker, image_id=pool_image.pk, language_code="tha", question="นี่คืออะไร", answer="ข้าวเหนียว"
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
