import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# The three foreign keys' own indexes are dropped, nothing else: Django's AlterField would also drop and
# add the foreign keys again (a full check of the tables under their lock). Same SQL on SQLite.
_INDEXES = [
    ("review_rating_item_id_04e71e18", "review_rating", "item_id"),
    ("review_rating_annotator_id_e7211799", "review_rating", "annotator_id"),
    ("review_reviewlease_annotator_id_f66df97d", "review_reviewlease", "annotator_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("review", "0004_alter_rating_options"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="rating",
                    name="annotator",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="ratings",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="rating",
                    name="item",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="ratings",
                        to="review.reviewitem",
                    ),
                ),
                migrations.AlterField(
                    model_name="reviewlease",
                    name="annotator",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="review_leases",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"', f'CREATE INDEX "{name}" ON "{table}" ("{column}")'
                )
                for name, table, column in _INDEXES
            ],
        ),
    ]
