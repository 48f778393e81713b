"""Domain errors of Task 1 uploads, with the HTTP status the API answers for them."""

from django.utils.translation import gettext_lazy as _

from campaign.errors import DomainError


class FileTooLarge(DomainError):
    code = "too_large"
    http_status = 413
    default_message = _("The file is too large: at most 25 MB per image.")


class UnsupportedImageType(DomainError):
    code = "unsupported_type"
    http_status = 415
    default_message = _("This is not a JPEG, PNG, WebP or HEIC image.")


class InvalidFields(DomainError):
    """Several fields at once: `errors` maps each field to its messages (the first is `field`)."""

    code = "invalid"
    http_status = 400
    default_message = _("Some fields are not valid.")

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = {field: [str(m) for m in messages] for field, messages in errors.items()}
        field, messages = next(iter(self.errors.items()))
        super().__init__(messages[0], field=field)
