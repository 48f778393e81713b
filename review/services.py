"""Task 2 writes: screening tests, serving the queue (leases), ratings, gold items, consensus and the
organizers' decisions. Every deciding write locks the `ReviewItem` row it decides on."""

import math
import random
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, IntegerField, Max, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from accounts.roles import ANNOTATOR
from accounts.services import contributor_ensure_can_submit, user_grant_role
from campaign.audit import audit
from campaign.errors import Conflict, DomainError, NotAllowed, NotFound
from campaign.events import ContributionEvent, EventKind, publish
from contributions.models import ImageSubmission
from contributions.reasons import rejection_reason
from contributions.services import image_submission_decide, image_submission_reopen
from review.conf import conf
from review.models import (
    COUNTRY_BITS,
    AnnotatorPause,
    AnnotatorQualification,
    Flag,
    GoldAnswer,
    Rating,
    ReviewDecisionLog,
    ReviewItem,
    ReviewLease,
    ScreeningAnswer,
    ScreeningAttempt,
    ScreeningExtraTry,
    ScreeningItem,
    country_mask,
)

TASK_NUMBER = 2
RATING_SOURCE = "review.rating"

# The queue's filter; written exactly as the partial index `review_queue_order` so the planner uses it.
QUEUE_OPEN = Q(state=ReviewItem.State.OPEN, counted_ratings__lt=F("needed") - F("active_leases"))

# What a contributor reads for each reason: msgids, translated when shown (contributions.reasons).
REASON_MESSAGES = {
    "low_cultural_relevance": gettext_noop(
        "Annotators found the image not clearly related to the stated culture."
    ),
    "caption_mismatch": gettext_noop("Annotators found that the description does not fit the image."),
    "low_quality": gettext_noop(
        "Annotators found the image quality not acceptable (blurry, dark or obstructed)."
    ),
    Flag.NOT_OWN: gettext_noop("An organizer found that the photo is not the contributor's own."),
    Flag.WATERMARK: gettext_noop("An organizer found a watermark or logo on the image."),
    Flag.PERSONAL_DATA: gettext_noop("An organizer found personal data on the image."),
    Flag.UNSAFE: gettext_noop("An organizer found the image unsafe or offensive."),
}


class TooFast(DomainError):
    """An answer sooner than REVIEW_MIN_SECONDS_PER_ITEM after the item was served; the lease stays."""

    code = "too_fast"
    http_status = 429


# --- answers -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answers:
    """What an annotator answers for one served item; `skipped` answers nothing."""

    skipped: bool = False
    relevance: int | None = None
    caption_fit: bool | None = None
    quality_ok: bool | None = None
    flag: str = ""
    flag_note: str = ""

    def validate(self) -> "Answers":
        if self.skipped:
            return Answers(skipped=True)
        if self.relevance not in (1, 2, 3, 4, 5):
            raise DomainError(_("Choose how culturally relevant the image is (1 to 5)."), field="relevance")
        if self.caption_fit is None:
            raise DomainError(_("Say whether the description fits the image."), field="caption_fit")
        if self.quality_ok is None:
            raise DomainError(_("Say whether the image quality is acceptable."), field="quality_ok")
        if self.flag not in Flag.values:
            raise DomainError(_("Choose a problem from the list."), field="flag")
        note = (self.flag_note or "").strip()
        if self.flag and not note:
            raise DomainError(_("Say in a few words what the problem is."), field="flag_note")
        if len(note) > 500:
            raise DomainError(_("Keep the note under 500 characters."), field="flag_note")
        return Answers(
            False, int(self.relevance), bool(self.caption_fit), bool(self.quality_ok), self.flag, note
        )


# --- qualifications -------------------------------------------------------------------------------------


def annotator_country_codes(*, user) -> list[str]:
    return sorted(
        AnnotatorQualification.objects.filter(user=user).order_by().values_list("country_id", flat=True)
    )


