"""Joins the bulk import's migrations with the image checks' (made on separate branches)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("contributions", "0003_periodic_sweeps"),
        ("contributions", "0101_bulk_import_sweep"),
    ]

    operations = []
