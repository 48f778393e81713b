"""Domain errors of Task 1 uploads, with the HTTP status the API answers for them."""

from django.utils.translation import gettext_noop

from campaign.errors import DomainError
from campaign.messages import Message


class FileTooLarge(DomainError):
    code = "too_large"
    http_status = 413
    default_message = Message(gettext_noop("The file is too large: at most 25 MB per image."))


class UnsupportedImageType(DomainError):
    code = "unsupported_type"
    http_status = 415
    default_message = Message(gettext_noop("This is not a JPEG, PNG, WebP or HEIC image."))


class InvalidFields(DomainError):
    """Several fields at once: `errors` maps each field to its messages (the first is `field`)."""

    code = "invalid"
    http_status = 400
    default_message = Message(gettext_noop("Some fields are not valid."))

    def __init__(self, errors: dict[str, list[str | Message]]):
        self.errors = {field: [str(m) for m in messages] for field, messages in errors.items()}
        # The same messages untranslated where they were given as `Message`s (a bulk row keeps them).
        self.texts = {field: list(messages) for field, messages in errors.items()}
        field, messages = next(iter(errors.items()))
        super().__init__(messages[0], field=field)
