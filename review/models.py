"""Task 2: screening, the review queue, ratings, gold items and consensus.

The queue reads one denormalised row per image in review (`ReviewItem`): its countries as a bit mask,
its counted ratings and active leases, so that serving the next item is one index walk.
"""

import os
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from campaign.models import Country
from contributions.models import ImageSubmission

# One bit per campaign country, fixed forever (new countries get new bits at the end).
COUNTRY_BITS = {
    code: 1 << i for i, code in enumerate(["BN", "KH", "TL", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN"])
}


IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".webp"}


def country_mask(codes) -> int:
    mask = 0
    for code in codes:
        mask |= COUNTRY_BITS.get(code, 0)
    return mask


def screening_image_upload_to(item: "ScreeningItem", filename: str) -> str:
    # Unguessable, like the submissions' images; pages show it only through permission-checked views.
    extension = os.path.splitext(filename)[1].lower()
    return f"review/screening/{uuid.uuid4()}{extension if extension in IMAGE_EXTENSIONS else '.jpg'}"


class Relevance(models.IntegerChoices):
    ONE = 1, _("1 - not related to the culture")
    TWO = 2, _("2 - barely related")
    THREE = 3, _("3 - somewhat related")
    FOUR = 4, _("4 - clearly related")
    FIVE = 5, _("5 - strongly, typically related")


class Flag(models.TextChoices):
    NONE = "", _("No problem")
    NOT_OWN = "not_own_photo", _("Not the contributor's own photo")
    WATERMARK = "watermark", _("Watermark or logo")
    PERSONAL_DATA = "personal_data", _("Personal data (faces up close, plates, documents)")
    UNSAFE = "unsafe", _("Unsafe or offensive content")


class ScreeningItem(models.Model):
    """An image with known answers: used in screening tests and, hidden, as gold items in the queue."""

    image = models.ImageField(_("image"), upload_to=screening_image_upload_to, max_length=255)
    description = models.TextField(_("English description"))
    native_description = models.TextField(_("native-language description"), blank=True)
    native_language_name = models.CharField(_("native language"), max_length=64, blank=True)
    location = models.CharField(_("where it was taken"), max_length=200, blank=True)
    countries = models.ManyToManyField(Country, related_name="screening_items", verbose_name=_("countries"))
    expected_relevance = models.PositiveSmallIntegerField(
        _("expected relevance"), choices=Relevance.choices, help_text=_("One step off is accepted.")
    )
    expected_caption_fit = models.BooleanField(_("expected: the description fits"))
    expected_quality_ok = models.BooleanField(_("expected: the quality is acceptable"))
    explanation = models.TextField(
        _("explanation"),
        help_text=_(
            "Shown after the test to those who got it wrong, without the expected answers (the item may "
            "also be a hidden gold item in the queue): say what to look at."
        ),
    )
    is_active = models.BooleanField(_("in use"), default=True)
    use_as_gold = models.BooleanField(_("also a hidden gold item in the queue"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expected_relevance__gte=1, expected_relevance__lte=5),
                name="screening_item_relevance_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Screening item {self.pk}: {self.description[:40]}"

    def is_correct(self, *, relevance: int, caption_fit: bool, quality_ok: bool) -> bool:
        return (
            abs(int(relevance) - self.expected_relevance) <= 1
            and bool(caption_fit) == self.expected_caption_fit
            and bool(quality_ok) == self.expected_quality_ok
        )


class ScreeningAttempt(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="screening_attempts"
    )
    country_codes = models.JSONField(_("countries applied for"), default=list)
    started_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True)
    passed = models.BooleanField(null=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(submitted_at__isnull=True), name="screening_one_open_attempt"
            ),
        ]

    def __str__(self) -> str:
        return f"Screening attempt {self.pk} of {self.user_id}"


