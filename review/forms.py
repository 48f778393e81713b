from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from campaign.models import Country
from review.models import Flag, Relevance
from review.types import Answers

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def _yes_no(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


class RatingForm(forms.Form):
    """The three questions of the guideline and the blocking flag; the service checks completeness."""

    relevance = forms.TypedChoiceField(
        label=_("How culturally relevant is the image to the stated countries?"),
        choices=Relevance.choices,
        coerce=int,
        required=False,
        widget=forms.RadioSelect,
    )
    caption_fit = forms.ChoiceField(
        label=_("Does the description fit the image?"),
        choices=YES_NO,
        required=False,
        widget=forms.RadioSelect,
    )
    quality_ok = forms.ChoiceField(
        label=_("Is the image quality acceptable (not blurry or obstructed)?"),
        choices=YES_NO,
        required=False,
        widget=forms.RadioSelect,
    )
    flag = forms.ChoiceField(
        label=_("Problem that must keep the image out"), choices=Flag.choices, required=False
    )
    flag_note = forms.CharField(
        label=_("What is the problem?"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def answers(self, *, skipped: bool) -> Answers:
        data = self.cleaned_data
        return Answers(
            skipped=skipped,
            relevance=data.get("relevance") or None,
            caption_fit=_yes_no(data.get("caption_fit")),
            quality_ok=_yes_no(data.get("quality_ok")),
            flag=data.get("flag") or "",
            flag_note=data.get("flag_note") or "",
        )


class ScreeningApplyForm(forms.Form):
    countries = forms.ModelMultipleChoiceField(
        label=_("Countries whose culture you know well"),
        queryset=Country.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The test shows images from these countries; passing lets you review their images."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["countries"].label_from_instance = lambda country: gettext(country.name)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Why"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class AdjudicationForm(ReasonForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    upheld_flag = forms.ChoiceField(
        # Translators: a flag is an annotator's report of a problem that must keep the image out of the
        # dataset (a glossary term), not a national flag.
        label=_("Uphold a flag (rejection only)"), choices=Flag.choices, required=False
    )


def screening_answers_from_post(post, item_ids) -> dict[int, Answers]:
    answers = {}
    for item_id in item_ids:
        relevance = post.get(f"relevance-{item_id}", "")
        answers[item_id] = Answers(
            relevance=int(relevance) if relevance.isdigit() else None,
            caption_fit=_yes_no(post.get(f"caption_fit-{item_id}")),
            quality_ok=_yes_no(post.get(f"quality_ok-{item_id}")),
        )
    return answers
