"""The points: rules, the append-only ledger, leaderboard snapshots and reward claims."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from campaign.reference import POINTS_GROUPS
from campaign.times import campaign_time

TASK_NUMBERS = (1, 2, 3, 4, 5, 6)
MERCHANDISE_THRESHOLD = Decimal("200")
COAUTHORSHIP_THRESHOLD = Decimal("300")
THRESHOLDS = (MERCHANDISE_THRESHOLD, COAUTHORSHIP_THRESHOLD)


class PointRule(models.Model):
    """Points one event of a task earns in one points group, from `effective_from` on.

    A change is a new row with a later effective date: an event earns the rule in force when it happened.
    """

    task_number = models.PositiveSmallIntegerField(_("task"), choices=[(n, n) for n in TASK_NUMBERS])
    points_group = models.PositiveSmallIntegerField(_("points group"), choices=sorted(POINTS_GROUPS.items()))
    points = models.DecimalField(
        _("points"), max_digits=6, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    effective_from = models.DateTimeField(_("effective from"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["task_number", "points_group", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["task_number", "points_group", "effective_from"], name="point_rule_one_per_moment"
            ),
            models.CheckConstraint(condition=models.Q(points__gte=0), name="point_rule_points_not_negative"),
            models.CheckConstraint(
                condition=models.Q(task_number__in=TASK_NUMBERS), name="point_rule_task_known"
            ),
            models.CheckConstraint(
                condition=models.Q(points_group__in=list(POINTS_GROUPS)), name="point_rule_group_known"
            ),
        ]

    def __str__(self) -> str:
        # The campaign's day and zone: a rule from 2025-03-01 00:00 WIB never reads "from 2025-02-28".
        return f"Task {self.task_number}, group {self.points_group}: {self.points} from {campaign_time(self.effective_from)}"


class PointRuleChange(models.Model):
    """Who changed a point rule, when, and from what to what (written by the service, never edited)."""

    rule = models.ForeignKey(PointRule, on_delete=models.PROTECT, related_name="changes")
    task_number = models.PositiveSmallIntegerField(_("task"))
    points_group = models.PositiveSmallIntegerField(_("points group"))
    old_points = models.DecimalField(_("old points"), max_digits=6, decimal_places=2, null=True, blank=True)
    new_points = models.DecimalField(_("new points"), max_digits=6, decimal_places=2)
    old_effective_from = models.DateTimeField(_("old effective from"), null=True, blank=True)
    effective_from = models.DateTimeField(_("effective from"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        ordering = ["-changed_at"]

    def __str__(self) -> str:
        return f"{self.rule}: {self.old_points} -> {self.new_points}"


class PointsSettings(models.Model):
    """One row: how an event that names several countries picks its points group."""

    class MultiCountryRule(models.TextChoices):
        # Translators: of a contribution's countries, the points group that gives the fewest points. Points,
        # never money: "paying" means the points a group gives.
        LOWEST = "lowest", _("Lowest-paying group (adding a country never raises points)")
        # Translators: the points group that gives the most points. Points, never money.
        HIGHEST = "highest", _("Highest-paying group")
        FIRST = "first", _("The first country named")

    singleton = models.PositiveSmallIntegerField(default=1, unique=True, editable=False)
    multi_country_rule = models.CharField(
        _("when an event names several countries"),
        max_length=16,
        choices=MultiCountryRule.choices,
        default=MultiCountryRule.LOWEST,
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("points settings")
        verbose_name_plural = _("points settings")
        constraints = [
            models.CheckConstraint(condition=models.Q(singleton=1), name="points_settings_single_row")
        ]

    def __str__(self) -> str:
        return str(_("Points settings"))


class LedgerEntry(models.Model):
    """One append-only line of a contributor's points, for one event of one record.

    `generation` counts the reversals of the record before this entry: a credit and its reversal share a
    generation, a re-acceptance after a reversal is the next one. The unique constraint below is what
    makes a second credit (or reversal) of the same record in the same generation impossible.
    """

    class Kind(models.TextChoices):
        CREDIT = "credit", pgettext_lazy("ledger entry: points given for a contribution", "Credit")
        REVERSAL = "reversal", _("Reversal")
        CORRECTION = "correction", _("Correction")

    contributor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    task_number = models.PositiveSmallIntegerField(_("task"))
    source = models.CharField(_("record type"), max_length=64, help_text=_("app_label.model of the record."))
    source_id = models.BigIntegerField(_("record id"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    generation = models.PositiveIntegerField(default=0)
    points = models.DecimalField(_("points"), max_digits=8, decimal_places=2)
    points_group = models.PositiveSmallIntegerField(_("points group"), null=True, blank=True)
    rule = models.ForeignKey(PointRule, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    occurred_at = models.DateTimeField(_("happened at"))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = _("ledger entries")
        indexes = [
            models.Index(fields=["contributor", "-created_at"], name="ledger_contributor_created"),
            models.Index(fields=["source", "source_id"], name="ledger_record"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id", "kind", "generation"],
                condition=models.Q(kind__in=["credit", "reversal"]),
                name="ledger_one_credit_one_reversal_per_generation",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="credit") | models.Q(points__gte=0),
                name="ledger_credit_not_negative",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="reversal") | models.Q(points__lte=0),
                name="ledger_reversal_not_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.points} for {self.source}#{self.source_id}"


class DecisionRecord(models.Model):
    """Every decision the points heard of (accepted, rejected, counted, reversed): the organizers' rates."""

    contributor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    task_number = models.PositiveSmallIntegerField()
    source = models.CharField(max_length=64)
    source_id = models.BigIntegerField()
    kind = models.CharField(max_length=16)
    occurred_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["contributor", "kind"], name="decision_contributor_kind")]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id", "kind", "occurred_at"], name="decision_heard_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.source}#{self.source_id}"


