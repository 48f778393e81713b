"""Faults injected into the deployed stack, one service at a time, through its fault proxy (the machine's
PostgreSQL, Redis and the rest of the suite never notice). Each test counts the submissions, the bucket's
objects and the ledger's entries before and after.

- the broker (Redis) stopped during uploads: every upload (page and API) is taken, and every one is
  checked within 2 minutes of its return;
- S3 stopped, S3 hanging: the upload answers 503 with Retry-After within the storage bound, nothing is
  half-written, /faq/ still answers; the same upload succeeds once S3 is back;
- PostgreSQL "restarted" (every connection cut, the port refused): 503 while down (JSON under /api/),
  pages again after;
- the worker SIGKILLed mid-check: the check is done again, once, by the next worker.
"""

import json
import threading
import time

import pytest
import requests

from tests.stack.conftest import STACK_GROUP, make_people, sign_in, small_jpeg, upload_photo
from tests.stack.proxy import HANG, PASS, REFUSE
from tests.stack.stack import ROOT, wait_for

pytestmark = [STACK_GROUP]

# The stack's storage bound: AWS_S3_MAX_ATTEMPTS (2) x (connect 2 s + read 4 s), with room for the
# page's own work; well under gunicorn's timeout (30 s here).
STORAGE_BOUND_SECONDS = 20
FIGURES: dict[str, object] = {}
ARTIFACTS = ROOT / "test-artifacts" / "stack"

TOKEN = """
import json
from django.contrib.auth import get_user_model
from accounts.services import api_token_create
_token, secret = api_token_create(user=get_user_model().objects.get(email=%r), name="stack")
print("RESULT=" + json.dumps(secret))
"""


@pytest.fixture(scope="module")
def contributor(stack):
    make_people(stack, [("faults@example.org", (), False)])
    secret = stack.python(TOKEN % "faults@example.org")
    return sign_in(stack.url, "faults@example.org"), {"Authorization": f"Bearer {secret}"}


@pytest.fixture(autouse=True)
def _services_back(stack):
    """Whatever a test breaks is repaired after it, even when it fails."""
    yield
    for proxy in stack.proxies.values():
        proxy.set_mode(PASS)


def counts(stack, *, settled: bool = True) -> dict[str, int]:
    """Submissions, bucket objects, ledger entries; by default once every check queued earlier is done."""
    if settled:
        wait_for(
            # A check is done once its WebPs are recorded too: they follow the verdict's commit.
            lambda: not stack.scalar(
                "SELECT count(*) FROM contributions_imagesubmission WHERE status = 'pending'"
                " OR (status = 'in_review' AND display = '' AND original <> '')"
            ),
            timeout=120,
            interval=0.5,
            what="the checks queued earlier",
        )
    return {
        "submissions": stack.scalar("SELECT count(*) FROM contributions_imagesubmission"),
        "bucket": len(stack.bucket_keys()),
        "ledger": stack.scalar("SELECT count(*) FROM points_ledgerentry"),
    }


def api_upload(url: str, headers: dict, photo: bytes, *, timeout: float = 60):
    return requests.post(
        f"{url}/api/v1/images",
        headers=headers,
        files={"image": ("photo.jpg", photo, "image/jpeg")},
        data={
            "description": "Morning alms round in Luang Prabang",
            "native_description": "บิณฑบาตยามเช้า",
            "native_language": "Thai (tha)",
            "countries": "TH",
            "location": "Bangkok",
            "license_confirmed": "true",
        },
        timeout=timeout,
    )


def statuses(stack, ids: list[int]) -> dict[int, str]:
    return dict(stack.sql("SELECT id, status FROM contributions_imagesubmission WHERE id = ANY(%s)", (ids,)))


