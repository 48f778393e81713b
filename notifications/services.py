"""Writes for notices: make each notice once per kind and period, email it once, honour preferences.

"Once" is the database's: `Notice` has a unique (user, kind, period), so two workers making the same
day's digests make one row, and the sender locks the row (skip_locked) and marks it sent, so two
workers sending make one email.
"""

import logging
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.errors import DomainError
from campaign.tasks import enqueue_on_commit
from notifications import selectors
from notifications.models import Notice, NoticeKind, NoticePreference
from points.models import THRESHOLDS, LeaderboardSnapshot

logger = logging.getLogger(__name__)
UNSUBSCRIBE_SALT = "notifications.unsubscribe"
MAX_EMAIL_ATTEMPTS = 5


class UnsubscribeLinkInvalid(DomainError):
    code = "unsubscribe_invalid"
    http_status = 400


def _plain(value) -> str:
    """Points as people write them: 200, 0.5, 12.25 (never 2E+2 or 200.00)."""
    return format(Decimal(value).normalize(), "f")


def notice_create(*, user_id: int, kind: str, period: str, data: dict) -> Notice | None:
    """The notice, or None when this kind for this period was already made (the constraint decides)."""
    try:
        with transaction.atomic():
            notice = Notice.objects.create(user_id=user_id, kind=kind, period=period, data=data)
    except IntegrityError:
        return None
    _email_on_commit(notice.pk)
    return notice


def _email_on_commit(notice_id: int) -> None:
    from notifications.tasks import send_notice_email

    # Never raises: with the broker down the email stays pending for the five-minute sweep.
    enqueue_on_commit(send_notice_email, notice_id)


def daily_digests_create(*, day: date) -> int:
    """One digest per contributor who had a decision on ``day`` (campaign time); returns how many new."""
    made = 0
    for contributor_id, items in selectors.decisions_by_contributor(day=day).items():
        accepted = sum(1 for item in items if item["status"] == "accepted")
        data = {
            "day": day.isoformat(),
            "accepted": accepted,
            "rejected": len(items) - accepted,
            "items": items[: selectors.DIGEST_MAX_ITEMS],
            "more": max(0, len(items) - selectors.DIGEST_MAX_ITEMS),
        }
        if notice_create(user_id=contributor_id, kind=NoticeKind.DAILY_DIGEST, period=day.isoformat(), data=data):
            made += 1
    return made


def reward_threshold_notices_create() -> int:
    """A notice for each reward threshold (200, 300) a contributor's confirmed points have reached."""
    made = 0
    lowest = min(THRESHOLDS)
    already = set(
        Notice.objects.filter(kind=NoticeKind.REWARD_THRESHOLD).values_list("user_id", "period")
    )
    for contributor_id, total in selectors.confirmed_totals_at_least(lowest):
        for threshold in selectors.thresholds_reached(total):
            period = f"{threshold:.0f}"
            if (contributor_id, period) in already:
                continue
            data = {"threshold": period, "points": _plain(total)}
            if notice_create(
                user_id=contributor_id, kind=NoticeKind.REWARD_THRESHOLD, period=period, data=data
            ):
                made += 1
    return made


def weekly_summaries_create(*, snapshot_id: int) -> int:
    """After a recomputation: each ranked contributor's points, rank and distance to the next reward."""
    snapshot = LeaderboardSnapshot.objects.filter(pk=snapshot_id).first()
    if snapshot is None:
        return 0
    period = selectors.snapshot_week(snapshot)
    already = set(
        Notice.objects.filter(kind=NoticeKind.WEEKLY_SUMMARY, period=period).values_list("user_id", flat=True)
    )
    made = 0
    for row in selectors.snapshot_rows(snapshot):
        if row.contributor_id in already:
            continue
        following = selectors.next_threshold(row.total)
        data = {
            "week": period,
            "as_of": snapshot.as_of.isoformat(),
            "rank": row.rank,
            "points": _plain(row.total),
            "week_points": _plain(row.week_points),
            "next_threshold": f"{following:.0f}" if following is not None else "",
            "to_next": _plain(following - row.total) if following is not None else "",
        }
        if notice_create(user_id=row.contributor_id, kind=NoticeKind.WEEKLY_SUMMARY, period=period, data=data):
            made += 1
    return made


def notice_email_send(*, notice_id: int) -> str:
    """Email one notice, at most once; returns its email state. Raises on a transport error (retried)."""
    from notifications.emails import notice_email

    with transaction.atomic():
        notice = (
            Notice.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("user")
            .filter(pk=notice_id, email_state=Notice.EmailState.PENDING)
            .first()
        )
        if notice is None:  # sent, skipped, or another worker holds it right now
            return "done"
        preference = selectors.notice_preference_of(user=notice.user)
        if not preference.wants(notice.kind) or not notice.user.email or not notice.user.is_active:
            notice.email_state = Notice.EmailState.SKIPPED
            notice.save(update_fields=["email_state"])
            return notice.email_state
        notice.email_attempts += 1
        try:
            notice_email(notice).send()
        except Exception:
            if notice.email_attempts >= MAX_EMAIL_ATTEMPTS:
                notice.email_state = Notice.EmailState.FAILED
                notice.save(update_fields=["email_state", "email_attempts"])
                logger.exception("notice %s: giving up after %s attempts", notice.pk, notice.email_attempts)
                return notice.email_state
            # Keep the attempt count, then let the task retry.
            Notice.objects.filter(pk=notice.pk).update(email_attempts=notice.email_attempts)
            raise
        notice.email_state = Notice.EmailState.SENT
        notice.emailed_at = timezone.now()
        notice.save(update_fields=["email_state", "emailed_at", "email_attempts"])
        return notice.email_state


def notices_mark_read(*, user, notice_ids: list[int]) -> int:
    return Notice.objects.filter(user=user, pk__in=notice_ids, read_at__isnull=True).update(read_at=timezone.now())


def notice_preference_update(*, user, daily_digest: bool, reward_threshold: bool, weekly_summary: bool):
    preference, _created = NoticePreference.objects.update_or_create(
        user=user,
        defaults={
            "daily_digest": daily_digest,
            "reward_threshold": reward_threshold,
            "weekly_summary": weekly_summary,
        },
    )
    return preference


def unsubscribe_token(*, user_id: int, kind: str) -> str:
    """A link token that needs no session: signed, not expiring (mail is read months later)."""
    return signing.dumps({"u": user_id, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_token_read(token: str) -> tuple[int, str]:
    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        user_id, kind = int(payload["u"]), str(payload["k"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise UnsubscribeLinkInvalid(
            # Translators: shown when an unsubscribe link from an email was cut or changed.
            _(
                "This unsubscribe link is not valid. Open it again from the email, or sign in and "
                "change your notice settings."
            )
        ) from error
    if kind not in NoticeKind.values:
        raise UnsubscribeLinkInvalid(_("This unsubscribe link is not valid."))
    return user_id, kind


def notice_unsubscribe(*, token: str) -> tuple[object, str]:
    """Turn one kind of email off for the link's owner (RFC 8058 one-click); the same link twice is fine."""
    user_id, kind = unsubscribe_token_read(token)
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        raise UnsubscribeLinkInvalid(_("This unsubscribe link is not valid."))
    preference = selectors.notice_preference_of(user=user)
    setattr(preference, kind, False)
    preference.save()
    return user, kind

