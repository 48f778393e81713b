from django.db import migrations

# Task number -> (who decides, agreeing validators needed): peers for Task 3 (1) and Task 4 (2).
DEFAULT_POLICIES = {3: ("peers", 1), 4: ("peers", 2), 5: ("organizers", 1), 6: ("organizers", 1)}


def create_policies(apps, schema_editor):
    Task = apps.get_model("campaign", "Task")
    ModerationPolicy = apps.get_model("texttasks", "ModerationPolicy")
    for number, (mode, needed) in DEFAULT_POLICIES.items():
        if Task.objects.filter(number=number).exists():
            ModerationPolicy.objects.get_or_create(
                task_id=number, defaults={"mode": mode, "validators_needed": needed}
            )


class Migration(migrations.Migration):
    dependencies = [
        ("texttasks", "0001_initial"),
        ("campaign", "0002_reference_data"),
    ]

    operations = [migrations.RunPython(create_policies, migrations.RunPython.noop)]
