"""Beat delivers, every minute, the outbox events whose queued delivery did not happen (campaign.outbox)."""

from django.db import migrations

NAME = "Campaign: deliver decisions left in the outbox"
TASK = "campaign.deliver_waiting_outbox_events"


def create(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    schedule, _created = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.update_or_create(name=NAME, defaults={"task": TASK, "interval": schedule, "enabled": True})


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("campaign", "0003_outbox"),
        ("django_celery_beat", "0018_improve_crontab_helptext"),
    ]

    operations = [migrations.RunPython(create, remove)]
