import pytest
from text_helpers import CHAIN

from campaign.models import Task
from campaign.services import tasks_set_status
from texttasks.models import GenerationPrompt, Translation
from texttasks.translations import translator_enroll

pytestmark = pytest.mark.django_db


def test_translations_enrol_create_list_detail_withdraw(api, prompts):
    assert api.post("/translations/enrollment", {"language": "tha"}).status_code == 201

    draft = api.post("/translations", {"prompt_id": prompts[0].pk, "text": "ร่าง", "submit": False})
    submitted = api.post("/translations", {"prompt_id": prompts[0].pk, "text": "คำแปล"})
    other = api.post("/translations", {"prompt_id": prompts[1].pk, "text": "คำแปลสอง"})

    assert draft.status_code == 201 and draft.json()["status"] == "draft"
    body = submitted.json()
    assert (body["id"], body["status"], body["language"], body["prompt_index"]) == (
        draft.json()["id"],
        "pending",
        "tha",
        "0",
    )
    listing = api.get("/translations").json()
    assert listing["count"] == 2 and {item["id"] for item in listing["items"]} == {
        body["id"],
        other.json()["id"],
    }
    assert api.get(f"/translations/{body['id']}").json()["text"] == "คำแปล"
    assert api.post(f"/translations/{body['id']}/withdraw", {}).json()["status"] == "withdrawn"
    prompts_page = api.get("/benchmark-prompts").json()
    assert prompts_page["count"] == len(prompts) and prompts_page["items"][0]["image_urls"]


def test_a_full_language_answers_409_in_the_error_shape(api, make_user, settings):
    settings.TRANSLATORS_PER_LANGUAGE = 1
    translator_enroll(user=make_user(), language_code="tet")

    response = api.post("/translations/enrollment", {"language": "tet"})

    assert response.status_code == 409
    assert response.json()["errors"] == {"language": [response.json()["detail"]]}
    assert "Tetun already has its 1 translators" in response.json()["detail"]


def test_someone_elses_submission_is_not_found(api, make_user, prompts):
    other = make_user()
    translator_enroll(user=other, language_code="tha")
    from texttasks.translations import translation_save

    theirs = translation_save(user=other, prompt_id=prompts[0].pk, text="ของเขา", submit=True)

    assert api.get(f"/translations/{theirs.pk}").status_code == 404


def test_visual_questions_next_image_create_duplicate_list(api, pool):
    image = api.get("/visual-questions/next-image?countries=TH").json()
    assert image["countries"] == ["TH"] and image["image_url"].endswith(f"/images/{image['id']}")

    created = api.post("/visual-questions", {"image_id": image["id"], "language": "tha",
                                             "question": "ขนมนี้ชื่ออะไร", "answer": "ขนมชั้น"})  # fmt: skip
    duplicate = api.post("/visual-questions", {"image_id": image["id"], "language": "tha",
                                               "question": "ขนมนี้ชื่ออะไร?!", "answer": "x"})  # fmt: skip

    assert created.status_code == 201 and created.json()["status"] == "pending"
    assert duplicate.status_code == 409 and "question" in duplicate.json()["errors"]
    assert api.get("/visual-questions").json()["count"] == 1
    assert api.get(f"/visual-questions/{created.json()['id']}").json()["answer"] == "ขนมชั้น"


def test_generation_prompts_the_chain_of_three_in_one_post(api):
    response = api.post("/generation-prompts", {"country": "ID", "levels": CHAIN})

    assert response.status_code == 201
    body = response.json()
    assert [p["level"] for p in body["prompts"]] == [1, 2, 3] and body["country"] == "ID"
    assert api.get("/generation-prompts").json()["count"] == 3
    level_2 = body["prompts"][1]["id"]
    assert api.get(f"/generation-prompts/{level_2}").json()["chain_id"] == body["chain_id"]


def test_generation_prompts_refuse_non_english_and_short_chains(api):
    thai = api.post(
        "/generation-prompts", {"country": "TH", "levels": [CHAIN[0], "วาดภาพผู้คนกำลังดื่มเฉาก๊วย", CHAIN[2]]}
    )
    two = api.post("/generation-prompts", {"country": "TH", "levels": CHAIN[:2]})

    assert thai.status_code == 400 and "English prompts only" in thai.json()["errors"]["level_2"][0]
    assert two.status_code == 400 and "levels" in two.json()["errors"]
    assert not GenerationPrompt.objects.exists()


