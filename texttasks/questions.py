"""Task 4: a contributor picks the language of their questions, then asks questions about pool images.

The pool itself (which images may be asked about) is `texttasks/pool.py`.
"""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import contributor_ensure_can_submit
from campaign.errors import Conflict, DomainError, NotFound
from campaign.models import Language
from texttasks.checks import normalise_question, question_rule_problem
from texttasks.inputs import task_language, text_clean, text_language_check
from texttasks.models import PoolImage, SpeakerLanguage, VisualQuestion


def speaker_language_choose(*, user, language_code: str) -> Language:
    """Record the language a contributor writes Task 4 questions in (and so may validate in)."""
    contributor_ensure_can_submit(user=user, task_number=4)
    language = task_language(task_number=4, code=language_code)
    SpeakerLanguage.objects.get_or_create(contributor=user, language=language)
    return language


@transaction.atomic
def visual_question_create(
    *, user, image_id: int, language_code: str, question: str, answer: str
) -> VisualQuestion:
    contributor_ensure_can_submit(user=user, task_number=4)
    language = task_language(task_number=4, code=language_code)
    image = PoolImage.objects.filter(pk=image_id, active=True).first()
    if image is None:
        raise NotFound(_("This image is not in the pool."))
    question = text_clean(question, field="question", label=_("The question"))
    answer = text_clean(answer, field="answer", label=_("The answer"))
    normalised = normalise_question(question)
    if not normalised:
        raise DomainError(_("Write a question in words."), field="question")
    question_check_rules(question)
    language_flag = text_language_check(question, language_code=language.code, field="question")
    SpeakerLanguage.objects.get_or_create(contributor=user, language=language)
    try:
        with transaction.atomic():
            created = VisualQuestion.objects.create(
                contributor=user,
                image=image,
                language=language,
                question=question,
                question_normalised=normalised,
                answer=answer,
                submitted_at=timezone.now(),
                language_flag=language_flag,
            )
    except IntegrityError:
        raise question_duplicate_conflict() from None
    PoolImage.objects.filter(pk=image.pk).update(question_count=F("question_count") + 1)
    return created


def question_check_rules(question: str) -> None:
    """Task 4's rules (no generic or counting question), refused on the question's field."""
    problem = question_rule_problem(question)
    if problem:
        raise DomainError(problem, field="question", code="question_rules")


def question_duplicate_conflict() -> Conflict:
    """The refusal of a question already asked about the same image (the unique constraint's message)."""
    return Conflict(
        _("This question was already asked about this image. Ask something else about it."), field="question"
    )
