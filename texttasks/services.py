"""Writes of the text tasks (3 to 6): enrolment, submissions, edits, withdrawals and decisions.

Every contributor write starts with `contributor_ensure_can_submit` (task open, profile complete).
Decisions lock the submission row, happen once, and are announced with `campaign.events.publish`.
"""

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Profile
from accounts.services import contributor_ensure_can_submit
from campaign.audit import audit
from campaign.errors import Conflict, DomainError, NotAllowed, NotFound
from campaign.events import ContributionEvent, EventKind, publish
from campaign.models import Country, Language, Task
from texttasks.checks import (
    chain_problems,
    english_problem,
    is_spec_example,
    looks_like_formula,
    normalise_question,
    normalise_text,
    question_rule_problem,
)
from texttasks.models import (
    TASK_MODELS,
    BenchmarkPrompt,
    GenerationPrompt,
    ModerationPolicy,
    PeerValidation,
    PoolImage,
    SpeakerLanguage,
    SubmissionStatus,
    TextPrompt,
    TextSubmission,
    Translation,
    TranslatorEnrollment,
    VisualQuestion,
)

Status = SubmissionStatus
MAX_TEXT = 4000


def translators_per_language() -> int:
    return int(getattr(settings, "TRANSLATORS_PER_LANGUAGE", 3))


def _task_language(*, task_number: int, code: str) -> Language:
    """A language the task takes (its list in the catalogue; any campaign language when it has none)."""
    code = (code or "").strip().lower()
    languages = Language.objects.filter(tasks__number=task_number)
    if not languages.exists():
        languages = Language.objects.all()
    language = languages.filter(code=code).first()
    if language is None:
        raise DomainError(
            _("Task %(number)s does not take this language.") % {"number": task_number}, field="language"
        )
    return language


def _country(code: str) -> Country:
    country = Country.objects.filter(code=(code or "").strip().upper()).first()
    if country is None:
        raise DomainError(_("Choose one of the campaign's 11 countries."), field="country")
    return country


def _clean_text(text: str, *, field: str, label: str) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError(_("%(label)s cannot be empty.") % {"label": label}, field=field)
    if len(text) > MAX_TEXT:
        raise DomainError(
            _("%(label)s is too long (at most %(max)s characters).") % {"label": label, "max": MAX_TEXT},
            field=field,
        )
    if looks_like_formula(text):
        raise DomainError(
            _(
                "%(label)s starts like a spreadsheet formula (“=”, “+”, “-” or “@” followed by a formula). "
                "Write the text itself."
            )
            % {"label": label},
            field=field,
            code="formula",
        )
    return text


def _check_not_source(text: str, *, prompt: BenchmarkPrompt) -> None:
    """A translation is not the English prompt pasted unchanged (post-editing the MT draft is fine)."""
    source = normalise_text(prompt.prompt)
    if any(char.isalpha() for char in source) and normalise_text(text) == source:
        raise DomainError(
            _("This is the English prompt unchanged: write its translation."),
            field="text",
            code="untranslated",
        )


# --- Task 3: enrolment and translations -------------------------------------------------------------


@transaction.atomic
def translator_enroll(*, user, language_code: str) -> TranslatorEnrollment:
    """Enrol for one of Task 3's languages; a language takes at most TRANSLATORS_PER_LANGUAGE translators.

    The language row is locked while counting, so two contributors enrolling at once never both take
    the last place.
    """
    contributor_ensure_can_submit(user=user, task_number=3)
    language = _task_language(task_number=3, code=language_code)
    existing = TranslatorEnrollment.objects.filter(contributor=user).select_related("language").first()
    if existing is not None:
        if existing.language_id == language.code:
            return existing
        raise Conflict(
            _("You already translate into %(language)s: a translator works on one language.")
            % {"language": existing.language.name},
            field="language",
        )
    Language.objects.select_for_update().filter(pk=language.pk).get()
    cap = translators_per_language()
    if TranslatorEnrollment.objects.filter(language=language).count() >= cap:
        raise Conflict(
            _("%(language)s already has its %(cap)s translators. Please choose another language.")
            % {"language": language.name, "cap": cap},
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
    text = _clean_text(text, field="text", label=_("The translation"))
    now = timezone.now()
    status = Status.PENDING if submit else Status.DRAFT
    translation = (
        Translation.objects.select_for_update()
        .filter(contributor=user, prompt=prompt, language=enrollment.language)
        .first()
    )
    if submit or (translation is not None and translation.status == Status.PENDING):
        _check_not_source(text, prompt=prompt)  # a draft may start from the English text
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
                )
        except IntegrityError:
            raise Conflict(_("You already translated this prompt.")) from None
    if translation.status in (Status.ACCEPTED, Status.REJECTED):
        raise Conflict(_("This translation is already decided and can no longer change."))
    if translation.status == Status.PENDING and not submit:
        status = Status.PENDING  # a submitted translation stays submitted while it is edited
    translation.text = text
    translation.status = status
    translation.submitted_at = translation.submitted_at or (now if submit else None)
    if translation.status == Status.PENDING and translation.submitted_at is None:
        translation.submitted_at = now
    translation.save(update_fields=["text", "status", "submitted_at", "updated_at"])
    return translation


