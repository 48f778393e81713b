"""Forms of Task 1 pages: they parse what the browser sent; the rules live in the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from campaign.models import Country, Language
from contributions.models import ImageSubmission


def language_choices(profile=None) -> list[tuple[str, str]]:
    # The value is the campaign's English label (stored as is); what the reader sees is in their language.
    choices = [(language.label, language.display_label) for language in Language.objects.order_by("name")]
    if profile is not None and profile.native_language_code:
        label = profile.native_language_label
        if label not in {value for value, _label in choices}:
            choices.insert(0, (label, label))
    return choices


class ImageFieldsMixin(forms.Form):
    description = forms.CharField(
        label=_("In English, what is this image about?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": _("Describe in English what the photo shows.")},
    )
    native_description = forms.CharField(
        label=_("The same in your native language"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Not needed when your language is English."),
    )
    native_language = forms.ChoiceField(label=_("Language of that description"), choices=())

    def clean(self):
        cleaned = super().clean()
        # Required unless the language is English: the service has the rule, the page shows it as required.
        if "native_description" in self.errors and cleaned.get("native_language", "").endswith("(eng)"):
            del self.errors["native_description"]
            cleaned["native_description"] = ""
        return cleaned


class ImageUploadForm(ImageFieldsMixin):
    """The page's plain form (one image, works without JavaScript); the script sends several."""

    image = forms.FileField(
        label=_("Photo"),
        widget=forms.FileInput(attrs={"accept": "image/*"}),
        help_text=_("JPEG, PNG, WebP or HEIC (iPhone), at most 25 MB, shorter side at least 512 pixels."),
        error_messages={"required": _("Choose an image to upload.")},
    )
    countries = forms.MultipleChoiceField(
        label=_("Whose culture does it show?"),
        widget=forms.CheckboxSelectMultiple,
        choices=(),
        help_text=_("One or more of the 11 countries."),
        error_messages={"required": _("Choose at least one country whose culture the photo shows.")},
    )
    location = forms.CharField(
        label=_("Where was it taken? (City, Country)"),
        max_length=200,
        required=False,
        help_text=_("Photos taken outside Southeast Asia are welcome."),
    )
    group = forms.CharField(
        label=_("Group of related shots"),
        max_length=200,
        required=False,
        help_text=_("Give several shots of one subject the same group name; they are not duplicates."),
    )
    license_confirmed = forms.BooleanField(
        label=_("I took this photo, hold its copyright and license it under CC-BY-SA 4.0."),
        error_messages={
            "required": _(
                "Confirm that you took this photo, hold its copyright and license it under CC-BY-SA 4.0."
            )
        },
    )
    field_order = [
        "image",
        "description",
        "native_description",
        "native_language",
        "countries",
        "location",
        "group",
        "license_confirmed",
    ]

    def __init__(self, *args, profile=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["native_language"].choices = language_choices(profile)
        self.fields["countries"].choices = [
            (c.code, c.display_name) for c in Country.objects.order_by("name")
        ]
        if profile is not None and profile.native_language_code and not self.is_bound:
            self.initial.setdefault("native_language", profile.native_language_label)


class DescriptionsForm(ImageFieldsMixin):
    def __init__(self, *args, submission: ImageSubmission, **kwargs):
        super().__init__(*args, **kwargs)
        choices = language_choices()
        if submission.native_language_label not in {value for value, _label in choices}:
            choices.insert(0, (submission.native_language_label, submission.native_language_label))
        self.fields["native_language"].choices = choices


class StatusFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All"))] + list(ImageSubmission.Status.choices),
    )
