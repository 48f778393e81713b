"""Fixtures shared by the whole suite: real PostgreSQL, Redis and (where asked for) a browser.

Everything a test makes goes through the services, as a user's actions would.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings

BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEFAULT_PASSWORD = "a-long-test-passphrase-42"


def pytest_configure(config):
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        pytest.exit(
            "The suite runs on PostgreSQL: run it with `make test` (it sets DATABASE_URL and the other services).",
            returncode=2,
        )
    # WhiteNoise looks for collected files there; the suite serves static files through the finders.
    Path(settings.STATIC_ROOT).mkdir(exist_ok=True)


@pytest.fixture(scope="session", autouse=True)
def _forget_own_redis_keys():
    """Remove, at the end, the Redis keys this run wrote (its own prefix) and nothing else."""
    yield
    if not settings.REDIS_URL:
        return
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    prefix = settings.REDIS_KEY_PREFIX
    for pattern in (f"{prefix}:*", f"{prefix}-cache*"):
        for key in client.scan_iter(match=pattern, count=1000):
            client.delete(key)


@pytest.fixture(autouse=True)
def _default_language():
    """A page served in another language leaves it active in this thread (LocaleMiddleware activates,
    nothing deactivates after the response); the next test starts in the default language again."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """allauth's rate limits live in the cache: each test starts with its own counters.

    Only this worker's own cache keys are removed (never FLUSHDB: the Redis server is shared)."""
    yield
    if not settings.REDIS_URL:
        from django.core.cache import cache

        cache.clear()
        return
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    keys = list(client.scan_iter(match=f"{settings.CACHE_KEY_PREFIX}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture
def make_user(db):
    """A signed-up user (through the same service the sign-up adapter calls), optionally with a profile."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    from accounts.services import profile_update, user_grant_role, user_join_contributors
    from campaign.models import Country

    counter = {"n": 0}

    def make(
        email: str | None = None,
        *,
        complete_profile: bool = True,
        country: str = "ID",
        native_language: str = "Indonesian (ind)",
        display_name: str | None = None,
        roles: tuple[str, ...] = (),
        password: str = DEFAULT_PASSWORD,
    ):
        counter["n"] += 1
        email = email or f"user{counter['n']}-{os.getpid()}@example.org"
        user = get_user_model().objects.create_user(
            username=email.split("@")[0], email=email, password=password
        )
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        user_join_contributors(user=user)
        for role in roles:
            user_grant_role(user=user, role=role)
        if complete_profile:
            profile_update(
                user=user,
                display_name=display_name or f"Contributor {counter['n']}",
                use_pseudonym=False,
                pseudonym="",
                residence_country=Country.objects.get(code=country),
                native_language=native_language,
                accept_terms=True,
            )
        return user

    return make


@pytest.fixture
def contributor(make_user):
    return make_user("contributor@example.org")


@pytest.fixture
def organizer(make_user):
    from accounts.roles import ORGANIZER

    return make_user("organizer@example.org", roles=(ORGANIZER,))


@pytest.fixture
def api_token(contributor):
    """(user, secret) for `Authorization: Bearer <secret>`."""
    from accounts.services import api_token_create

    _token, secret = api_token_create(user=contributor, name="tests")
    return contributor, secret


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium, headless, driven by Playwright; never a downloaded browser."""
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test body
    # are still synchronous and safe here.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=BROWSER_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A phone-sized page (360 px wide)."""
    context = browser.new_context(viewport={"width": 360, "height": 780}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def browser_login(live_server):
    """Sign a user in through the real login form of the live server."""

    def login(page, user, password: str = DEFAULT_PASSWORD, *, base: str = ""):
        """`base`: another address of the live server (a proxy in front of it), the live server's own
        by default."""
        page.goto(f"{base or live_server.url}/accounts/login/")
        page.fill("input[name=login]", user.email)
        page.fill("input[name=password]", password)
        page.click("form button[type=submit]")
        page.wait_for_load_state()

    return login


# S3 on loopback (moto's server mode) for the tests about storage: the `s3_server` and `s3_storage`
# fixtures of tests/s3.py. The one builder of an image in review (upload, check, queue): tests/builders.py.
pytest_plugins = ["tests.s3", "tests.builders"]

# Data migrations that seed rows (module:function, each idempotent). A transactional test's teardown
# empties every table, so the next transactional test on the same worker seeds them again.
REFERENCE_SEEDS = [
    "campaign.migrations.0002_reference_data:seed",
    "contributions.migrations.0003_periodic_sweeps:create",
    "contributions.migrations.0101_bulk_import_sweep:create",
    "review.migrations.0002_queue_maintenance_schedule:create",
    "texttasks.migrations.0002_moderation_policies:create_policies",
    "points.migrations.0002_seed_rules_and_schedule:seed",
    "points.migrations.0002_seed_rules_and_schedule:schedule",
]


@pytest.fixture(autouse=True)
def _reference_data_in_transactional_tests(request):
    """A transactional test (transaction=True, live_server) empties the database when it ends; the next
    one finds the reference data (countries, languages, tasks, groups, policies) seeded again."""
    marker = request.node.get_closest_marker("django_db")
    uses_live_server = {"live_server", "transactional_db"} & set(request.fixturenames)
    transactional = bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
    if not (transactional or uses_live_server):
        return
    request.getfixturevalue("transactional_db")
    from importlib import import_module

    from django.apps import apps

    from campaign.models import Country

    if Country.objects.exists():
        return
    for target in REFERENCE_SEEDS:
        module, function = target.split(":")
        getattr(import_module(module), function)(apps, None)


def pytest_collection_modifyitems(session, config, items):
    """Every test id unique. schemathesis gives each operation's case its test function's id, and
    pytest-xdist's loadgroup scheduler (`make test`) keys its work by id: all but one case of each such
    test would silently not run. Each case is named by its operation instead, and any other duplicate
    stops the run before it can hide tests."""
    from collections import Counter

    for item in items:
        if type(item).__name__ == "SchemathesisFunction" and not item.nodeid.endswith("]"):
            _rename(item, f"{item.nodeid.rsplit('::', 1)[0]}::{item.name}")
    duplicates = [nodeid for nodeid, count in Counter(item.nodeid for item in items).items() if count > 1]
    if duplicates:
        raise pytest.UsageError(f"test ids must be unique (xdist would run one of each): {duplicates[:5]}")


def _rename(item, nodeid: str) -> None:
    try:  # pytest 9 keeps a structured id
        from _pytest.nodes import coerce_node_id

        item._id = coerce_node_id(nodeid)
    except ImportError:  # pytest 8
        item._nodeid = nodeid
