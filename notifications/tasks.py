"""Celery tasks of the notices: take ids or a day, call one service, safe to run again."""

from datetime import date, timedelta

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from notifications import services
from notifications.models import Notice


@shared_task(
    name="notifications.send_notice_email",
    acks_late=True,
    autoretry_for=(OSError, ConnectionError, OperationalError),
    retry_backoff=True,
    max_retries=services.MAX_EMAIL_ATTEMPTS,
    ignore_result=True,
)
def send_notice_email(notice_id: int) -> str:
    return services.notice_email_send(notice_id=notice_id)


@shared_task(name="notifications.send_daily_digests", acks_late=True, ignore_result=True, time_limit=1800)
def send_daily_digests(day: str | None = None) -> int:
    """Yesterday's decisions (campaign time) unless a day (YYYY-MM-DD) is given."""
    target = date.fromisoformat(day) if day else timezone.localdate() - timedelta(days=1)
    return services.daily_digests_create(day=target)


@shared_task(name="notifications.send_reward_threshold_notices", acks_late=True, ignore_result=True)
def send_reward_threshold_notices() -> int:
    return services.reward_threshold_notices_create()


@shared_task(name="notifications.send_weekly_summaries", acks_late=True, ignore_result=True, time_limit=3600)
def send_weekly_summaries(snapshot_id: int | None = None) -> int:
    """For the given snapshot, or (the daily catch-up) the latest one of the past week."""
    if snapshot_id is None:
        from points.selectors import latest_snapshot

        snapshot = latest_snapshot()
        if snapshot is None or snapshot.as_of < timezone.now() - timedelta(days=7):
            return 0
        snapshot_id = snapshot.pk
    return services.weekly_summaries_create(snapshot_id=snapshot_id)


@shared_task(name="notifications.send_pending_notice_emails", ignore_result=True)
def send_pending_notice_emails(limit: int = 500) -> int:
    """The sweep: emails whose message was lost (broker down) or whose send failed are tried again."""
    pending = Notice.objects.filter(
        email_state=Notice.EmailState.PENDING, created_at__lt=timezone.now() - timedelta(minutes=2)
    ).values_list("pk", flat=True)[:limit]
    sent = 0
    for notice_id in pending:
        try:
            if services.notice_email_send(notice_id=notice_id) == Notice.EmailState.SENT:
                sent += 1
        except Exception:  # noqa: S112 - counted as an attempt; the next sweep tries again
            continue
    return sent
