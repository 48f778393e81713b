"""What the portal tells a volunteer: notices (shown on the site and emailed), and their preferences."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NoticeKind(models.TextChoices):
    DAILY_DIGEST = "daily_digest", _("Daily digest of decisions on my submissions")
    REWARD_THRESHOLD = "reward_threshold", _("Reaching 200 or 300 confirmed points")
    WEEKLY_SUMMARY = "weekly_summary", _("Weekly points summary after the recomputation")


class NoticePreference(models.Model):
    """Which kinds of notice a volunteer wants by email; every kind is on until they say otherwise."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="notice_preference"
    )
    daily_digest = models.BooleanField(_("daily digest of decisions"), default=True)
    reward_threshold = models.BooleanField(_("reaching a reward threshold"), default=True)
    weekly_summary = models.BooleanField(_("weekly points summary"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notice preference")
        verbose_name_plural = _("notice preferences")

    def __str__(self) -> str:
        return f"Notice preference of {self.user_id}"

    def wants(self, kind: str) -> bool:
        return bool(getattr(self, kind))


class Notice(models.Model):
    """One notice of one kind for one period (a day, a threshold, a week): the database holds "once".

    ``data`` keeps the facts, untranslated (counts, points, stored rejection reasons): the notice is
    written in the recipient's language when it is shown or emailed, not when it is made.
    """

    class EmailState(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Not emailed (turned off or no address)")
        FAILED = "failed", _("Could not be sent")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(_("kind"), max_length=32, choices=NoticeKind.choices)
    # "2026-12-01" for a day's digest, "200" / "300" for a threshold, "2026-W48" for a week.
    period = models.CharField(_("period"), max_length=32)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email_state = models.CharField(max_length=16, choices=EmailState.choices, default=EmailState.PENDING)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "period"], name="notice_once_per_kind_and_period"),
            models.CheckConstraint(
                condition=~models.Q(email_state="sent") | models.Q(emailed_at__isnull=False),
                name="notice_sent_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notice_user_created"),
            models.Index(
                fields=["email_state", "created_at"],
                condition=models.Q(email_state="pending"),
                name="notice_pending_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.period} for {self.user_id}"
