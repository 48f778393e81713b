"""Benchmark of the Task 2 review queue at campaign scale.

Creates its own PostgreSQL database `bench_review` (dropped at the end), migrates it, bulk loads
1,000,000 images in review history (700,000 decided, 300,000 open) and 3,000,000 ratings with
generate_series, then measures through the real services:

- serving the next item (`review.queue.queue_serve`: one prepared statement for the profile's gate,
  the queue's gate, the held lease, the gold draw, the pick with SELECT ... FOR UPDATE SKIP LOCKED and the
  lease; housekeeping asked about every ten seconds per process), beside the previous implementation
  (`review.queue._queue_serve_steps`, kept for SQLite: the gate, the profile's gate, the cache's sweep
  check and the pick, one round trip each), and
- recording a rating (`review.answers.lease_answer`: the gates, row lock, rating, counters in one round
  trip, consensus when due in one more, then the commit and one hand-off to the broker: one Redis command
  while a delivery is pending, `campaign.outbox.outbox_events_written`),
  printed for the ratings that decide their image, those that do not, and the mix (half the open images
  need 5 ratings instead of 3, as a reopened image does, so that about half the ratings leave it open),

and prints p50/p95 beside the limits each path stands against, measured in the same run: the queue query
alone (serving: target p95 <= 1.5x its p95) and a bare single-row INSERT round trip in autocommit, one
beside each answer (recording: target p95 <= 6x its p95), with the naive baselines (a queue query of joins
and counts, no denormalised columns; an insert then a recount).
The published decisions go to a Celery broker as deployed (Redis, under the run's own key prefix, deleted
at the end; no worker takes them): the answer pays the hand-off, not the ledger's work. `BENCH_EAGER=1`
runs the ledger in-process instead (the embedded default's way, the first round's figures).
Every historical rating also has its (answered) lease, as the queue leaves them. `BENCH_GOLD_RATE=20` mixes
in hidden gold items (200 screening items are loaded) as the portal does; by default gold is off to
measure the queue itself. The answers are recorded at once (`REVIEW_MIN_SECONDS_PER_ITEM` = 0: the pacing
check still runs, it just never refuses).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/review_queue.py
    BENCH_ITEMS=20000 BENCH_SAMPLES=400 BENCH_GOLD_RATE=20 ...   # a quick run
    BENCH_DB_NAME=bench_review_2 ...   # its own database when another run may be going on
    BENCH_KEEP=1 ...   # keep the loaded database at the end; a second run with BENCH_KEEP=1 measures on it
                       # again without loading (the rows the first run wrote stay: for trying changes only)
"""

import os
import random
import statistics
import time

from bench_database import BenchDatabase, log