# --- Task 4: visual questions ------------------------------------------------------------------------


def speaker_language_choose(*, user, language_code: str) -> Language:
    """Record the language a contributor writes Task 4 questions in (and so may validate in)."""
    contributor_ensure_can_submit(user=user, task_number=4)
    language = _task_language(task_number=4, code=language_code)
    SpeakerLanguage.objects.get_or_create(contributor=user, language=language)
    return language


@transaction.atomic
def visual_question_create(
    *, user, image_id: int, language_code: str, question: str, answer: str
) -> VisualQuestion:
    contributor_ensure_can_submit(user=user, task_number=4)
    language = _task_language(task_number=4, code=language_code)
    image = PoolImage.objects.filter(pk=image_id, active=True).first()
    if image is None:
        raise NotFound(_("This image is not in the pool."))
    question = _clean_text(question, field="question", label=_("The question"))
    answer = _clean_text(answer, field="answer", label=_("The answer"))
    normalised = normalise_question(question)
    if not normalised:
        raise DomainError(_("Write a question in words."), field="question")
    _check_question_rules(question)
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
            )
    except IntegrityError:
        raise _duplicate_question() from None
    PoolImage.objects.filter(pk=image.pk).update(question_count=F("question_count") + 1)
    return created


def _check_question_rules(question: str) -> None:
    problem = question_rule_problem(question)
    if problem:
        raise DomainError(problem, field="question", code="question_rules")


def _duplicate_question() -> Conflict:
    return Conflict(
        _("This question was already asked about this image. Ask something else about it."), field="question"
    )


# --- Task 5: chains of three generation prompts ------------------------------------------------------


def _check_chain(levels: list[str]) -> list[str]:
    if len(levels) != 3:
        raise DomainError(_("Write the three levels of the prompt."), field="levels")
    cleaned = []
    for number, text in enumerate(levels, start=1):
        label = _("Level %(level)s") % {"level": number}
        text = _clean_text(text, field=f"level_{number}", label=label)
        problem = english_problem(text)
        if problem:
            raise DomainError(problem, field=f"level_{number}", code="not_english")
        _check_not_example(text, field=f"level_{number}")
        if normalise_text(text) in {normalise_text(earlier) for earlier in cleaned}:
            raise _duplicate_prompt(field=f"level_{number}")
        cleaned.append(text)
    problems = chain_problems(cleaned)
    if problems:
        number, message = next(iter(sorted(problems.items())))
        raise DomainError(message, field=f"level_{number}", code="chain")
    return cleaned


def _check_not_example(text: str, *, field: str) -> None:
    if is_spec_example(text):
        raise DomainError(
            _("This is the campaign's own example prompt. Write a prompt of your own."),
            field=field,
            code="example",
        )


def _duplicate_prompt(*, field: str) -> Conflict:
    return Conflict(
        _("This prompt was already submitted. Write a prompt of your own."), field=field, code="duplicate"
    )


def _check_prompts_new(model: type[TextSubmission], texts: dict[str, str], *, exclude_ids=()) -> None:
    """No text (field -> text) repeats a prompt submitted before and not withdrawn.

    This gives the message its field; the unique constraint on `text_normalised` settles races."""
    normalised = {normalise_text(text): field for field, text in texts.items()}
    taken = (
        model.objects.exclude(status=Status.WITHDRAWN)
        .exclude(pk__in=list(exclude_ids))
        .filter(text_normalised__in=list(normalised))
        .values_list("text_normalised", flat=True)
    )
    for text in taken:
        raise _duplicate_prompt(field=normalised[text])