def test_uploads_while_the_broker_is_down_are_kept_and_checked_after_its_return(stack, contributor):
    session, token = contributor
    before = counts(stack)
    stack.proxies["redis"].set_mode(REFUSE)
    ids, answers = [], []
    for seed in range(100, 106):
        ticket, bucket, finalize = upload_photo(session, stack.url, small_jpeg(seed), description=f"Market {seed}")
        answers.append(finalize.status_code if finalize is not None else (ticket.status_code, bucket))
        if finalize is not None and finalize.status_code == 201:
            ids.append(finalize.json()["id"])
    for seed in range(200, 204):
        response = api_upload(stack.url, token, small_jpeg(seed))
        answers.append(response.status_code)
        if response.status_code == 201:
            ids.append(response.json()["id"])
    assert answers == [201] * 10, answers
    assert set(statuses(stack, ids).values()) == {"pending"}
    during = counts(stack, settled=False)  # the broker is down: they wait, pending
    assert during["submissions"] == before["submissions"] + 10
    assert during["bucket"] == before["bucket"] + 10  # each original, stored with its row

    stack.proxies["redis"].set_mode(PASS)
    returned = time.monotonic()
    wait_for(
        lambda: set(statuses(stack, ids).values()) == {"in_review"},
        timeout=120,
        interval=1,
        what="every upload of the outage checked",
    )
    FIGURES["broker: seconds from its return to the last check"] = round(time.monotonic() - returned, 1)
    after = counts(stack)
    FIGURES["broker: counts before / during / after"] = [before, during, after]
    assert after["submissions"] == during["submissions"]
    assert after["bucket"] == before["bucket"] + 30  # the cleaned copy and two derivatives each
    assert after["ledger"] == before["ledger"]


def _posted_to_bucket(session, url: str, photo: bytes) -> dict:
    """Steps 1 and 2 of the upload page (ticket, presigned POST), leaving the descriptions to send."""
    headers = {"X-CSRFToken": session.cookies.get("csrftoken", ""), "Referer": f"{url}/images/new/"}
    ticket = session.post(f"{url}/images/uploads/ticket/", headers=headers, timeout=30).json()
    posted = requests.post(
        ticket["url"],
        data={**ticket["fields"], "Content-Type": "image/jpeg"},
        files={"file": ("photo.jpg", photo, "image/jpeg")},
        timeout=30,
    )
    assert posted.status_code == 204
    return ticket


def _finalize(session, url: str, ticket: dict, *, timeout: float = 60):
    headers = {"X-CSRFToken": session.cookies.get("csrftoken", ""), "Referer": f"{url}/images/new/"}
    return session.post(
        f"{url}/images/uploads/finalize/",
        headers=headers,
        data={
            "ticket": ticket["ticket"],
            "filename": "photo.jpg",
            "description": "Rice terraces after the rain",
            "native_description": "นาขั้นบันไดหลังฝนตก",
            "native_language": "Thai (tha)",
            "countries": ["TH"],
            "license_confirmed": "true",
        },
        timeout=timeout,
    )


@pytest.mark.parametrize("mode", [REFUSE, HANG])
def test_storage_stopped_or_hanging_answers_503_in_time_and_writes_nothing(stack, contributor, mode):
    session, token = contributor
    ticket = _posted_to_bucket(session, stack.url, small_jpeg(300 if mode == REFUSE else 301))
    before = counts(stack)
    stack.proxies["s3"].set_mode(mode)

    # While a page waits on the storage, the site's other pages still answer (the second web worker).
    result: dict = {}

    def finalize():
        start = time.monotonic()
        result["page"] = _finalize(session, stack.url, ticket)
        result["seconds"] = time.monotonic() - start

    waiting = threading.Thread(target=finalize)
    waiting.start()
    faq_answers = []
    while True:
        start = time.monotonic()
        status = requests.get(stack.url + "/faq/", timeout=30).status_code
        faq_answers.append((status, round(time.monotonic() - start, 2), waiting.is_alive()))
        if not waiting.is_alive() or len(faq_answers) >= 3:
            break
    waiting.join()
    page, page_seconds = result["page"], result["seconds"]
    start = time.monotonic()
    api = api_upload(stack.url, token, small_jpeg(310 if mode == REFUSE else 311))
    api_seconds = time.monotonic() - start

    assert page.status_code == 503 and page.headers["Retry-After"].isdigit(), page.status_code
    assert "text/html" in page.headers["Content-Type"]
    assert api.status_code == 503 and api.headers["Retry-After"].isdigit(), api.status_code
    assert api.headers["Content-Type"].startswith("application/json") and api.json()["detail"]
    assert page_seconds < STORAGE_BOUND_SECONDS and api_seconds < STORAGE_BOUND_SECONDS
    assert all(status == 200 and seconds < 5 for status, seconds, _waiting in faq_answers), faq_answers
    if mode == HANG:
        assert any(waiting for _status, _seconds, waiting in faq_answers), "read while the upload hung"
    FIGURES[f"storage {mode}: page / API 503 after (s)"] = (round(page_seconds, 1), round(api_seconds, 1))

    stack.proxies["s3"].set_mode(PASS)
    FIGURES[f"storage {mode}: counts before / after"] = [before, counts(stack)]
    assert counts(stack) == before, "nothing half-written: no row, no object, no ledger entry"
    # Back: the same descriptions are taken, for the photo already in the bucket.
    again = _finalize(session, stack.url, ticket)
    assert again.status_code == 201, again.text
    assert counts(stack)["submissions"] == before["submissions"] + 1


