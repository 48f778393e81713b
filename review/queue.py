"""The review queue of Task 2: queue rows for images in review (open, sync, close), serving the next item
as a lease (now and then a hidden gold item), returning the slots of abandoned leases, and ending an
annotator's leases when they answer. Every write on an item takes its row lock first, then its leases'."""

import random
import time
import uuid
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Exists, F, IntegerField, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import (
    CONTRIBUTOR_GATE_COLUMNS,
    CONTRIBUTOR_GATE_SQL,
    contributor_ensure_can_submit,
    contributor_gate_check,
    contributor_gate_profile_from,
)
from campaign.errors import DomainError, NotAllowed
from campaign.prepared import prepared_fetchall
from contributions.models import ImageSubmission
from review.conf import conf
from review.models import (
    COUNTRY_BITS,
    AnnotatorQualification,
    GoldAnswer,
    Rating,
    ReviewItem,
    ReviewLease,
    ScreeningAnswer,
    country_mask,
)
from review.selectors import lease_current, screening_pool
from review.types import TASK_NUMBER

# The queue's filter; written exactly as the partial index `review_queue_order` so the planner uses it.
QUEUE_OPEN = Q(state=ReviewItem.State.OPEN, counted_ratings__lt=F("needed") - F("active_leases"))


def _review_items_create(submission_ids: list[int]) -> int:
    # The images and their countries in one statement (a row per country; one with none for an image
    # without): each image that enters review pays it, so it is one round trip, not two.
    rows: dict[int, tuple] = {}
    countries: dict[int, list[str]] = {}
    for pk, contributor_id, created_at, code in ImageSubmission.objects.filter(
        pk__in=submission_ids, status=ImageSubmission.Status.IN_REVIEW
    ).values_list("pk", "contributor_id", "created_at", "countries__code"):
        rows.setdefault(pk, (contributor_id, created_at))
        if code is not None:
            countries.setdefault(pk, []).append(code)
    items = [
        ReviewItem(
            submission_id=pk,
            contributor_id=contributor_id,
            country_bits=country_mask(countries.get(pk, ())),
            country_codes=",".join(sorted(countries.get(pk, ()))),
            needed=conf("REVIEW_RATINGS_NEEDED"),
            created_at=created_at,
        )
        for pk, (contributor_id, created_at) in rows.items()
    ]
    return len(ReviewItem.objects.bulk_create(items, ignore_conflicts=True))


def review_item_open(*, submission_id: int) -> ReviewItem | None:
    """Put an image that entered review in the queue (idempotent). The image check worker calls this
    after setting the status to in_review; `review_items_sync` catches any it missed."""
    _review_items_create([submission_id])
    item = ReviewItem.objects.filter(pk=submission_id).first()
    if item is not None and item.state == ReviewItem.State.CLOSED:
        ReviewItem.objects.filter(pk=submission_id, state=ReviewItem.State.CLOSED).update(
            state=ReviewItem.State.OPEN
        )
        item.refresh_from_db()
    return item


