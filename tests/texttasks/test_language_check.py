"""Tasks 3 to 6 take text in the language its author chose: another script, or text that clearly reads
as another language, is refused naming what it reads as; what is only likely goes to moderation flagged."""

import pytest
from text_helpers import CHAIN

from campaign.errors import DomainError
from texttasks.checks import question_rule_problem
from texttasks.language import language_verdict
from texttasks.models import GenerationPrompt, Translation, VisualQuestion
from texttasks.prompts import generation_chain_create
from texttasks.questions import visual_question_create
from texttasks.translations import translation_save

pytestmark = pytest.mark.django_db


def _ask(user, pool, *, language: str, question: str):
    return visual_question_create(
        user=user, image_id=pool[0].pk, language_code=language, question=question, answer="ข้าวเหนียว"
    )


def test_a_thai_question_written_in_lao_script_is_refused_naming_lao(make_user, pool):
    with pytest.raises(DomainError) as error:
        _ask(make_user(), pool, language="tha", question="ອາຫານຈານນີ້ເອີ້ນວ່າຫຍັງ?")
    assert error.value.field == "question" and error.value.code == "wrong_language"
    assert error.value.message.startswith("This reads as Lao, not Thai.")
    assert not VisualQuestion.objects.exists()


@pytest.mark.parametrize(
    ("question", "detected"),
    [
        ("What do people call this dish at the night market?", "English"),
        ("这道菜叫什么名字？", "Mandarin Chinese"),
        ("Apa nama makanan yang dimasak ibu itu di pasar?", "Indonesian or Standard Malay"),
    ],
)
def test_other_languages_asked_as_thai_are_refused(make_user, pool, question, detected):
    with pytest.raises(DomainError, match=f"This reads as {detected}, not Thai"):
        _ask(make_user(), pool, language="tha", question=question)


def test_a_real_thai_question_with_a_latin_name_in_it_is_accepted(make_user, pool):
    question = _ask(make_user(), pool, language="tha", question="ขนม Khanom chan นี้ทำจากแป้งอะไร")
    assert question.language_flag == ""


def test_an_english_translation_into_filipino_is_refused_and_a_filipino_one_accepted(translator, prompts):
    user = translator("fil")
    with pytest.raises(DomainError) as error:
        translation_save(
            user=user,
            prompt_id=prompts[0].pk,
            text="Which dish is the woman cooking for the fiesta today?",
            submit=True,
        )
    assert error.value.field == "text"
    assert error.value.message.startswith("This reads as English, not Filipino")
    assert not Translation.objects.filter(status="pending").exists()

    translation = translation_save(
        user=user, prompt_id=prompts[0].pk, text="Ang lola ay nagluluto ng sinigang sa kusina.", submit=True
    )
    assert translation.status == "pending" and translation.language_flag == ""


def test_a_draft_may_start_from_english_the_submitted_translation_may_not(translator, prompts):
    user = translator("fil")
    draft = translation_save(
        user=user, prompt_id=prompts[0].pk, text="Which dish is the woman cooking for the fiesta today?", submit=False
    )
    assert draft.status == "draft"


@pytest.mark.parametrize(("language", "text"), [("lao", "อาหารจานนี้เรียกว่าอะไร"), ("lao", "这道菜叫什么名字")])
def test_thai_or_chinese_as_a_lao_translation_is_refused(translator, prompts, language, text):
    with pytest.raises(DomainError, match="not Lao"):
        translation_save(user=translator(language), prompt_id=prompts[0].pk, text=text, submit=True)


def test_a_borderline_text_goes_to_moderation_flagged_not_refused(make_user, pool):
    # Indonesian sent as Tetun: written in Timor-Leste, and Tetun borrows from it; a moderator decides.
    question = _ask(make_user(), pool, language="tet", question="Apa nama makanan yang dimasak ibu itu di pasar?")
    assert question.status == "pending"
    assert "Indonesian" in question.language_flag


@pytest.mark.parametrize(
    "text",
    ["Saida mak naran ai-han ne'e?", "Ema hira mak hela iha uma ne'e?", "Labarik sira halimar iha tasi ibun.",
     "Foto ne'e hatudu feto sira iha merkadu?"],
)  # fmt: skip
def test_genuine_tetun_is_neither_refused_nor_flagged(text):
    assert language_verdict(text, expected="tet").outcome == "ok"


