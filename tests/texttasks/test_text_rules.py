"""What the text tasks refuse: duplicates, the spec's own examples, the English source as its
translation, the questions Task 4's page forbids and spreadsheet formulas."""

from importlib import import_module

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction
from text_helpers import CHAIN, chain

from campaign.errors import Conflict, DomainError
from campaign.models import Task
from campaign.services import tasks_set_status
from texttasks.checks import SPEC_EXAMPLE_PROMPTS, looks_like_formula, question_rule_problem
from texttasks.edits import text_submission_update, text_submission_withdraw
from texttasks.models import GenerationPrompt, PromptDraft, TextPrompt, Translation, VisualQuestion
from texttasks.prompts import generation_chain_create, text_prompt_create
from texttasks.questions import visual_question_create
from texttasks.translations import translation_save

pytestmark = pytest.mark.django_db


# --- Task 5: duplicates and the spec's example ---


def test_the_spec_example_chain_is_refused_every_time(api):
    for _attempt in range(2):
        response = api.post("/generation-prompts", {"country": "ID", "levels": list(SPEC_EXAMPLE_PROMPTS)})
        assert response.status_code == 400
        assert "example prompt" in response.json()["detail"]
        assert response.json()["errors"] == {"level_1": [response.json()["detail"]]}
    assert not GenerationPrompt.objects.exists()


def test_a_chain_sent_twice_is_refused_the_second_time(api, make_user):
    first = api.post("/generation-prompts", {"country": "ID", "levels": CHAIN})
    again = api.post("/generation-prompts", {"country": "ID", "levels": CHAIN})
    # Someone else, with other case, spacing and punctuation: still the same prompt.
    variant = [
        "DRAW an image  of people drinking es teler!",
        "Draw an image of people drinking es teler with avocado topping.",
        "Draw an image of people drinking es teler with avocado topping while wearing batik.",
    ]
    with pytest.raises(Conflict, match="already submitted") as error:
        generation_chain_create(user=make_user(), country_code="MY", levels=variant)

    assert first.status_code == 201
    assert again.status_code == 409 and "already submitted" in again.json()["detail"]
    assert error.value.field == "level_1"
    assert GenerationPrompt.objects.count() == 3


def test_a_withdrawn_prompt_frees_its_text(make_user):
    user = make_user()
    levels = generation_chain_create(user=user, country_code="ID", levels=CHAIN)
    for level in levels:
        text_submission_withdraw(user=user, task_number=5, submission_id=level.pk)

    again = generation_chain_create(user=make_user(), country_code="ID", levels=CHAIN)

    assert [row.status for row in again] == ["pending"] * 3


def test_a_level_repeating_an_earlier_one_says_so_not_already_submitted(make_user):
    with pytest.raises(DomainError, match="Level 3 repeats an earlier level") as error:
        generation_chain_create(user=make_user(), country_code="ID", levels=[CHAIN[0], CHAIN[1], CHAIN[1]])
    assert error.value.field == "level_3"
    assert not GenerationPrompt.objects.exists()


def test_editing_a_level_into_another_chains_prompt_is_refused(make_user):
    generation_chain_create(user=make_user(), country_code="ID", levels=chain("bajigur"))
    user = make_user()
    levels = generation_chain_create(user=user, country_code="ID", levels=CHAIN)

    with pytest.raises(DomainError, match="already submitted"):
        text_submission_update(
            user=user, task_number=5, submission_id=levels[0].pk, fields={"text": chain("bajigur")[0]}
        )
    with pytest.raises(DomainError, match="example prompt"):
        text_submission_update(
            user=user, task_number=5, submission_id=levels[0].pk, fields={"text": SPEC_EXAMPLE_PROMPTS[0]}
        )