def review_items_sync(*, limit: int = 2000) -> int:
    """Queue rows for images in review that have none yet (the periodic task and the queue's lazy sync)."""
    missing = list(
        ImageSubmission.objects.filter(status=ImageSubmission.Status.IN_REVIEW, review_item__isnull=True)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    return _review_items_create(missing) if missing else 0


def review_items_close_stale(*, limit: int = 2000) -> int:
    """Close queue rows whose image left review some other way (withdrawn); run by the periodic task."""
    stale = list(
        ReviewItem.objects.filter(state__in=[ReviewItem.State.OPEN, ReviewItem.State.ADJUDICATION])
        .exclude(submission__status=ImageSubmission.Status.IN_REVIEW)
        .values_list("pk", flat=True)[:limit]
    )
    return ReviewItem.objects.filter(pk__in=stale).update(state=ReviewItem.State.CLOSED)


def review_item_close(*, submission_id: int) -> bool:
    """Take an image out of the queue at once (it was withdrawn or taken down): its open leases end and
    no rating is taken any more. True when it was in the queue."""
    with transaction.atomic():
        item = ReviewItem.objects.select_for_update().filter(pk=submission_id).first()
        if item is None or item.state not in (ReviewItem.State.OPEN, ReviewItem.State.ADJUDICATION):
            return False
        ReviewLease.objects.filter(item=item, state=ReviewLease.State.ACTIVE).update(
            state=ReviewLease.State.EXPIRED
        )
        item.state = ReviewItem.State.CLOSED
        item.active_leases = 0
        item.save(update_fields=["state", "active_leases"])
    return True


def _lazy_sync() -> None:
    if cache.add("review:items-sync", 1, timeout=conf("REVIEW_SYNC_EVERY_SECONDS")):
        review_items_sync()


def lease_expire_sweep(*, now=None, limit: int = 500) -> int:
    """Return the slots of abandoned leases. Locks each item before its leases (the serving order)."""
    now = now or timezone.now()
    expired = list(
        ReviewLease.objects.filter(state=ReviewLease.State.ACTIVE, expires_at__lte=now).values_list(
            "pk", "item_id"
        )[:limit]
    )
    if not expired:
        return 0
    gold = [pk for pk, item_id in expired if item_id is None]
    if gold:
        ReviewLease.objects.filter(pk__in=gold, state=ReviewLease.State.ACTIVE).update(
            state=ReviewLease.State.EXPIRED
        )
    item_ids = sorted({item_id for _pk, item_id in expired if item_id is not None})
    returned = 0
    for item_id in item_ids:
        with transaction.atomic():
            if not ReviewItem.objects.select_for_update(skip_locked=True).filter(pk=item_id).exists():
                continue  # being served or rated right now: the next sweep takes it
            count = ReviewLease.objects.filter(
                item_id=item_id, state=ReviewLease.State.ACTIVE, expires_at__lte=now
            ).update(state=ReviewLease.State.EXPIRED)
            if count:
                ReviewItem.objects.filter(pk=item_id).update(active_leases=F("active_leases") - count)
                returned += count
    return returned


def _lease_expiry():
    return timezone.now() + timedelta(minutes=conf("REVIEW_LEASE_MINUTES"))


def _gold_lease_take(*, annotator, codes: list[str]) -> ReviewLease | None:
    answered = GoldAnswer.objects.filter(annotator=annotator).values("screening_item_id")
    seen_in_screening = ScreeningAnswer.objects.filter(attempt__user=annotator).values("item_id")
    item = (
        screening_pool(codes)
        .filter(use_as_gold=True)
        .exclude(pk__in=answered)
        .exclude(pk__in=seen_in_screening)
        .order_by("?")
        .first()
    )
    if item is None:
        return None
    return ReviewLease.objects.create(annotator=annotator, screening_item=item, expires_at=_lease_expiry())


def gold_chance(*, since_gold: int, rate: int) -> float:
    """The chance that the next item served is a gold item, after `since_gold` items without one. The gap
    from one gold item to the next is then even from 1 to 2 * rate - 1 served items: one in `rate` on
    average, never more than 2 * rate - 2 items in a row without one, and no fixed beat to count on."""
    left = 2 * rate - 1 - since_gold
    return 1.0 if left <= 1 else 1 / left


# How many items were served to an annotator since their last gold item, counting up to a limit: one walk of
# the index `review_lease_recent`, asked within the serve's first query (no round trip of its own).
_SINCE_GOLD_SQL = """
SELECT coalesce(min(recent.n) FILTER (WHERE recent.screening_item_id IS NOT NULL) - 1, count(*))
FROM (
    SELECT screening_item_id, row_number() OVER (ORDER BY id DESC) AS n
    FROM review_reviewlease WHERE annotator_id = %s ORDER BY id DESC LIMIT %s
) recent
"""


def _queue_gate(*, annotator, gold_limit: int) -> tuple[list[str], int, bool]:
    """The queue's gate (a passed screening test, else NotAllowed), whether the annotator holds an active
    lease now and, when `gold_limit` > 0, how many items were served since their last gold item (up to
    `gold_limit`), in one query."""
    held = ReviewLease.objects.filter(
        annotator=annotator, state=ReviewLease.State.ACTIVE, expires_at__gt=timezone.now()
    )
    rows = AnnotatorQualification.objects.filter(user=annotator).order_by().annotate(holds_lease=Exists(held))
    if gold_limit > 0:
        params = [annotator.pk, gold_limit]
        since = RawSQL(_SINCE_GOLD_SQL, params, output_field=IntegerField())  # noqa: S611 - fixed SQL
        found = list(rows.annotate(since_gold=since).values_list("country_id", "holds_lease", "since_gold"))
    else:
        found = [(code, holds, 0) for code, holds in rows.values_list("country_id", "holds_lease")]
    if not found:
        raise NotAllowed(_("Pass the screening test to review images."), code="not_screened")
    return sorted(row[0] for row in found), found[0][2], found[0][1]


def queue_candidates(*, annotator, mask: int):
    """Items this annotator may rate, the one closest to consensus first (then the oldest)."""
    return (
        ReviewItem.objects.filter(QUEUE_OPEN)
        .alias(mine=F("country_bits").bitand(mask))
        .filter(mine__gt=0, submission__status=ImageSubmission.Status.IN_REVIEW)
        .exclude(contributor_id=annotator.pk)
        .exclude(Exists(Rating.objects.filter(item_id=OuterRef("pk"), annotator_id=annotator.pk)))
        .order_by("-counted_ratings", "created_at")
    )


def queue_serve(*, annotator) -> ReviewLease | None:
    """The item to show an annotator: their current lease, else a new one on the next item (or a hidden
    gold item now and then). None when nothing is left for them.

    PostgreSQL: the profile's gate, the queue's gate, the held lease, the gold draw, the pick and the lease
    are one prepared statement (`_SERVE_SQL`; it takes no lease unless the profile's gate, written in SQL
    as accounts.services.CONTRIBUTOR_GATE_SQL, lets the annotator through, and the gate then refuses in
    Python as ever); elsewhere the same steps one query each (`_queue_serve_steps`)."""
    if connection.vendor != "postgresql":
        return _queue_serve_steps(annotator=annotator)
    rate = conf("REVIEW_GOLD_RATE")
    if _housekeeping_due():
        _lazy_sync()
        lease_expire_sweep()
    # The gold draw is made here, compared in the statement with the chance `gold_chance` gives.
    draw = random.random() if rate else 1.0
    codes, holds_lease, gold_due, lease, gate, now = _serve_statement(
        annotator=annotator, rate=rate, draw=draw
    )
    profile, _passes = contributor_gate_profile_from(user=annotator, values=gate)
    try:
        contributor_gate_check(user=annotator, task_number=TASK_NUMBER, profile=profile, now=now)
    except DomainError:
        if not codes:  # the screening's refusal comes first, as it always did
            raise NotAllowed(_("Pass the screening test to review images."), code="not_screened") from None
        raise
    if not codes:
        raise NotAllowed(_("Pass the screening test to review images."), code="not_screened")
    if lease is not None:
        return lease
    if holds_lease:
        current = lease_current(annotator=annotator)
        if current is not None:
            return current
    if gold_due:
        gold = _gold_lease_take(annotator=annotator, codes=codes)
        if gold is not None:
            return gold
    # Here also when the statement's gate refused and Python's let the annotator through (a profile
    # completed between the two): the pick is then made on its own.
    return _lease_take_or_wait(annotator=annotator, mask=country_mask(codes), swept=False)


# Housekeeping (the sweep of expired leases, the sync of images in review without a queue row) is asked
# about at most every SWEEP_EVERY seconds per process, then once across processes through the cache: most
# serves pay neither a cache round trip nor a sweep. A serve that finds nothing sweeps and syncs at once.
SWEEP_EVERY = 10
_housekeeping_asked_at = [-float(SWEEP_EVERY)]


def _housekeeping_due() -> bool:
    now = time.monotonic()
    if now - _housekeeping_asked_at[0] < SWEEP_EVERY:
        return False
    _housekeeping_asked_at[0] = now
    return cache.add("review:lease-sweep", 1, timeout=SWEEP_EVERY)


def _lease_take_or_wait(*, annotator, mask: int, swept: bool) -> ReviewLease | None:
    give_up_at = time.monotonic() + 1.0
    while True:
        lease = _lease_take(annotator=annotator, mask=mask)
        if lease is not None:
            return lease
        if not swept:
            # Abandoned leases may hold the slots left, and images in review may have no queue row yet:
            # return the slots, queue the images (at most once a second across processes), and look again.
            swept = True
            synced = review_items_sync() if cache.add("review:items-sync-empty", 1, timeout=1) else 0
            if lease_expire_sweep() or synced:
                continue
        # Nothing unlocked: if open items exist they are being served this very moment; look again shortly
        # (for up to a second) so one annotator's lease does not hide the slots left on an item.
        if time.monotonic() > give_up_at or not queue_candidates(annotator=annotator, mask=mask).exists():
            return None
        time.sleep(0.02)


def _queue_serve_steps(*, annotator) -> ReviewLease | None:
    """`queue_serve` one step at a time: the gate, the profile's gate, the current lease, housekeeping,
    the gold draw, the pick (SQLite, for `make run`; and the bench's "previous" implementation)."""
    rate = conf("REVIEW_GOLD_RATE")
    codes, since_gold, holds_lease = _queue_gate(annotator=annotator, gold_limit=2 * rate - 2 if rate else 0)
    contributor_ensure_can_submit(user=annotator, task_number=TASK_NUMBER)
    # Read in full only when the gate saw one (one round trip fewer on the serve after an answer).
    current = lease_current(annotator=annotator) if holds_lease else None
    if current is not None:
        return current
    if cache.add("review:lease-sweep", 1, timeout=SWEEP_EVERY):
        # Housekeeping, one cache round trip on most serves: the once-a-minute sync of images in review
        # without a queue row is only asked about when the ten-second sweep is due.
        _lazy_sync()
        lease_expire_sweep()
    if rate and random.random() < gold_chance(since_gold=since_gold, rate=rate):
        gold = _gold_lease_take(annotator=annotator, codes=codes)
        if gold is not None:
            return gold
    return _lease_take_or_wait(annotator=annotator, mask=country_mask(codes), swept=False)


COUNTRY_BIT_SQL = "CASE q.country_id {} ELSE 0 END".format(
    " ".join(f"WHEN '{code}' THEN {bit}" for code, bit in COUNTRY_BITS.items())
)

# The whole serve in one statement: the annotator's qualifications (as codes and as the country mask),
# whether they hold an active lease, the gold draw against the chance after `since_gold` items without
# one, and (none held, no gold due) the pick, its slot counted and the lease written, as `_LEASE_TAKE_SQL`.
# `ok` is an InitPlan: the pick's walk of the queue index does not even start when it is false.
_SERVE_SQL = """
WITH contributor AS (CONTRIBUTOR_GATE
), gate AS (
    SELECT coalesce(array_agg(q.country_id ORDER BY q.country_id), '{}') AS codes,
           coalesce(bit_or(COUNTRY_BIT), 0)::bigint AS mask,
           EXISTS (SELECT 1 FROM review_reviewlease l WHERE l.annotator_id = %(me)s AND l.state = 'active'
                   AND l.expires_at > %(now)s) AS holds,
           SINCE_GOLD AS since_gold
    FROM review_annotatorqualification q WHERE q.user_id = %(me)s
), decided AS (
    SELECT codes, mask, holds,
           GOLD_DUE AS gold_due,
           coalesce((SELECT gate_passes FROM contributor), false) AS passes
    FROM gate
), picked AS (
    SELECT i.submission_id
    FROM review_reviewitem i
    JOIN contributions_imagesubmission s ON s.id = i.submission_id
    WHERE (SELECT passes AND mask > 0 AND NOT holds AND NOT gold_due FROM decided)
      AND i.state = 'open' AND i.counted_ratings < (i.needed - i.active_leases)
      AND (i.country_bits & (SELECT mask FROM decided)) > 0 AND s.status = 'in_review'
      AND NOT (i.contributor_id = %(me)s)
      AND NOT EXISTS (SELECT 1 FROM review_rating r WHERE r.item_id = i.submission_id AND r.annotator_id = %(me)s)
    ORDER BY i.counted_ratings DESC, i.created_at ASC
    LIMIT 1
    FOR UPDATE OF i SKIP LOCKED
), counted AS (
    UPDATE review_reviewitem SET active_leases = review_reviewitem.active_leases + 1
    FROM picked WHERE review_reviewitem.submission_id = picked.submission_id
    RETURNING review_reviewitem.submission_id
), leased AS (
    INSERT INTO review_reviewlease (key, annotator_id, item_id, screening_item_id, state, created_at, expires_at)
    SELECT %(key)s, %(me)s, counted.submission_id, NULL, 'active', %(now)s, %(expires)s FROM counted
    RETURNING id, item_id
)
SELECT d.codes, d.holds, d.gold_due, leased.id, leased.item_id, CONTRIBUTOR_COLUMNS
FROM decided d LEFT JOIN leased ON true LEFT JOIN contributor ON true
""".replace("COUNTRY_BIT", COUNTRY_BIT_SQL).replace("CONTRIBUTOR_GATE", CONTRIBUTOR_GATE_SQL)
_SERVE_SQL = _SERVE_SQL.replace("CONTRIBUTOR_COLUMNS", CONTRIBUTOR_GATE_COLUMNS)

# How many items were served since the last gold item (up to 2 * rate - 2), as `_SINCE_GOLD_SQL`; and
# `random.random() < gold_chance(since_gold, rate)` written as draw * max(left, 1) < 1.
_SERVE_WITH_GOLD_SQL = _SERVE_SQL.replace(
    "SINCE_GOLD",
    """(
        SELECT coalesce(min(recent.n) FILTER (WHERE recent.screening_item_id IS NOT NULL) - 1, count(*))
        FROM (SELECT screening_item_id, row_number() OVER (ORDER BY id DESC) AS n
              FROM review_reviewlease WHERE annotator_id = %(me)s ORDER BY id DESC LIMIT %(gold_limit)s) recent
    )""",
).replace("GOLD_DUE", "%(draw)s * greatest(2 * %(rate)s - 1 - since_gold, 1) < 1")
_SERVE_WITHOUT_GOLD_SQL = _SERVE_SQL.replace("SINCE_GOLD", "0").replace("GOLD_DUE", "false")


def _serve_statement(
    *, annotator, rate: int, draw: float
) -> tuple[list[str], bool, bool, ReviewLease | None, tuple, datetime]:
    key, now = uuid.uuid4(), timezone.now()
    expires = now + timedelta(minutes=conf("REVIEW_LEASE_MINUTES"))
    params = {"me": annotator.pk, "key": key, "now": now, "expires": expires}
    params.update(gate_user=annotator.pk, gate_task=TASK_NUMBER, gate_now=now)
    if rate:
        sql = _SERVE_WITH_GOLD_SQL
        params.update(rate=rate, draw=draw, gold_limit=2 * rate - 2)
    else:
        sql = _SERVE_WITHOUT_GOLD_SQL
    row = prepared_fetchall(sql, params)[0]
    codes, holds, gold_due, lease_id, item_id = row[:5]
    lease = None
    if lease_id is not None:
        lease = ReviewLease(
            pk=lease_id,
            key=key,
            annotator=annotator,
            item_id=item_id,
            state=ReviewLease.State.ACTIVE,
            created_at=now,
            expires_at=expires,
        )
    return list(codes), holds, gold_due, lease, row[5:], now


# One statement on PostgreSQL: take the next item's row (skipping rows others hold), count the lease on it
# and write the lease. Same conditions and order as `queue_candidates` (and the partial index).
_LEASE_TAKE_SQL = """
WITH picked AS (
    SELECT i.submission_id
    FROM review_reviewitem i
    JOIN contributions_imagesubmission s ON s.id = i.submission_id
    WHERE i.state = 'open' AND i.counted_ratings < (i.needed - i.active_leases)
      AND (i.country_bits & %(mask)s) > 0 AND s.status = 'in_review' AND NOT (i.contributor_id = %(me)s)
      AND NOT EXISTS (SELECT 1 FROM review_rating r WHERE r.item_id = i.submission_id AND r.annotator_id = %(me)s)
    ORDER BY i.counted_ratings DESC, i.created_at ASC
    LIMIT 1
    FOR UPDATE OF i SKIP LOCKED
), counted AS (
    UPDATE review_reviewitem SET active_leases = review_reviewitem.active_leases + 1
    FROM picked WHERE review_reviewitem.submission_id = picked.submission_id
    RETURNING review_reviewitem.submission_id
)
INSERT INTO review_reviewlease (key, annotator_id, item_id, screening_item_id, state, created_at, expires_at)
SELECT %(key)s, %(me)s, counted.submission_id, NULL, 'active', %(now)s, %(expires)s FROM counted
RETURNING id, item_id
"""


def _lease_take(*, annotator, mask: int) -> ReviewLease | None:
    if connection.vendor == "postgresql":
        key, now = uuid.uuid4(), timezone.now()
        expires = now + timedelta(minutes=conf("REVIEW_LEASE_MINUTES"))
        with connection.cursor() as cursor:
            cursor.execute(
                _LEASE_TAKE_SQL,
                {"mask": mask, "me": annotator.pk, "key": key, "now": now, "expires": expires},
            )
            row = cursor.fetchone()
        if row is None:
            return None
        return ReviewLease(
            pk=row[0],
            key=key,
            annotator=annotator,
            item_id=row[1],
            state=ReviewLease.State.ACTIVE,
            created_at=now,
            expires_at=expires,
        )
    with transaction.atomic():
        item = (
            queue_candidates(annotator=annotator, mask=mask)
            .select_for_update(skip_locked=True, of=("self",))
            .first()
        )
        if item is None:
            return None
        item.active_leases += 1
        item.save(update_fields=["active_leases"])
        return ReviewLease.objects.create(annotator=annotator, item=item, expires_at=_lease_expiry())


def leases_release(*, item_id: int, annotator_id: int) -> list:
    """Mark this annotator's active leases on the item answered; returns their expiry times."""
    if connection.vendor == "postgresql":  # one statement
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE review_reviewlease SET state = %s"
                " WHERE item_id = %s AND annotator_id = %s AND state = %s RETURNING expires_at",
                [ReviewLease.State.ANSWERED, item_id, annotator_id, ReviewLease.State.ACTIVE],
            )
            return [row[0] for row in cursor.fetchall()]
    mine = ReviewLease.objects.filter(
        item_id=item_id, annotator_id=annotator_id, state=ReviewLease.State.ACTIVE
    )
    expiries = list(mine.values_list("expires_at", flat=True))
    mine.update(state=ReviewLease.State.ANSWERED)
    return expiries
