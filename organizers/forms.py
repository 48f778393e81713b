from django import forms
from django.utils.translation import gettext_lazy as _

from campaign.models import Country
from organizers.models import DatasetExport

TASK_CHOICES = [
    (1, _("Task 1: images (with Task 2's ratings)")),
    (3, _("Task 3: translations")),
    (4, _("Task 4: visual questions")),
    (5, _("Task 5: image-generation prompts")),
]


class DatasetExportForm(forms.Form):
    date_from = forms.DateField(
        label=_("Submitted from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Submitted until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    countries = forms.ModelMultipleChoiceField(
        label=_("Countries"),
        queryset=Country.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every country."),
    )
    tasks = forms.TypedMultipleChoiceField(
        label=_("Tasks"),
        choices=TASK_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every task."),
    )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date must be on or after the start date."))
        return data


class DatasetExportAdminForm(forms.ModelForm):
    """The admin's add form: the same filters, as the model stores them."""

    countries = forms.ModelMultipleChoiceField(
        label=_("Countries"),
        queryset=Country.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every country."),
    )
    tasks = forms.TypedMultipleChoiceField(
        label=_("Tasks"),
        choices=TASK_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every task."),
    )

    class Meta:
        model = DatasetExport
        fields = ["date_from", "date_to", "countries", "tasks"]

    def clean_countries(self) -> list[str]:
        return sorted(country.code for country in self.cleaned_data["countries"])


class AuditFilterForm(forms.Form):
    """The audit log's filters (GET): every field optional."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    actor = forms.CharField(label=_("Who (e-mail or name)"), required=False, max_length=200)
    action = forms.CharField(
        label=_("Action"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"list": "audit-actions"}),
        help_text=_("A dotted action such as task.close, or its start such as task."),
    )
    target = forms.CharField(
        label=_("Object"),
        required=False,
        max_length=120,
        help_text=_("A type such as campaign.task, or a type and id such as campaign.task:3."),
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_from"] > cleaned["date_to"]:
            self.add_error("date_to", _("The end date must be on or after the start date."))
        return cleaned
