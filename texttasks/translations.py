"""Task 3: a translator enrols for one language, then saves and submits translations of the prompts.

Every write starts with `contributor_ensure_can_submit` (task open, profile complete).
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import contributor_ensure_can_submit
from campaign.errors import Conflict, DomainError, NotAllowed, NotFound
from campaign.models import Language
from texttasks.checks import normalise_text
from texttasks.inputs import task_language, text_clean, text_language_check
from texttasks.models import BenchmarkPrompt, SubmissionStatus, Translation, TranslatorEnrollment
from texttasks.selectors import translators_per_language

Status = SubmissionStatus


@transaction.atomic
def translator_enroll(*, user, language_code: str) -> TranslatorEnrollment:
    """Enrol for one of Task 3's languages; a language takes at most TRANSLATORS_PER_LANGUAGE translators.

    The language row is locked while counting, so two contributors enrolling at once never both take
    the last place.
    """
    contributor_ensure_can_submit(user=user, task_number=3)
    language = task_language(task_number=3, code=language_code)
    existing = TranslatorEnrollment.objects.filter(contributor=user).select_related("language").first()
    if existing is not None:
        if existing.language_id == language.code:
            return existing
        raise Conflict(
            _("You already translate into %(language)s: a translator works on one language.")
            % {"language": existing.language.display_name},
            field="language",
        )
    Language.objects.select_for_update().filter(pk=language.pk).get()
    cap = translators_per_language()
    if TranslatorEnrollment.objects.filter(language=language).count() >= cap:
        raise Conflict(
            _("%(language)s already has its %(cap)s translators. Please choose another language.")
            % {"language": language.display_name, "cap": cap},
            field="language",
        )
    try:
        with transaction.atomic():
            return TranslatorEnrollment.objects.create(contributor=user, language=language)
    except IntegrityError:
        raise Conflict(_("You are already enrolled as a translator."), field="language") from None


def _enrollment_of(user) -> TranslatorEnrollment:
    enrollment = TranslatorEnrollment.objects.filter(contributor=user).select_related("language").first()
    if enrollment is None:
        raise NotAllowed(_("Enrol for a language first to translate Task 3's prompts."))
    return enrollment


def translation_check_not_source(text: str, *, prompt: BenchmarkPrompt) -> None:
    """A translation is not the English prompt pasted unchanged (post-editing the MT draft is fine)."""
    source = normalise_text(prompt.prompt)
    if any(char.isalpha() for char in source) and normalise_text(text) == source:
        raise DomainError(
            _("This is the English prompt unchanged: write its translation."),
            field="text",
            code="untranslated",
        )


@transaction.atomic
def translation_save(*, user, prompt_id: int, text: str, submit: bool) -> Translation:
    """Save (as a draft) or submit the contributor's translation of a prompt into their language.

    One translation per translator, prompt and language: saving again updates it while it is a draft
    or pending (a withdrawn one starts over); a decided one cannot change.
    """
    contributor_ensure_can_submit(user=user, task_number=3)
    enrollment = _enrollment_of(user)
    prompt = BenchmarkPrompt.objects.filter(pk=prompt_id).first()
    if prompt is None:
        raise NotFound(_("This prompt does not exist."))
    text = text_clean(text, field="text", label=_("The translation"))
    now = timezone.now()
    status = Status.PENDING if submit else Status.DRAFT
    translation = (
        Translation.objects.select_for_update()
        .filter(contributor=user, prompt=prompt, language=enrollment.language)
        .first()
    )
    language_flag = ""
    if submit or (translation is not None and translation.status == Status.PENDING):
        translation_check_not_source(text, prompt=prompt)  # a draft may start from the English text
        language_flag = text_language_check(text, language_code=enrollment.language_id, field="text")
    if translation is None:
        try:
            with transaction.atomic():
                return Translation.objects.create(
                    contributor=user,
                    prompt=prompt,
                    language=enrollment.language,
                    text=text,
                    status=status,
                    submitted_at=now if submit else None,
                    language_flag=language_flag,
                )
        except IntegrityError:
            raise Conflict(_("You already translated this prompt.")) from None
    if translation.status in (Status.ACCEPTED, Status.REJECTED):
        raise Conflict(_("This translation is already decided and can no longer change."))
    if translation.status == Status.PENDING and not submit:
        status = Status.PENDING  # a submitted translation stays submitted while it is edited
    translation.text = text
    translation.language_flag = language_flag
    translation.status = status
    translation.submitted_at = translation.submitted_at or (now if submit else None)
    if translation.status == Status.PENDING and translation.submitted_at is None:
        translation.submitted_at = now
    translation.save(update_fields=["text", "status", "submitted_at", "language_flag", "updated_at"])
    return translation