def annotator_ensure_qualified(*, user) -> list[str]:
    """The gate of the queue (page and API): a passed screening test for at least one country."""
    codes = annotator_country_codes(user=user) if getattr(user, "is_authenticated", False) else []
    if not codes:
        raise NotAllowed(_("Pass the screening test to review images."), code="not_screened")
    return codes


def annotator_gate(*, user) -> tuple[list[str], bool]:
    """(qualified countries, paused) in one query; NotAllowed without a passed screening test."""
    paused = AnnotatorPause.objects.filter(user=user, reinstated_at__isnull=True)
    rows = list(
        AnnotatorQualification.objects.filter(user=user)
        .order_by()
        .annotate(paused=Exists(paused))
        .values_list("country_id", "paused")
    )
    if not rows:
        raise NotAllowed(_("Pass the screening test to review images."), code="not_screened")
    return sorted(code for code, _paused in rows), rows[0][1]


def annotator_is_paused(*, user) -> bool:
    return AnnotatorPause.objects.filter(user=user, reinstated_at__isnull=True).exists()


# --- screening ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScreeningAllowance:
    can_start: bool
    message: str
    next_allowed_at: object = None
    attempts_used: int = 0
    attempts_allowed: int = 0


def screening_allowance(*, user, now=None) -> ScreeningAllowance:
    now = now or timezone.now()
    submitted = list(
        ScreeningAttempt.objects.filter(user=user, submitted_at__isnull=False).values_list(
            "submitted_at", "passed"
        )
    )
    grants = list(ScreeningExtraTry.objects.filter(user=user).values_list("created_at", flat=True))
    allowed = conf("REVIEW_SCREENING_MAX_ATTEMPTS") + len(grants)
    used = len(submitted)
    if used >= allowed:
        return ScreeningAllowance(
            False,
            _("You have used all %(n)s attempts. An organizer can grant you another try.") % {"n": allowed},
            attempts_used=used,
            attempts_allowed=allowed,
        )
    failed = [at for at, passed in submitted if passed is False]
    if failed:
        last_failed = max(failed)
        next_at = last_failed + timedelta(hours=conf("REVIEW_SCREENING_COOLDOWN_HOURS"))
        granted_since = any(g > last_failed for g in grants)
        if now < next_at and not granted_since:
            when = timezone.localtime(next_at).strftime("%Y-%m-%d %H:%M %Z")
            return ScreeningAllowance(
                False,
                _("You can take the test again after %(when)s.") % {"when": when},
                next_allowed_at=next_at,
                attempts_used=used,
                attempts_allowed=allowed,
            )
    return ScreeningAllowance(True, "", attempts_used=used, attempts_allowed=allowed)


def _screening_pool(country_codes) -> "models.QuerySet":  # noqa: F821
    through = ScreeningItem.countries.through
    return ScreeningItem.objects.filter(
        is_active=True,
        pk__in=through.objects.filter(country_id__in=list(country_codes)).values("screeningitem_id"),
    )


def _screening_draw(*, user, codes: list[str], size: int) -> list[int]:
    """A test's items: those the user was never shown first (so a retake cannot be passed from what an
    earlier result page taught), then, when the pool runs out, those they saw longest ago; in random order."""
    pool = list(_screening_pool(codes).values_list("pk", flat=True))
    last_seen = dict(
        ScreeningAnswer.objects.filter(attempt__user=user, item_id__in=pool)
        .order_by()
        .values("item_id")
        .annotate(last=Max("attempt__started_at"))
        .values_list("item_id", "last")
    )
    never = datetime.min.replace(tzinfo=UTC)
    random.shuffle(pool)
    pool.sort(key=lambda pk: last_seen.get(pk, never))  # stable: random among equals
    drawn = pool[:size]
    random.shuffle(drawn)
    return drawn


