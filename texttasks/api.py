"""Tasks 3 to 6 under /api/v1/: create, list one's own (paginated), detail, edit while pending, withdraw.

Each endpoint calls one service; domain errors answer in the API's shape
`{"detail": ..., "errors": {field: [..]}}` with their status.
"""

from datetime import datetime
from uuid import UUID

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Path, Router, Schema, Status
from ninja.pagination import paginate

from campaign.apidocs import errors
from campaign.errors import NotFound
from campaign.pagination import ApiPagination
from campaign.services import task_ensure_open
from texttasks import edits, files, prompts, questions, selectors, translations
from texttasks.models import BenchmarkPrompt

router = Router(tags=["text tasks"])
PAGE_SIZE = 25
IMAGE_DESCRIPTION = "The image's bytes, for the same `Authorization: Bearer <token>` as every call."
IMAGE_RESPONSES = {
    "responses": {
        "200": {"description": "The image.", "content": {"image/*": {"schema": {"type": "string", "format": "binary"}}}}
    }
}


def _absolute(context, name: str, **kwargs) -> str:
    """An image's API URL, absolute: a script fetches it as it is, with its token."""
    return context["request"].build_absolute_uri(reverse(name, kwargs=kwargs))


class SubmissionOut(Schema):
    id: int
    status: str
    rejection_reason: str
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    decided_at: datetime | None


class TranslationIn(Schema):
    prompt_id: int
    text: str = Field(..., max_length=4000)
    submit: bool = Field(True, description="False saves a draft that you can keep editing.")


class TextEditIn(Schema):
    text: str = Field(..., max_length=4000)


class QuestionEditIn(Schema):
    question: str = Field(..., max_length=4000)
    answer: str = Field(..., max_length=4000)


class TranslationOut(SubmissionOut):
    prompt_id: int
    prompt_index: str = Field(..., alias="prompt.source_index")
    language: str = Field(..., alias="language_id")
    text: str


class EnrollmentIn(Schema):
    language: str = Field(..., description="ISO 639-3 code of one of Task 3's languages, e.g. `tha`.")


class EnrollmentOut(Schema):
    language: str = Field(..., alias="language_id")
    created_at: datetime


class BenchmarkPromptOut(Schema):
    id: int
    benchmark: str
    index: str = Field(..., alias="source_index")
    prompt: str
    reference: str
    category: str
    image_urls: list[str]

    @staticmethod
    def resolve_image_urls(obj: BenchmarkPrompt, context) -> list[str]:
        return [
            _absolute(context, "api-v1:benchmark_prompt_image", prompt_id=obj.pk, number=number)
            for number in obj.images
        ]


class VisualQuestionIn(Schema):
    image_id: int
    language: str = Field(..., description="ISO 639-3 code of one of Task 4's languages.")
    question: str = Field(..., max_length=4000)
    answer: str = Field(..., max_length=4000)


class VisualQuestionOut(SubmissionOut):
    image_id: int
    language: str = Field(..., alias="language_id")
    question: str
    answer: str


class PoolImageOut(Schema):
    id: int
    caption: str
    countries: list[str]
    image_url: str

    @staticmethod
    def resolve_countries(obj) -> list[str]:
        return sorted(obj.countries.values_list("code", flat=True))

    @staticmethod
    def resolve_image_url(obj, context) -> str:
        return _absolute(context, "api-v1:visual_question_image", image_id=obj.pk)


class GenerationChainIn(Schema):
    country: str = Field(..., description="ISO 3166-1 code of the country, e.g. `ID`.")
    levels: list[str] = Field(..., min_length=3, max_length=3, description="Level 1, 2 and 3, in English.")


class GenerationPromptOut(SubmissionOut):
    chain_id: UUID
    level: int
    country: str = Field(..., alias="country_id")
    text: str


class GenerationChainOut(Schema):
    chain_id: UUID
    country: str
    prompts: list[GenerationPromptOut]


