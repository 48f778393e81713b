"""The spec's points table from the campaign start, the settings row, the append-only guard on the
ledger (PostgreSQL) and the weekly recomputation in django-celery-beat (Saturday 00:00 Asia/Jakarta)."""

import datetime
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import migrations

CAMPAIGN_START = datetime.datetime(2025, 3, 1, tzinfo=ZoneInfo("Asia/Jakarta"))
# Task: points for groups 1 (ID, SG, PH), 2 (TH, MY, VN), 3 (BN, TL, KH, LA, MM).
SPEC_TABLE = {
    1: ("0.5", "1", "3"),
    2: ("1", "1", "1"),
    3: ("1", "1", "1.5"),
    4: ("1.5", "1.5", "2"),
    5: ("1", "1", "1.5"),
    6: ("1", "1", "1"),  # not in the spec yet: editable in the admin
}
TASK_NAME = "points.tasks.recompute_points_weekly"
SCHEDULE_NAME = "Weekly points recomputation"

APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION points_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger entries are append-only: write a correction instead';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER points_ledger_append_only
    BEFORE UPDATE OR DELETE ON points_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION points_ledger_append_only();
"""
DROP_APPEND_ONLY_SQL = """
DROP TRIGGER IF EXISTS points_ledger_append_only ON points_ledgerentry;
DROP FUNCTION IF EXISTS points_ledger_append_only();
"""


def seed(apps, schema_editor):
    PointRule = apps.get_model("points", "PointRule")
    PointRuleChange = apps.get_model("points", "PointRuleChange")
    PointsSettings = apps.get_model("points", "PointsSettings")
    for task_number, points in SPEC_TABLE.items():
        for group, value in enumerate(points, start=1):
            rule, created = PointRule.objects.get_or_create(
                task_number=task_number,
                points_group=group,
                effective_from=CAMPAIGN_START,
                defaults={"points": Decimal(value)},
            )
            if created:
                PointRuleChange.objects.create(
                    rule=rule,
                    task_number=task_number,
                    points_group=group,
                    new_points=rule.points,
                    effective_from=CAMPAIGN_START,
                )
    PointsSettings.objects.get_or_create(singleton=1)


def append_only_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY_SQL)


def drop_append_only_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_APPEND_ONLY_SQL)


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="0",
        day_of_week="6",
        day_of_month="*",
        month_of_year="*",
        timezone=ZoneInfo("Asia/Jakarta"),
    )
    PeriodicTask.objects.get_or_create(
        name=SCHEDULE_NAME,
        defaults={
            "task": TASK_NAME,
            "crontab": crontab,
            "enabled": True,
            "args": json.dumps([]),
            "kwargs": json.dumps({}),
            "description": "Recomputes every contributor's points, writes corrections and publishes the leaderboard.",
        },
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("points", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(append_only_guard, drop_append_only_guard),
        migrations.RunPython(schedule, unschedule),
    ]
