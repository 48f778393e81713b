from django import forms
from django.utils.translation import gettext_lazy as _


class BulkUploadForm(forms.Form):
    # Empty files reach the service, which says what is wrong with them.
    archive = forms.FileField(
        allow_empty_file=True,
        label=_("ZIP of your images"),
        help_text=_(
            "Images in any folders of the ZIP are found by their file name; at most 2,000 per upload."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )
    csv = forms.FileField(
        allow_empty_file=True,
        label=_("CSV in the campaign's bulk format"),
        required=False,
        help_text=_("Leave empty when the CSV is inside the ZIP."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    license_confirmed = forms.BooleanField(
        label=_("I took all these photos myself, hold their copyright and license them under CC-BY-SA 4.0."),
        error_messages={"required": _("Confirm that the photos are yours and licensed CC-BY-SA 4.0.")},
    )
