from collections.abc import Mapping

from django import forms
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from campaign.errors import DomainError
from campaign.models import Country
from campaign.widgets import QuickSelect
from points.models import TASK_NUMBERS, MerchandiseClaim
from points.orcid import orcid_normalise


class LeaderboardFilterForm(forms.Form):
    # Asked on every leaderboard page: its selects are written in Python (campaign.widgets), not per option.
    country = forms.ChoiceField(label=_("Country"), required=False, widget=QuickSelect)
    task = forms.TypedChoiceField(
        label=_("Task"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=QuickSelect,
        choices=[("", _("All tasks"))],  # the task names are filled per request, in the reader's language
    )
    view = forms.ChoiceField(
        label=pgettext_lazy("sort order of the leaderboard", "Order"),
        required=False,
        widget=QuickSelect,
        choices=[("all", _("All time")), ("week", _("This week"))],
    )

    def __init__(self, *args, countries: Mapping[str, str] | None = None, **kwargs):
        """`countries`: code -> untranslated name, in the order offered (the page has read them already)."""
        super().__init__(*args, **kwargs)
        if countries is None:
            countries = dict(Country.objects.values_list("code", "name"))
        self.fields["country"].choices = [("", _("All countries"))] + [
            (code, gettext(name)) for code, name in countries.items()
        ]
        self.fields["task"].choices = [("", _("All tasks"))] + [
            (n, gettext("Task %(number)s") % {"number": n}) for n in TASK_NUMBERS
        ]

    @staticmethod
    def choice_made(
        data: Mapping[str, str], *, countries: Mapping[str, str]
    ) -> tuple[str, int | None, bool] | None:
        """(country, task number, this week) as a valid form's `cleaned_data` gives them, without building
        the form (every leaderboard page asks, and a form deep-copies its fields and their choices); None
        when a value is not one of the choices, for the form to say why. No filters: the unbound form's
        defaults. tests/points hold it to the form on valid, missing, repeated and hostile values."""
        country, task, view = (data.get(name, "") for name in ("country", "task", "view"))
        if (country and country not in countries) or task not in _TASK_VALUES or view not in _VIEW_VALUES:
            return None
        return country, int(task) if task else None, view == "week"


_TASK_VALUES = frozenset(["", *(str(number) for number in TASK_NUMBERS)])
_VIEW_VALUES = frozenset(
    ["", *(value for value, _label in LeaderboardFilterForm.base_fields["view"].choices)]
)


class MerchandiseClaimForm(forms.ModelForm):
    class Meta:
        model = MerchandiseClaim
        fields = ["tshirt_size", "recipient_name", "shipping_address", "phone"]
        widgets = {"shipping_address": forms.Textarea(attrs={"rows": 4, "autocomplete": "street-address"})}
        help_texts = {"shipping_address": _("Only the organizers see it, to send the T-shirt and keychain.")}


class CoauthorshipClaimForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name as it should be printed"),
        max_length=160,
        help_text=_("Exactly as it should appear in the author list of the paper."),
    )
    affiliation = forms.CharField(label=_("Affiliation"), max_length=200)
    orcid = forms.CharField(
        label=_("ORCID iD"), max_length=40, required=False, help_text=_("For example 0000-0002-1825-0097.")
    )

    def clean_orcid(self) -> str:
        value = self.cleaned_data["orcid"].strip()
        if not value:
            return ""
        try:
            return orcid_normalise(value)
        except DomainError as error:
            raise forms.ValidationError(error.message) from error
