"""A bulk row's refusal kept untranslated (msgid and parameters, as an image's rejection reasons), to be
read in the reader's language. The text of rows refused before stays, as written, in `legacy_reason`."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contributions", "0108_resumable_upload_sweep"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="bulkimportrow", name="bulk_row_refused_has_reason"),
        migrations.RenameField(model_name="bulkimportrow", old_name="reason", new_name="legacy_reason"),
        migrations.AlterField(
            model_name="bulkimportrow",
            name="legacy_reason",
            field=models.TextField(blank=True, verbose_name="reason as written"),
        ),
        migrations.AddField(
            model_name="bulkimportrow",
            name="reasons",
            field=models.JSONField(blank=True, default=list, verbose_name="reasons"),
        ),
        migrations.AddConstraint(
            model_name="bulkimportrow",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "refused"), _negated=True),
                    models.Q(("reasons", []), _negated=True),
                    models.Q(("legacy_reason", ""), _negated=True),
                    _connector="OR",
                ),
                name="bulk_row_refused_has_reason",
            ),
        ),
    ]