class TextPromptIn(Schema):
    language: str
    country: str
    text: str = Field(..., max_length=4000)


class TextPromptOut(SubmissionOut):
    language: str = Field(..., alias="language_id")
    country: str = Field(..., alias="country_id")
    text: str


def _own(request: HttpRequest, task_number: int, submission_id: int):
    submission = selectors.own_submission(
        user=request.user, task_number=task_number, submission_id=submission_id
    )
    if submission is None:
        raise NotFound()
    return submission


def own_submission_endpoints(
    *,
    task_number: int,
    path: str,
    name: str,
    id_name: str,
    response: type[Schema],
    edit: type[Schema],
    summaries: tuple[str, str, str, str],
) -> None:
    """One's own submissions of a task: list (paginated), detail, edit while pending, withdraw.

    `path` is the task's collection (`/translations`), `name` the prefix of the operation ids and URL
    names (`translation` -> `translation_list`, ...), `id_name` the path parameter (`translation_id`);
    `summaries` those of the list, detail, edit and withdraw, in that order.
    """
    list_summary, detail_summary, edit_summary, withdraw_summary = summaries
    item = f"{path}/{{{id_name}}}"

    def endpoint(operation: str) -> dict:
        # The ids and URL names the four functions had before they were built here (a client's SDK
        # and reverse("api-v1:...") depend on them).
        return {"operation_id": f"texttasks_api_{name}_{operation}", "url_name": f"{name}_{operation}"}

    @router.get(path, response=list[response], summary=list_summary, **endpoint("list"))
    @paginate(ApiPagination, page_size=PAGE_SIZE, max_page_size=100)
    def submission_list(request: HttpRequest):
        return selectors.own_submissions(user=request.user, task_number=task_number)

    @router.get(item, response=response, summary=detail_summary, **endpoint("detail"))
    def submission_detail(request: HttpRequest, submission_id: int = Path(..., alias=id_name)):
        return _own(request, task_number, submission_id)

    @router.patch(item, response={200: response, **errors(403, 409)}, summary=edit_summary, **endpoint("edit"))
    def submission_edit(request: HttpRequest, payload: edit, submission_id: int = Path(..., alias=id_name)):
        edits.text_submission_update(
            user=request.user, task_number=task_number, submission_id=submission_id, fields=payload.dict()
        )
        return _own(request, task_number, submission_id)

    @router.post(f"{item}/withdraw", response={200: response, **errors(403, 409)}, summary=withdraw_summary, **endpoint("withdraw"))
    def submission_withdraw(request: HttpRequest, submission_id: int = Path(..., alias=id_name)):
        edits.text_submission_withdraw(
            user=request.user, task_number=task_number, submission_id=submission_id
        )
        return _own(request, task_number, submission_id)


# --- Task 3 -------------------------------------------------------------------------------------------


@router.get("/benchmark-prompts", response=list[BenchmarkPromptOut], summary="Task 3's English prompts")
@paginate(ApiPagination, page_size=PAGE_SIZE, max_page_size=100)
def benchmark_prompts(request: HttpRequest):
    return selectors.benchmark_prompts()


@router.get(
    "/benchmark-prompts/{prompt_id}/images/{number}",
    url_name="benchmark_prompt_image",
    summary="An image of a Task 3 prompt",
    description=IMAGE_DESCRIPTION,
    openapi_extra=IMAGE_RESPONSES,
)
def benchmark_prompt_image(request: HttpRequest, prompt_id: int, number: int):
    return files.file_response(files.prompt_image_file(prompt_id=prompt_id, number=number))


@router.post(
    "/translations/enrollment", response={201: EnrollmentOut, **errors(403, 409)}, summary="Enrol as a Task 3 translator"
)
def translator_enroll(request: HttpRequest, payload: EnrollmentIn):
    return Status(201, translations.translator_enroll(user=request.user, language_code=payload.language))


