"""Task 5 and 6 prompts get the normalised form of their text (as Task 4's questions have), backfilled.

Rows accepted before duplicates were refused may already repeat a text: the earliest one (not withdrawn)
keeps the plain normalised form, later ones get `#<id>` appended (never a normalised text: it has no
punctuation), so the constraint of the next migration holds and moderators still see them all.
"""

from django.db import migrations, models

from texttasks.checks import normalise_text


def backfill(apps, schema_editor):
    for model_name in ("GenerationPrompt", "TextPrompt"):
        model = apps.get_model("texttasks", model_name)
        seen: set[str] = set()
        for row in model.objects.order_by("created_at", "pk").only("pk", "text", "status").iterator():
            normalised = normalise_text(row.text)
            if row.status != "withdrawn":
                if normalised in seen:
                    normalised = f"{normalised} #{row.pk}"
                seen.add(normalised)
            model.objects.filter(pk=row.pk).update(text_normalised=normalised)


class Migration(migrations.Migration):
    dependencies = [("texttasks", "0002_moderation_policies")]

    operations = [
        migrations.AddField(
            model_name="generationprompt",
            name="text_normalised",
            field=models.TextField(default="", editable=False),
        ),
        migrations.AddField(
            model_name="textprompt",
            name="text_normalised",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
