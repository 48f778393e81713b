"""Beat runs the resumable uploads' sweep daily (03:30 Asia/Jakarta, a quiet hour): uploads not completed
within RESUMABLE_UPLOAD_MAX_AGE_HOURS are aborted, their parts and incomplete multipart uploads removed."""

import json
from zoneinfo import ZoneInfo

from django.db import migrations

NAME = "Task 1: abort resumable uploads not completed in time"


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _created = CrontabSchedule.objects.get_or_create(
        minute="30",
        hour="3",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone=ZoneInfo("Asia/Jakarta"),
    )
    PeriodicTask.objects.update_or_create(
        name=NAME,
        defaults={
            "task": "contributions.sweep_resumable_uploads",
            "crontab": crontab,
            "interval": None,
            "enabled": True,
            "args": json.dumps([]),
            "kwargs": json.dumps({}),
            "description": "Deletes the parts and rows of resumable uploads older than "
            "RESUMABLE_UPLOAD_MAX_AGE_HOURS, parts without a row, and aborts incomplete S3 multipart uploads.",
        },
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contributions", "0107_resumable_upload"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