def _save_prompt(submission: TextSubmission, *, field: str, update_fields: list[str] | None = None) -> None:
    """Create or save a Task 5 or 6 prompt; the same normalised text twice is a Conflict on `field`."""
    try:
        with transaction.atomic():
            submission.save(update_fields=update_fields)
    except IntegrityError:
        raise _duplicate_prompt(field=field) from None


@transaction.atomic
def generation_chain_create(*, user, country_code: str, levels: list[str]) -> list[GenerationPrompt]:
    """Three English prompts about one country, each building on the one before; three submissions."""
    contributor_ensure_can_submit(user=user, task_number=5)
    country = _country(country_code)
    cleaned = _check_chain(levels)
    _check_prompts_new(GenerationPrompt, {f"level_{n}": text for n, text in enumerate(cleaned, start=1)})
    chain_id = uuid.uuid4()
    now = timezone.now()
    rows = []
    for number, text in enumerate(cleaned, start=1):
        row = GenerationPrompt(
            contributor=user,
            chain_id=chain_id,
            level=number,
            country=country,
            text=text,
            text_normalised=normalise_text(text),
            submitted_at=now,
        )
        _save_prompt(row, field=f"level_{number}")
        rows.append(row)
    return rows


@transaction.atomic
def generation_chain_update(
    *, user, chain_id, country_code: str, levels: list[str]
) -> list[GenerationPrompt]:
    """Edit a chain while it is pending; a level already decided keeps its text."""
    contributor_ensure_can_submit(user=user, task_number=5)
    rows = list(
        GenerationPrompt.objects.select_for_update()
        .filter(chain_id=chain_id, contributor=user)
        .order_by("level")
    )
    if len(rows) != 3:
        raise NotFound(_("This prompt chain does not exist."))
    if not any(row.is_editable for row in rows):
        raise Conflict(_("This prompt chain is decided or withdrawn and can no longer change."))
    country = _country(country_code)
    texts = [row.text if not row.is_editable else levels[row.level - 1] for row in rows]
    cleaned = _check_chain(texts)
    _check_prompts_new(
        GenerationPrompt,
        {f"level_{row.level}": text for row, text in zip(rows, cleaned, strict=True) if row.is_editable},
        exclude_ids=[row.pk for row in rows],
    )
    for row, text in zip(rows, cleaned, strict=True):
        if row.is_editable:
            row.text = text
            row.text_normalised = normalise_text(text)
            row.country = country
            _save_prompt(
                row,
                field=f"level_{row.level}",
                update_fields=["text", "text_normalised", "country", "updated_at"],
            )
    return rows


# --- Task 6: text prompts ----------------------------------------------------------------------------


@transaction.atomic
def text_prompt_create(*, user, language_code: str, country_code: str, text: str) -> TextPrompt:
    contributor_ensure_can_submit(user=user, task_number=6)
    language = _task_language(task_number=6, code=language_code)
    country = _country(country_code)
    text = _clean_text(text, field="text", label=_("The prompt"))
    _check_not_example(text, field="text")
    _check_prompts_new(TextPrompt, {"text": text})
    prompt = TextPrompt(
        contributor=user,
        language=language,
        country=country,
        text=text,
        text_normalised=normalise_text(text),
        submitted_at=timezone.now(),
    )
    _save_prompt(prompt, field="text")
    return prompt


# --- Edits and withdrawals of one's own submissions --------------------------------------------------


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
        submission.text = _clean_text(fields.get("text", ""), field="text", label=_("The text"))
        update.append("text")
        if isinstance(submission, Translation) and submission.status == Status.PENDING:
            _check_not_source(submission.text, prompt=submission.prompt)
        if isinstance(submission, TextPrompt | GenerationPrompt):
            _check_not_example(submission.text, field="text")
            _check_prompts_new(type(submission), {"text": submission.text}, exclude_ids=[submission.pk])
            submission.text_normalised = normalise_text(submission.text)
            update.append("text_normalised")
        if isinstance(submission, GenerationPrompt):
            # A level still has to build on its neighbours: check the whole chain with the new text.
            chain = GenerationPrompt.objects.filter(chain_id=submission.chain_id).order_by("level")
            texts = {level.level: level.text for level in chain}
            texts[submission.level] = submission.text
            try:
                _check_chain([texts.get(n, "") for n in (1, 2, 3)])
            except DomainError as error:
                raise DomainError(error.message, field="text", code=error.code) from None
    elif isinstance(submission, VisualQuestion):
        submission.question = _clean_text(
            fields.get("question", ""), field="question", label=_("The question")
        )
        submission.answer = _clean_text(fields.get("answer", ""), field="answer", label=_("The answer"))
        submission.question_normalised = normalise_question(submission.question)
        _check_question_rules(submission.question)
        update += ["question", "answer", "question_normalised"]
    if isinstance(submission, TextPrompt | GenerationPrompt):
        _save_prompt(submission, field="text", update_fields=update)
        return submission
    try:
        with transaction.atomic():
            submission.save(update_fields=update)
    except IntegrityError:
        raise _duplicate_question() from None
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


