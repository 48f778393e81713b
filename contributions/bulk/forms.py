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
    # Set by the page's script once the ZIP went straight to the bucket (presigned POST): its key there
    # and the file's name. Without JavaScript, or on local disk, the ZIP comes with the form instead.
    archive_key = forms.CharField(required=False, max_length=255, widget=forms.HiddenInput)
    archive_name = forms.CharField(required=False, max_length=255, widget=forms.HiddenInput)
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.data.get("archive_key"):
            self.fields["archive"].required = False  # it is in the bucket already