class ScreeningAnswer(models.Model):
    attempt = models.ForeignKey(ScreeningAttempt, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(ScreeningItem, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()
    relevance = models.PositiveSmallIntegerField(null=True, blank=True)
    caption_fit = models.BooleanField(null=True)
    quality_ok = models.BooleanField(null=True)
    correct = models.BooleanField(null=True)

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "item"], name="screening_answer_once"),
        ]

    def __str__(self) -> str:
        return f"Answer {self.position} of attempt {self.attempt_id}"


class ScreeningExtraTry(models.Model):
    """An organizer lets a contributor take the test again (beyond the limit, without waiting)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="screening_extra_tries"
    )
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = _("screening extra tries")

    def __str__(self) -> str:
        return f"Extra screening try for {self.user_id}"


class AnnotatorQualification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="annotator_qualifications"
    )
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+")
    attempt = models.ForeignKey(
        ScreeningAttempt, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user", "country"]
        constraints = [models.UniqueConstraint(fields=["user", "country"], name="qualification_once")]

    def __str__(self) -> str:
        return f"{self.user_id} qualified for {self.country_id}"


class ReviewItem(models.Model):
    """The queue's row for one image in review (same primary key as the submission)."""

    class State(models.TextChoices):
        OPEN = "open", _("Open for ratings")
        ADJUDICATION = "adjudication", _("Waiting for an organizer")
        DECIDED = "decided", _("Decided")
        CLOSED = "closed", _("Closed (left review)")

    class Outcome(models.TextChoices):
        NONE = "", _("None yet")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    submission = models.OneToOneField(
        ImageSubmission, primary_key=True, on_delete=models.CASCADE, related_name="review_item"
    )
    contributor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    country_bits = models.BigIntegerField(default=0)
    country_codes = models.CharField(max_length=64, blank=True, help_text=_("Comma-separated ISO codes."))
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default="", blank=True)
    needed = models.PositiveSmallIntegerField(default=3)
    counted_ratings = models.PositiveSmallIntegerField(default=0)
    active_leases = models.PositiveSmallIntegerField(default=0)
    adjudication_reason = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-counted_ratings", "created_at"]
        indexes = [
            # The queue walks this index: only items with an open slot are in it.
            models.Index(
                F("counted_ratings").desc(),
                F("created_at").asc(),
                name="review_queue_order",
                condition=Q(state="open", counted_ratings__lt=F("needed") - F("active_leases")),
            ),
            models.Index(fields=["state", "created_at"], name="review_item_state"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(counted_ratings__lte=F("needed")), name="review_item_never_over_counted"
            ),
        ]

    def __str__(self) -> str:
        return f"Review item {self.pk} ({self.state})"

    @property
    def country_code_list(self) -> list[str]:
        return [c for c in self.country_codes.split(",") if c]

    @property
    def open_slots(self) -> int:
        return max(0, self.needed - self.counted_ratings - self.active_leases)


class ReviewLease(models.Model):
    """One served item (an image in review or a hidden gold item), reserved for one annotator a while."""

    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        ANSWERED = "answered", _("Answered")
        EXPIRED = "expired", _("Expired")

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # No index of its own: `review_lease_annotator` and `review_lease_recent` lead with it (every lease
    # served, and every answer's release, which is not a HOT update, pays each index).
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_leases", db_index=False
    )
    item = models.ForeignKey(
        ReviewItem, null=True, blank=True, on_delete=models.CASCADE, related_name="leases"
    )
    screening_item = models.ForeignKey(
        ScreeningItem, null=True, blank=True, on_delete=models.CASCADE, related_name="gold_leases"
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["annotator", "state", "expires_at"], name="review_lease_annotator"),
            # The annotator's latest leases first: how many items since their last gold item.
            models.Index(fields=["annotator", "-id"], include=["screening_item"], name="review_lease_recent"),
            models.Index(fields=["expires_at"], name="review_lease_expiry", condition=Q(state="active")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(item__isnull=True) ^ Q(screening_item__isnull=True),
                name="review_lease_one_target",
            ),
        ]

    def __str__(self) -> str:
        return f"Lease {self.key} ({self.state})"

    @property
    def is_gold(self) -> bool:
        return self.screening_item_id is not None


