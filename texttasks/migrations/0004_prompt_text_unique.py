from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("texttasks", "0003_prompt_text_normalised")]

    operations = [
        migrations.AddConstraint(
            model_name="generationprompt",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "withdrawn"), _negated=True),
                fields=("text_normalised",),
                name="generation_prompt_unique_text",
            ),
        ),
        migrations.AddConstraint(
            model_name="textprompt",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "withdrawn"), _negated=True),
                fields=("text_normalised",),
                name="text_prompt_unique_text",
            ),
        ),
    ]
