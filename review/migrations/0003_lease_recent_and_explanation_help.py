"""The annotator's latest leases first (how many items since their last gold item), built without locking
the lease table's writes; the explanation's help text says the result page shows it instead of the answers."""

from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class AddIndexConcurrentlyOnPostgreSQL(AddIndexConcurrently):
    """CONCURRENTLY where there is such a thing (PostgreSQL); a plain index elsewhere (SQLite, `make run`)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("review", "0002_queue_maintenance_schedule"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="screeningitem",
            name="explanation",
            field=models.TextField(
                help_text="Shown after the test to those who got it wrong, without the expected answers (the item "
                "may also be a hidden gold item in the queue): say what to look at.",
                verbose_name="explanation",
            ),
        ),
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="reviewlease",
            index=models.Index(fields=["annotator", "-id"], include=("screening_item",), name="review_lease_recent"),
        ),
    ]
