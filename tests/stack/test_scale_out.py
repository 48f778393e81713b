"""Scale-out, proven small: two gunicorn instances and two Celery workers on one database, broker and
bucket (and one beat, as docs/deploy.md says to run it).

- an upload on one node, its check by either worker, its ratings on both nodes: one decision, credited
  once, even when every event is delivered again three times to the two workers at once;
- beat's schedule fires once per period: each periodic message is taken by exactly one worker;
- a catalog an organizer uploads on one node is what the other node serves, without a restart.
"""

import re
import time

import polib
import pytest
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

REDELIVER = """
import json
from campaign.models import OutboxEvent
from points.tasks import apply_contribution_event
payloads = list(OutboxEvent.objects.values_list("payload", flat=True))
for _ in range(3):
    for payload in payloads:
        apply_contribution_event.delay(payload)
print("RESULT=" + json.dumps(len(payloads)))
"""

EVERY_TWO_SECONDS = """
import json
from django_celery_beat.models import IntervalSchedule, PeriodicTask
every, _ = IntervalSchedule.objects.get_or_create(every=2, period=IntervalSchedule.SECONDS)
PeriodicTask.objects.update_or_create(
    name="stack: every two seconds", defaults={"task": "campaign.apply_task_schedule", "interval": every}
)
print("RESULT=true")
"""


@pytest.fixture(scope="module")
def stack(stack_static_root):
    from tests.stack.conftest import start_stack

    started = start_stack(stack_static_root, web_nodes=2, workers=2, worker_concurrency=1)
    yield started
    started.stop()


def _ledger(stack) -> list[tuple]:
    return stack.sql("SELECT contributor_id, source, source_id, kind, generation, points FROM points_ledgerentry ORDER BY id")


def test_two_nodes_and_two_workers_credit_a_decision_once(stack):
    node_a, node_b = stack.urls
    make_people(
        stack,
        [
            ("scale-contributor@example.org", (), False),
            ("scale-annotator1@example.org", ("annotator",), False),
            ("scale-annotator2@example.org", ("annotator",), False),
            ("scale-annotator3@example.org", ("annotator",), False),
        ],
    )
    contributor = sign_in(node_a, "scale-contributor@example.org")
    _ticket, _bucket, finalize = upload_photo(contributor, node_a, small_jpeg(900), description="A longtail boat")
    assert finalize.status_code == 201
    submission_id = finalize.json()["id"]
    wait_for(
        lambda: stack.scalar("SELECT status FROM contributions_imagesubmission WHERE id = %s", (submission_id,))
        == "in_review",
        timeout=60,
        what="the check",
    )
    # The session made on node A is valid on node B (sessions live in the shared database).
    assert contributor.get(f"{node_b}/images/{submission_id}/", timeout=30).status_code == 200

    for number, node in zip((1, 2, 3), (node_a, node_b, node_a), strict=True):
        annotator = sign_in(node, f"scale-annotator{number}@example.org")
        other = node_b if node == node_a else node_a
        assert rate_next(annotator, other, relevance=4).status_code == 200  # signed in on one, rates on the other
    assert (
        stack.scalar("SELECT status FROM contributions_imagesubmission WHERE id = %s", (submission_id,))
        == "accepted"
    )
    contributor_id = stack.scalar("SELECT id FROM auth_user WHERE email = 'scale-contributor@example.org'")
    wait_for(
        lambda: stack.scalar(
            "SELECT count(*) FROM points_ledgerentry WHERE contributor_id = %s AND kind = 'credit'", (contributor_id,)
        )
        == 1,
        timeout=60,
        what="the contributor's credit",
    )
    wait_for(
        lambda: not stack.scalar("SELECT count(*) FROM campaign_outboxevent WHERE delivered_at IS NULL"),
        timeout=60,
        what="every decision delivered",
    )
    ledger = _ledger(stack)

    # Every event delivered again, three times, to the two workers at once: nothing more is written.
    def applied() -> int:
        return sum(worker.text().count("points.tasks.apply_contribution_event[") for worker in stack.workers)

    base = applied()
    redelivered = stack.python(REDELIVER)
    assert redelivered >= 4  # the acceptance and the three ratings that now count
    wait_for(
        lambda: applied() >= base + 2 * 3 * redelivered,  # each message is logged when received and when done
        timeout=90,
        interval=0.5,
        what="the redelivered events applied",
    )
    taken_by = [worker.text().count("points.tasks.apply_contribution_event[") for worker in stack.workers]
    assert all(taken_by), f"both workers took some ({taken_by})"
    assert _ledger(stack) == ledger


def test_beat_fires_once_per_period_across_two_workers(stack):
    stack.python(EVERY_TWO_SECONDS)
    pattern = re.compile(r"campaign\.apply_task_schedule\[([0-9a-f-]+)\] received")

    def received() -> list[list[str]]:
        return [pattern.findall(worker.text()) for worker in stack.workers]

    wait_for(lambda: sum(map(len, received())) >= 1, timeout=30, what="the first periodic message")
    start, first = time.monotonic(), sum(map(len, received()))
    # Six more periods: one beat takes about 12 s for them (two beats, or a message taken twice, ~6 s).
    wait_for(lambda: sum(map(len, received())) >= first + 6, timeout=60, interval=0.1, what="six periods")
    elapsed, ids = time.monotonic() - start, received()
    everything = [task_id for per_worker in ids for task_id in per_worker]
    assert len(everything) == len(set(everything)), "no message taken by both workers"
    assert elapsed >= 9, f"six periodic messages in {elapsed:.1f} s: more than one beat is firing"


def test_a_catalog_uploaded_on_one_node_shows_on_the_other(stack):
    node_a, node_b = stack.urls
    make_people(stack, [("scale-organizer@example.org", ("organizer",), False)])
    organizer = sign_in(node_a, "scale-organizer@example.org")
    indonesian = {"Accept-Language": "id"}
    before = requests.get(f"{node_b}/faq/", headers=indonesian, timeout=30)
    assert before.status_code == 200 and "UJI-SKALA" not in before.text

    downloaded = organizer.get(f"{node_a}/catalogs/id/django.po", timeout=30)
    assert downloaded.status_code == 200
    catalog = polib.pofile(downloaded.text)
    entry = catalog.find("Questions and answers")
    entry.msgstr = "UJI-SKALA Tanya jawab"
    if "fuzzy" in entry.flags:
        entry.flags.remove("fuzzy")
    page = organizer.get(f"{node_a}/catalogs/", timeout=30)
    uploaded = organizer.post(
        f"{node_a}/catalogs/id/upload/",
        data={"csrfmiddlewaretoken": csrf_of(organizer, page.text)},
        files={"catalog": ("django.po", str(catalog).encode(), "text/x-gettext-translation")},
        timeout=60,
    )
    assert uploaded.status_code == 200
    started = time.monotonic()
    # Every web worker of the other node (each process syncs on its own) serves the new string.
    wait_for(
        lambda: all(
            "UJI-SKALA Tanya jawab" in requests.get(f"{node_b}/faq/", headers=indonesian, timeout=30).text
            for _ in range(4)
        ),
        timeout=60,
        interval=0.5,
        what="the uploaded catalog on the other node",
    )
    print(f"catalog on the other node after {time.monotonic() - started:.1f} s")
