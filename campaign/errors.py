"""Domain errors: raised by services with a message a contributor can read.

Views turn them into form errors, the API into JSON with the status given here, so the same rule
gives the same answer on every write path. An error raised with a `Message` (a msgid and its
parameters) keeps it as `text`, so a refusal stored for later (a bulk row's) is read in the reader's
language, not in the one of the request or worker that raised it.
"""

from django.utils.translation import gettext_noop

from campaign.messages import Message


class DomainError(Exception):
    code = "invalid"
    http_status = 400
    default_message = Message(gettext_noop("This request cannot be completed."))

    def __init__(
        self, message: str | Message | None = None, *, field: str | None = None, code: str | None = None
    ):
        text = message or self.default_message
        # The message untranslated, when it was given as one (None: only the text below is known).
        self.text: Message | None = text if isinstance(text, Message) else None
        self.message = str(text)
        self.field = field
        if code:
            self.code = code
        super().__init__(self.message)


class TaskNotOpen(DomainError):
    code = "task_closed"
    http_status = 403
    default_message = Message(gettext_noop("This task is not open for contributions."))


class ProfileIncomplete(DomainError):
    code = "profile_incomplete"
    http_status = 403
    default_message = Message(gettext_noop("Please complete your profile before contributing."))


class NotAllowed(DomainError):
    code = "forbidden"
    http_status = 403
    default_message = Message(gettext_noop("You are not allowed to do this."))


class NotFound(DomainError):
    code = "not_found"
    http_status = 404
    default_message = Message(gettext_noop("Not found."))


class Conflict(DomainError):
    code = "conflict"
    http_status = 409
    default_message = Message(gettext_noop("This was already submitted."))
