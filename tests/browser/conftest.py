"""Browser tests run against live_server, so on a transactional database that is flushed after each
test, reference data included. Each browser test starts with the campaign's reference data (the data
migration's own seed, idempotent), whatever ran before it in the same worker."""

import importlib

import pytest


@pytest.fixture(autouse=True)
def _reference_data(request):
    if "live_server" not in request.fixturenames:
        return
    request.getfixturevalue("transactional_db")
    from django.apps import apps

    importlib.import_module("campaign.migrations.0002_reference_data").seed(apps, None)
