import pytest
from text_helpers import CHAIN, chain

from accounts.roles import ORGANIZER
from campaign.models import Task
from campaign.services import tasks_set_status
from texttasks.models import GenerationPrompt, PromptDraft, TextPrompt, Translation, VisualQuestion
from texttasks.prompts import generation_chain_create
from texttasks.questions import visual_question_create
from texttasks.translations import translation_save, translator_enroll

pytestmark = pytest.mark.django_db


def test_enrolment_page_shows_languages_progress_and_full_languages(client, make_user, settings, prompts):
    settings.TRANSLATORS_PER_LANGUAGE = 1
    translator_enroll(user=make_user(), language_code="khm")
    user = make_user()
    client.force_login(user)

    page = client.get("/translations/").content.decode()
    assert "Enrol as a translator" in page and 'data-language="khm"' in page and "full" in page

    response = client.post("/translations/enroll/", {"language": "khm"})
    assert response.status_code == 400
    assert "Khmer already has its 1 translators" in response.content.decode()

    response = client.post("/translations/enroll/", {"language": "tha"}, follow=True)
    assert "You translate into Thai" in response.content.decode()


def test_translator_page_shows_prompt_images_rules_and_the_draft_to_post_edit(client, translator, prompts):
    user = translator("tha")
    PromptDraft.objects.create(prompt=prompts[1], language_id="tha", text="แผนภูมิใดแสดงการเพิ่มขึ้นมากกว่า")
    client.force_login(user)

    page = client.get(f"/translations/prompts/{prompts[1].pk}/").content.decode()

    assert prompts[1].prompt in page
    assert f"/translations/prompts/{prompts[1].pk}/image/2/" in page  # both images shown
    assert "Keep the meaning and the intent" in page and "Match the formality" in page
    assert "แผนภูมิใดแสดงการเพิ่มขึ้นมากกว่า" in page  # prefilled from the machine draft
    image = client.get(f"/translations/prompts/{prompts[1].pk}/image/2/")
    assert image.status_code == 200 and b"".join(image.streaming_content)[:4] == b"\x89PNG"

    client.post(f"/translations/prompts/{prompts[1].pk}/", {"text": "ร่างของฉัน", "action": "draft"})
    assert Translation.objects.get().status == "draft"
    response = client.post(
        f"/translations/prompts/{prompts[1].pk}/", {"text": "คำแปลของฉัน", "action": "submit"}
    )
    assert response.status_code == 302
    assert Translation.objects.get().status == "pending"


def test_saving_an_edit_of_a_submitted_translation_says_it_stays_submitted(client, translator, prompts):
    client.force_login(translator("tha"))
    url = f"/translations/prompts/{prompts[1].pk}/"
    client.post(url, {"text": "คำแปลของฉัน", "action": "submit"})

    page = client.post(url, {"text": "คำแปลที่แก้แล้ว", "action": "draft"}, follow=True).content.decode()

    assert "Your changes are saved." in page and "Your draft is saved." not in page
    translation = Translation.objects.get()
    assert translation.status == "pending" and translation.text == "คำแปลที่แก้แล้ว"


def test_translator_home_lists_prompts_with_a_fixed_number_of_queries(
    client, translator, prompts, django_assert_num_queries
):
    user = translator("tha")
    translation_save(user=user, prompt_id=prompts[0].pk, text="คำแปล", submit=True)
    client.force_login(user)
    client.get("/translations/")  # warm the session and caches

    with django_assert_num_queries(16):
        page = client.get("/translations/").content.decode()

    assert "1 of 3 prompts done in your language" in page or f"1 of {len(prompts)} prompts done" in page


def test_visual_question_page_gives_an_image_states_the_rules_and_refuses_duplicates(client, make_user, pool):
    client.force_login(make_user(country="TH"))

    page = client.get("/visual-questions/?language=tha&countries=TH").content.decode()
    assert "answerable from the image alone" in page.lower() and "counting questions" in page
    image_id = pool[0].pk
    assert f"/visual-questions/images/{image_id}/" in page
    data = {
        "image": image_id,
        "language": "tha",
        "question": "ขนมนี้ชื่ออะไร",
        "answer": "ขนมชั้น",
        "countries": "TH",
    }
    assert client.post("/visual-questions/", data).status_code == 302
    other = make_user()
    client.force_login(other)
    response = client.post("/visual-questions/", {**data, "question": "ขนมนี้ชื่ออะไร ?"})
    assert response.status_code == 400 and "already asked about this image" in response.content.decode()
    assert VisualQuestion.objects.count() == 1


def test_a_question_posted_with_a_broken_image_id_shows_the_form_again(client, make_user, pool):
    client.force_login(make_user(country="TH"))
    data = {"image": "x1", "language": "tha", "question": "ขนมนี้ชื่ออะไร", "answer": "ขนมชั้น", "countries": "TH"}

    response = client.post("/visual-questions/", data)

    assert response.status_code == 400  # the page again, not a server error
    assert not VisualQuestion.objects.exists()