def test_the_moderation_page_shows_the_flag(client, organizer, make_user, pool):
    _ask(make_user(), pool, language="tet", question="Apa nama makanan yang dimasak ibu itu di pasar?")
    client.force_login(organizer)
    page = client.get("/moderation/texts/?task=4")
    assert page.status_code == 200
    assert "Check the language: it may be Indonesian" in page.content.decode()


def test_task_5_refuses_a_prompt_in_another_language_naming_it(make_user):
    levels = ["Gambarkan orang-orang yang sedang minum cendol dengan topping durian di pasar.", CHAIN[1], CHAIN[2]]
    with pytest.raises(DomainError) as error:
        generation_chain_create(user=make_user(), country_code="ID", levels=levels)
    assert error.value.field == "level_1"
    assert error.value.message.startswith("This prompt reads as Indonesian or Standard Malay.")
    assert "Task 5 takes English prompts only" in error.value.message
    assert not GenerationPrompt.objects.exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Món ăn mà người phụ nữ đang nấu là gì?", "vie"),
        ("Ano ang tawag sa pagkaing niluluto ng babae?", "fil"),
        ("Apakah nama makanan yang sedang dimasak oleh wanita itu?", "zsm"),
        ("Apa nama makanan yang dimasak ibu itu?", "ind"),
        ("Apa nama makanan yang dimasak ibu itu?", "kxd"),
        ("តើម្ហូបនេះហៅថាអ្វី?", "khm"),
        ("ဒီဟင်းကို ဘာခေါ်လဲ", "mya"),
        ("இந்த உணவின் பெயர் என்ன?", "tam"),
    ],
)
def test_genuine_text_in_each_language_passes(text, expected):
    assert language_verdict(text, expected=expected).outcome == "ok"


# --- Task 4's rules in Khmer, Lao, Burmese, Tamil and Tetun --------------------------------------------

REFUSED = [
    "តើនេះជាអ្វី?", "តើមានអ្វីនៅក្នុងរូបភាពនេះ?", "ពិពណ៌នារូបភាពនេះ", "តើមានមនុស្សប៉ុន្មាននាក់?",  # Khmer
    "ນີ້ແມ່ນຫຍັງ?", "ໃນຮູບນີ້ມີຫຍັງແດ່?", "ມີຄົນຈັກຄົນ?", "ອະທິບາຍຮູບນີ້",  # Lao
    "ဒါဘာလဲ", "ဒီပုံထဲမှာ ဘာရှိလဲ", "လူဘယ်နှစ်ယောက် ရှိလဲ", "ဒီပုံကို ဖော်ပြပါ",  # Burmese
    "இது என்ன?", "இந்தப் படத்தில் என்ன இருக்கிறது?", "எத்தனை பேர் இருக்கிறார்கள்?", "இந்த படத்தை விவரிக்கவும்",  # Tamil
    "Ne'e saida?", "Saida mak iha imajen ne'e?", "Iha ema na'in hira?", "Deskreve foto ne'e",  # Tetun
]  # fmt: skip
ALLOWED = [
    "តើម្ហូបនេះមានតម្លៃប៉ុន្មាន?", "តើស្ត្រីនោះអាយុប៉ុន្មាន?", "តើម្ហូបនេះហៅថាអ្វី?",  # price, age, a name
    "ອາຫານນີ້ລາຄາເທົ່າໃດ?", "ແມ່ຍິງຄົນນີ້ອາຍຸຈັກປີ?", "ເຄື່ອງນຸ່ງນີ້ເອີ້ນວ່າຫຍັງ?",
    "ဒီဟင်းက ဘယ်လောက်လဲ", "ဒီအမျိုးသမီး အသက်ဘယ်လောက်ရှိလဲ", "ဒီအစားအစာကို ဘာခေါ်လဲ",
    "இந்த உணவின் விலை எவ்வளவு?", "அவருக்கு எத்தனை வயது?", "இந்த உடையின் பெயர் என்ன?",
    "Ai-han ne'e folin hira?", "Feto ne'e tinan hira ona?", "Saida mak naran ai-han ne'e?",
]  # fmt: skip


@pytest.mark.parametrize("question", REFUSED)
def test_generic_and_counting_questions_are_refused_in_five_more_languages(question):
    assert question_rule_problem(question) is not None


@pytest.mark.parametrize("question", ALLOWED)
def test_prices_ages_and_real_questions_pass_in_those_languages(question):
    assert question_rule_problem(question) is None
