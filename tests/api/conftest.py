"""Fixtures of the API contract tests: the portal's WSGI application on the test database, tokens."""

import pytest
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections


@pytest.fixture
def portal(db, settings):
    """The portal's WSGI application, in the test's transaction (as Django's test client runs it: the
    signals that would close the connection between requests are held back)."""
    settings.ALLOWED_HOSTS = ["*"]
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _token(make_user, role: str) -> str:
    from accounts.roles import ORGANIZER
    from accounts.services import api_token_create

    roles = (ORGANIZER,) if role == "organizer" else ()
    user = make_user(f"{role}-contract@example.org", roles=roles)
    _token, secret = api_token_create(user=user, name="contract")
    return secret


@pytest.fixture
def contributor_token(make_user) -> str:
    """A bearer token of a contributor with a complete profile."""
    return _token(make_user, "contributor")


@pytest.fixture
def organizer_token(make_user) -> str:
    """A bearer token of an organizer."""
    return _token(make_user, "organizer")
