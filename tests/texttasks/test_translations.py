import threading

import pytest
from django.db import connection

from campaign.errors import Conflict, DomainError, NotAllowed, ProfileIncomplete, TaskNotOpen
from campaign.models import Task
from campaign.services import tasks_set_status
from texttasks.models import Translation, TranslatorEnrollment
from texttasks.selectors import translation_progress
from texttasks.translations import translation_save, translator_enroll

pytestmark = pytest.mark.django_db


def test_a_language_takes_three_translators_and_says_so_when_full(make_user):
    for _ in range(3):
        translator_enroll(user=make_user(), language_code="khm")

    with pytest.raises(Conflict, match="Khmer already has its 3 translators"):
        translator_enroll(user=make_user(), language_code="khm")

    assert TranslatorEnrollment.objects.filter(language="khm").count() == 3
    khmer = next(row for row in translation_progress() if row.language.code == "khm")
    assert khmer.is_full and (khmer.translators, khmer.cap) == (3, 3)


def test_the_cap_is_a_setting(make_user, settings):
    settings.TRANSLATORS_PER_LANGUAGE = 1
    translator_enroll(user=make_user(), language_code="lao")

    with pytest.raises(Conflict, match="its 1 translators"):
        translator_enroll(user=make_user(), language_code="lao")


def test_enrollment_rules(make_user):
    user = make_user()
    with pytest.raises(DomainError, match="does not take this language"):
        translator_enroll(user=user, language_code="ind")  # Indonesian is not one of Task 3's languages
    translator_enroll(user=user, language_code="tha")
    assert translator_enroll(user=user, language_code="tha").language_id == "tha"  # again: no change
    with pytest.raises(Conflict, match="You already translate into Thai"):
        translator_enroll(user=user, language_code="lao")
    with pytest.raises(ProfileIncomplete):
        translator_enroll(user=make_user(complete_profile=False), language_code="tha")


@pytest.mark.django_db(transaction=True)
def test_concurrent_enrollments_never_exceed_the_cap(make_user):
    users = [make_user() for _ in range(6)]
    barrier = threading.Barrier(len(users))
    outcomes: list[str] = []

    def enroll(user):
        try:
            barrier.wait()
            translator_enroll(user=user, language_code="mya")
            outcomes.append("ok")
        except Conflict:
            outcomes.append("full")
        finally:
            connection.close()

    threads = [threading.Thread(target=enroll, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["full"] * 3 + ["ok"] * 3
    assert TranslatorEnrollment.objects.filter(language="mya").count() == 3


def test_a_translator_saves_a_draft_then_submits_once_per_prompt(translator, prompts):
    user = translator("tha")
    draft = translation_save(user=user, prompt_id=prompts[0].pk, text="ร่าง", submit=False)
    assert draft.status == "draft"

    submitted = translation_save(user=user, prompt_id=prompts[0].pk, text="คำแปลที่สมบูรณ์", submit=True)

    assert submitted.pk == draft.pk and submitted.status == "pending" and submitted.submitted_at
    assert Translation.objects.filter(contributor=user).count() == 1
    progress = next(row for row in translation_progress() if row.language.code == "tha")
    assert (progress.done, progress.total) == (1, len(prompts))


def test_translating_needs_an_enrollment_and_an_open_task(make_user, translator, prompts):
    with pytest.raises(NotAllowed, match="Enrol for a language first"):
        translation_save(user=make_user(), prompt_id=prompts[0].pk, text="x", submit=True)
    user = translator("tha")
    tasks_set_status(numbers=[3], status=Task.Status.CLOSED)

    with pytest.raises(TaskNotOpen):
        translation_save(user=user, prompt_id=prompts[0].pk, text="x", submit=True)
    with pytest.raises(TaskNotOpen):
        translator_enroll(user=make_user(), language_code="lao")
    assert not Translation.objects.exists()


def test_one_translation_per_translator_prompt_and_language_in_the_database(translator, prompts):
    from django.db import IntegrityError, transaction

    user = translator("tha")
    first = translation_save(user=user, prompt_id=prompts[0].pk, text="หนึ่ง", submit=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Translation.objects.create(contributor=user, prompt=first.prompt, language=first.language, text="สอง")
