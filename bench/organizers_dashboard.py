"""Benchmark of the organizers' dashboard at campaign scale.

Creates its own PostgreSQL database `bench_organizers` (dropped at the end), migrates it and bulk loads
with generate_series: 300,000 image submissions over 40 weeks (1-2 countries each, every status),
their review items and ~800,000 ratings, 30,000 translations of the 135 prompts and 20,000 image-
generation prompts. It then times `organizers.selectors.dashboard.dashboard_get()` (GROUP BY / TruncWeek, a
constant number of queries) beside a naive dashboard that loops over the rows in Python, in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/organizers_dashboard.py
"""

import os
import statistics
import time
from collections import Counter, defaultdict

from bench_database import BenchDatabase, log

N_IMAGES = int(os.environ.get("BENCH_IMAGES", 300_000))
N_CONTRIBUTORS = 30_000
N_ANNOTATORS = 2_000
N_TRANSLATIONS = 30_000
N_GENERATION = 20_000
WEEKS = 40
RUNS = int(os.environ.get("BENCH_RUNS", 5))
DB_NAME = "bench_organizers"
CODES = ["BN", "KH", "TL", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN"]
LANGS = ["tha", "zsm", "fil", "lao", "khm", "tam", "cmn", "mya", "tet", "kxd"]

DATABASE = BenchDatabase(DB_NAME)
recreate_database, drop_database, setup_django = DATABASE.recreate, DATABASE.drop, DATABASE.setup_django


STATUS_SQL = (
    "CASE WHEN i % 20 = 0 THEN 'pending' WHEN i % 20 < 4 THEN 'in_review' WHEN i % 20 < 7 THEN 'rejected' "
    "WHEN i % 50 = 49 THEN 'withdrawn' ELSE 'accepted' END"
)
CREATED_SQL = f"now() - ((i % {WEEKS * 7}) * interval '1 day') - (i % 86400) * interval '1 second'"

LOAD_SQL = [
    (
        "users",
        f"""
        INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name, email, is_staff,
                               is_active, date_joined)
        SELECT i, '!', false, 'u' || i, '', '', 'u' || i || '@bench.local', false, true, now()
        FROM generate_series(1, {N_CONTRIBUTORS + N_ANNOTATORS}) i;
        SELECT setval(pg_get_serial_sequence('auth_user', 'id'), {N_CONTRIBUTORS + N_ANNOTATORS});
        """,
    ),
    (
        f"{N_IMAGES:,} image submissions",
        f"""
        INSERT INTO contributions_imagesubmission (id, key, contributor_id, status, description,
            native_description, native_language_code, native_language_name, location, "group",
            license_confirmed_at, original, thumbnail, display, original_filename, content_type,
            upload_sha256, content_sha256, blur_flagged, rejection_reasons, check_attempts, created_at,
            updated_at, decided_at, source)
        SELECT i, gen_random_uuid(), 1 + (i::bigint * 7919) % {N_CONTRIBUTORS}, {STATUS_SQL},
               'Bench image ' || i, '', 'tha', 'Thai', '', '', now(), '', '', '', '', '', '', '', false,
               CASE WHEN {STATUS_SQL} = 'rejected' THEN '[{{"code": "x"}}]'::jsonb ELSE '[]'::jsonb END,
               0, {CREATED_SQL}, now(),
               CASE WHEN {STATUS_SQL} IN ('accepted', 'rejected') THEN {CREATED_SQL} + interval '3 days' END,
               'web'
        FROM generate_series(1, {N_IMAGES}) i;
        SELECT setval(pg_get_serial_sequence('contributions_imagesubmission', 'id'), {N_IMAGES});
        INSERT INTO contributions_imagesubmission_countries (imagesubmission_id, country_id)
        SELECT i, (ARRAY{CODES})[1 + (i * 7) % 11] FROM generate_series(1, {N_IMAGES}) i
        UNION ALL
        SELECT i, (ARRAY{CODES})[1 + (i * 7 + 3) % 11] FROM generate_series(1, {N_IMAGES}) i WHERE i % 4 = 0;
        """,
    ),
    (
        "review items and ratings",
        f"""
        INSERT INTO review_reviewitem (submission_id, contributor_id, country_bits, country_codes, state,
            outcome, needed, counted_ratings, active_leases, adjudication_reason, created_at, decided_at)
        SELECT s.id, s.contributor_id, 1, 'TH', CASE WHEN s.decided_at IS NULL THEN 'open' ELSE 'decided' END,
               '', 3, CASE WHEN s.decided_at IS NULL THEN 1 ELSE 3 END, 0, '', s.created_at, s.decided_at
        FROM contributions_imagesubmission s WHERE s.status IN ('in_review', 'accepted', 'rejected');
        INSERT INTO review_rating (item_id, annotator_id, skipped, relevance, caption_fit, quality_ok, flag,
            flag_note, counted, uncounted_reason, created_at)
        SELECT r.submission_id, {N_CONTRIBUTORS + 1} + (r.submission_id * 3 + k) % {N_ANNOTATORS}, false,
               3 + (r.submission_id + k) % 3, true, true, '', '', true, '', r.created_at + k * interval '1 day'
        FROM review_reviewitem r CROSS JOIN generate_series(0, 2) k WHERE k < r.counted_ratings;
        """,
    ),
    (
        "text contributions",
        f"""
        INSERT INTO texttasks_benchmarkprompt (benchmark, source_index, position, prompt, reference, category,
            image_source, image_1, image_1_sha256, image_2, image_2_sha256, created_at, updated_at)
        SELECT 'aya', i::text, i, 'Prompt ' || i, '', '', '', 'b/' || i || '.jpg', '', '', '', now(), now()
        FROM generate_series(0, 134) i;
        INSERT INTO texttasks_translatorenrollment (contributor_id, language_id, created_at)
        SELECT 1 + i, (ARRAY{LANGS})[1 + i % 10], now() FROM generate_series(0, 24) i;
        INSERT INTO texttasks_translation (contributor_id, status, rejection_reason, created_at, updated_at,
            submitted_at, decided_at, prompt_id, language_id, text)
        SELECT 100 + i / 135, CASE WHEN i % 5 = 0 THEN 'pending' ELSE 'accepted' END, '',
               {CREATED_SQL}, now(), now(), CASE WHEN i % 5 = 0 THEN NULL ELSE now() END,
               (SELECT min(id) FROM texttasks_benchmarkprompt) + i % 135, (ARRAY{LANGS})[1 + (i / 135) % 10],
               'Translation ' || i
        FROM generate_series(0, {N_TRANSLATIONS - 1}) i;
        INSERT INTO texttasks_generationprompt (contributor_id, status, rejection_reason, created_at,
            updated_at, submitted_at, decided_at, chain_id, level, country_id, text)
        SELECT 5000 + i / 30, 'accepted', '', {CREATED_SQL}, now(), now(), now(),
               md5((i / 3)::text)::uuid, 1 + i % 3, (ARRAY{CODES})[1 + (i / 3) % 11], 'Draw ' || i
        FROM generate_series(0, {N_GENERATION - 1}) i;
        """,
    ),
]


def load() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("SET synchronous_commit = off")
    for name, sql in LOAD_SQL:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql)
        log(f"loaded {name} in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("ANALYZE")


def naive_dashboard() -> dict:
    """What a dashboard looks like without aggregates: every row to Python, counted there."""
    from django.db.models.functions import TruncWeek  # noqa: F401 - same inputs, different method

    from contributions.models import ImageSubmission
    from review.models import Rating
    from texttasks.models import GenerationPrompt, Translation

    by_country, weekly, active = Counter(), Counter(), defaultdict(set)
    for image in (
        ImageSubmission.objects.exclude(status="withdrawn")
        .prefetch_related("countries")
        .iterator(chunk_size=5000)
    ):
        for country in image.countries.all():
            by_country[(country.code, image.status)] += 1
        week = image.created_at.date().isocalendar()[:2]
        weekly[week] += 1
        active[week].add(image.contributor_id)
    for rating in Rating.objects.filter(skipped=False).iterator(chunk_size=5000):
        active[rating.created_at.date().isocalendar()[:2]].add(rating.annotator_id)
    for model in (Translation, GenerationPrompt):
        for row in model.objects.exclude(status__in=["draft", "withdrawn"]).iterator(chunk_size=5000):
            active[row.created_at.date().isocalendar()[:2]].add(row.contributor_id)
    return {"by_country": by_country, "weekly": weekly, "active": {w: len(s) for w, s in active.items()}}


def timed(function, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    reuse = os.environ.get("BENCH_REUSE") == "1"  # keep the loaded database between runs (development)
    if not reuse:
        recreate_database()
    setup_django()
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    try:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        log(f"migrated in {time.perf_counter() - started:.1f} s")
        if not reuse:
            load()
        from organizers.selectors.dashboard import dashboard_get

        dashboard_get()  # warm up
        with CaptureQueriesContext(connection) as captured:
            dashboard = dashboard_get()
        queries = list(captured.captured_queries)
        reset_queries()
        for query in sorted(queries, key=lambda q: -float(q["time"]))[:6]:
            log(f"{float(query['time']) * 1000:7.0f} ms  {query['sql'][:110]}")
        fast = timed(dashboard_get, RUNS)
        naive = (
            timed(naive_dashboard, max(1, RUNS // 5)) if os.environ.get("BENCH_NAIVE", "1") == "1" else [0]
        )
        accepted = sum(c.accepted for c in dashboard.by_country if c.task == 1)
        print()
        print(
            f"data: {N_IMAGES:,} images, {N_TRANSLATIONS:,} translations, {N_GENERATION:,} generation prompts"
        )
        print(
            f"dashboard_get(): {len(queries)} queries; median {statistics.median(fast) * 1000:.0f} ms, "
            f"max {max(fast) * 1000:.0f} ms over {RUNS} runs"
        )
        print(f"naive Python loop: median {statistics.median(naive) * 1000:.0f} ms over {len(naive)} runs")
        print(
            f"speed-up: {statistics.median(naive) / statistics.median(fast):.0f}x; "
            f"accepted image-country pairs: {accepted:,}; weeks: {len(dashboard.weekly_submissions)}"
        )
    finally:
        if os.environ.get("BENCH_KEEP") != "1":
            drop_database()


if __name__ == "__main__":
    main()
