"""Beat runs the two Task 1 sweeps: re-queue checks left pending, delete stored files without a row."""

from django.db import migrations

SWEEPS = [
    # name, task, every (minutes)
    ("Task 1: re-queue image checks left pending", "contributions.requeue_pending_image_checks", 1),
    ("Task 1: delete stored image files without a submission", "contributions.sweep_orphan_image_files", 60),
]


def create(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minutes in SWEEPS:
        schedule, _created = IntervalSchedule.objects.get_or_create(every=minutes, period="minutes")
        PeriodicTask.objects.update_or_create(
            name=name, defaults={"task": task, "interval": schedule, "enabled": True}
        )


def remove(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, _task, _minutes in SWEEPS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contributions", "0002_image_checks_and_hash_bands"),
        ("django_celery_beat", "0018_improve_crontab_helptext"),
    ]

    operations = [migrations.RunPython(create, remove)]
