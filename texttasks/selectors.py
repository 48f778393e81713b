"""Reads of the text tasks: progress, the next prompt or image, one's submissions, the moderation lists."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, QuerySet

from accounts.models import Profile
from campaign.models import Country, Language, Task
from texttasks.models import (
    TASK_MODELS,
    BenchmarkPrompt,
    GenerationPrompt,
    ModerationPolicy,
    PeerValidation,
    PoolImage,
    PromptDraft,
    SpeakerLanguage,
    SubmissionStatus,
    TextSubmission,
    Translation,
    TranslatorEnrollment,
    VisualQuestion,
)

Status = SubmissionStatus
COUNTED = (Status.PENDING, Status.ACCEPTED)
TEXT_TASK_NUMBERS = (3, 4, 5, 6)


def translators_per_language() -> int:
    """How many translators a Task 3 language takes (setting TRANSLATORS_PER_LANGUAGE, 3 by default)."""
    return int(getattr(settings, "TRANSLATORS_PER_LANGUAGE", 3))


def text_tasks() -> QuerySet[Task]:
    """Tasks 3 to 6, in order."""
    return Task.objects.filter(number__in=TEXT_TASK_NUMBERS).order_by("number")


def language_of(*, code: str) -> Language | None:
    return Language.objects.filter(code=code).first()


def task3_languages() -> QuerySet[Language]:
    return Language.objects.filter(tasks__number=3).order_by("name")


def task4_languages() -> QuerySet[Language]:
    return Language.objects.filter(tasks__number=4).order_by("name")


@dataclass
class LanguageProgress:
    language: Language
    translators: int
    cap: int
    done: int
    accepted: int
    total: int

    @property
    def is_full(self) -> bool:
        return self.translators >= self.cap


def translation_progress(*, benchmark: str | None = None) -> list[LanguageProgress]:
    """Per Task 3 language: translators of the cap, prompts done (submitted or accepted) of the total."""
    prompts = BenchmarkPrompt.objects.all()
    if benchmark:
        prompts = prompts.filter(benchmark=benchmark)
    total = prompts.count()
    translators = dict(
        TranslatorEnrollment.objects.values("language").annotate(n=Count("pk")).values_list("language", "n")
    )
    counted = Translation.objects.filter(status__in=COUNTED, prompt__in=prompts)
    done = dict(
        counted.values("language").annotate(n=Count("prompt", distinct=True)).values_list("language", "n")
    )
    accepted = dict(
        counted.filter(status=Status.ACCEPTED)
        .values("language")
        .annotate(n=Count("prompt", distinct=True))
        .values_list("language", "n")
    )
    cap = translators_per_language()
    return [
        LanguageProgress(
            language=language,
            translators=translators.get(language.code, 0),
            cap=cap,
            done=done.get(language.code, 0),
            accepted=accepted.get(language.code, 0),
            total=total,
        )
        for language in task3_languages()
    ]


def benchmark_prompts() -> QuerySet[BenchmarkPrompt]:
    """Task 3's English prompts, in the order of their benchmarks."""
    return BenchmarkPrompt.objects.order_by("benchmark", "position", "pk")


def benchmark_prompt(*, prompt_id: int) -> BenchmarkPrompt | None:
    return BenchmarkPrompt.objects.filter(pk=prompt_id).first()


def enrollment_of(*, user) -> TranslatorEnrollment | None:
    return TranslatorEnrollment.objects.filter(contributor=user).select_related("language").first()


def prompts_for_translator(*, user, language: Language) -> QuerySet[BenchmarkPrompt]:
    """Every prompt, with the translator's own translation (if any) and whether anyone covered it."""
    own = Translation.objects.filter(prompt=OuterRef("pk"), contributor=user, language=language)
    covered = Translation.objects.filter(prompt=OuterRef("pk"), language=language, status__in=COUNTED)
    return BenchmarkPrompt.objects.annotate(
        own_status=own.values("status")[:1],
        covered=Exists(covered),
    ).order_by("benchmark", "position", "pk")


def next_prompt_for(*, user, language: Language) -> BenchmarkPrompt | None:
    """The first prompt nobody has translated into the language yet; else the first the translator hasn't."""
    prompts = prompts_for_translator(user=user, language=language)
    return (
        prompts.filter(covered=False, own_status__isnull=True).first()
        or prompts.filter(own_status__isnull=True).first()
    )


def draft_for(*, prompt: BenchmarkPrompt, language: Language) -> PromptDraft | None:
    return PromptDraft.objects.filter(prompt=prompt, language=language).first()


def translation_of(*, user, prompt: BenchmarkPrompt, language: Language) -> Translation | None:
    return Translation.objects.filter(contributor=user, prompt=prompt, language=language).first()


def translations_counted_of(*, user) -> int:
    """How many of the translator's translations count (submitted or accepted)."""
    return Translation.objects.filter(contributor=user, status__in=COUNTED).count()


