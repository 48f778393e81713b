"""Seed the campaign's reference data and the role groups (from campaign/reference.py)."""

from django.db import migrations


def seed(apps, schema_editor):
    from campaign.reference import COUNTRIES, LANGUAGES, TASKS

    Country = apps.get_model("campaign", "Country")
    Language = apps.get_model("campaign", "Language")
    Task = apps.get_model("campaign", "Task")
    Group = apps.get_model("auth", "Group")
    Site = apps.get_model("sites", "Site")

    for code, name, group in COUNTRIES:
        Country.objects.update_or_create(code=code, defaults={"name": name, "points_group": group})
    for code, name, country in LANGUAGES:
        Language.objects.update_or_create(code=code, defaults={"name": name, "points_country_id": country})
    for number, slug, name, status, language_codes, description in TASKS:
        task, created = Task.objects.get_or_create(
            number=number, defaults={"slug": slug, "name": name, "status": status, "description": description}
        )
        if created and language_codes:
            task.languages.set(Language.objects.filter(code__in=language_codes))
    for role in ("contributor", "annotator", "organizer"):
        Group.objects.get_or_create(name=role)
    Site.objects.update_or_create(pk=1, defaults={"domain": "127.0.0.1:8000", "name": "SEA-VL portal"})


class Migration(migrations.Migration):
    dependencies = [
        ("campaign", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("sites", "0002_alter_domain_unique"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
