"""The web edge shared by every app: how a domain error reaches a form or a JSON body, how a form's
"yes" is read. Views and API endpoints call these instead of writing their own.
"""

from collections.abc import Mapping

from campaign.errors import DomainError

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


def domain_error_fields(error: DomainError) -> dict[str | None, list[str]]:
    """The messages of a refusal per field (None: the request as a whole).

    A service that refuses several fields at once sets ``error.errors`` ({field: [message, ...]});
    otherwise the one message belongs to ``error.field``.
    """
    errors = getattr(error, "errors", None)
    if errors:
        return {field or None: [str(message) for message in messages] for field, messages in errors.items()}
    return {error.field or None: [error.message]}


def form_add_domain_error(form, error: DomainError, *, field_map: Mapping[str, str] | None = None) -> None:
    """Put a service's refusal on the form: on its field when the form has it, on top otherwise.

    ``field_map`` renames a service's field to the form's (a service says "countries", a form may
    call it "country").
    """
    for field, messages in domain_error_fields(error).items():
        if field and field_map:
            field = field_map.get(field, field)
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)


def domain_error_body(error: DomainError) -> dict:
    """The API's error body: {"detail": message, "errors": {field: [messages]}}."""
    errors = {field: messages for field, messages in domain_error_fields(error).items() if field}
    return {"detail": error.message, "errors": errors}


def parse_bool(value) -> bool:
    """A form or multipart "yes": on, true, 1, yes (any case, spaces ignored); anything else is no."""
    if isinstance(value, bool):
        return value
    return str(value if value is not None else "").strip().lower() in TRUE_WORDS
