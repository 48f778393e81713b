"""Task 4 (visual questions), Task 5 (English generation prompt chains) and Task 6 (text prompts)."""

import pytest
from text_helpers import CHAIN

from campaign.errors import Conflict, DomainError, TaskNotOpen
from campaign.models import Task
from campaign.services import tasks_set_status
from texttasks.checks import chain_problems, english_problem, normalise_question
from texttasks.edits import text_submission_update, text_submission_withdraw
from texttasks.models import GenerationPrompt, TextPrompt, VisualQuestion
from texttasks.prompts import generation_chain_create, generation_chain_update, text_prompt_create
from texttasks.questions import visual_question_create
from texttasks.selectors import next_image_for

# --- The checks, as pure functions ---


def test_questions_are_normalised_before_comparing():
    assert normalise_question("  What dish is THIS?! ") == normalise_question("what   dish is this")
    assert normalise_question("Món này là gì?") == "món này là gì"


@pytest.mark.parametrize(
    "text",
    [
        "วาดภาพผู้คนกำลังดื่มเฉาก๊วยในตลาดน้ำ",  # Thai
        "Gambarkan orang-orang yang sedang minum cendol dengan topping durian di pasar.",  # Indonesian
        "Vẽ hình ảnh những người đang uống chè đậu xanh ở chợ nổi.",  # Vietnamese
        "Iguhit ang mga taong umiinom ng halo-halo sa tabi ng kalsada.",  # Tagalog
        "画一幅人们在夜市喝甘蔗汁的图",  # Mandarin
    ],
)
def test_prompts_not_in_english_are_refused(text):
    assert english_problem(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        CHAIN[2],
        "A grandmother selling bánh mì from a wooden cart on a busy street in Hà Nội at sunset.",
        "Two children flying kites over the rice fields of Bali during the dry season.",
    ],
)
def test_good_english_prompts_pass_even_with_local_names(text):
    assert english_problem(text) is None


def test_each_level_must_build_on_the_one_before():
    assert chain_problems(CHAIN) == {}
    assert 2 in chain_problems([CHAIN[0], "Draw people.", CHAIN[2]])  # shorter
    assert 3 in chain_problems(
        [CHAIN[0], CHAIN[1], "A picture of a temple on a hill at dawn with many monks walking."]
    )


# --- Task 4 ---

pytestmark = pytest.mark.django_db


def test_the_same_question_on_the_same_image_is_refused(make_user, pool):
    visual_question_create(user=make_user(), image_id=pool[0].pk, language_code="tha",
                           question="ขนมนี้ชื่ออะไร?", answer="ขนมชั้น")  # fmt: skip

    with pytest.raises(Conflict, match="already asked about this image"):
        visual_question_create(user=make_user(), image_id=pool[0].pk, language_code="tha",
                               question="  ขนมนี้ชื่ออะไร ", answer="ขนมชั้น")  # fmt: skip
    # The same question on another image is a question of its own.
    visual_question_create(user=make_user(), image_id=pool[1].pk, language_code="tha",
                           question="ขนมนี้ชื่ออะไร?", answer="ขนมชั้น")  # fmt: skip
    assert VisualQuestion.objects.count() == 2


def test_task4_languages_are_the_spec_list(make_user, pool):
    with pytest.raises(DomainError, match="does not take this language"):
        visual_question_create(
            user=make_user(), image_id=pool[0].pk, language_code="eng", question="What?", answer="x"
        )
    question = visual_question_create(user=make_user(), image_id=pool[0].pk, language_code="vie",
                                      question="Món này là gì?", answer="Phở")  # fmt: skip
    assert question.language_id == "vie"


def test_images_of_chosen_countries_and_with_fewest_questions_come_first(make_user, pool):
    thai_1, thai_2, indonesian = pool  # img-0, img-1: Thailand; img-2: Indonesia
    user = make_user(country="ID")
    assert next_image_for(user=user) == indonesian  # residence country when none chosen
    assert next_image_for(user=user, countries=["TH"]) == thai_1
    visual_question_create(
        user=make_user(), image_id=thai_1.pk, language_code="tha", question="ใครทำขนมนี้", answer="x"
    )
    assert next_image_for(user=user, countries=["TH"]) == thai_2  # fewer questions
    visual_question_create(user=user, image_id=thai_2.pk, language_code="tha", question="ที่ไหน", answer="x")
    assert next_image_for(user=user, countries=["TH"]) == thai_1  # never one already asked about


