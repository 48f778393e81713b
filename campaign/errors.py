"""Domain errors: raised by services with a message a contributor can read.

Views turn them into form errors, the API into JSON with the status given here, so the same rule
gives the same answer on every write path.
"""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "invalid"
    http_status = 400
    default_message = _("This request cannot be completed.")

    def __init__(self, message: str | None = None, *, field: str | None = None, code: str | None = None):
        self.message = str(message or self.default_message)
        self.field = field
        if code:
            self.code = code
        super().__init__(self.message)


class TaskNotOpen(DomainError):
    code = "task_closed"
    http_status = 403
    default_message = _("This task is not open for contributions.")


class ProfileIncomplete(DomainError):
    code = "profile_incomplete"
    http_status = 403
    default_message = _("Please complete your profile before contributing.")


class NotAllowed(DomainError):
    code = "forbidden"
    http_status = 403
    default_message = _("You are not allowed to do this.")


class NotFound(DomainError):
    code = "not_found"
    http_status = 404
    default_message = _("Not found.")


class Conflict(DomainError):
    code = "conflict"
    http_status = 409
    default_message = _("This was already submitted.")
