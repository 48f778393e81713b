"""Tasks 3 to 6: benchmark translations, visual questions, image-generation prompts and text prompts.

Every contribution is a text submission: `pending` until an organizer or enough peer validators decide
it, once. The country or language its points depend on is stored on the row.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from campaign.models import Country, Language


class SubmissionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class TextSubmission(models.Model):
    """What the four text tasks share: who wrote it, where it stands, who decided and why."""

    Status = SubmissionStatus
    task_number: int = 0

    contributor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="%(app_label)s_%(class)ss"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=SubmissionStatus.choices, default=SubmissionStatus.PENDING
    )
    rejection_reason = models.TextField(_("reason"), blank=True)
    # Set when the language check was unsure the text is in the chosen language (what it may be instead):
    # the submission is let through for a moderator to look at, not refused.
    language_flag = models.CharField(_("language to check"), max_length=200, blank=True, db_default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="rejected") | ~models.Q(rejection_reason=""),
                name="%(class)s_rejected_has_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["accepted", "rejected"]) | models.Q(decided_at__isnull=False),
                name="%(class)s_decided_has_time",
            ),
        ]

    @property
    def is_editable(self) -> bool:
        return self.status in (SubmissionStatus.DRAFT, SubmissionStatus.PENDING)

    @property
    def is_withdrawable(self) -> bool:
        return self.status in (SubmissionStatus.DRAFT, SubmissionStatus.PENDING)

    @property
    def summary(self) -> str:
        return ""


# --- Task 3 -------------------------------------------------------------------------------------------


def benchmark_image_upload_to(prompt: "BenchmarkPrompt", filename: str) -> str:
    return f"benchmarks/{prompt.benchmark}/{filename}"


class BenchmarkPrompt(models.Model):
    """One English source prompt of a benchmark, with its reference answer and one or two images."""

    benchmark = models.SlugField(_("benchmark"), max_length=64)
    source_index = models.CharField(_("index in the benchmark"), max_length=64)
    position = models.PositiveIntegerField(_("position"), default=0)
    prompt = models.TextField(_("English prompt"))
    reference = models.TextField(_("reference answer"), blank=True)
    category = models.CharField(_("category"), max_length=64, blank=True)
    image_source = models.CharField(_("image source"), max_length=200, blank=True)
    image_1 = models.FileField(upload_to=benchmark_image_upload_to, max_length=255)
    image_1_sha256 = models.CharField(max_length=64, blank=True)
    image_2 = models.FileField(upload_to=benchmark_image_upload_to, max_length=255, blank=True)
    image_2_sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["benchmark", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["benchmark", "source_index"], name="benchmark_prompt_unique_index"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.benchmark} #{self.source_index}"

    @property
    def images(self) -> list[int]:
        """The image numbers (1, 2) this prompt has."""
        return [n for n, image in ((1, self.image_1), (2, self.image_2)) if image]


class PromptDraft(models.Model):
    """A machine-translated draft of a prompt, shown to the translator to post-edit."""

    prompt = models.ForeignKey(BenchmarkPrompt, on_delete=models.CASCADE, related_name="drafts")
    language = models.ForeignKey(Language, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("machine translation"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prompt", "language"], name="prompt_draft_one_per_language"),
        ]

    def __str__(self) -> str:
        return f"{self.prompt} ({self.language_id})"


class TranslatorEnrollment(models.Model):
    """A contributor translating Task 3 into one language; a language takes a few translators."""

    contributor = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="translator_enrollment"
    )
    language = models.ForeignKey(Language, on_delete=models.PROTECT, related_name="translator_enrollments")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["language", "created_at"]

    def __str__(self) -> str:
        return f"{self.contributor} → {self.language_id}"


class Translation(TextSubmission):
    task_number = 3

    prompt = models.ForeignKey(BenchmarkPrompt, on_delete=models.PROTECT, related_name="translations")
    language = models.ForeignKey(Language, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("translation"))

    class Meta(TextSubmission.Meta):
        verbose_name = _("translation")
        verbose_name_plural = _("translations")
        constraints = [
            *TextSubmission.Meta.constraints,
            models.UniqueConstraint(
                fields=["contributor", "prompt", "language"], name="translation_one_per_translator"
            ),
        ]
        indexes = [models.Index(fields=["language", "status"], name="translation_language_status")]

    def __str__(self) -> str:
        return f"Translation {self.pk} ({self.language_id})"

    @property
    def summary(self) -> str:
        return self.text


# --- Task 4 -------------------------------------------------------------------------------------------


def pool_image_upload_to(image: "PoolImage", filename: str) -> str:
    return f"pool/{image.key}"


class PoolImage(models.Model):
    """An image of Task 4's pool: an accepted Task 1 image, or one imported for this task."""

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    image_submission = models.OneToOneField(
        "contributions.ImageSubmission",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="pool_image",
    )
    file = models.FileField(upload_to=pool_image_upload_to, max_length=255, blank=True)
    source_ref = models.CharField(
        _("source reference"), max_length=255, blank=True, help_text=_("Where an imported image came from.")
    )
    caption = models.TextField(_("caption"), blank=True)
    countries = models.ManyToManyField(Country, blank=True, related_name="pool_images")
    active = models.BooleanField(_("in the pool"), default=True)
    question_count = models.PositiveIntegerField(
        _("questions"), default=0, editable=False, help_text=_("Questions asked about it (not withdrawn).")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [
            # Contributors get the images with the fewest questions first.
            models.Index(
                fields=["question_count", "id"], condition=models.Q(active=True), name="pool_image_fewest"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(image_submission__isnull=False) & models.Q(file=""))
                | (models.Q(image_submission__isnull=True) & ~models.Q(file="")),
                name="pool_image_one_source",
            ),
            models.UniqueConstraint(
                fields=["source_ref"], condition=~models.Q(source_ref=""), name="pool_image_source_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"Pool image {self.pk}"


class SpeakerLanguage(models.Model):
    """A language a contributor chose to write Task 4 questions in (they may validate in it too)."""

    contributor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    language = models.ForeignKey(Language, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contributor", "language"], name="speaker_language_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.contributor} speaks {self.language_id}"


class VisualQuestion(TextSubmission):
    task_number = 4

    image = models.ForeignKey(PoolImage, on_delete=models.PROTECT, related_name="questions")
    language = models.ForeignKey(Language, on_delete=models.PROTECT, related_name="+")
    question = models.TextField(_("question"))
    question_normalised = models.TextField(editable=False)
    answer = models.TextField(_("answer"))

    class Meta(TextSubmission.Meta):
        verbose_name = _("visual question")
        verbose_name_plural = _("visual questions")
        constraints = [
            *TextSubmission.Meta.constraints,
            models.UniqueConstraint(
                fields=["image", "question_normalised"],
                condition=~models.Q(status="withdrawn"),
                name="visual_question_unique_per_image",
            ),
        ]

    def __str__(self) -> str:
        return f"Question {self.pk} ({self.language_id})"

    @property
    def summary(self) -> str:
        return self.question


# --- Task 5 -------------------------------------------------------------------------------------------


class GenerationPrompt(TextSubmission):
    """One level of a chain of three English prompts; each level is a submission of its own."""

    task_number = 5

    chain_id = models.UUIDField(db_index=True)
    level = models.PositiveSmallIntegerField(_("level"))
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+")
    # Translators: a glossary term: a text given to a vision-language model (here, one that asks for an
    # image), not a command line or an input box.
    text = models.TextField(_("prompt"))
    text_normalised = models.TextField(editable=False, default="")

    class Meta(TextSubmission.Meta):
        verbose_name = _("image-generation prompt")
        verbose_name_plural = _("image-generation prompts")
        ordering = ["-created_at", "chain_id", "level"]
        constraints = [
            *TextSubmission.Meta.constraints,
            models.UniqueConstraint(fields=["chain_id", "level"], name="generation_prompt_level_once"),
            # The same prompt twice (at any level, by anyone) is one prompt: only a withdrawn one frees it.
            # (Empty: a row written without the services, which always fill it.)
            models.UniqueConstraint(
                fields=["text_normalised"],
                condition=~models.Q(status="withdrawn") & ~models.Q(text_normalised=""),
                name="generation_prompt_unique_text",
            ),
            models.CheckConstraint(condition=models.Q(level__in=[1, 2, 3]), name="generation_prompt_level"),
        ]

    def __str__(self) -> str:
        return f"Prompt {self.pk} (level {self.level})"

    @property
    def summary(self) -> str:
        return self.text


# --- Task 6 -------------------------------------------------------------------------------------------


class TextPrompt(TextSubmission):
    task_number = 6

    language = models.ForeignKey(Language, on_delete=models.PROTECT, related_name="+")
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("prompt"))
    text_normalised = models.TextField(editable=False, default="")

    class Meta(TextSubmission.Meta):
        verbose_name = _("text prompt")
        verbose_name_plural = _("text prompts")
        constraints = [
            *TextSubmission.Meta.constraints,
            models.UniqueConstraint(
                fields=["text_normalised"],
                condition=~models.Q(status="withdrawn") & ~models.Q(text_normalised=""),
                name="text_prompt_unique_text",
            ),
        ]

    def __str__(self) -> str:
        return f"Text prompt {self.pk}"

    @property
    def summary(self) -> str:
        return self.text


# --- Moderation ---------------------------------------------------------------------------------------


class ModerationPolicy(models.Model):
    """Who decides a task's text submissions: organizers, or N agreeing peer validators."""

    class Mode(models.TextChoices):
        ORGANIZERS = "organizers", _("Organizers decide")
        PEERS = "peers", _("Peer validation")

    task = models.OneToOneField("campaign.Task", primary_key=True, on_delete=models.CASCADE, related_name="+")
    mode = models.CharField(_("who decides"), max_length=16, choices=Mode.choices, default=Mode.ORGANIZERS)
    validators_needed = models.PositiveSmallIntegerField(
        _("agreeing validators needed"),
        default=1,
        help_text=_("With peer validation: this many validators agreeing accept or reject a submission."),
    )

    class Meta:
        verbose_name_plural = _("moderation policies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(validators_needed__gte=1), name="moderation_policy_needs_a_validator"
            ),
        ]

    def __str__(self) -> str:
        return f"Task {self.task_id}: {self.get_mode_display()}"


class PeerValidation(models.Model):
    """One validator's verdict on one text submission; a validator gives one per submission."""

    task_number = models.PositiveSmallIntegerField()
    submission_id = models.BigIntegerField()
    validator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    accepted = models.BooleanField()
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["task_number", "submission_id", "validator"], name="peer_validation_once"
            ),
            models.CheckConstraint(
                condition=models.Q(accepted=True) | ~models.Q(reason=""), name="peer_rejection_has_reason"
            ),
        ]
        indexes = [models.Index(fields=["task_number", "submission_id"], name="peer_validation_submission")]

    def __str__(self) -> str:
        verdict = "accepts" if self.accepted else "rejects"
        return f"{self.validator} {verdict} task {self.task_number} #{self.submission_id}"


TASK_MODELS: dict[int, type[TextSubmission]] = {
    3: Translation,
    4: VisualQuestion,
    5: GenerationPrompt,
    6: TextPrompt,
}
