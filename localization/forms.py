from django import forms
from django.utils.translation import gettext_lazy as _


class CatalogUploadForm(forms.Form):
    catalog = forms.FileField(
        label=_("Corrected catalog (.po)"),
        help_text=_("The file you downloaded here, edited in a PO editor such as Poedit."),
    )