@transaction.atomic
def screening_attempt_start(*, user, country_codes: list[str]) -> ScreeningAttempt:
    """Draw a test for the countries applied for; an unfinished test is returned as it is."""
    contributor_ensure_can_submit(user=user, task_number=TASK_NUMBER)
    codes = sorted({c for c in country_codes if c in COUNTRY_BITS})
    if not codes:
        raise DomainError(_("Choose at least one country whose culture you know."), field="countries")
    # Serialise one user's starts: the open-attempt constraint settles a double click.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    open_attempt = ScreeningAttempt.objects.filter(user=user, submitted_at__isnull=True).first()
    if open_attempt is not None:
        return open_attempt
    allowance = screening_allowance(user=user)
    if not allowance.can_start:
        raise NotAllowed(allowance.message, code="screening_not_allowed")
    size = conf("REVIEW_SCREENING_ITEMS")
    item_ids = _screening_draw(user=user, codes=codes, size=size)
    if len(item_ids) < size:
        raise DomainError(
            _("There are not enough screening items for these countries yet. Please try again later."),
            field="countries",
            code="pool_too_small",
        )
    attempt = ScreeningAttempt.objects.create(user=user, country_codes=codes)
    ScreeningAnswer.objects.bulk_create(
        ScreeningAnswer(attempt=attempt, item_id=item_id, position=i) for i, item_id in enumerate(item_ids)
    )
    return attempt


@transaction.atomic
def screening_attempt_submit(*, user, attempt_id: int, answers: dict[int, Answers]) -> ScreeningAttempt:
    """Grade a test once. Passing makes the user an annotator for the countries applied for."""
    attempt = ScreeningAttempt.objects.select_for_update().filter(pk=attempt_id, user=user).first()
    if attempt is None:
        raise NotFound(_("No such screening test."))
    if attempt.submitted_at is not None:
        raise Conflict(_("This test was already submitted."))
    rows = list(attempt.answers.select_related("item"))
    for row in rows:
        given = answers.get(row.item_id)
        try:
            if given is None or given.skipped:
                raise DomainError()
            given = given.validate()
        except DomainError:
            raise DomainError(
                _("Please answer all three questions for image %(n)s.") % {"n": row.position + 1},
                field=f"item-{row.item_id}",
            ) from None
        row.relevance, row.caption_fit, row.quality_ok = given.relevance, given.caption_fit, given.quality_ok
        row.correct = row.item.is_correct(
            relevance=given.relevance, caption_fit=given.caption_fit, quality_ok=given.quality_ok
        )
    ScreeningAnswer.objects.bulk_update(rows, ["relevance", "caption_fit", "quality_ok", "correct"])
    attempt.score = sum(1 for r in rows if r.correct) / len(rows)
    attempt.passed = attempt.score >= conf("REVIEW_SCREENING_PASS_MARK") - 1e-9
    attempt.submitted_at = timezone.now()
    attempt.save(update_fields=["score", "passed", "submitted_at"])
    if attempt.passed:
        user_grant_role(user=user, role=ANNOTATOR)
        AnnotatorQualification.objects.bulk_create(
            [
                AnnotatorQualification(user=user, country_id=code, attempt=attempt)
                for code in attempt.country_codes
            ],
            ignore_conflicts=True,
        )
    return attempt


@transaction.atomic
def screening_grant_try(*, organizer, user_id: int, reason: str) -> ScreeningExtraTry:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why this contributor gets another try."), field="reason")
    grant = ScreeningExtraTry.objects.create(user_id=user_id, granted_by=organizer, reason=reason)
    _decision_log_create(
        action=ReviewDecisionLog.Action.GRANT_TRY, actor=organizer, subject_user_id=user_id, reason=reason
    )
    return grant


# --- the queue ------------------------------------------------------------------------------------------


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


def lease_current(*, annotator, now=None) -> ReviewLease | None:
    now = now or timezone.now()
    return (
        ReviewLease.objects.filter(annotator=annotator, state=ReviewLease.State.ACTIVE, expires_at__gt=now)
        .select_related("item__submission", "screening_item")
        .order_by("-created_at")
        .first()
    )


def _lease_expiry():
    return timezone.now() + timedelta(minutes=conf("REVIEW_LEASE_MINUTES"))