def test_postgresql_restarted_answers_503_then_recovers(stack, contributor):
    session, token = contributor
    assert session.get(stack.url + "/images/", timeout=30).status_code == 200  # persistent connections open
    before = counts(stack)
    stack.proxies["postgres"].set_mode(REFUSE)  # every connection cut, the port refused
    down = {
        "page": session.get(stack.url + "/images/", timeout=30),
        "home": requests.get(stack.url + "/", timeout=30),
        "api": requests.get(stack.url + "/api/v1/images", headers=token, timeout=30),
        "upload": api_upload(stack.url, token, small_jpeg(400)),
    }
    for name, response in down.items():
        assert response.status_code == 503 and response.headers.get("Retry-After"), (name, response.status_code)
    assert down["api"].headers["Content-Type"].startswith("application/json")
    assert down["upload"].headers["Content-Type"].startswith("application/json")
    assert "text/html" in down["home"].headers["Content-Type"]

    stack.proxies["postgres"].set_mode(PASS)
    back = time.monotonic()
    wait_for(
        lambda: session.get(stack.url + "/images/", timeout=30).status_code == 200,
        timeout=30,
        what="pages after PostgreSQL's return",
    )
    FIGURES["postgres: seconds to the first page after its return"] = round(time.monotonic() - back, 1)
    # Every web worker's connection was cut: each reconnects (CONN_HEALTH_CHECKS), none answers 500.
    answers = [session.get(stack.url + "/images/", timeout=30).status_code for _ in range(8)]
    assert answers == [200] * 8, answers
    assert requests.get(stack.url + "/api/v1/images", headers=token, timeout=30).status_code == 200
    after = counts(stack)
    FIGURES["postgres: counts before / after"] = [before, after]
    assert after == before, "the refused upload wrote nothing"


def test_a_worker_killed_mid_check_is_replaced_and_the_check_done_once(stack, contributor):
    session, token = contributor
    before = counts(stack)
    worker = stack.workers[0]
    taken = worker.text().count("contributions.check_image_submission[")
    # A large photo, so the check takes long enough to be interrupted.
    response = api_upload(stack.url, token, small_jpeg(500, size=(4000, 3000)))
    assert response.status_code == 201, response.text
    submission_id = response.json()["id"]
    wait_for(
        lambda: worker.text().count("contributions.check_image_submission[") > taken,
        timeout=30,
        interval=0.05,
        what="the worker took the check",
    )
    worker.kill()  # SIGKILL to the whole worker (main process and its pool)
    worker.popen.wait(timeout=10)
    assert statuses(stack, [submission_id]) == {submission_id: "pending"}, "killed before it finished"

    replacement = stack.start_worker()
    stack.wait_worker(replacement)
    started = time.monotonic()
    wait_for(
        lambda: statuses(stack, [submission_id])[submission_id] == "in_review",
        timeout=120,
        interval=1,
        what="the check done again",
    )
    FIGURES["worker killed: seconds from the new worker to the check done"] = round(time.monotonic() - started, 1)
    wait_for(  # the verdict is committed first; the display and thumbnail WebPs follow in the same task
        lambda: stack.scalar("SELECT display FROM contributions_imagesubmission WHERE id = %s", (submission_id,)),
        timeout=60,
        interval=0.2,
        what="the display recorded",
    )
    key = stack.scalar("SELECT key FROM contributions_imagesubmission WHERE id = %s", (submission_id,))
    assert sorted(name for name in stack.bucket_keys() if str(key) in name) == [
        f"images/clean/{key}.jpg",
        f"images/derived/{key}/display.webp",
        f"images/derived/{key}/thumbnail.webp",
    ]
    after = counts(stack)
    FIGURES["worker killed: counts before / after"] = [before, after]
    assert after["submissions"] == before["submissions"] + 1
    assert after["bucket"] == before["bucket"] + 3
    assert after["ledger"] == before["ledger"]


@pytest.fixture(scope="module", autouse=True)
def _figures_written():
    """What the faults measured, in test-artifacts/stack/faults.json (gitignored), for the closing note."""
    yield
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "faults.json").write_text(json.dumps(FIGURES, indent=2))