# --- Decisions ---------------------------------------------------------------------------------------


def moderation_policy_of(*, task_number: int) -> ModerationPolicy:
    policy = ModerationPolicy.objects.filter(task_id=task_number).first()
    if policy is None:
        policy = ModerationPolicy(task=Task(number=task_number), mode=ModerationPolicy.Mode.ORGANIZERS)
    return policy


def text_submission_event(submission: TextSubmission, kind: str, *, reason: str = "") -> ContributionEvent:
    """The event the ledger credits: Task 3 and 4 points follow the language, Task 5 and 6 the country."""
    by_language = submission.task_number in (3, 4)
    return ContributionEvent(
        kind=kind,
        task_number=submission.task_number,
        contributor_id=submission.contributor_id,
        source=f"texttasks.{submission._meta.model_name}",
        source_id=submission.pk,
        occurred_at=submission.decided_at or timezone.now(),
        language_code=submission.language_id if by_language else "",
        country_codes=() if by_language else (submission.country_id,),
        reason=reason,
    )


def _decide(submission: TextSubmission, *, accepted: bool, reason: str, decided_by) -> TextSubmission:
    submission.status = Status.ACCEPTED if accepted else Status.REJECTED
    submission.rejection_reason = "" if accepted else reason
    submission.decided_at = timezone.now()
    submission.decided_by = decided_by
    submission.save(update_fields=["status", "rejection_reason", "decided_at", "decided_by", "updated_at"])
    audit(
        actor=decided_by,
        action="moderation.accept" if accepted else "moderation.reject",
        target=submission,
        details={"task": submission.task_number, "reason": reason},
    )
    publish(
        text_submission_event(
            submission, EventKind.ACCEPTED if accepted else EventKind.REJECTED, reason=reason
        )
    )
    return submission


def _locked_pending(*, task_number: int, submission_id: int) -> TextSubmission:
    model = TASK_MODELS.get(task_number)
    if model is None:
        raise NotFound(_("This task has no text submissions."))
    submission = model.objects.select_for_update().filter(pk=submission_id).first()
    if submission is None:
        raise NotFound(_("This submission does not exist."))
    if submission.status != Status.PENDING:
        raise Conflict(_("This submission is no longer pending: it was already decided or withdrawn."))
    return submission


@transaction.atomic
def text_submission_decide(
    *, task_number: int, submission_id: int, accepted: bool, reason: str = "", decided_by
) -> TextSubmission:
    """An organizer's decision on a pending submission, once; a rejection needs a reason."""
    reason = (reason or "").strip()
    if not accepted and not reason:
        raise DomainError(_("A rejection needs a reason the contributor can read."), field="reason")
    submission = _locked_pending(task_number=task_number, submission_id=submission_id)
    return _decide(submission, accepted=accepted, reason=reason, decided_by=decided_by)


@dataclass
class BulkResult:
    decided: int
    skipped: int


def text_submissions_decide_bulk(
    *, task_number: int, submission_ids: list[int], accepted: bool, reason: str = "", decided_by
) -> BulkResult:
    """The moderation list's bulk action: each submission decided in its own transaction, once."""
    if not accepted and not (reason or "").strip():
        raise DomainError(_("A rejection needs a reason the contributor can read."), field="reason")
    decided = skipped = 0
    for submission_id in submission_ids:
        try:
            text_submission_decide(
                task_number=task_number,
                submission_id=submission_id,
                accepted=accepted,
                reason=reason,
                decided_by=decided_by,
            )
            decided += 1
        except (Conflict, NotFound):
            skipped += 1
    return BulkResult(decided=decided, skipped=skipped)