def test_text_prompts_are_refused_until_task6_opens(api):
    payload = {"language": "fil", "country": "PH", "text": "Isalaysay ang pista sa inyong bayan."}

    closed = api.post("/text-prompts", payload)
    tasks_set_status(numbers=[6], status=Task.Status.OPEN)
    opened = api.post("/text-prompts", payload)

    assert closed.status_code == 403 and "not open yet" in closed.json()["detail"]
    assert opened.status_code == 201 and opened.json()["country"] == "PH"
    assert api.get("/text-prompts").json()["count"] == 1


@pytest.mark.parametrize(
    ("number", "url", "payload"),
    [
        (3, "/translations/enrollment", {"language": "tha"}),
        (4, "/visual-questions", {"image_id": 1, "language": "tha", "question": "q", "answer": "a"}),
        (5, "/generation-prompts", {"country": "ID", "levels": CHAIN}),
    ],
)
def test_closed_tasks_answer_403_on_the_api(api, number, url, payload):
    tasks_set_status(numbers=[number], status=Task.Status.CLOSED)

    response = api.post(url, payload)

    assert response.status_code == 403 and f"Task {number} is closed" in response.json()["detail"]


def test_the_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/translations", "/api/v1/visual-questions", "/api/v1/generation-prompts",
                 "/api/v1/text-prompts", "/api/v1/translations/{translation_id}"):  # fmt: skip
        assert path in paths
    assert not Translation.objects.exists()


def test_each_task_keeps_its_operation_ids_parameters_and_url_names(client):
    """A script's generated client calls these by operation id; pages and tests reverse their URL names."""
    from django.urls import reverse

    paths = client.get("/api/v1/openapi.json").json()["paths"]
    tasks = [("translations", "translation", "translation_id"), ("visual-questions", "visual_question", "question_id"),
             ("generation-prompts", "generation_prompt", "prompt_id"), ("text-prompts", "text_prompt", "prompt_id")]  # fmt: skip
    for path, name, id_name in tasks:
        item = f"/api/v1/{path}/{{{id_name}}}"
        assert paths[f"/api/v1/{path}"]["get"]["operationId"] == f"texttasks_api_{name}_list"
        assert paths[item]["get"]["operationId"] == f"texttasks_api_{name}_detail"
        assert paths[item]["patch"]["operationId"] == f"texttasks_api_{name}_edit"
        assert paths[f"{item}/withdraw"]["post"]["operationId"] == f"texttasks_api_{name}_withdraw"
        assert [p["name"] for p in paths[item]["get"]["parameters"]] == [id_name]
        for operation in ("detail", "edit"):
            assert reverse(f"api-v1:{name}_{operation}", kwargs={id_name: 7}) == f"/api/v1/{path}/7"
        assert reverse(f"api-v1:{name}_withdraw", kwargs={id_name: 7}) == f"/api/v1/{path}/7/withdraw"
        assert reverse(f"api-v1:{name}_list") == f"/api/v1/{path}"


def test_pending_submissions_are_edited_and_decided_ones_are_not(api, make_user):
    from accounts.roles import ORGANIZER
    from texttasks.decisions import text_submission_decide

    body = api.post("/generation-prompts", {"country": "ID", "levels": CHAIN}).json()
    level_3 = body["prompts"][2]["id"]

    edited = api.patch(
        f"/generation-prompts/{level_3}", {"text": CHAIN[2].replace("kebaya", "a batik shirt")}
    )
    too_short = api.patch(f"/generation-prompts/{level_3}", {"text": "Draw cendol."})
    text_submission_decide(
        task_number=5, submission_id=level_3, accepted=True, decided_by=make_user(roles=(ORGANIZER,))
    )
    decided = api.patch(f"/generation-prompts/{level_3}", {"text": CHAIN[2]})

    assert edited.status_code == 200 and edited.json()["text"].endswith("a batik shirt.")
    assert too_short.status_code == 400 and "Level 3 must add detail" in too_short.json()["errors"]["text"][0]
    assert decided.status_code == 409
