"""The review queue of Task 2: queue rows for images in review (open, sync, close), serving the next item
as a lease (now and then a hidden gold item), returning the slots of abandoned leases, and ending an
annotator's leases when they answer. Every write on an item takes its row lock first, then its leases'."""

import random
import time
import uuid
from datetime import timedelta

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Exists, F, IntegerField, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import contributor_ensure_can_submit
from campaign.errors import NotAllowed
from contributions.models import ImageSubmission
from review.conf import conf
from review.models import (
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
    rows = list(
        ImageSubmission.objects.filter(
            pk__in=submission_ids, status=ImageSubmission.Status.IN_REVIEW
        ).values_list("pk", "contributor_id", "created_at")
    )
    countries: dict[int, list[str]] = {}
    through = ImageSubmission.countries.through
    for submission_id, code in through.objects.filter(
        imagesubmission_id__in=[r[0] for r in rows]
    ).values_list("imagesubmission_id", "country_id"):
        countries.setdefault(submission_id, []).append(code)
    items = [
        ReviewItem(
            submission_id=pk,
            contributor_id=contributor_id,
            country_bits=country_mask(countries.get(pk, ())),
            country_codes=",".join(sorted(countries.get(pk, ()))),
            needed=conf("REVIEW_RATINGS_NEEDED"),
            created_at=created_at,
        )
        for pk, contributor_id, created_at in rows
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
    gold item now and then). None when nothing is left for them."""
    rate = conf("REVIEW_GOLD_RATE")
    codes, since_gold, holds_lease = _queue_gate(annotator=annotator, gold_limit=2 * rate - 2 if rate else 0)
    contributor_ensure_can_submit(user=annotator, task_number=TASK_NUMBER)
    # Read in full only when the gate saw one (one round trip fewer on the serve after an answer).
    current = lease_current(annotator=annotator) if holds_lease else None
    if current is not None:
        return current
    if cache.add("review:lease-sweep", 1, timeout=10):
        # Housekeeping, one cache round trip on most serves: the once-a-minute sync of images in review
        # without a queue row is only asked about when the ten-second sweep is due.
        _lazy_sync()
        lease_expire_sweep()
    swept = False
    if rate and random.random() < gold_chance(since_gold=since_gold, rate=rate):
        gold = _gold_lease_take(annotator=annotator, codes=codes)
        if gold is not None:
            return gold
    mask = country_mask(codes)
    give_up_at = time.monotonic() + 1.0
    while True:
        lease = _lease_take(annotator=annotator, mask=mask)
        if lease is not None:
            return lease
        if not swept:
            # Abandoned leases may hold the slots left: return them and look again.
            swept = True
            if lease_expire_sweep():
                continue
        # Nothing unlocked: if open items exist they are being served this very moment; look again shortly
        # (for up to a second) so one annotator's lease does not hide the slots left on an item.
        if time.monotonic() > give_up_at or not queue_candidates(annotator=annotator, mask=mask).exists():
            return None
        time.sleep(0.02)


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