def test_the_database_refuses_the_same_normalised_prompt_twice(make_user):
    level = generation_chain_create(user=make_user(), country_code="ID", levels=CHAIN)[0]
    copy = GenerationPrompt(
        contributor=level.contributor,
        chain_id=level.chain_id.__class__(int=level.chain_id.int + 1),
        level=1,
        country_id="ID",
        text=level.text,
        text_normalised=level.text_normalised,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()


# --- Task 6 ---


def test_a_text_prompt_sent_twice_is_refused_the_second_time(api, make_user):
    tasks_set_status(numbers=[6], status=Task.Status.OPEN)
    payload = {"language": "fil", "country": "PH", "text": "Isalaysay ang pista sa inyong bayan."}

    first = api.post("/text-prompts", payload)
    again = api.post("/text-prompts", payload)
    with pytest.raises(Conflict, match="already submitted"):
        text_prompt_create(
            user=make_user(),
            language_code="fil",
            country_code="PH",
            text="isalaysay ang pista sa inyong  bayan",
        )
    with pytest.raises(DomainError, match="example prompt"):
        text_prompt_create(
            user=make_user(), language_code="eng", country_code="ID", text=SPEC_EXAMPLE_PROMPTS[1]
        )

    assert first.status_code == 201
    assert again.status_code == 409 and again.json()["errors"] == {"text": [again.json()["detail"]]}
    assert TextPrompt.objects.count() == 1


def test_the_migration_backfills_the_normalised_text_and_keeps_old_duplicates_apart(make_user):
    tasks_set_status(numbers=[6], status=Task.Status.OPEN)
    user = make_user()
    common = {"contributor": user, "language_id": "ind", "country_id": "ID"}
    # Rows as they were before the column existed (its default), one of them a duplicate.
    first = TextPrompt.objects.create(**common, text="Pasar malam di kota.", text_normalised="stale 1")
    later = TextPrompt.objects.create(**common, text="pasar malam di kota", text_normalised="stale 2")
    gone = TextPrompt.objects.create(**common, text="Pasar malam di kota!", status="withdrawn")

    import_module("texttasks.migrations.0003_prompt_text_normalised").backfill(apps, None)

    values = dict(TextPrompt.objects.values_list("pk", "text_normalised"))
    assert values == {
        first.pk: "pasar malam di kota",
        later.pk: f"pasar malam di kota #{later.pk}",
        gone.pk: "pasar malam di kota",
    }


# --- Task 3: the English source is not a translation ---


def test_the_english_prompt_unchanged_is_not_a_translation(translator, prompts):
    user = translator()
    source = prompts[0].prompt

    with pytest.raises(DomainError, match="English prompt unchanged") as error:
        translation_save(user=user, prompt_id=prompts[0].pk, text=f"  {source.upper()}  ", submit=True)
    draft = translation_save(user=user, prompt_id=prompts[0].pk, text=source, submit=False)  # a start
    translated = translation_save(user=user, prompt_id=prompts[0].pk, text="คำแปลของฉัน", submit=True)
    with pytest.raises(DomainError, match="English prompt unchanged"):
        text_submission_update(user=user, task_number=3, submission_id=translated.pk, fields={"text": source})

    assert error.value.field == "text"
    assert draft.pk == translated.pk and Translation.objects.get().text == "คำแปลของฉัน"


def test_the_machine_translated_draft_unchanged_is_a_translation(translator, prompts):
    user = translator()
    draft = PromptDraft.objects.create(prompt=prompts[1], language_id="tha", text="แผนภูมิใดเพิ่มขึ้นมากกว่ากัน")

    saved = translation_save(user=user, prompt_id=prompts[1].pk, text=draft.text, submit=True)

    assert saved.status == "pending"


# --- Task 4: the rules its page states ---

BAD_QUESTIONS = [
    "What is in this image?",
    "what's in the picture",
    "What do you see in this photo?",
    "What is this?",
    "Describe this image.",
    "What does the image show?",
    "How many bowls are on the table?",
    "In this picture, how many people are dancing?",
    "Apa yang ada di gambar ini?",
    "Ada berapa orang di foto ini?",
    "Berapa banyak mangkuk di meja?",
    "นี่คืออะไร",
    "ในภาพนี้มีอะไรบ้าง",
    "มีกี่คนในภาพ",
    "Đây là gì?",
    "Bao nhiêu người đang múa?",
    "Ano ang nasa larawan na ito?",
    "Ilan ang tao sa larawan?",
    "这张图片里有什么？",
    "图里有几个人？",
]
# Each with the language it is written in (the language check refuses a question in another one); the
# English ones are held to the rules only, Task 4 taking questions in the campaign's languages.
GOOD_QUESTIONS = [
    ("What sport is played in this image?", None),  # the spec's own example
    ("What is in this bowl?", None),
    ("What is the name of this dessert?", None),
    ("Which festival are these dancers celebrating?", None),
    ("What is the woman on the left wearing on her head?", None),
    ("Why are the boats painted with eyes on the bow?", None),
    ("What is this dish called in Thai?", None),
    ("Apa nama makanan ini?", "ind"),
    ("Berapa harga kue ini di pasar?", "ind"),  # how much it costs: not counting
    ("Món này giá bao nhiêu?", "vie"),
    ("Người phụ nữ này bao nhiêu tuổi?", "vie"),  # how old
    ("ขนมนี้ชื่ออะไร", "tha"),
    ("Ano ang tawag sa pagkaing ito?", "fil"),
    ("这道菜叫什么名字？", "cmn"),
    ("Apa fungsi alat musik ini dalam upacara adat?", "ind"),
]


@pytest.mark.parametrize("question", BAD_QUESTIONS)
def test_generic_and_counting_questions_are_refused(make_user, pool, question):
    with pytest.raises(DomainError) as error:
        visual_question_create(
            user=make_user(), image_id=pool[0].pk, language_code="tha", question=question, answer="x"
        )
    assert error.value.field == "question"
    assert error.value.message.startswith("No generic questions")
    assert not VisualQuestion.objects.exists()


def test_good_questions_are_accepted(make_user, pool):
    user = make_user()
    for question, language in GOOD_QUESTIONS:
        assert question_rule_problem(question) is None, question
        if language:
            visual_question_create(
                user=user, image_id=pool[0].pk, language_code=language, question=question, answer="x"
            )
    assert VisualQuestion.objects.count() == sum(1 for _question, language in GOOD_QUESTIONS if language)


def test_editing_a_question_into_a_counting_one_is_refused(make_user, pool):
    user = make_user()
    question = visual_question_create(
        user=user, image_id=pool[0].pk, language_code="tha", question="อาหารจานนี้เรียกว่าอะไร", answer="x"
    )
    with pytest.raises(DomainError, match="counting"):
        text_submission_update(
            user=user,
            task_number=4,
            submission_id=question.pk,
            fields={"question": "How many bowls are on the table?", "answer": "3"},
        )


# --- Spreadsheet formulas, in every text task ---

FORMULAS = ['=HYPERLINK("http://example.org","click")', "=1+1", "+SUM(A1:A3)", "@SUM(A1)",
            "-cmd|' /C calc'!A0", "  =cmd()"]  # fmt: skip
NOT_FORMULAS = ["-5 degrees at night in the highlands", "+62 812 555 0100", "@home with family",
                "- a list item (first)", "2 + 2 = 4", "e-mail = surat elektronik"]  # fmt: skip


def test_formula_detection():
    assert all(looks_like_formula(text) for text in FORMULAS)
    assert not any(looks_like_formula(text) for text in NOT_FORMULAS)


def test_formulas_are_refused_in_every_text_task(api, translator, prompts, make_user, pool):
    formula = FORMULAS[0]
    tasks_set_status(numbers=[6], status=Task.Status.OPEN)
    user = translator()

    with pytest.raises(DomainError, match="spreadsheet formula"):
        translation_save(user=user, prompt_id=prompts[0].pk, text=formula, submit=True)
    for question, answer in ((formula, "x"), ("What is this dish called?", "+HYPERLINK(1)")):
        with pytest.raises(DomainError, match="spreadsheet formula"):
            visual_question_create(
                user=user, image_id=pool[0].pk, language_code="tha", question=question, answer=answer
            )
    response = api.post("/generation-prompts", {"country": "ID", "levels": [CHAIN[0], CHAIN[1], "@SUM(A1)"]})
    text = api.post("/text-prompts", {"language": "ind", "country": "ID", "text": formula})
    fine = api.post("/text-prompts", {"language": "ind", "country": "ID", "text": "-5 derajat pada malam hari di dataran tinggi Dieng"})

    assert response.status_code == 400 and response.json()["errors"].keys() == {"level_3"}
    assert "spreadsheet formula" in response.json()["detail"]
    assert text.status_code == 400 and "spreadsheet formula" in text.json()["detail"]
    assert fine.status_code == 201
