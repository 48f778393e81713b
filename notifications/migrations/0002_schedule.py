"""Beat entries for the notices (Asia/Jakarta, the campaign's time), editable in the admin."""

import json
from zoneinfo import ZoneInfo

from django.db import migrations

# name: (task, crontab minute, hour, day_of_week, description)
SCHEDULES = {
    "Notices: daily digest of decisions": (
        "notifications.send_daily_digests",
        "0",
        "7",
        "*",
        "Emails each contributor one digest of yesterday's decisions on their submissions.",
    ),
    "Notices: reward thresholds": (
        "notifications.send_reward_threshold_notices",
        "15",
        "*",
        "*",
        "Tells contributors who reached 200 or 300 confirmed points (once per threshold).",
    ),
    "Notices: weekly summary catch-up": (
        "notifications.send_weekly_summaries",
        "30",
        "8",
        "*",
        "Sends the week's summary for the latest leaderboard if the recomputation's own trigger was lost.",
    ),
    "Notices: emails left pending": (
        "notifications.send_pending_notice_emails",
        "*/5",
        "*",
        "*",
        "Sends notice emails whose message was lost or whose sending failed (bounded attempts).",
    ),
}


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, (task, minute, hour, day_of_week, description) in SCHEDULES.items():
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_week=day_of_week,
            day_of_month="*",
            month_of_year="*",
            timezone=ZoneInfo("Asia/Jakarta"),
        )
        PeriodicTask.objects.get_or_create(
            name=name,
            defaults={
                "task": task,
                "crontab": crontab,
                "enabled": True,
                "args": json.dumps([]),
                "kwargs": json.dumps({}),
                "description": description,
            },
        )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=list(SCHEDULES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
