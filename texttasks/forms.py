from django import forms
from django.utils.translation import gettext_lazy as _

from campaign.models import Country, Language
from texttasks.models import SubmissionStatus

TEXT_TASKS = [(3, _("Task 3: translations")), (4, _("Task 4: visual questions")),
              (5, _("Task 5: image-generation prompts")), (6, _("Task 6: text prompts"))]  # fmt: skip


def _language_choices(task_number: int, empty: str) -> list[tuple[str, str]]:
    languages = Language.objects.filter(tasks__number=task_number).order_by("name")
    if not languages.exists():
        languages = Language.objects.order_by("name")
    return [("", empty)] + [(language.code, language.display_label) for language in languages]


def _country_choices(empty: str) -> list[tuple[str, str]]:
    return [("", empty)] + [(c.code, c.display_name) for c in Country.objects.order_by("name")]


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class _SelectSomeDisabled(forms.Select):
    """A select whose options in `disabled_values` cannot be chosen (shown, marked, greyed out)."""

    disabled_values: frozenset = frozenset()

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if value in self.disabled_values:
            option["attrs"]["disabled"] = True
        return option


class EnrollForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language you will translate into"), choices=(), widget=_SelectSomeDisabled
    )

    def __init__(self, *args, **kwargs):
        from texttasks.selectors import translation_progress

        super().__init__(*args, **kwargs)
        full = {row.language.code for row in translation_progress() if row.is_full}
        choices = _language_choices(3, _("Choose a language"))
        # A language with all its translators is shown but cannot be chosen.
        self.fields["language"].choices = [
            (code, _("%(language)s (full)") % {"language": label} if code in full else label)
            for code, label in choices
        ]
        self.fields["language"].widget.disabled_values = frozenset(full)


class TranslationForm(forms.Form):
    text = forms.CharField(label=_("Your translation"), widget=_textarea(5), max_length=4000)


class LanguagePickForm(forms.Form):
    language = forms.ChoiceField(label=_("Language of your questions"), choices=())
    countries = forms.MultipleChoiceField(
        label=_("Countries whose culture you know well"),
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Images of these countries come first."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = _language_choices(4, _("Choose a language"))
        self.fields["countries"].choices = _country_choices("")[1:]


class VisualQuestionForm(forms.Form):
    image = forms.IntegerField(widget=forms.HiddenInput)
    language = forms.CharField(widget=forms.HiddenInput)
    question = forms.CharField(label=_("Your question about the image"), widget=_textarea(3), max_length=4000)
    answer = forms.CharField(label=_("Its answer"), widget=_textarea(2), max_length=4000)


class GenerationChainForm(forms.Form):
    country = forms.ChoiceField(label=_("Country whose culture the prompts are about"), choices=())
    level_1 = forms.CharField(
        label=_("Level 1 (easy)"),
        widget=_textarea(2),
        max_length=4000,
        help_text=_("For example: “Draw an image of people drinking cendol.”"),
    )
    level_2 = forms.CharField(
        label=_("Level 2 (medium): level 1 with more detail"),
        widget=_textarea(2),
        max_length=4000,
        help_text=_("For example: “Draw an image of people drinking cendol with durian topping.”"),
    )
    level_3 = forms.CharField(
        label=_("Level 3 (hard): level 2 with more detail"),
        widget=_textarea(3),
        max_length=4000,
        help_text=_(
            "For example: “Draw an image of people drinking cendol with durian topping while wearing kebaya.”"
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = _country_choices(_("Choose a country"))

    @property
    def levels(self) -> list[str]:
        return [self.cleaned_data[f"level_{n}"] for n in (1, 2, 3)]


class TextPromptForm(forms.Form):
    language = forms.ChoiceField(label=_("Language of the prompt"), choices=())
    country = forms.ChoiceField(label=_("Country it is about"), choices=())
    text = forms.CharField(label=_("Your prompt"), widget=_textarea(4), max_length=4000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = _language_choices(6, _("Choose a language"))
        self.fields["country"].choices = _country_choices(_("Choose a country"))


class TextEditForm(forms.Form):
    text = forms.CharField(label=_("Text"), widget=_textarea(4), max_length=4000)


class QuestionEditForm(forms.Form):
    question = forms.CharField(label=_("Question"), widget=_textarea(3), max_length=4000)
    answer = forms.CharField(label=_("Answer"), widget=_textarea(2), max_length=4000)


class ModerationFilterForm(forms.Form):
    task = forms.TypedChoiceField(label=_("Task"), choices=TEXT_TASKS, coerce=int, initial=3)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status"))] + [c for c in SubmissionStatus.choices if c[0] != "draft"],
        required=False,
        initial=SubmissionStatus.PENDING,
    )
    language = forms.ChoiceField(label=_("Language"), choices=(), required=False)
    country = forms.ChoiceField(label=_("Country"), choices=(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("Any language"))] + [
            (language.code, language.label) for language in Language.objects.order_by("name")
        ]
        self.fields["country"].choices = _country_choices(_("Any country"))


class BulkDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("accept", _("Accept")), ("reject", _("Reject"))]
    )
    reason = forms.CharField(
        label=_("Reason (required to reject; the contributors see it)"), required=False, max_length=1000
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "reject" and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Give a reason for the rejection: the contributors see it."))
        return cleaned


class ValidationForm(forms.Form):
    submission = forms.IntegerField(widget=forms.HiddenInput)
    verdict = forms.ChoiceField(choices=[("accept", _("Accept")), ("reject", _("Reject"))])
    reason = forms.CharField(label=_("Reason (to reject)"), required=False, max_length=1000)