def test_edit_while_pending_and_withdraw(make_user, pool):
    user = make_user()
    question = visual_question_create(
        user=user, image_id=pool[0].pk, language_code="tha", question="ใครทำขนมนี้", answer="x"
    )

    edited = text_submission_update(user=user, task_number=4, submission_id=question.pk,
                                    fields={"question": "นี่คือขนมอะไร", "answer": "ขนมชั้น"})  # fmt: skip
    assert edited.question_normalised == "นี่คือขนมอะไร"
    pool[0].refresh_from_db()
    assert pool[0].question_count == 1
    text_submission_withdraw(user=user, task_number=4, submission_id=question.pk)
    pool[0].refresh_from_db()
    assert pool[0].question_count == 0  # a withdrawn question no longer counts for "fewest questions"
    with pytest.raises(Conflict, match="Only a pending"):
        text_submission_update(user=user, task_number=4, submission_id=question.pk,
                               fields={"question": "อีกครั้ง", "answer": "x"})  # fmt: skip
    # A withdrawn question frees its wording for someone else.
    visual_question_create(
        user=make_user(), image_id=pool[0].pk, language_code="tha", question="นี่คือขนมอะไร", answer="y"
    )


# --- Task 5 ---


def test_a_chain_of_three_is_three_submissions_sharing_a_chain_id(make_user):
    levels = generation_chain_create(user=make_user(), country_code="ID", levels=CHAIN)

    assert [p.level for p in levels] == [1, 2, 3]
    assert len({p.chain_id for p in levels}) == 1
    assert all(p.status == "pending" and p.country_id == "ID" for p in levels)


def test_a_non_english_level_is_refused_with_a_clear_message(make_user):
    levels = [CHAIN[0], "Gambarkan orang-orang yang sedang minum cendol dengan topping durian.", CHAIN[2]]

    with pytest.raises(DomainError, match="Task 5 takes English prompts only") as error:
        generation_chain_create(user=make_user(), country_code="ID", levels=levels)

    assert error.value.field == "level_2"
    assert not GenerationPrompt.objects.exists()


def test_a_chain_that_does_not_build_up_is_refused(make_user):
    with pytest.raises(DomainError, match="Level 2 must add detail"):
        generation_chain_create(user=make_user(), country_code="ID", levels=[CHAIN[1], CHAIN[0], CHAIN[2]])
    with pytest.raises(DomainError, match="one of the campaign's 11 countries"):
        generation_chain_create(user=make_user(), country_code="FR", levels=CHAIN)


def test_a_pending_chain_can_be_edited_as_a_whole(make_user):
    user = make_user()
    levels = generation_chain_create(user=user, country_code="MY", levels=CHAIN)
    new = [CHAIN[0], CHAIN[1].replace("durian", "red bean"), CHAIN[2].replace("durian", "red bean")]

    generation_chain_update(user=user, chain_id=levels[0].chain_id, country_code="SG", levels=new)

    assert list(GenerationPrompt.objects.order_by("level").values_list("text", "country")) == [
        (new[0], "SG"), (new[1], "SG"), (new[2], "SG")
    ]  # fmt: skip


# --- Task 6 ---


def test_task6_is_refused_until_an_organizer_opens_it(make_user):
    user = make_user()
    with pytest.raises(TaskNotOpen, match="not open yet"):
        text_prompt_create(
            user=user, language_code="ind", country_code="ID", text="Ceritakan tentang pasar malam."
        )
    assert not TextPrompt.objects.exists()

    tasks_set_status(numbers=[6], status=Task.Status.OPEN)
    prompt = text_prompt_create(
        user=user, language_code="ind", country_code="ID", text="Ceritakan tentang pasar malam."
    )

    assert (prompt.status, prompt.language_id, prompt.country_id) == ("pending", "ind", "ID")


@pytest.mark.parametrize("number", [4, 5])
def test_closed_tasks_refuse_every_write(make_user, pool, number):
    user = make_user()
    question = visual_question_create(
        user=user, image_id=pool[0].pk, language_code="tha", question="อะไร", answer="x"
    )
    chain = generation_chain_create(user=user, country_code="ID", levels=CHAIN)
    tasks_set_status(numbers=[number], status=Task.Status.CLOSED)

    writes = {
        4: [
            lambda: visual_question_create(user=user, image_id=pool[1].pk, language_code="tha", question="q", answer="a"),
            lambda: text_submission_update(user=user, task_number=4, submission_id=question.pk,
                                           fields={"question": "q2", "answer": "a"}),
            lambda: text_submission_withdraw(user=user, task_number=4, submission_id=question.pk),
        ],
        5: [
            lambda: generation_chain_create(user=user, country_code="ID", levels=CHAIN),
            lambda: generation_chain_update(user=user, chain_id=chain[0].chain_id, country_code="ID", levels=CHAIN),
            lambda: text_submission_withdraw(user=user, task_number=5, submission_id=chain[0].pk),
        ],
    }  # fmt: skip
    for write in writes[number]:
        with pytest.raises(TaskNotOpen):
            write()


def test_zero_width_word_breaks_do_not_make_a_question_new():
    assert normalise_question("ขนม\u200bนี้ชื่ออะไร") == normalise_question("ขนมนี้ชื่ออะไร ?")
