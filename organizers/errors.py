from django.utils.translation import gettext_lazy as _

from campaign.errors import DomainError


class ExportError(DomainError):
    """A release cannot be written as it should be (a file is missing, an image still has GPS data)."""

    code = "export_failed"
    http_status = 500
    default_message = _("The dataset export failed.")
