"""The sweep of image checks left pending runs every minute (it was every 5): a check the broker never
took, or a worker lost, runs again within a minute or two (its threshold: IMAGE_PENDING_REQUEUE_SECONDS)."""

from django.db import migrations

NAME = "Task 1: re-queue image checks left pending"


def every(minutes):
    def apply(apps, schema_editor):
        IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
        PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
        schedule, _created = IntervalSchedule.objects.get_or_create(every=minutes, period="minutes")
        PeriodicTask.objects.filter(name=NAME).update(interval=schedule)

    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("contributions", "0105_alter_imagesubmission_options"),
        ("contributions", "0003_periodic_sweeps"),
    ]

    operations = [migrations.RunPython(every(1), every(5))]