class Rating(models.Model):
    """An annotator's answer to one image in review (or a skip). One per annotator per item."""

    # No index of their own: `rating_once_per_annotator` (item, annotator) and `rating_annotator_recent`
    # (annotator, -created_at) lead with them, and every rating written pays each index once more.
    item = models.ForeignKey(ReviewItem, on_delete=models.CASCADE, related_name="ratings", db_index=False)
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ratings", db_index=False
    )
    skipped = models.BooleanField(default=False)
    # Translators: a glossary term ("culturally relevant"): how much the image shows of the culture it names.
    relevance = models.PositiveSmallIntegerField(_("cultural relevance"), null=True, blank=True)
    caption_fit = models.BooleanField(_("the description fits"), null=True)
    quality_ok = models.BooleanField(_("the quality is acceptable"), null=True)
    flag = models.CharField(_("problem"), max_length=32, choices=Flag.choices, default="", blank=True)
    flag_note = models.CharField(_("note"), max_length=500, blank=True)
    # Translators: consensus (a glossary term) is the decision the annotators' ratings of one image reach together.
    counted = models.BooleanField(default=False, help_text=_("Counts towards consensus and for points."))
    uncounted_reason = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["item", "annotator"], name="rating_once_per_annotator"),
            models.CheckConstraint(
                condition=Q(skipped=True, counted=False)
                | Q(
                    skipped=False,
                    relevance__gte=1,
                    relevance__lte=5,
                    caption_fit__isnull=False,
                    quality_ok__isnull=False,
                ),
                name="rating_complete_unless_skipped",
            ),
        ]
        indexes = [
            models.Index(fields=["annotator", "-created_at"], name="rating_annotator_recent"),
            models.Index(fields=["item"], name="rating_item_counted", condition=Q(counted=True)),
        ]

    def __str__(self) -> str:
        return f"Rating {self.pk} of item {self.item_id}"


class GoldAnswer(models.Model):
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="gold_answers"
    )
    screening_item = models.ForeignKey(ScreeningItem, on_delete=models.CASCADE, related_name="gold_answers")
    skipped = models.BooleanField(default=False)
    relevance = models.PositiveSmallIntegerField(null=True, blank=True)
    caption_fit = models.BooleanField(null=True)
    quality_ok = models.BooleanField(null=True)
    correct = models.BooleanField(null=True, help_text=_("Empty for a skip."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["annotator", "screening_item"], name="gold_answer_once"),
        ]
        indexes = [models.Index(fields=["annotator", "-created_at"], name="gold_annotator_recent")]

    def __str__(self) -> str:
        return f"Gold answer {self.pk} of {self.annotator_id}"


class AnnotatorPause(models.Model):
    """An annotator whose gold accuracy fell too low: their ratings stop counting until reinstated."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="annotator_pauses"
    )
    paused_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField()
    gold_accuracy = models.FloatField(null=True, blank=True)
    reinstated_at = models.DateTimeField(null=True, blank=True)
    reinstated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reinstate_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-paused_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(reinstated_at__isnull=True), name="annotator_one_active_pause"
            ),
        ]

    def __str__(self) -> str:
        return f"Pause of {self.user_id} at {self.paused_at:%Y-%m-%d}"


class ReviewDecisionLog(models.Model):
    """Every organizer decision in review, with who, when and why."""

    class Action(models.TextChoices):
        ADJUDICATE_ACCEPT = "adjudicate_accept", _("Accepted an item")
        ADJUDICATE_REJECT = "adjudicate_reject", _("Rejected an item")
        REOPEN = "reopen", _("Reopened an item")
        REINSTATE = "reinstate", _("Reinstated an annotator")
        PAUSE = "pause", _("Paused an annotator")
        GRANT_TRY = "grant_try", _("Granted another screening try")

    action = models.CharField(max_length=32, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey(ReviewItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="log")
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField()
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor_id} at {self.created_at:%Y-%m-%d %H:%M}"
