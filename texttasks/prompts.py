"""Task 5's chains of three image-generation prompts and Task 6's text prompts.

A prompt is the contributor's own: not the campaign's example, not a prompt submitted before (the
unique constraint on `text_normalised` settles races); a chain's levels each build on the one before.
"""

import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import contributor_ensure_can_submit
from campaign.errors import Conflict, DomainError, NotFound
from texttasks.checks import chain_problems, english_problem, is_spec_example, normalise_text
from texttasks.inputs import campaign_country, task_language, text_clean, text_language_check
from texttasks.language import detected_name, language_verdict
from texttasks.models import GenerationPrompt, SubmissionStatus, TextPrompt, TextSubmission

Status = SubmissionStatus


def chain_check(levels: list[str]) -> list[str]:
    """The three levels of a chain, cleaned; each in English, new, and building on the one before."""
    if len(levels) != 3:
        raise DomainError(_("Write the three levels of the prompt."), field="levels")
    cleaned = []
    for number, text in enumerate(levels, start=1):
        label = _("Level %(level)s") % {"level": number}
        text = text_clean(text, field=f"level_{number}", label=label)
        # The same language check as Tasks 3 and 4 names what a non-English prompt reads as; the
        # English-words rule then catches what it was unsure of.
        verdict = language_verdict(text, expected="eng")
        problem = (
            _("This prompt reads as %(language)s. Task 5 takes English prompts only.")
            % {"language": detected_name(verdict.detected)}
            if verdict.refused and verdict.detected
            else english_problem(text)
        )
        if problem:
            raise DomainError(problem, field=f"level_{number}", code="not_english")
        prompt_check_not_example(text, field=f"level_{number}")
        if normalise_text(text) in {normalise_text(earlier) for earlier in cleaned}:
            raise DomainError(
                _("Level %(level)s repeats an earlier level: each level adds detail to the one before.")
                % {"level": number},
                field=f"level_{number}",
                code="chain",
            )
        cleaned.append(text)
    problems = chain_problems(cleaned)
    if problems:
        number, message = next(iter(sorted(problems.items())))
        raise DomainError(message, field=f"level_{number}", code="chain")
    return cleaned


def prompt_check_not_example(text: str, *, field: str) -> None:
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


def prompts_check_new(model: type[TextSubmission], texts: dict[str, str], *, exclude_ids=()) -> None:
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


def prompt_save(submission: TextSubmission, *, field: str, update_fields: list[str] | None = None) -> None:
    """Create or save a Task 5 or 6 prompt; the same normalised text twice is a Conflict on `field`."""
    try:
        with transaction.atomic():
            submission.save(update_fields=update_fields)
    except IntegrityError:
        raise _duplicate_prompt(field=field) from None


# --- Task 5: chains of three generation prompts ------------------------------------------------------


@transaction.atomic
def generation_chain_create(*, user, country_code: str, levels: list[str]) -> list[GenerationPrompt]:
    """Three English prompts about one country, each building on the one before; three submissions."""
    contributor_ensure_can_submit(user=user, task_number=5)
    country = campaign_country(code=country_code)
    cleaned = chain_check(levels)
    prompts_check_new(GenerationPrompt, {f"level_{n}": text for n, text in enumerate(cleaned, start=1)})
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
        prompt_save(row, field=f"level_{number}")
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
    country = campaign_country(code=country_code)
    texts = [row.text if not row.is_editable else levels[row.level - 1] for row in rows]
    cleaned = chain_check(texts)
    prompts_check_new(
        GenerationPrompt,
        {f"level_{row.level}": text for row, text in zip(rows, cleaned, strict=True) if row.is_editable},
        exclude_ids=[row.pk for row in rows],
    )
    for row, text in zip(rows, cleaned, strict=True):
        if row.is_editable:
            row.text = text
            row.text_normalised = normalise_text(text)
            row.country = country
            prompt_save(
                row,
                field=f"level_{row.level}",
                update_fields=["text", "text_normalised", "country", "updated_at"],
            )
    return rows


# --- Task 6: text prompts ----------------------------------------------------------------------------


@transaction.atomic
def text_prompt_create(*, user, language_code: str, country_code: str, text: str) -> TextPrompt:
    contributor_ensure_can_submit(user=user, task_number=6)
    language = task_language(task_number=6, code=language_code)
    country = campaign_country(code=country_code)
    text = text_clean(text, field="text", label=_("The prompt"))
    prompt_check_not_example(text, field="text")
    prompts_check_new(TextPrompt, {"text": text})
    language_flag = text_language_check(text, language_code=language.code, field="text")
    prompt = TextPrompt(
        contributor=user,
        language=language,
        country=country,
        text=text,
        text_normalised=normalise_text(text),
        submitted_at=timezone.now(),
        language_flag=language_flag,
    )
    prompt_save(prompt, field="text")
    return prompt
