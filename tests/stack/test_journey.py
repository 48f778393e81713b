"""One volunteer's journey over HTTP on the deployed stack: gunicorn (2 workers, DEBUG=0, the collected
manifest, plain HTTP on loopback), a Celery worker and beat, PostgreSQL, Redis and moto's S3 server.

Sign-up and the emailed verification link, the profile, a photo through the presigned POST, the
worker's check, three annotators' ratings, acceptance and its points, the recomputation (which finds
nothing to correct), a dataset export written to the bucket, and every page of each role."""

import re
import time
from decimal import Decimal

import requests

from tests.stack.conftest import (
    STACK_GROUP,
    csrf_of,
    make_people,
    rate_next,
    sign_in,
    small_jpeg,
    upload_photo,
)
from tests.stack.stack import wait_for

pytestmark = [STACK_GROUP]

PASSWORD = "sea-vl-Phase-2-passphrase"
ANONYMOUS_PAGES = ["/", "/faq/", "/accounts/login/", "/accounts/signup/", "/leaderboard/", "/api/v1/docs"]
CONTRIBUTOR_PAGES = [
    "/profile/", "/images/", "/images/new/", "/images/bulk/", "/points/", "/leaderboard/", "/text-tasks/",
    "/translations/", "/visual-questions/", "/generation-prompts/", "/text-prompts/", "/my-texts/",
]
ANNOTATOR_PAGES = ["/review/", "/review/screening/", "/points/"]
ORGANIZER_PAGES = [
    "/organizers/", "/organizers/exports/", "/organizers/audit/", "/points/organizers/",
    "/points/organizers/leaderboard.csv", "/points/organizers/ledger.csv", "/review/organizers/",
    "/review/organizers/agreement/", "/review/organizers/adjudication/", "/review/organizers/decided/",
    "/review/organizers/paused/", "/review/organizers/log/", "/catalogs/", "/moderation/texts/",
]
ADMIN_PAGES = [
    "/admin/", "/admin/contributions/imagesubmission/", "/admin/points/ledgerentry/",
    "/admin/points/leaderboardsnapshot/", "/admin/django_celery_beat/periodictask/",
]


def _status(stack, submission_id: int) -> str:
    return stack.scalar("SELECT status FROM contributions_imagesubmission WHERE id = %s", (submission_id,))


def _ledger(stack) -> list[tuple]:
    return stack.sql(
        "SELECT contributor_id, source, source_id, kind, points FROM points_ledgerentry ORDER BY id"
    )


def _assert_pages(session, url: str, paths: list[str], who: str) -> None:
    failures = {}
    for path in paths:
        response = session.get(url + path, timeout=30)
        if response.status_code != 200:
            failures[path] = response.status_code
    assert not failures, f"{who}: {failures}"