@transaction.atomic
def text_submission_reverse(
    *, task_number: int, submission_id: int, reason: str, decided_by
) -> TextSubmission:
    """Take back an acceptance (an organizer found a problem later): rejected, and the credit reversed."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Reversing a decision needs a reason."), field="reason")
    model = TASK_MODELS[task_number]
    submission = model.objects.select_for_update().filter(pk=submission_id).first()
    if submission is None:
        raise NotFound(_("This submission does not exist."))
    if submission.status != Status.ACCEPTED:
        raise Conflict(_("Only an accepted submission can be reversed."))
    submission.status = Status.REJECTED
    submission.rejection_reason = reason
    submission.decided_at = timezone.now()
    submission.decided_by = decided_by
    submission.save(update_fields=["status", "rejection_reason", "decided_at", "decided_by", "updated_at"])
    audit(
        actor=decided_by,
        action="moderation.reverse",
        target=submission,
        details={"task": submission.task_number, "reason": reason},
    )
    publish(text_submission_event(submission, EventKind.REVERSED, reason=reason))
    return submission


def validator_speaks(*, user, submission: TextSubmission) -> bool:
    """Validators speak the submission's language: Task 3's translators of that language; for Task 4
    the profile's native language or a language they chose; for Task 5 and 6 a profile in that country."""
    if submission.task_number == 3:
        return TranslatorEnrollment.objects.filter(
            contributor=user, language_id=submission.language_id
        ).exists()
    profile = (
        Profile.objects.filter(user=user).values("native_language_code", "residence_country_id").first() or {}
    )
    if submission.task_number == 4:
        return (
            profile.get("native_language_code") == submission.language_id
            or SpeakerLanguage.objects.filter(contributor=user, language_id=submission.language_id).exists()
        )
    return (
        bool(profile.get("residence_country_id")) and profile["residence_country_id"] == submission.country_id
    )


@transaction.atomic
def peer_validation_record(
    *, validator, task_number: int, submission_id: int, accepted: bool, reason: str = ""
) -> TextSubmission:
    """One validator's verdict; the submission is decided when N validators agree, exactly once.

    The submission row is locked, so two validators agreeing at the same moment make one decision.
    """
    contributor_ensure_can_submit(user=validator, task_number=task_number)
    policy = moderation_policy_of(task_number=task_number)
    if policy.mode != ModerationPolicy.Mode.PEERS:
        raise NotAllowed(_("Organizers decide this task's submissions."))
    reason = (reason or "").strip()
    if not accepted and not reason:
        raise DomainError(_("Say why the submission should be rejected."), field="reason")
    submission = _locked_pending(task_number=task_number, submission_id=submission_id)
    if submission.contributor_id == validator.pk:
        raise NotAllowed(_("You cannot validate your own submission."))
    if not validator_speaks(user=validator, submission=submission):
        raise NotAllowed(_("Only speakers of this submission's language can validate it."))
    try:
        with transaction.atomic():
            PeerValidation.objects.create(
                task_number=task_number,
                submission_id=submission.pk,
                validator=validator,
                accepted=accepted,
                reason=reason,
            )
    except IntegrityError:
        raise Conflict(_("You already validated this submission.")) from None
    tally = PeerValidation.objects.filter(task_number=task_number, submission_id=submission.pk).aggregate(
        accepts=Count("pk", filter=Q(accepted=True)), rejects=Count("pk", filter=Q(accepted=False))
    )
    if tally["accepts"] >= policy.validators_needed:
        return _decide(submission, accepted=True, reason="", decided_by=validator)
    if tally["rejects"] >= policy.validators_needed:
        reasons = PeerValidation.objects.filter(
            task_number=task_number, submission_id=submission.pk, accepted=False
        ).values_list("reason", flat=True)
        return _decide(submission, accepted=False, reason="\n".join(reasons), decided_by=validator)
    return submission


# --- Task 4's pool -----------------------------------------------------------------------------------


def pool_add_accepted_images() -> int:
    """Put every accepted Task 1 image in Task 4's pool (once); returns how many were added."""
    from contributions.models import ImageSubmission

    added = 0
    accepted = ImageSubmission.objects.filter(status=ImageSubmission.Status.ACCEPTED, pool_image__isnull=True)
    for submission in accepted.prefetch_related("countries").iterator(chunk_size=500):
        with transaction.atomic():
            image, created = PoolImage.objects.get_or_create(
                image_submission=submission, defaults={"caption": submission.description}
            )
            if created:
                image.countries.set(submission.countries.all())
                added += 1
    return added


def pool_image_drop_submission(*, submission_id: int) -> int:
    """Take a Task 1 image out of Task 4's pool (an organizer took it down; its files are gone).
    Its questions stay as they were decided; no new ones are asked. Returns how many rows changed."""
    return PoolImage.objects.filter(image_submission_id=submission_id, active=True).update(active=False)