def test_generation_prompt_form_takes_the_chain_and_explains_a_refusal(client, make_user):
    client.force_login(make_user())
    bad = {"country": "ID", "level_1": CHAIN[0], "level_2": "Gambarkan orang minum cendol dengan topping durian.",
           "level_3": CHAIN[2]}  # fmt: skip

    response = client.post("/generation-prompts/", bad)
    assert response.status_code == 400 and "English prompts only" in response.content.decode()
    response = client.post("/generation-prompts/", {**bad, "level_2": CHAIN[1]})
    assert response.status_code == 302 and GenerationPrompt.objects.count() == 3


def test_task6_page_shows_the_admin_text_and_refuses_until_open(client, make_user):
    Task.objects.filter(number=6).update(instructions="Write prompts about festivals in your town.")
    client.force_login(make_user())
    data = {"language": "ind", "country": "ID", "text": "Ceritakan tentang pasar malam."}

    page = client.get("/text-prompts/").content.decode()
    assert "Write prompts about festivals in your town." in page and "not open" in page
    assert client.post("/text-prompts/", data).status_code == 400
    tasks_set_status(numbers=[6], status=Task.Status.OPEN)
    assert client.post("/text-prompts/", data).status_code == 302
    assert TextPrompt.objects.count() == 1


def test_my_submissions_show_status_and_reasons_and_allow_edit_and_withdraw(
    client, make_user, pool, django_assert_num_queries
):
    user = make_user()
    question = visual_question_create(
        user=user, image_id=pool[0].pk, language_code="tha", question="อะไร", answer="x"
    )
    for n in range(3):
        visual_question_create(
            user=user, image_id=pool[1].pk, language_code="tha", question=f"ข้อ {n}", answer="x"
        )
    client.force_login(user)
    client.get("/my-texts/?task=4")

    with django_assert_num_queries(8):
        page = client.get("/my-texts/?task=4").content.decode()
    assert page.count('data-status="pending"') == 4

    client.post(f"/my-texts/4/{question.pk}/edit/", {"question": "ขนมนี้ชื่ออะไร", "answer": "ขนม"})
    question.refresh_from_db()
    assert question.question == "ขนมนี้ชื่ออะไร"
    client.post(f"/my-texts/4/{question.pk}/withdraw/")
    question.refresh_from_db()
    assert question.status == "withdrawn"
    assert client.get(f"/my-texts/4/{question.pk}/edit/").status_code == 200  # shows, but refuses a change
    response = client.post(f"/my-texts/4/{question.pk}/edit/", {"question": "ใหม่", "answer": "x"})
    assert "Only a pending submission can be edited." in response.content.decode()


def test_organizers_moderate_in_bulk_filtered_by_task_language_and_country(
    client, make_user, django_assert_num_queries
):
    organizer = make_user(roles=(ORGANIZER,))
    khmer = generation_chain_create(user=make_user(), country_code="KH", levels=CHAIN)
    generation_chain_create(user=make_user(), country_code="ID", levels=chain("bajigur"))
    client.force_login(organizer)
    url = "/moderation/texts/?task=5&status=pending&country=KH"
    client.get(url)

    with django_assert_num_queries(9):
        page = client.get(url).content.decode()
    assert page.count('name="ids"') == 3

    response = client.post(url, {"ids": [p.pk for p in khmer], "decision": "reject", "reason": ""})
    assert "Give a reason" in response.content.decode()
    client.post(url, {"ids": [p.pk for p in khmer], "decision": "reject", "reason": "Not Khmer culture."})
    assert set(GenerationPrompt.objects.filter(country="KH").values_list("status", "rejection_reason")) == {
        ("rejected", "Not Khmer culture.")
    }
    assert GenerationPrompt.objects.filter(country="ID", status="pending").count() == 3


def test_moderation_is_for_organizers_only(client, make_user):
    client.force_login(make_user())
    assert client.get("/moderation/texts/").status_code == 403


def test_peer_validation_page_lists_what_a_translator_may_validate(client, translator, prompts):
    author, validator = translator("tha"), translator("tha")
    translation = translation_save(user=author, prompt_id=prompts[0].pk, text="คำแปล", submit=True)
    client.force_login(author)
    assert "คำแปล" not in client.get("/validate/?task=3").content.decode()  # never one's own
    client.force_login(validator)

    assert "คำแปล" in client.get("/validate/?task=3").content.decode()
    client.post("/validate/?task=3", {"submission": translation.pk, "verdict": "accept"})

    translation.refresh_from_db()
    assert translation.status == "accepted"


def test_the_text_tasks_page_links_each_task_and_shows_its_status(client):
    page = client.get("/text-tasks/").content.decode()

    for number, url in (
        (3, "/translations/"),
        (4, "/visual-questions/"),
        (5, "/generation-prompts/"),
        (6, "/text-prompts/"),
    ):
        assert f'data-task="{number}"' in page and f'href="{url}"' in page
    assert "badge-scheduled" in page  # Task 6
