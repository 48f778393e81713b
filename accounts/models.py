from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from campaign.models import Country


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(
        _("display name"),
        max_length=80,
        blank=True,
        help_text=_("Shown on the leaderboard and certificates."),
    )
    use_pseudonym = models.BooleanField(_("appear under a pseudonym"), default=False)
    pseudonym = models.CharField(_("pseudonym"), max_length=80, blank=True)
    residence_country = models.ForeignKey(
        Country,
        verbose_name=_("country of residence"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Distinguishes "lives outside the campaign's countries" (an answer) from a country never chosen.
    resides_elsewhere = models.BooleanField(
        _("lives outside Southeast Asia"), default=False, db_default=False
    )
    native_language_name = models.CharField(_("native language"), max_length=64, blank=True)
    native_language_code = models.CharField(_("native language code (ISO 639-3)"), max_length=3, blank=True)
    discord_handle = models.CharField(_("Discord handle"), max_length=64, blank=True)
    accepted_terms_at = models.DateTimeField(
        _("accepted the licence terms at"),
        null=True,
        blank=True,
        help_text=_("Contributions are licensed CC-BY-SA 4.0 and must be the contributor's own work."),
    )
    preferred_language = models.CharField(
        _("language of the portal"),
        max_length=16,
        blank=True,
        help_text=_("Chosen with the language switcher; applied when you sign in."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(use_pseudonym=False) | ~models.Q(pseudonym=""),
                name="profile_pseudonym_given_when_used",
            ),
            models.CheckConstraint(
                condition=models.Q(resides_elsewhere=False) | models.Q(residence_country__isnull=True),
                name="profile_no_country_when_residing_elsewhere",
            ),
        ]

    def __str__(self) -> str:
        return self.public_name or self.user.get_username()

    @property
    def is_complete(self) -> bool:
        return bool(
            self.display_name
            and self.residence_answered
            and self.native_language_code
            and self.accepted_terms_at
            and (not self.use_pseudonym or self.pseudonym)
        )

    @property
    def residence_answered(self) -> bool:
        """A country chosen, or "Other / outside Southeast Asia" chosen."""
        return bool(self.residence_country_id or self.resides_elsewhere)

    @property
    def public_name(self) -> str:
        """The name others see: the pseudonym when the contributor chose one."""
        return self.pseudonym if self.use_pseudonym and self.pseudonym else self.display_name

    @property
    def native_language_label(self) -> str:
        if not self.native_language_code:
            return ""
        return f"{self.native_language_name} ({self.native_language_code})"


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the token is shown once, when created."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=64)
    prefix = models.CharField(max_length=12, help_text=_("The first characters, to recognise a token."))
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
