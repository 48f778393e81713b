from django import forms
from django.utils.translation import gettext_lazy as _

from campaign.models import Country, Language

OTHER_LANGUAGE = "other"
OTHER_COUNTRY = "other"  # lives outside the campaign's 11 countries; country codes are two capitals


def residence_country_choices() -> list[tuple[str, str]]:
    return (
        [("", _("Choose a country"))]
        + [(country.code, country.display_name) for country in Country.objects.order_by("name")]
        # "Other…", explained by the help text ("or leave Other if you live elsewhere"): a translated msgid.
        + [(OTHER_COUNTRY, _("Other…"))]
    )


def native_language_choices() -> list[tuple[str, str]]:
    return (
        [("", _("Choose your native language"))]
        + [(language.code, language.display_label) for language in Language.objects.order_by("name")]
        + [(OTHER_LANGUAGE, _("Other…"))]
    )


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=80,
        help_text=_("Shown on the leaderboard and printed on certificates."),
    )
    use_pseudonym = forms.BooleanField(label=_("Appear under a pseudonym instead"), required=False)
    pseudonym = forms.CharField(label=_("Pseudonym"), max_length=80, required=False)
    residence_country = forms.ChoiceField(
        label=_("Country of residence"),
        choices=(),
        help_text=_("One of the campaign's 11 countries, or leave Other if you live elsewhere."),
    )
    native_language = forms.ChoiceField(label=_("Native language"), choices=())
    native_language_other = forms.CharField(
        label=_("Your native language, if Other"), max_length=64, required=False
    )
    # The form template adds "(optional)" to every field that isn't required.
    discord_handle = forms.CharField(label=_("Discord handle"), max_length=64, required=False)
    accept_terms = forms.BooleanField(
        label=_(
            "I agree that my contributions are licensed under CC-BY-SA 4.0 and that I only submit my own "
            "work (photos I took and whose copyright I hold)."
        ),
        required=True,
        error_messages={"required": _("You need to accept the licence terms to contribute.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["residence_country"].choices = residence_country_choices()
        self.fields["native_language"].choices = native_language_choices()
        self.fields["display_name"].widget.attrs.update({"autocomplete": "name"})

    def clean_residence_country(self) -> Country | None:
        """The chosen country, or None for "Other / outside Southeast Asia"."""
        code = self.cleaned_data["residence_country"]
        return None if code == OTHER_COUNTRY else Country.objects.get(code=code)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("use_pseudonym") and not (cleaned.get("pseudonym") or "").strip():
            self.add_error("pseudonym", _("Enter the pseudonym you want to appear under."))
        if (
            cleaned.get("native_language") == OTHER_LANGUAGE
            and not (cleaned.get("native_language_other") or "").strip()
        ):
            self.add_error("native_language_other", _("Tell us which language is your native one."))
        return cleaned

    @property
    def native_language_text(self) -> str:
        choice = self.cleaned_data["native_language"]
        if choice == OTHER_LANGUAGE:
            return self.cleaned_data["native_language_other"]
        return choice


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=64, initial=_("My upload script"))
