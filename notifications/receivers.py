"""Notices listen to points: a published leaderboard snapshot brings the weekly summary and the
reward-threshold notices. Points never import notifications."""

import logging

from django.db import transaction
from django.db.models.signals import post_save

logger = logging.getLogger(__name__)


def connect() -> None:
    from points.models import LeaderboardSnapshot

    post_save.connect(_snapshot_published, sender=LeaderboardSnapshot, dispatch_uid="notices-after-snapshot")


def _snapshot_published(sender, instance, created: bool, **kwargs) -> None:
    if not created:
        return
    snapshot_id = instance.pk

    def enqueue() -> None:
        from notifications.tasks import send_reward_threshold_notices, send_weekly_summaries

        try:
            send_weekly_summaries.delay(snapshot_id)
            send_reward_threshold_notices.delay()
        except Exception:  # the broker is down: the daily beat entries catch up
            logger.warning("snapshot %s: could not enqueue the weekly notices", snapshot_id)

    transaction.on_commit(enqueue)