def pool_image_of(*, image_id: int | None) -> PoolImage | None:
    """A pool image by id (active or not); None for no id."""
    if image_id is None:
        return None
    return PoolImage.objects.filter(pk=image_id).first()


def next_image_for(*, user, countries: list[str] | None = None, exclude_ids: list[int] | None = None):
    """A pool image the contributor has not asked about: of the countries they chose first (their
    residence country when they chose none), then those with the fewest questions.

    Reads the images' question counter in index order, so it stays fast on a large pool.
    """
    preferred = set(countries or ())
    if not preferred:
        residence = Profile.objects.filter(user=user).values_list("residence_country_id", flat=True).first()
        if residence:
            preferred.add(residence)
    asked = VisualQuestion.objects.filter(image=OuterRef("pk"), contributor=user)
    images = PoolImage.objects.filter(active=True).exclude(Exists(asked)).order_by("question_count", "pk")
    if exclude_ids:
        images = images.exclude(pk__in=exclude_ids)
    images = images.select_related("image_submission")
    if preferred:
        of_country = PoolImage.countries.through.objects.filter(
            poolimage_id=OuterRef("pk"), country_id__in=preferred
        )
        image = images.filter(Exists(of_country)).first()
        if image is not None:
            return image
    return images.first()


def own_submissions(*, user, task_number: int) -> QuerySet[TextSubmission]:
    model = TASK_MODELS[task_number]
    queryset = model.objects.filter(contributor=user)
    related = {
        3: ["language", "prompt"],
        4: ["language", "image"],
        5: ["country"],
        6: ["language", "country"],
    }
    return queryset.select_related(*related[task_number]).order_by("-created_at", "-pk")


def own_submission(*, user, task_number: int, submission_id: int) -> TextSubmission | None:
    return own_submissions(user=user, task_number=task_number).filter(pk=submission_id).first()


def moderation_list(
    *, task_number: int, status: str = Status.PENDING, language: str = "", country: str = ""
) -> QuerySet[TextSubmission]:
    """The organizers' list for one task, filtered by language and country (Task 3/4: the language's
    points country; Task 5/6: the chosen country)."""
    queryset = own_related(TASK_MODELS[task_number].objects.all(), task_number)
    if status:
        queryset = queryset.filter(status=status)
    has_language = task_number in (3, 4, 6)
    if language and has_language:
        queryset = queryset.filter(language_id=language)
    if country:
        if task_number in (3, 4):
            queryset = queryset.filter(language__points_country_id=country)
        else:
            queryset = queryset.filter(country_id=country)
    return queryset.order_by("created_at", "pk")


def own_related(queryset, task_number: int):
    related = {
        3: ["contributor__profile", "language__points_country", "prompt"],
        4: ["contributor__profile", "language__points_country", "image__image_submission"],
        5: ["contributor__profile", "country"],
        6: ["contributor__profile", "language", "country"],
    }
    return queryset.select_related(*related[task_number])


def moderation_policy_of(*, task_number: int) -> ModerationPolicy:
    """Who decides the task's submissions; organizers when the task has no policy row."""
    policy = ModerationPolicy.objects.filter(task_id=task_number).first()
    if policy is None:
        policy = ModerationPolicy(task=Task(number=task_number), mode=ModerationPolicy.Mode.ORGANIZERS)
    return policy


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


def validation_queue(*, user, task_number: int) -> QuerySet[TextSubmission]:
    """Pending submissions this user may validate: in peer mode, not their own, in a language they speak,
    and not validated by them yet."""
    policy = ModerationPolicy.objects.filter(task_id=task_number).first()
    model = TASK_MODELS[task_number]
    if policy is None or policy.mode != ModerationPolicy.Mode.PEERS:
        return model.objects.none()
    queryset = model.objects.filter(status=Status.PENDING).exclude(contributor=user)
    if task_number == 3:
        languages = list(
            TranslatorEnrollment.objects.filter(contributor=user).values_list("language", flat=True)
        )
        queryset = queryset.filter(language_id__in=languages)
    elif task_number == 4:
        languages = set(SpeakerLanguage.objects.filter(contributor=user).values_list("language", flat=True))
        native = Profile.objects.filter(user=user).values_list("native_language_code", flat=True).first()
        if native:
            languages.add(native)
        queryset = queryset.filter(language_id__in=languages)
    else:
        country = Profile.objects.filter(user=user).values_list("residence_country_id", flat=True).first()
        queryset = queryset.filter(country_id=country)
    done = PeerValidation.objects.filter(
        task_number=task_number, submission_id=OuterRef("pk"), validator=user
    )
    return own_related(queryset.exclude(Exists(done)), task_number).order_by("created_at", "pk")


def chain_of(*, user, chain_id) -> list[GenerationPrompt]:
    return list(GenerationPrompt.objects.filter(contributor=user, chain_id=chain_id).order_by("level"))


def countries_all() -> QuerySet[Country]:
    return Country.objects.order_by("name")