class LeaderboardSnapshot(models.Model):
    """A frozen leaderboard, published by the weekly recomputation."""

    as_of = models.DateTimeField(_("as of"), db_index=True)
    week_starts_at = models.DateTimeField(_("this week starts at"))
    fingerprint = models.CharField(max_length=64)
    row_count = models.PositiveIntegerField(default=0)
    # {"": n, "ID": n, "task:1": n, "ID:task:1": n}: page counts without COUNT(*).
    counts = models.JSONField(default=dict)
    corrections_written = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-as_of", "-id"]
        get_latest_by = ["as_of", "id"]

    def __str__(self) -> str:
        return f"Leaderboard as of {self.as_of:%Y-%m-%d %H:%M}"


class LeaderboardRow(models.Model):
    snapshot = models.ForeignKey(LeaderboardSnapshot, on_delete=models.CASCADE, related_name="rows")
    contributor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveIntegerField()  # ties share a rank: 1, 1, 3
    position = models.PositiveIntegerField()  # 1..n without gaps, for pages
    country_rank = models.PositiveIntegerField()
    country_position = models.PositiveIntegerField()
    week_rank = models.PositiveIntegerField()
    week_position = models.PositiveIntegerField()
    public_name = models.CharField(max_length=80)
    country_code = models.CharField(max_length=2, blank=True)
    task1 = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    task2 = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    task3 = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    task4 = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    task5 = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    task6 = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    total = models.DecimalField(max_digits=10, decimal_places=2)
    week_points = models.DecimalField(max_digits=10, decimal_places=2, default=0)

    class Meta:
        ordering = ["snapshot", "position"]
        indexes = [
            models.Index(fields=["snapshot", "position"], name="lb_row_position"),
            models.Index(fields=["snapshot", "country_code", "country_position"], name="lb_row_country"),
            models.Index(fields=["snapshot", "week_position"], name="lb_row_week"),
            models.Index(fields=["snapshot", "contributor"], name="lb_row_contributor"),
        ]

    def __str__(self) -> str:
        return f"{self.rank}. {self.public_name}"

    def task_points(self) -> list[Decimal]:
        return [getattr(self, f"task{n}") for n in TASK_NUMBERS]

    @property
    def has_certificate_badge(self) -> bool:
        return self.total >= MERCHANDISE_THRESHOLD

    @property
    def has_coauthorship_badge(self) -> bool:
        return self.total >= COAUTHORSHIP_THRESHOLD


class ClaimStatus(models.TextChoices):
    """Where a reward claim is: submitted by the contributor, approved by an organizer, then done (the
    parcel shipped, or the name listed among the paper's co-authors)."""

    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    SHIPPED = "shipped", _("Shipped")
    LISTED = "listed", _("Listed as co-author")


class ClaimProgress(models.Model):
    """Who moved a claim to its status, and when (the audit log keeps every step)."""

    status = models.CharField(
        _("claim status"), max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.SUBMITTED
    )
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("status changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True


class MerchandiseClaim(ClaimProgress):
    """Past 200 points: where to send the T-shirt and keychain. Organizers only see it."""

    FINAL_STATUS = ClaimStatus.SHIPPED

    class Size(models.TextChoices):
        XS = "XS", "XS"
        S = "S", "S"
        M = "M", "M"
        L = "L", "L"
        XL = "XL", "XL"
        XXL = "XXL", "XXL"
        XXXL = "3XL", "3XL"

    contributor = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="merchandise_claim"
    )
    tshirt_size = models.CharField(_("T-shirt size"), max_length=4, choices=Size.choices)
    recipient_name = models.CharField(_("recipient's name"), max_length=120)
    shipping_address = models.TextField(_("shipping address"), max_length=600)
    phone = models.CharField(_("phone number for the courier"), max_length=32, blank=True)
    points_at_claim = models.DecimalField(max_digits=10, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Merchandise claim #{self.pk}"


class CoauthorshipClaim(ClaimProgress):
    """Past 300 points: the name as it should be printed in the paper."""

    FINAL_STATUS = ClaimStatus.LISTED

    contributor = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coauthorship_claim"
    )
    full_name = models.CharField(_("full name as it should be printed"), max_length=160)
    affiliation = models.CharField(_("affiliation"), max_length=200)
    orcid = models.CharField(_("ORCID iD"), max_length=19, blank=True)
    points_at_claim = models.DecimalField(max_digits=10, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Co-authorship claim #{self.pk}"


class Certificate(models.Model):
    """A certificate of participation as issued; its public link confirms it is genuine."""

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    contributor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certificates"
    )
    name = models.CharField(max_length=160)
    points = models.DecimalField(max_digits=10, decimal_places=2)
    task_numbers = models.JSONField(default=list)
    issued_at = models.DateTimeField(auto_now_add=True)
    # A revoked certificate stays, so its public page can say it was revoked, when and why.
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revocation_reason = models.TextField(_("reason for the revocation"), blank=True)

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["contributor", "points", "name"], name="certificate_once_per_total"
            ),
        ]

    def __str__(self) -> str:
        return f"Certificate {self.key}"
