"""The perceptual hash in four bands of 18, 16, 15 and 15 bits (it was three of 22, 21 and 21): a
near-duplicate lookup probes 221 index keys instead of 718 (contributions/hashing.py says why).

A fourth band column and its index; every stored hash's bands are cut again in the database (the same
expressions as `contributions.hashing.band_sql`, written out here so that this migration keeps its meaning).
The fourth index is built after the back-fill. Reversible: the reverse cuts the three old bands again."""

from django.db import migrations, models

FOUR_BANDS = (
    "UPDATE contributions_imagesubmission SET phash_band0 = ((phash >> 0) & 262143),"
    " phash_band1 = ((phash >> 18) & 65535), phash_band2 = ((phash >> 34) & 32767),"
    " phash_band3 = ((phash >> 49) & 32767) WHERE phash IS NOT NULL"
)
THREE_BANDS = (
    "UPDATE contributions_imagesubmission SET phash_band0 = ((phash >> 0) & 4194303),"
    " phash_band1 = ((phash >> 22) & 2097151), phash_band2 = ((phash >> 43) & 2097151)"
    " WHERE phash IS NOT NULL"
)


class Migration(migrations.Migration):
    dependencies = [
        ("contributions", "0109_bulk_row_reasons_untranslated"),
    ]

    operations = [
        migrations.AddField(
            model_name="imagesubmission",
            name="phash_band3",
            field=models.IntegerField(blank=True, editable=False, null=True),
        ),
        migrations.RunSQL(FOUR_BANDS, reverse_sql=THREE_BANDS),
        migrations.AddIndex(
            model_name="imagesubmission",
            index=models.Index(
                condition=models.Q(("phash__isnull", False)),
                fields=["phash_band3", "phash", "id"],
                name="image_phash_band3",
            ),
        ),
    ]
