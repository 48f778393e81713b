"""Beat stores the status the tasks' scheduled times put in force, every minute, so the admin's Status
never says "Open" beside "Closed" in force (write paths read the status in force either way)."""

from django.db import migrations

NAME = "Tasks: apply the scheduled opening and closing times"


def create(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    schedule, _created = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.update_or_create(
        name=NAME, defaults={"task": "campaign.apply_task_schedule", "interval": schedule, "enabled": True}
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("campaign", "0004_outbox_sweep_schedule"),
        ("django_celery_beat", "0018_improve_crontab_helptext"),
    ]

    operations = [migrations.RunPython(create, remove)]
