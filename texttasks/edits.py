"""A contributor's edits and withdrawals of their own text submissions (Tasks 3 to 6), while pending.

An edit is checked by the rules of its task (`translations`, `questions`, `prompts`); Task 5
edits a whole chain through `prompts.generation_chain_update`.
"""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from accounts.services import contributor_ensure_can_submit
from campaign.errors import Conflict, DomainError, NotFound
from texttasks.checks import normalise_question, normalise_text
from texttasks.inputs import text_clean, text_language_check
from texttasks.models import (
    TASK_MODELS,
    GenerationPrompt,
    PoolImage,
    SubmissionStatus,
    TextPrompt,
    TextSubmission,
    Translation,
    VisualQuestion,
)
from texttasks.prompts import chain_check, prompt_check_not_example, prompt_save, prompts_check_new
from texttasks.questions import question_check_rules, question_duplicate_conflict
from texttasks.translations import translation_check_not_source

Status = SubmissionStatus


def _own_locked(*, user, task_number: int, submission_id: int) -> TextSubmission:
    model = TASK_MODELS.get(task_number)
    if model is None:
        raise NotFound(_("This task has no text submissions."))
    submission = model.objects.select_for_update().filter(pk=submission_id, contributor=user).first()
    if submission is None:
        raise NotFound(_("This submission does not exist."))
    return submission


@transaction.atomic
def text_submission_update(*, user, task_number: int, submission_id: int, fields: dict) -> TextSubmission:
    """Edit one's own submission while it is pending (Task 3, 4 and 6; Task 5 edits its chain)."""
    contributor_ensure_can_submit(user=user, task_number=task_number)
    submission = _own_locked(user=user, task_number=task_number, submission_id=submission_id)
    if not submission.is_editable:
        raise Conflict(_("Only a pending submission can be edited."))
    update = ["updated_at"]
    if isinstance(submission, Translation | TextPrompt | GenerationPrompt):
        submission.text = text_clean(fields.get("text", ""), field="text", label=_("The text"))
        update.append("text")
        if isinstance(submission, Translation) and submission.status == Status.PENDING:
            translation_check_not_source(submission.text, prompt=submission.prompt)
        if isinstance(submission, TextPrompt) or (
            isinstance(submission, Translation) and submission.status == Status.PENDING
        ):
            submission.language_flag = text_language_check(
                submission.text, language_code=submission.language_id, field="text"
            )
            update.append("language_flag")
        if isinstance(submission, TextPrompt | GenerationPrompt):
            prompt_check_not_example(submission.text, field="text")
            prompts_check_new(type(submission), {"text": submission.text}, exclude_ids=[submission.pk])
            submission.text_normalised = normalise_text(submission.text)
            update.append("text_normalised")
        if isinstance(submission, GenerationPrompt):
            # A level still has to build on its neighbours: check the whole chain with the new text.
            chain = GenerationPrompt.objects.filter(chain_id=submission.chain_id).order_by("level")
            texts = {level.level: level.text for level in chain}
            texts[submission.level] = submission.text
            try:
                chain_check([texts.get(n, "") for n in (1, 2, 3)])
            except DomainError as error:
                raise DomainError(error.message, field="text", code=error.code) from None
    elif isinstance(submission, VisualQuestion):
        submission.question = text_clean(
            fields.get("question", ""), field="question", label=_("The question")
        )
        submission.answer = text_clean(fields.get("answer", ""), field="answer", label=_("The answer"))
        submission.question_normalised = normalise_question(submission.question)
        question_check_rules(submission.question)
        submission.language_flag = text_language_check(
            submission.question, language_code=submission.language_id, field="question"
        )
        update += ["question", "answer", "question_normalised", "language_flag"]
    if isinstance(submission, TextPrompt | GenerationPrompt):
        prompt_save(submission, field="text", update_fields=update)
        return submission
    try:
        with transaction.atomic():
            submission.save(update_fields=update)
    except IntegrityError:
        raise question_duplicate_conflict() from None
    return submission


@transaction.atomic
def text_submission_withdraw(*, user, task_number: int, submission_id: int) -> TextSubmission:
    contributor_ensure_can_submit(user=user, task_number=task_number)
    submission = _own_locked(user=user, task_number=task_number, submission_id=submission_id)
    if not submission.is_withdrawable:
        raise Conflict(_("Only a draft or pending submission can be withdrawn."))
    submission.status = Status.WITHDRAWN
    submission.save(update_fields=["status", "updated_at"])
    if isinstance(submission, VisualQuestion):
        PoolImage.objects.filter(pk=submission.image_id, question_count__gt=0).update(
            question_count=F("question_count") - 1
        )
    return submission