@router.post("/translations", response={201: TranslationOut, **errors(403, 404, 409)}, summary="Save or submit a translation")
def translation_create(request: HttpRequest, payload: TranslationIn):
    translation = translations.translation_save(
        user=request.user, prompt_id=payload.prompt_id, text=payload.text, submit=payload.submit
    )
    return Status(
        201, selectors.own_submission(user=request.user, task_number=3, submission_id=translation.pk)
    )


own_submission_endpoints(
    task_number=3,
    path="/translations",
    name="translation",
    id_name="translation_id",
    response=TranslationOut,
    edit=TextEditIn,
    summaries=(
        "Your translations",
        "One of your translations",
        "Edit a pending translation",
        "Withdraw a translation",
    ),
)


# --- Task 4 -------------------------------------------------------------------------------------------


@router.get(
    "/visual-questions/next-image", response={200: PoolImageOut, 204: None, **errors(403)}, summary="An image to ask about"
)
def visual_question_next_image(request: HttpRequest, countries: str = ""):
    task_ensure_open(number=4)  # a closed Task 4 hands out no image to ask about (403 task_closed)
    codes = [code.strip().upper() for code in countries.split(",") if code.strip()]
    image = selectors.next_image_for(user=request.user, countries=codes)
    if image is None:
        return Status(204, None)
    return image


@router.get(
    "/visual-questions/images/{image_id}",
    url_name="visual_question_image",
    summary="An image of Task 4's pool",
    description=IMAGE_DESCRIPTION,
    openapi_extra=IMAGE_RESPONSES,
)
def visual_question_image(request: HttpRequest, image_id: int):
    return files.file_response(files.pool_image_file(image_id=image_id))


@router.post(
    "/visual-questions", response={201: VisualQuestionOut, **errors(403, 404, 409)}, summary="Submit a question about an image"
)
def visual_question_create(request: HttpRequest, payload: VisualQuestionIn):
    question = questions.visual_question_create(
        user=request.user,
        image_id=payload.image_id,
        language_code=payload.language,
        question=payload.question,
        answer=payload.answer,
    )
    return Status(201, question)


own_submission_endpoints(
    task_number=4,
    path="/visual-questions",
    name="visual_question",
    id_name="question_id",
    response=VisualQuestionOut,
    edit=QuestionEditIn,
    summaries=(
        "Your visual questions",
        "One of your questions",
        "Edit a pending question",
        "Withdraw a question",
    ),
)


# --- Task 5 -------------------------------------------------------------------------------------------


@router.post(
    "/generation-prompts",
    response={201: GenerationChainOut, **errors(403, 409)},
    summary="Submit a chain of three English prompts",
)
def generation_chain_create(request: HttpRequest, payload: GenerationChainIn):
    chain = prompts.generation_chain_create(
        user=request.user, country_code=payload.country, levels=payload.levels
    )
    return Status(201, {"chain_id": chain[0].chain_id, "country": chain[0].country_id, "prompts": chain})


own_submission_endpoints(
    task_number=5,
    path="/generation-prompts",
    name="generation_prompt",
    id_name="prompt_id",
    response=GenerationPromptOut,
    edit=TextEditIn,
    summaries=(
        "Your generation prompts (one per level)",
        "One of your prompts",
        "Edit one pending level of a chain",
        "Withdraw one level",
    ),
)


# --- Task 6 -------------------------------------------------------------------------------------------


@router.post("/text-prompts", response={201: TextPromptOut, **errors(403, 409)}, summary="Submit a text prompt")
def text_prompt_create(request: HttpRequest, payload: TextPromptIn):
    prompt = prompts.text_prompt_create(
        user=request.user, language_code=payload.language, country_code=payload.country, text=payload.text
    )
    return Status(201, prompt)


own_submission_endpoints(
    task_number=6,
    path="/text-prompts",
    name="text_prompt",
    id_name="prompt_id",
    response=TextPromptOut,
    edit=TextEditIn,
    summaries=(
        "Your text prompts",
        "One of your text prompts",
        "Edit a pending text prompt",
        "Withdraw a text prompt",
    ),
)
