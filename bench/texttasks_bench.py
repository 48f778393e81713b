"""Text tasks at campaign scale: picking a Task 4 image and listing the credit source.

Creates its own database `bench_texttasks` on the local PostgreSQL (dropped at the end), fills it with
`generate_series` inserts (20,000 pool images, 100,000 questions, 60,000 accepted), then
prints each measurement next to a naive baseline measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/seavl_portal .venv/bin/python bench/texttasks_bench.py
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_database import BenchDatabase  # noqa: E402

POOL, QUESTIONS, USERS = 20_000, 100_000, 2_000
database = BenchDatabase("bench_texttasks")
os.environ.setdefault("MEDIA_ROOT", "/tmp/bench-texttasks-media")
os.environ["CONN_MAX_AGE"] = "0"


def timed(function, repeat: int = 1) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def fill(cursor) -> None:
    cursor.execute(
        """
        INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff,
                               is_active, date_joined)
        SELECT '!', false, 'u' || g, '', '', 'u' || g || '@example.org', false, true, now()
        FROM generate_series(1, %s) g;
        INSERT INTO accounts_profile (user_id, display_name, use_pseudonym, pseudonym, residence_country_id,
                                      native_language_name, native_language_code, discord_handle,
                                      created_at, updated_at, preferred_language)
        SELECT id, username, false, '', (ARRAY['TH','ID','VN','PH'])[1 + id %% 4], 'Thai', 'tha', '', now(), now(), ''
        FROM auth_user;
        INSERT INTO texttasks_poolimage (key, file, source_ref, caption, active, question_count, created_at)
        SELECT gen_random_uuid(), 'pool/' || g, 'ref-' || g, 'caption ' || g, true, 0, now()
        FROM generate_series(1, %s) g;
        INSERT INTO texttasks_poolimage_countries (poolimage_id, country_id)
        SELECT id, (ARRAY['BN','KH','TL','ID','LA','MY','MM','PH','SG','TH','VN'])[1 + id %% 11]
        FROM texttasks_poolimage;
        INSERT INTO texttasks_visualquestion (contributor_id, status, rejection_reason, created_at, updated_at,
            submitted_at, decided_at, image_id, language_id, question, question_normalised, answer)
        SELECT u.first + g %% %s, CASE WHEN g %% 5 < 3 THEN 'accepted' ELSE 'pending' END, '', now(), now(),
               now(), CASE WHEN g %% 5 < 3 THEN now() END, p.first + (g * 7919) %% (%s * 3 / 4), 'tha',
               'q' || g, 'q' || g, 'a'
        FROM generate_series(1, %s) g,
             (SELECT min(id) AS first FROM texttasks_poolimage) p,
             (SELECT min(id) AS first FROM auth_user) u;
        UPDATE texttasks_poolimage i SET question_count = c.n
        FROM (SELECT image_id, count(*) AS n FROM texttasks_visualquestion
              WHERE status <> 'withdrawn' GROUP BY image_id) c
        WHERE c.image_id = i.id;
        ANALYZE;
        """,
        (USERS, POOL, USERS, POOL, QUESTIONS),
    )


def main() -> None:
    database.recreate()
    try:
        database.setup_django()
        run()
    finally:
        database.drop()


def run() -> None:
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Profile
    from texttasks.credit import accepted_texts_as_events
    from texttasks.models import PoolImage, VisualQuestion
    from texttasks.selectors import next_image_for

    print(f"Migrating {database.name} …", flush=True)
    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    with connection.cursor() as cursor:
        fill(cursor)
    print(
        f"Filled {POOL:,} pool images, {QUESTIONS:,} questions, {USERS:,} contributors "
        f"in {time.perf_counter() - start:.1f} s"
    )
    user = Profile.objects.select_related("user").first().user

    # 1. The next image for a contributor (country preference, fewest questions first).
    chosen, image = timed(lambda: next_image_for(user=user, countries=["TH", "LA"]), repeat=7)

    def naive_next_image():
        # What a first version would do: load the pool and count each image's questions in Python.
        best = None
        preferred = {"TH", "LA"}
        asked = set(VisualQuestion.objects.filter(contributor=user).values_list("image_id", flat=True))
        counts: dict[int, int] = {}
        for image_id in VisualQuestion.objects.exclude(status="withdrawn").values_list("image_id", flat=True):
            counts[image_id] = counts.get(image_id, 0) + 1
        for candidate in PoolImage.objects.filter(active=True).prefetch_related("countries"):
            if candidate.pk in asked:
                continue
            key = (
                not ({c.code for c in candidate.countries.all()} & preferred),
                counts.get(candidate.pk, 0),
                candidate.pk,
            )
            if best is None or key < best[0]:
                best = (key, candidate)
        return best[1]

    naive, naive_image = timed(naive_next_image, repeat=3)
    assert naive_image.pk == image.pk, (naive_image.pk, image.pk)
    print(
        f"next image for a contributor: {chosen * 1000:8.1f} ms   (naive, in Python: {naive * 1000:8.1f} ms)"
    )

    # 2. The credit source the weekly recomputation reads.
    with CaptureQueriesContext(connection) as queries:
        streamed, events = timed(lambda: sum(1 for _ in accepted_texts_as_events()))
    reset_queries()
    sample = 5_000

    def naive_credit():
        # Model instances and a lookup per row for the language (the N+1 a quick version has).
        rows = []
        for question in VisualQuestion.objects.filter(status="accepted")[:sample]:
            rows.append((question.pk, question.contributor_id, question.language.code))
        return rows

    naive_credit_time, _rows = timed(naive_credit)
    per_naive = naive_credit_time / sample
    print(
        f"credit source: {events:,} events in {streamed * 1000:8.1f} ms "
        f"({streamed / max(events, 1) * 1e6:.1f} µs/event, {len(queries)} queries)   "
        f"(naive per-row ORM: {per_naive * 1e6:.1f} µs/event on {sample:,}, "
        f"~{per_naive * events:.1f} s for all)"
    )


if __name__ == "__main__":
    main()
