import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _back_to_the_default_language():
    """A test-client request activates the language it asked for in this thread, and Django leaves it
    active after the response: put the default back, so later tests in this worker read English."""
    yield
    translation.deactivate()
