"""Notices listen to points: a published leaderboard snapshot brings the weekly summary and the
reward-threshold notices. Points never import notifications."""

from django.db.models.signals import post_save


def connect() -> None:
    from points.models import LeaderboardSnapshot

    post_save.connect(_snapshot_published, sender=LeaderboardSnapshot, dispatch_uid="notices-after-snapshot")


def _snapshot_published(sender, instance, created: bool, **kwargs) -> None:
    if not created:
        return
    from campaign.tasks import enqueue_on_commit
    from notifications.tasks import send_reward_threshold_notices, send_weekly_summaries

    # Never raises: with the broker down the daily beat entries catch up.
    enqueue_on_commit(send_weekly_summaries, instance.pk)
    enqueue_on_commit(send_reward_threshold_notices)