def test_a_volunteer_signs_up_uploads_is_reviewed_and_credited(stack):
    url = stack.url
    started = time.monotonic()

    # Static files come from the manifest, hashed and cached for a year (the Docker build's step).
    home = requests.get(url + "/", timeout=30)
    assert home.status_code == 200
    css = re.search(r'href="(/static/css/portal\.[0-9a-f]{12}\.css)"', home.text)
    assert css, "pages link the hashed names of the manifest"
    assert "immutable" in requests.get(url + css.group(1), timeout=30).headers["Cache-Control"]

    # Sign up over plain HTTP (the CSRF cookie is not Secure on an http:// SITE_URL) and verify.
    browser = requests.Session()
    page = browser.get(url + "/accounts/signup/", timeout=30)
    signup = browser.post(
        url + "/accounts/signup/",
        data={
            "email": "volunteer@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "csrfmiddlewaretoken": csrf_of(browser, page.text),
        },
        timeout=30,
    )
    assert signup.status_code == 200 and "/accounts/confirm-email/" in signup.url
    mail = wait_for(lambda: "".join(stack.mails()), timeout=10, what="the verification email")
    link = re.search(r"(https?://\S+/accounts/confirm-email/\S+/)", mail).group(1)
    assert link.startswith(url + "/"), "the link points at SITE_URL, in its scheme (http)"
    confirm = browser.get(link, timeout=30)
    confirmed = browser.post(link, data={"csrfmiddlewaretoken": csrf_of(browser, confirm.text)}, timeout=30)
    assert confirmed.status_code == 200 and "sessionid" in browser.cookies

    # The profile, then the upload page's three steps.
    profile = browser.get(url + "/profile/", timeout=30)
    saved = browser.post(
        url + "/profile/",
        data={
            "display_name": "Siti Rahma",
            "residence_country": "TH",
            "native_language": "tha",
            "accept_terms": "on",
            "csrfmiddlewaretoken": csrf_of(browser, profile.text),
        },
        timeout=30,
    )
    assert saved.status_code == 200 and saved.url == url + "/", "saved, then the home page"
    assert browser.get(url + "/images/new/", timeout=30).status_code == 200
    ticket, bucket, finalize = upload_photo(browser, url, small_jpeg(7), description="A floating market at dawn")
    assert (ticket.status_code, bucket.status_code, finalize.status_code) == (200, 204, 201), finalize.text
    submission_id = finalize.json()["id"]
    assert _status(stack, submission_id) == "pending"

    # The worker checks it and moves it to review.
    wait_for(lambda: _status(stack, submission_id) == "in_review", timeout=60, what="the worker's check")
    # The verdict is committed first; the display and thumbnail WebPs follow in the same task.
    wait_for(
        lambda: stack.scalar("SELECT display FROM contributions_imagesubmission WHERE id = %s", (submission_id,)),
        timeout=60,
        what="the display recorded",
    )
    key = stack.scalar("SELECT key FROM contributions_imagesubmission WHERE id = %s", (submission_id,))
    # The upload is replaced by its cleaned copy (metadata stripped), beside two derivatives.
    assert sorted(stack.bucket_keys()) == [
        f"images/clean/{key}.jpg",
        f"images/derived/{key}/display.webp",
        f"images/derived/{key}/thumbnail.webp",
    ]
    assert browser.get(f"{url}/images/{submission_id}/", timeout=30).status_code == 200

    # Three annotators (granted the role and Thailand's screening as the demo does) rate it over HTTP.
    people = make_people(
        stack,
        [
            ("annotator1@example.org", ("annotator",), False),
            ("annotator2@example.org", ("annotator",), False),
            ("annotator3@example.org", ("annotator",), False),
            ("organizer@example.org", ("organizer",), False),
            ("admin@example.org", ("organizer",), True),
        ],
    )
    annotators = [sign_in(url, f"annotator{n}@example.org") for n in (1, 2, 3)]
    for session in annotators:
        rated = rate_next(session, url)
        assert rated.status_code == 200, rated.status_code
    assert _status(stack, submission_id) == "accepted"

    # Points: the contributor's credit (and the annotators' rating credits) reach the ledger once.
    contributor_id = stack.scalar("SELECT id FROM auth_user WHERE email = 'volunteer@example.org'")
    credits = wait_for(
        lambda: [row for row in _ledger(stack) if row[0] == contributor_id and row[3] == "credit"],
        timeout=60,
        what="the contributor's credit",
    )
    assert len(credits) == 1 and credits[0][4] > Decimal("0")
    wait_for(
        lambda: all(
            any(row[0] == people[f"annotator{n}@example.org"] for row in _ledger(stack)) for n in (1, 2, 3)
        ),
        timeout=60,
        what="the annotators' credits",
    )
    points_page = browser.get(url + "/points/", timeout=30)
    assert points_page.status_code == 200

    # The recomputation rebuilds every total from the records and finds nothing to correct, twice.
    ledger_before = _ledger(stack)
    stack.manage("recompute_points")
    assert _ledger(stack) == ledger_before, "nothing to correct after the events were applied"
    stack.manage("recompute_points")
    assert _ledger(stack) == ledger_before
    assert stack.scalar("SELECT count(*) FROM points_leaderboardsnapshot") >= 1

    # A dataset export, started by an organizer, written by the worker to the bucket.
    organizer = sign_in(url, "organizer@example.org")
    exports = organizer.get(url + "/organizers/exports/", timeout=30)
    started_export = organizer.post(
        url + "/organizers/exports/",
        data={"csrfmiddlewaretoken": csrf_of(organizer, exports.text), "tasks": ["1"]},
        timeout=30,
    )
    assert started_export.status_code == 200 and "/organizers/exports/" in started_export.url
    export_id = int(re.search(r"/organizers/exports/(\d+)/", started_export.url).group(1))
    wait_for(
        lambda: stack.scalar("SELECT status FROM organizers_datasetexport WHERE id = %s", (export_id,))
        in ("ready", "failed"),
        timeout=90,
        what="the dataset export",
    )
    assert stack.scalar("SELECT status FROM organizers_datasetexport WHERE id = %s", (export_id,)) == "ready"
    detail = organizer.get(f"{url}/organizers/exports/{export_id}/", timeout=30)
    assert detail.status_code == 200
    card_link = re.search(rf'href="(/organizers/exports/{export_id}/files/[^"]*README\.md)"', detail.text)
    assert card_link, "the export page links its dataset card"
    card = organizer.get(url + card_link.group(1), timeout=30)  # a signed URL of the private bucket
    assert card.status_code == 200 and "SEA-VL" in card.text

    # Every page of each role renders.
    _assert_pages(requests.Session(), url, ANONYMOUS_PAGES, "anonymous")
    _assert_pages(browser, url, CONTRIBUTOR_PAGES + [f"/images/{submission_id}/"], "contributor")
    _assert_pages(annotators[0], url, ANNOTATOR_PAGES, "annotator")
    _assert_pages(organizer, url, ORGANIZER_PAGES + [f"/organizers/exports/{export_id}/"], "organizer")
    _assert_pages(sign_in(url, "admin@example.org"), url, ADMIN_PAGES, "admin")

    # Nothing failed in any process of the stack.
    for process in [*stack.web, *stack.workers]:
        assert "Traceback" not in process.text(), f"{process.name}:\n{process.text()[-4000:]}"
    print(f"journey: {time.monotonic() - started:.1f} s")