def _gold_lease_take(*, annotator, codes: list[str]) -> ReviewLease | None:
    answered = GoldAnswer.objects.filter(annotator=annotator).values("screening_item_id")
    seen_in_screening = ScreeningAnswer.objects.filter(attempt__user=annotator).values("item_id")
    item = (
        _screening_pool(codes)
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


def _queue_gate(*, annotator, gold_limit: int) -> tuple[list[str], int]:
    """The queue's gate (a passed screening test, else NotAllowed) and, when `gold_limit` > 0, how many items
    were served since the annotator's last gold item (up to `gold_limit`), in one query."""
    rows = AnnotatorQualification.objects.filter(user=annotator).order_by()
    if gold_limit > 0:
        params = [annotator.pk, gold_limit]
        since = RawSQL(_SINCE_GOLD_SQL, params, output_field=IntegerField())  # noqa: S611 - fixed SQL
        found = list(rows.annotate(since_gold=since).values_list("country_id", "since_gold"))
    else:
        found = [(code, 0) for code in rows.values_list("country_id", flat=True)]
    if not found:
        raise NotAllowed(_("Pass the screening test to review images."), code="not_screened")
    return sorted(code for code, _since in found), found[0][1]


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
    codes, since_gold = _queue_gate(annotator=annotator, gold_limit=2 * rate - 2 if rate else 0)
    contributor_ensure_can_submit(user=annotator, task_number=TASK_NUMBER)
    current = lease_current(annotator=annotator)
    if current is not None:
        return current
    _lazy_sync()
    if cache.add("review:lease-sweep", 1, timeout=10):
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


def queue_skip_current(*, annotator) -> None:
    lease = lease_current(annotator=annotator)
    if lease is not None:
        lease_answer(annotator=annotator, key=lease.key, answers=Answers(skipped=True))


# --- ratings, gold answers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerResult:
    counted: bool
    decided: bool = False
    message: str = ""


def lease_answer(*, annotator, key, answers: Answers) -> AnswerResult:
    """Record the answer to a served item: a rating of an image in review or a hidden gold answer."""
    contributor_ensure_can_submit(user=annotator, task_number=TASK_NUMBER)
    codes, paused = annotator_gate(user=annotator)
    answers = answers.validate()
    lease = (
        ReviewLease.objects.filter(key=key, annotator=annotator)
        .only("pk", "item_id", "screening_item_id", "created_at")
        .first()
    )
    if lease is None:
        raise NotFound(_("This item is no longer yours to rate. Please take the next one."))
    if not answers.skipped:
        _ensure_paced(served_at=lease.created_at)
    if lease.is_gold:
        return gold_answer_record(annotator=annotator, lease_id=lease.pk, answers=answers)
    return rating_record(
        annotator=annotator, item_id=lease.item_id, answers=answers, country_codes=codes, paused=paused
    )


def _ensure_paced(*, served_at) -> None:
    """Refuse an answer that comes sooner than REVIEW_MIN_SECONDS_PER_ITEM after the item was served (an
    image in review and a gold item alike); nothing is written, so the same lease can answer again."""
    minimum = conf("REVIEW_MIN_SECONDS_PER_ITEM")
    if minimum and timezone.now() - served_at < timedelta(seconds=minimum):
        n = math.ceil(minimum)
        error = TooFast(
            ngettext(
                "Please look at the image a little longer (at least %(n)d second) before you answer. "
                "It stays reserved for you: submit again in a moment.",
                "Please look at the image a little longer (at least %(n)d seconds) before you answer. "
                "It stays reserved for you: submit again in a moment.",
                n,
            )
            % {"n": n}
        )
        remaining = timedelta(seconds=minimum) - (timezone.now() - served_at)
        error.retry_after = max(1, math.ceil(remaining.total_seconds()))  # the API's Retry-After
        raise error


def rating_event(
    rating_id: int, annotator_id: int, occurred_at, country_codes: str, kind: str
) -> ContributionEvent:
    return ContributionEvent(
        kind=kind,
        task_number=TASK_NUMBER,
        contributor_id=annotator_id,
        source=RATING_SOURCE,
        source_id=rating_id,
        occurred_at=occurred_at,
        country_codes=tuple(c for c in country_codes.split(",") if c),
    )


@transaction.atomic
def rating_record(
    *,
    annotator,
    item_id: int,
    answers: Answers,
    country_codes: list[str] | None = None,
    paused: bool | None = None,
) -> AnswerResult:
    """Record one rating (or skip) under the item's row lock; the rating that completes the needed
    count decides the item, exactly once."""
    answers = answers.validate()
    item = ReviewItem.objects.select_for_update().filter(pk=item_id).first()
    if item is None:
        raise NotFound(_("No such image in review."))
    if item.contributor_id == annotator.pk:
        raise NotAllowed(_("You cannot rate your own image."))
    if country_codes is None:
        country_codes = annotator_country_codes(user=annotator)
    if not item.country_bits & country_mask(country_codes):
        raise NotAllowed(_("This image is not from a country you are qualified for."))
    if not answers.skipped and item.state != ReviewItem.State.OPEN:
        raise Conflict(_("This image has already been decided; thank you, it needs no more ratings."))
    now = timezone.now()
    released = _leases_release(item_id=item.pk, annotator_id=annotator.pk)
    item.active_leases -= len(released)
    if paused is None:
        paused = annotator_is_paused(user=annotator)
    holds_slot = any(expires_at > now for expires_at in released)
    counts = not answers.skipped and not paused
    if counts and not holds_slot and item.counted_ratings + item.active_leases >= item.needed:
        raise Conflict(
            _("Time ran out on this image and it has enough ratings now. Please take the next one.")
        )
    try:
        # No savepoint: the item's row lock serialises this annotator's answers on it, so the only
        # conflict left is a second rating, and then the whole answer is refused.
        rating = Rating.objects.create(
            item=item,
            annotator=annotator,
            skipped=answers.skipped,
            relevance=answers.relevance,
            caption_fit=answers.caption_fit,
            quality_ok=answers.quality_ok,
            flag=answers.flag,
            flag_note=answers.flag_note,
            counted=counts,
            uncounted_reason="paused" if paused and not answers.skipped else "",
        )
    except IntegrityError:
        raise Conflict(_("You already rated this image; a rating cannot be changed.")) from None
    if counts:
        item.counted_ratings += 1
        publish(
            rating_event(rating.pk, annotator.pk, rating.created_at, item.country_codes, EventKind.COUNTED)
        )
    counters = ["counted_ratings", "active_leases"]
    if counts and item.counted_ratings >= item.needed:
        # The counters are saved with the consensus' own update of the row.
        return AnswerResult(counted=counts, decided=consensus_apply(item=item, also_save=counters))
    item.save(update_fields=counters)
    return AnswerResult(counted=counts)


def _leases_release(*, item_id: int, annotator_id: int) -> list:
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


@transaction.atomic
def gold_answer_record(*, annotator, lease_id: int, answers: Answers) -> AnswerResult:
    lease = (
        ReviewLease.objects.select_for_update(of=("self",)).select_related("screening_item").get(pk=lease_id)
    )
    if lease.state == ReviewLease.State.ANSWERED:
        raise Conflict(_("You already rated this image; a rating cannot be changed."))
    item = lease.screening_item
    correct = None
    if not answers.skipped:
        correct = item.is_correct(
            relevance=answers.relevance, caption_fit=answers.caption_fit, quality_ok=answers.quality_ok
        )
    try:
        with transaction.atomic():
            GoldAnswer.objects.create(
                annotator=annotator,
                screening_item=item,
                skipped=answers.skipped,
                relevance=answers.relevance,
                caption_fit=answers.caption_fit,
                quality_ok=answers.quality_ok,
                correct=correct,
            )
    except IntegrityError:
        raise Conflict(_("You already rated this image; a rating cannot be changed.")) from None
    lease.state = ReviewLease.State.ANSWERED
    lease.save(update_fields=["state"])
    if correct is not None:
        gold_check_accuracy(annotator=annotator)
    return AnswerResult(counted=not answers.skipped and not annotator_is_paused(user=annotator))


def gold_accuracy(*, user) -> tuple[float | None, int]:
    """Accuracy over the last REVIEW_GOLD_WINDOW gold answers since the last reinstatement."""
    answers = GoldAnswer.objects.filter(annotator=user, skipped=False)
    last_reinstated = (
        AnnotatorPause.objects.filter(user=user, reinstated_at__isnull=False)
        .order_by("-reinstated_at")
        .values_list("reinstated_at", flat=True)
        .first()
    )
    if last_reinstated:
        answers = answers.filter(created_at__gt=last_reinstated)
    window = list(
        answers.order_by("-created_at").values_list("correct", flat=True)[: conf("REVIEW_GOLD_WINDOW")]
    )
    if not window:
        return None, 0
    return sum(1 for c in window if c) / len(window), len(window)


def gold_check_accuracy(*, annotator) -> bool:
    """Pause an annotator whose gold accuracy fell under the bar. True when paused now."""
    accuracy, n = gold_accuracy(user=annotator)
    if n < conf("REVIEW_GOLD_MIN_ANSWERS") or accuracy >= conf("REVIEW_GOLD_MIN_ACCURACY"):
        return False
    if annotator_is_paused(user=annotator):
        return False
    annotator_pause(
        user=annotator,
        actor=None,
        accuracy=accuracy,
        reason=_("Gold accuracy %(accuracy)d%% over the last %(n)d gold items.")
        % {"accuracy": round(accuracy * 100), "n": n},
    )
    return True


@transaction.atomic
def annotator_pause(*, user, actor, reason: str, accuracy: float | None = None) -> AnnotatorPause | None:
    """Stop counting an annotator's ratings: those on open items leave consensus, all leave points."""
    try:
        with transaction.atomic():
            pause = AnnotatorPause.objects.create(user=user, reason=reason, gold_accuracy=accuracy)
    except IntegrityError:
        return None  # already paused
    counted = Rating.objects.filter(annotator=user, counted=True)
    open_item_ids = sorted(
        counted.filter(item__state=ReviewItem.State.OPEN).values_list("item_id", flat=True)
    )
    uncounted_ids = []
    for item_id in open_item_ids:
        item = ReviewItem.objects.select_for_update().get(pk=item_id)
        if item.state != ReviewItem.State.OPEN:
            continue
        rating = Rating.objects.filter(item=item, annotator=user, counted=True).first()
        if rating is None:
            continue
        rating.counted = False
        rating.uncounted_reason = "paused"
        rating.save(update_fields=["counted", "uncounted_reason"])
        uncounted_ids.append(rating.pk)
        item.counted_ratings -= 1
        item.save(update_fields=["counted_ratings"])
    # Every rating of theirs leaves the points ledger while they are paused.
    for rating_id, created_at, codes in Rating.objects.filter(
        Q(counted=True) | Q(pk__in=uncounted_ids), annotator=user
    ).values_list("pk", "created_at", "item__country_codes"):
        publish(rating_event(rating_id, user.pk, created_at, codes, EventKind.REVERSED))
    _decision_log_create(
        action=ReviewDecisionLog.Action.PAUSE,
        actor=actor,
        subject_user=user,
        reason=reason,
        data={"gold_accuracy": accuracy},
    )
    return pause


@transaction.atomic
def annotator_reinstate(*, organizer, user_id: int, reason: str) -> AnnotatorPause:
    """An organizer lets a paused annotator's ratings count again (where the images still need them)."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why this annotator is reinstated."), field="reason")
    pause = (
        AnnotatorPause.objects.select_for_update().filter(user_id=user_id, reinstated_at__isnull=True).first()
    )
    if pause is None:
        raise NotFound(_("This annotator is not paused."))
    pause.reinstated_at = timezone.now()
    pause.reinstated_by = organizer
    pause.reinstate_reason = reason
    pause.save(update_fields=["reinstated_at", "reinstated_by", "reinstate_reason"])
    for rating_id, created_at, codes in Rating.objects.filter(annotator_id=user_id, counted=True).values_list(
        "pk", "created_at", "item__country_codes"
    ):
        publish(rating_event(rating_id, user_id, created_at, codes, EventKind.COUNTED))
    waiting = sorted(
        Rating.objects.filter(
            annotator_id=user_id, counted=False, uncounted_reason="paused", item__state=ReviewItem.State.OPEN
        ).values_list("item_id", flat=True)
    )
    for item_id in waiting:
        item = ReviewItem.objects.select_for_update().get(pk=item_id)
        if item.state != ReviewItem.State.OPEN or item.counted_ratings + item.active_leases >= item.needed:
            continue
        rating = Rating.objects.get(item=item, annotator_id=user_id)
        rating.counted = True
        rating.uncounted_reason = ""
        rating.save(update_fields=["counted", "uncounted_reason"])
        item.counted_ratings += 1
        item.save(update_fields=["counted_ratings"])
        publish(rating_event(rating.pk, user_id, rating.created_at, item.country_codes, EventKind.COUNTED))
        if item.counted_ratings >= item.needed:
            consensus_apply(item=item)
    _decision_log_create(
        action=ReviewDecisionLog.Action.REINSTATE, actor=organizer, subject_user_id=user_id, reason=reason
    )
    return pause


# --- consensus ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    kind: str  # "accept", "reject", "more" (one more rating), "adjudicate"
    reasons: tuple = ()
    adjudication_reason: str = ""


def consensus_evaluate(ratings: list[tuple[int, bool, bool, str]], *, max_ratings: int) -> Verdict:
    """The consensus rule over counted ratings (relevance, caption_fit, quality_ok, flag).

    Accepted: mean relevance >= REVIEW_MIN_MEAN_RELEVANCE, most say it fits, most say the quality is fine,
    and no blocking flag (a flagged image that would be accepted goes to an organizer). A split the rule
    cannot settle (mean in [REVIEW_SPLIT_MEAN_FROM, REVIEW_MIN_MEAN_RELEVANCE) or a yes/no tie) gets one
    more rating, up to `max_ratings`, then goes to an organizer.
    """
    n = len(ratings)
    mean = sum(r[0] for r in ratings) / n
    fits = sum(1 for r in ratings if r[1])
    quality = sum(1 for r in ratings if r[2])
    flagged = any(r[3] for r in ratings)
    bar, split_from = conf("REVIEW_MIN_MEAN_RELEVANCE"), conf("REVIEW_SPLIT_MEAN_FROM")
    split = split_from <= mean < bar or fits * 2 == n or quality * 2 == n
    if split:
        return Verdict("more") if n < max_ratings else Verdict("adjudicate", adjudication_reason="split")
    reasons = []
    if mean < bar:
        reasons.append("low_cultural_relevance")
    if fits * 2 < n:
        reasons.append("caption_mismatch")
    if quality * 2 < n:
        reasons.append("low_quality")
    if reasons:
        return Verdict("reject", tuple(reasons))
    if flagged:
        return Verdict("adjudicate", adjudication_reason="flag")
    return Verdict("accept")


def _reasons(codes) -> list[dict]:
    return [rejection_reason(code, REASON_MESSAGES[code]) for code in codes]


def _decide(item: ReviewItem, *, accepted: bool, reasons: list[dict], also_save=()) -> bool:
    try:
        image_submission_decide(submission_id=item.pk, accepted=accepted, reasons=reasons)
    except DomainError:
        item.state = ReviewItem.State.CLOSED  # the image left review meanwhile (withdrawn)
        item.save(update_fields=["state", *also_save])
        return False
    item.state = ReviewItem.State.DECIDED
    item.outcome = ReviewItem.Outcome.ACCEPTED if accepted else ReviewItem.Outcome.REJECTED
    item.decided_at = timezone.now()
    item.save(update_fields=["state", "outcome", "decided_at", *also_save])
    return True


def consensus_apply(*, item: ReviewItem, also_save=()) -> bool:
    """Apply the rule to an item whose counted ratings reached the needed number. The caller holds the
    item's row lock (and may name fields it changed, saved in the same update). True when decided now."""
    ratings = list(
        Rating.objects.filter(item=item, counted=True).values_list(
            "relevance", "caption_fit", "quality_ok", "flag"
        )
    )
    verdict = consensus_evaluate(ratings, max_ratings=max(conf("REVIEW_RATINGS_MAX"), item.needed))
    if verdict.kind == "more":
        item.needed = len(ratings) + 1
        item.save(update_fields=["needed", *also_save])
        return False
    if verdict.kind == "adjudicate":
        item.state = ReviewItem.State.ADJUDICATION
        item.adjudication_reason = verdict.adjudication_reason
        item.save(update_fields=["state", "adjudication_reason", *also_save])
        return False
    return _decide(
        item, accepted=verdict.kind == "accept", reasons=_reasons(verdict.reasons), also_save=also_save
    )


def _decision_log_create(**fields) -> ReviewDecisionLog:
    """Keep an organizer's decision in review's own log and in the campaign's audit log."""
    entry = ReviewDecisionLog.objects.create(**fields)
    audit(
        actor=entry.actor,
        action=f"review.{entry.action}",
        target=entry.item,
        details={"reason": entry.reason, "subject_user_id": entry.subject_user_id, **(entry.data or {})},
    )
    return entry


@transaction.atomic
def adjudication_decide(
    *, organizer, item_id: int, accepted: bool, reason: str, upheld_flag: str = ""
) -> ReviewItem:
    """An organizer settles an item the rule could not (a split or a flag)."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why you decide so; the contributor sees it when rejected."), field="reason")
    if upheld_flag and (upheld_flag not in Flag.values or accepted):
        raise DomainError(_("Only a rejection can uphold a flag."), field="upheld_flag")
    item = ReviewItem.objects.select_for_update().filter(pk=item_id).first()
    if item is None:
        raise NotFound(_("No such image in review."))
    if item.state != ReviewItem.State.ADJUDICATION:
        raise Conflict(_("This image is not waiting for an organizer's decision."))
    if accepted:
        reasons = []
    elif upheld_flag:
        reasons = [rejection_reason(upheld_flag, REASON_MESSAGES[upheld_flag], note=reason)]
    else:
        reasons = [rejection_reason("organizer_decision", "", note=reason)]  # the organizer's own words
    if not _decide(item, accepted=accepted, reasons=reasons):
        raise Conflict(_("This image has left review (withdrawn)."))
    _decision_log_create(
        action=ReviewDecisionLog.Action.ADJUDICATE_ACCEPT
        if accepted
        else ReviewDecisionLog.Action.ADJUDICATE_REJECT,
        actor=organizer,
        item=item,
        subject_user_id=item.contributor_id,
        reason=reason,
        data={"upheld_flag": upheld_flag, "adjudication_reason": item.adjudication_reason},
    )
    return item


@transaction.atomic
def item_reopen(*, organizer, item_id: int, reason: str) -> ReviewItem:
    """An organizer sends a decided image back to the queue for more ratings. Earlier ratings stay."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why this image is reopened."), field="reason")
    item = ReviewItem.objects.select_for_update().filter(pk=item_id).first()
    if item is None:
        raise NotFound(_("No such image in review."))
    if item.state not in (ReviewItem.State.DECIDED, ReviewItem.State.ADJUDICATION):
        raise Conflict(_("Only a decided image, or one waiting for an organizer, can be reopened."))
    submission, was = image_submission_reopen(submission_id=item.pk, reason=reason)
    previous = item.state
    item.state = ReviewItem.State.OPEN
    item.outcome = ""
    item.decided_at = None
    item.adjudication_reason = ""
    item.needed = item.counted_ratings + conf("REVIEW_REOPEN_EXTRA_RATINGS")
    item.save(update_fields=["state", "outcome", "decided_at", "adjudication_reason", "needed"])
    _decision_log_create(
        action=ReviewDecisionLog.Action.REOPEN,
        actor=organizer,
        item=item,
        subject_user_id=item.contributor_id,
        reason=reason,
        data={"previous_state": previous, "previous_status": was},
    )
    return item
