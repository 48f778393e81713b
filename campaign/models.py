from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from campaign.reference import POINTS_GROUPS, TO_BE_OPENED, UNDERREPRESENTED_GROUP


class Country(models.Model):
    code = models.CharField(_("ISO 3166-1 code"), max_length=2, primary_key=True)
    name = models.CharField(_("name"), max_length=64, unique=True)
    points_group = models.PositiveSmallIntegerField(
        _("points group"), choices=sorted(POINTS_GROUPS.items()), help_text=_("Column of the points table.")
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("countries")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(points_group__in=POINTS_GROUPS), name="country_points_group_known"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The country's name in the reader's language (the names are in the catalogs)."""
        return gettext(self.name)

    @property
    def is_underrepresented(self) -> bool:
        return self.points_group == UNDERREPRESENTED_GROUP


class Language(models.Model):
    code = models.CharField(_("ISO 639-3 code"), max_length=3, primary_key=True)
    name = models.CharField(_("name"), max_length=64)
    points_country = models.ForeignKey(
        Country,
        verbose_name=_("counts for country"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("The country whose points group a contribution in this language earns."),
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The campaign's way of writing a language: `Indonesian (ind)` (stored as is: never translated)."""
        return f"{self.name} ({self.code})"

    @property
    def display_name(self) -> str:
        """The language's name in the reader's language (the names are in the catalogs)."""
        return gettext(self.name)

    @property
    def display_label(self) -> str:
        """`Indonesian (ind)` in the reader's language: `Bahasa Indonesia (ind)`, for pages."""
        return f"{self.display_name} ({self.code})"


class Task(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    number = models.PositiveSmallIntegerField(_("task number"), primary_key=True)
    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=128)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    opens_at = models.DateTimeField(
        _("opens at"), null=True, blank=True, help_text=_("A scheduled task opens by itself at this time.")
    )
    closes_at = models.DateTimeField(
        _("closes at"), null=True, blank=True, help_text=_("An open task closes by itself at this time.")
    )
    description = models.TextField(_("short description"))
    instructions = models.TextField(_("instructions"), blank=True)
    languages = models.ManyToManyField(
        Language, blank=True, related_name="tasks", help_text=_("Languages of this task; none means any.")
    )

    class Meta:
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(opens_at__isnull=True)
                | models.Q(closes_at__isnull=True)
                | models.Q(opens_at__lt=models.F("closes_at")),
                name="task_opens_before_it_closes",
            ),
        ]

    def __str__(self) -> str:
        return f"Task {self.number}: {self.name}"

    def status_at(self, moment) -> str:
        """The status in force at `moment`: the stored one, moved on by the scheduled times."""
        if self.status == self.Status.CLOSED:
            return self.Status.CLOSED
        if self.closes_at and moment >= self.closes_at:
            return self.Status.CLOSED
        if self.status == self.Status.SCHEDULED:
            return self.Status.OPEN if self.opens_at and moment >= self.opens_at else self.Status.SCHEDULED
        return self.Status.OPEN

    @cached_property
    def current_status(self) -> str:
        return self.status_at(timezone.now())

    @property
    def is_open(self) -> bool:
        return self.current_status == self.Status.OPEN

    def get_current_status_display(self) -> str:
        return self.Status(self.current_status).label

    @property
    def shown_description(self) -> str:
        """The description pages show: the "to be opened" placeholder only while the task is not open."""
        if self.is_open and self.description.strip() == TO_BE_OPENED:
            return ""
        return self.description


class OutboxEvent(models.Model):
    """A published decision waiting to be (or already) handed to its subscribers (the transactional outbox).

    Written in the deciding transaction by `campaign.events.publish`, so a decision and the promise to
    credit it commit together; delivered after commit and, if that failed (broker down, database lost
    while the subscriber worked), by the minute sweep (`campaign.outbox`).
    """

    payload = models.JSONField(_("event"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("delivery attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("outbox event")
        indexes = [
            # The sweep reads only the few rows still waiting.
            models.Index(
                fields=["created_at"],
                condition=models.Q(delivered_at__isnull=True),
                name="outbox_undelivered_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(delivered_at__isnull=True) | models.Q(delivered_at__gte=models.F("created_at")),
                name="outbox_delivered_after_created",
            ),
        ]

    def __str__(self) -> str:
        state = "delivered" if self.delivered_at else "waiting"
        return f"{self.payload.get('kind')} {self.payload.get('source')}#{self.payload.get('source_id')} ({state})"