N_ITEMS = int(os.environ.get("BENCH_ITEMS", 1_000_000))
N_DECIDED = int(N_ITEMS * 0.7)
N_CONTRIBUTORS = 20_000
N_ANNOTATORS = 3_000
SAMPLES = int(os.environ.get("BENCH_SAMPLES", 400))
NAIVE_SAMPLES = int(os.environ.get("BENCH_NAIVE_SAMPLES", 15))
GOLD_RATE = int(os.environ.get("BENCH_GOLD_RATE", 0))
N_SCREENING_ITEMS = 200
EAGER = os.environ.get("BENCH_EAGER", "") == "1"  # the ledger in-process (no broker)
DB_NAME = os.environ.get("BENCH_DB_NAME", "bench_review")  # another name for a parallel run
KEEP = os.environ.get("BENCH_KEEP", "") == "1"
CODES = ["BN", "KH", "TL", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN"]  # review.models.COUNTRY_BITS order

DATABASE = BenchDatabase(DB_NAME)
recreate_database, drop_database = DATABASE.recreate, DATABASE.drop


def setup_django() -> None:
    DATABASE.setup_django(broker=not EAGER)
    from django.conf import settings

    settings.REVIEW_GOLD_RATE = GOLD_RATE  # 0 by default: measure the queue itself
    settings.REVIEW_MIN_SECONDS_PER_ITEM = 0  # the bench answers at once


LOAD_SQL = [
    (
        "users",
        f"""
        INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name, email, is_staff,
                               is_active, date_joined)
        SELECT i, '!', false, 'u' || i, '', '', 'u' || i || '@bench.local', false, true, now()
        FROM generate_series(1, {N_CONTRIBUTORS + N_ANNOTATORS}) i;
        SELECT setval(pg_get_serial_sequence('auth_user', 'id'), {N_CONTRIBUTORS + N_ANNOTATORS});
        INSERT INTO accounts_profile (user_id, display_name, use_pseudonym, pseudonym, residence_country_id,
            native_language_name, native_language_code, discord_handle, accepted_terms_at, created_at, updated_at,
            preferred_language)
        SELECT i, 'Annotator ' || i, false, '', 'TH', 'Thai', 'tha', '', now(), now(), now(), ''
        FROM generate_series({N_CONTRIBUTORS + 1}, {N_CONTRIBUTORS + N_ANNOTATORS}) i;
        INSERT INTO review_annotatorqualification (user_id, country_id, granted_at)
        SELECT {N_CONTRIBUTORS} + j, (ARRAY{CODES})[1 + j % 11], now() FROM generate_series(1, {N_ANNOTATORS}) j
        UNION ALL
        SELECT {N_CONTRIBUTORS} + j, (ARRAY{CODES})[1 + (j + 3) % 11], now()
        FROM generate_series(1, {N_ANNOTATORS}) j WHERE j % 2 = 0;
        """,
    ),
    (
        "1M image submissions",
        f"""
        INSERT INTO contributions_imagesubmission (id, key, contributor_id, status, description,
            native_description, native_language_code, native_language_name, location, "group",
            license_confirmed_at, original, thumbnail, display, original_filename, content_type,
            upload_sha256, content_sha256, blur_flagged, rejection_reasons, check_attempts, created_at,
            updated_at, decided_at, source)
        SELECT i, gen_random_uuid(), 1 + i % {N_CONTRIBUTORS},
               CASE WHEN i <= {N_DECIDED} THEN 'accepted' ELSE 'in_review' END,
               'Bench image ' || i, '', 'tha', 'Thai', '', '', now(), '', '', 'images/derived/b/display.jpg',
               '', '', '', '', false, '[]'::jsonb, 0, now() - ({N_ITEMS} - i) * interval '1 second', now(),
               CASE WHEN i <= {N_DECIDED} THEN now() END, 'web'
        FROM generate_series(1, {N_ITEMS}) i;
        SELECT setval(pg_get_serial_sequence('contributions_imagesubmission', 'id'), {N_ITEMS});
        INSERT INTO contributions_imagesubmission_countries (imagesubmission_id, country_id)
        SELECT i, (ARRAY{CODES})[1 + (i * 7) % 11] FROM generate_series(1, {N_ITEMS}) i;
        """,
    ),
    (
        "1M review items",
        f"""
        INSERT INTO review_reviewitem (submission_id, contributor_id, country_bits, country_codes, state,
            outcome, needed, counted_ratings, active_leases, adjudication_reason, created_at, decided_at)
        SELECT s.id, s.contributor_id, 1::bigint << ((s.id * 7) % 11)::int, (ARRAY{CODES})[1 + (s.id * 7) % 11],
               CASE WHEN s.id <= {N_DECIDED} THEN 'decided' ELSE 'open' END,
               CASE WHEN s.id <= {N_DECIDED} THEN 'accepted' ELSE '' END,
               CASE WHEN s.id > {N_DECIDED} AND s.id % 2 = 1 THEN 5 ELSE 3 END,
               CASE WHEN s.id <= {N_DECIDED} THEN 3 ELSE s.id % 3 END, 0, '', s.created_at, s.decided_at
        FROM contributions_imagesubmission s;
        """,
    ),
    (
        "3M ratings",
        f"""
        INSERT INTO review_rating (item_id, annotator_id, skipped, relevance, caption_fit, quality_ok, flag,
            flag_note, counted, uncounted_reason, created_at)
        SELECT r.submission_id, {N_CONTRIBUTORS + 1} + (r.submission_id * 3 + k) % {N_ANNOTATORS}, false,
               3 + (r.submission_id + k) % 3, true, (r.submission_id + k) % 7 <> 0, '', '', true, '',
               r.created_at + k * interval '1 minute'
        FROM review_reviewitem r CROSS JOIN generate_series(0, 2) k WHERE k < r.counted_ratings;
        INSERT INTO review_rating (item_id, annotator_id, skipped, relevance, caption_fit, quality_ok, flag,
            flag_note, counted, uncounted_reason, created_at)
        SELECT r.submission_id, {N_CONTRIBUTORS + 1} + (r.submission_id * 3 + 5 + k) % {N_ANNOTATORS}, true,
               NULL, NULL, NULL, '', '', false, '', r.created_at
        FROM review_reviewitem r CROSS JOIN generate_series(0, 5) k
        WHERE r.state = 'open' AND k < 2 + (r.submission_id % 2) * 2 + (CASE WHEN r.submission_id % 5 = 0 THEN 2 ELSE 0 END);
        """,
    ),
    (
        "a lease per rating",
        """
        INSERT INTO review_reviewlease (key, annotator_id, item_id, screening_item_id, state, created_at, expires_at)
        SELECT gen_random_uuid(), annotator_id, item_id, NULL, 'answered', created_at - interval '20 seconds',
               created_at + interval '10 minutes'
        FROM review_rating;
        """,
    ),
    (
        "screening items",
        f"""
        INSERT INTO review_screeningitem (id, image, description, native_description, native_language_name,
            location, expected_relevance, expected_caption_fit, expected_quality_ok, explanation, is_active,
            use_as_gold, created_at)
        SELECT i, 'review/screening/bench.jpg', 'Screening item ' || i, '', '', '', 1 + i % 5, i % 3 <> 0,
               i % 4 <> 0, 'Because.', true, i % 10 <> 0, now()
        FROM generate_series(1, {N_SCREENING_ITEMS}) i;
        SELECT setval(pg_get_serial_sequence('review_screeningitem', 'id'), {N_SCREENING_ITEMS});
        INSERT INTO review_screeningitem_countries (screeningitem_id, country_id)
        SELECT i, (ARRAY{CODES})[1 + i % 11] FROM generate_series(1, {N_SCREENING_ITEMS}) i;
        """,
    ),
]

NAIVE_SQL = """
SELECT s.id
FROM contributions_imagesubmission s
JOIN contributions_imagesubmission_countries c ON c.imagesubmission_id = s.id
WHERE s.status = 'in_review' AND c.country_id = ANY(%(codes)s) AND s.contributor_id <> %(me)s
  AND NOT EXISTS (SELECT 1 FROM review_rating r WHERE r.item_id = s.id AND r.annotator_id = %(me)s)
  AND (SELECT count(*) FROM review_rating r WHERE r.item_id = s.id AND r.counted)
    + (SELECT count(*) FROM review_reviewlease l WHERE l.item_id = s.id AND l.state = 'active'
       AND l.expires_at > now()) < 3
ORDER BY (SELECT count(*) FROM review_rating r WHERE r.item_id = s.id AND r.counted) DESC, s.created_at
LIMIT 1
"""


LOADED_TABLES = [
    "contributions_imagesubmission",
    "contributions_imagesubmission_countries",
    "review_reviewitem",
    "review_rating",
    "review_reviewlease",
]


def load() -> None:
    """Bulk load: secondary indexes are dropped and rebuilt after, foreign-key triggers are off for the
    session (the rows are consistent by construction)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)"
            " AND indexname NOT IN (SELECT conname FROM pg_constraint)",
            [LOADED_TABLES],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    for name, sql in LOAD_SQL:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql)
        log(f"loaded {name} in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for _name, definition in indexes:
            cursor.execute(definition)
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("RESET synchronous_commit")  # measured with the server's commit, as deployed
        log(f"rebuilt {len(indexes)} indexes in {time.perf_counter() - started:.1f} s")
        cursor.execute("SELECT count(*) FROM review_rating")
        n_ratings = cursor.fetchone()[0]
        cursor.execute("ANALYZE")
    log(f"{N_ITEMS:,} items, {n_ratings:,} ratings; analyzed")


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def percentiles(samples: list[float]) -> str:
    p50 = statistics.median(samples)
    return f"p50 {p50 * 1000:7.2f} ms   p95 {p95(samples) * 1000:7.2f} ms   (n={len(samples)})"


_BARE_TABLE = (
    "CREATE TABLE IF NOT EXISTS bench_bare_insert (id bigserial PRIMARY KEY, item_id bigint NOT NULL,"
    " annotator_id integer NOT NULL, relevance smallint, created_at timestamptz NOT NULL)"
)


def bare_insert_time(i: int) -> float:
    """The limit of recording a rating: one single-row INSERT round trip in autocommit (commit included)."""
    from django.db import connection

    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(
            "INSERT INTO bench_bare_insert (item_id, annotator_id, relevance, created_at) VALUES (%s, %s, 4, now())",
            [i, i % 3000],
        )
        return time.perf_counter() - started


def hand_off_times_of(n: int) -> list[float]:
    """One hand-off to the broker, as an answer's commit makes it (outside a transaction it is made at once;
    of a row that does not exist: a worker that would take it finds nothing); in-process when the ledger
    is (BENCH_EAGER)."""
    from campaign.outbox import outbox_events_written

    times = []
    for _ in range(n):
        started = time.perf_counter()
        outbox_events_written([0])
        times.append(time.perf_counter() - started)
    return times


def measure() -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from review.answers import lease_answer
    from review.queue import queue_serve
    from review.types import Answers

    rng = random.Random(42)
    annotators = list(get_user_model().objects.filter(pk__gt=N_CONTRIBUTORS).order_by("?")[: SAMPLES // 2])
    # Warm-up: the first serve also runs the once-a-minute sync of images in review without a queue row.
    queue_serve(annotator=annotators[0])
    queue_serve(annotator=annotators[1])
    from django.db import transaction

    from review.models import country_mask
    from review.queue import _queue_serve_steps, queue_candidates
    from review.selectors import annotator_country_codes

    masks = {a.pk: country_mask(annotator_country_codes(user=a)) for a in annotators}
    with connection.cursor() as cursor:
        cursor.execute(_BARE_TABLE)
    serve_times, previous_times, query_times, record_times, bare_times = [], [], [], [], []
    decided_times, open_times = [], []  # the ratings that decided their image, and those that did not
    # Interleaved (the limit, the serve, the previous serve), so that a burst of load on the shared machine
    # falls on every line alike.
    for _round in range(2):
        for annotator in annotators:
            with transaction.atomic():
                started = time.perf_counter()
                queue_candidates(annotator=annotator, mask=masks[annotator.pk]).select_for_update(
                    skip_locked=True, of=("self",)
                ).first()
                query_times.append(time.perf_counter() - started)
            for serve, times in ((queue_serve, serve_times), (_queue_serve_steps, previous_times)):
                started = time.perf_counter()
                lease = serve(annotator=annotator)
                times.append(time.perf_counter() - started)
                if lease is None:
                    continue
                answers = Answers(
                    relevance=rng.randint(2, 5), caption_fit=rng.random() < 0.9, quality_ok=rng.random() < 0.9
                )
                started = time.perf_counter()
                result = lease_answer(annotator=annotator, key=lease.key, answers=answers)
                record_times.append(time.perf_counter() - started)
                (decided_times if result.decided else open_times).append(record_times[-1])
                bare_times.append(bare_insert_time(len(bare_times)))  # the limit, beside each answer
    naive_times = []
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = '60s'")
        for annotator in annotators[:NAIVE_SAMPLES]:
            codes = list(annotator.annotator_qualifications.values_list("country_id", flat=True))
            started = time.perf_counter()
            cursor.execute(NAIVE_SQL, {"codes": codes, "me": annotator.pk})
            cursor.fetchall()
            naive_times.append(time.perf_counter() - started)
        naive_record = []
        for annotator in annotators[NAIVE_SAMPLES : NAIVE_SAMPLES * 3]:
            item_id = N_DECIDED + rng.randint(1, N_ITEMS - N_DECIDED)
            started = time.perf_counter()
            # Naive recording: insert, then recount the item's ratings to see whether consensus is due.
            cursor.execute(
                "INSERT INTO review_rating (item_id, annotator_id, skipped, relevance, caption_fit, quality_ok,"
                " flag, flag_note, counted, uncounted_reason, created_at)"
                " VALUES (%s, %s, false, 4, true, true, '', '', true, '', now()) ON CONFLICT DO NOTHING",
                [item_id, annotator.pk],
            )
            cursor.execute(
                "SELECT count(*), avg(relevance) FROM review_rating WHERE item_id = %s AND counted", [item_id]
            )
            cursor.fetchall()
            naive_record.append(time.perf_counter() - started)
    hand_off_times = hand_off_times_of(len(record_times) or SAMPLES)
    probe = annotators[-1]
    codes = list(probe.annotator_qualifications.values_list("country_id", flat=True))
    plan = queue_candidates(annotator=probe, mask=country_mask(codes))[:1].explain(analyze=True)
    print("\nPlan of the queue query (one annotator):")
    print("\n".join("    " + line for line in plan.splitlines()))
    print()
    hand_off = "ledger in-process (eager)" if EAGER else "ledger handed to the broker"
    print(f"Review queue at {N_ITEMS:,} items, gold rate {GOLD_RATE}, {hand_off} (PostgreSQL on loopback)")
    print(f"  serve next item   queue_serve        {percentiles(serve_times)}")
    print(f"  serve next item   previous (steps)   {percentiles(previous_times)}")
    print(f"  serve next item   its queue query    {percentiles(query_times)}   (the limit)")
    print(f"  serve next item   naive query        {percentiles(naive_times)}")
    for label, times in (("queue_serve", serve_times), ("previous   ", previous_times)):
        ratio = p95(times) / p95(query_times)
        print(
            f"  serve next item   {label} p95 ratio to the limit x{ratio:.2f}   target <= x1.5   "
            f"{_verdict(ratio, 1.5)}"
        )
    print(f"  record a rating   lease_answer       {percentiles(record_times)}   (the mix)")
    print(f"  record a rating   ... not deciding   {percentiles(open_times or [0.0])}")
    print(f"  record a rating   ... deciding       {percentiles(decided_times or [0.0])}")
    print(f"  record a rating   bare INSERT        {percentiles(bare_times)}   (the limit)")
    print(f"  record a rating   naive insert+count {percentiles(naive_record)}")
    print(f"  record a rating   broker hand-off    {percentiles(hand_off_times)}   (one per answer)")
    for label, times in (
        ("the mix     ", record_times),
        ("not deciding", open_times),
        ("deciding    ", decided_times),
    ):
        ratio = p95(times or [0.0]) / p95(bare_times)
        print(
            f"  record a rating   {label} p95 ratio to the limit x{ratio:.2f}   target <= x6     "
            f"{_verdict(ratio, 6)}"
        )
    # The floor of the answer's round trips (the lock and the statement that records, sent at once; the
    # decision when due; the commit), each at least a bare INSERT, and the hand-off: at p50 (p95s do not add).
    for label, trips, times in (("not deciding", 2, open_times), ("deciding    ", 3, decided_times)):
        floor = trips * statistics.median(bare_times) + statistics.median(hand_off_times)
        measured = statistics.median(times or [0.0])
        print(
            f"  record a rating   {label} floor at p50: {trips} x INSERT + hand-off = {floor * 1000:.2f} ms"
            f" (x{floor / statistics.median(bare_times):.2f}); measured p50 {measured * 1000:.2f} ms"
        )
    print(
        f"  ({len(decided_times)} of the {len(record_times)} ratings recorded decided their image; the others"
        " left it open: half the open images need 5 ratings, and a split asks for one more)"
    )
    print(f"  load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def _verdict(ratio: float, target: float) -> str:
    return "met" if ratio <= target else "NOT met"


def main() -> None:
    started = time.perf_counter()
    reuse = KEEP and DATABASE.exists()
    if not reuse:
        recreate_database()
        log(f"created database {DB_NAME}")
    setup_django()
    from django.core.management import call_command

    try:
        if not reuse:
            call_command("migrate", verbosity=0)
            log("migrated")
            load()
        measure()
    finally:
        if KEEP:
            DATABASE.forget_redis()
            log(f"kept database {DB_NAME}; total {time.perf_counter() - started:.0f} s")
        else:
            drop_database()
            log(f"dropped database {DB_NAME}; total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
