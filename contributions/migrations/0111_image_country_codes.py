"""An image's countries as one text column (`ImageSubmission.country_codes`: the codes in byte order,
joined by ","), kept by the database: statement triggers on the countries' table rewrite the column of
every image whose countries a statement inserted, deleted or changed (a TRUNCATE empties them all), and
a row trigger on the images puts back what the countries' table says whenever an INSERT or UPDATE
writes anything else to it (a save() of an instance read before its countries changed).
The weekly recomputation reads it instead of aggregating the countries of every accepted image.

PostgreSQL only (on SQLite the column stays empty: only the PostgreSQL recomputation reads it). The
existing rows are filled here, after the triggers exist, in the same transaction."""

from django.db import migrations, models

TRIGGERS_SQL = """
CREATE OR REPLACE FUNCTION contributions_image_country_codes_of(image_id bigint) RETURNS text AS $$
    SELECT COALESCE(string_agg(country_id, ',' ORDER BY country_id COLLATE "C"), '')
    FROM contributions_imagesubmission_countries WHERE imagesubmission_id = image_id
$$ LANGUAGE sql STABLE;
-- The image's own row: whatever an UPDATE writes to the column (a save() of an instance read before its
-- countries changed), the column says what the countries' table says.
CREATE OR REPLACE FUNCTION contributions_image_country_codes_row() RETURNS trigger AS $$
BEGIN
    NEW.country_codes := contributions_image_country_codes_of(NEW.id);
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER contributions_image_country_codes_row_insert
    BEFORE INSERT ON contributions_imagesubmission FOR EACH ROW WHEN (NEW.country_codes <> '')
    EXECUTE FUNCTION contributions_image_country_codes_row();
CREATE TRIGGER contributions_image_country_codes_row_update
    BEFORE UPDATE ON contributions_imagesubmission
    FOR EACH ROW WHEN (NEW.country_codes IS DISTINCT FROM OLD.country_codes)
    EXECUTE FUNCTION contributions_image_country_codes_row();
-- The countries' table: every image whose countries a statement inserted, deleted or changed.
CREATE OR REPLACE FUNCTION contributions_image_country_codes() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE contributions_imagesubmission SET country_codes = '' WHERE country_codes <> '';
    ELSIF TG_OP = 'INSERT' THEN
        UPDATE contributions_imagesubmission s SET country_codes = contributions_image_country_codes_of(s.id)
        WHERE s.id IN (SELECT imagesubmission_id FROM changed_new);
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE contributions_imagesubmission s SET country_codes = contributions_image_country_codes_of(s.id)
        WHERE s.id IN (SELECT imagesubmission_id FROM changed_old);
    ELSE
        UPDATE contributions_imagesubmission s SET country_codes = contributions_image_country_codes_of(s.id)
        WHERE s.id IN (SELECT imagesubmission_id FROM changed_old
                       UNION SELECT imagesubmission_id FROM changed_new);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER contributions_image_country_codes_insert
    AFTER INSERT ON contributions_imagesubmission_countries REFERENCING NEW TABLE AS changed_new
    FOR EACH STATEMENT EXECUTE FUNCTION contributions_image_country_codes();
CREATE TRIGGER contributions_image_country_codes_delete
    AFTER DELETE ON contributions_imagesubmission_countries REFERENCING OLD TABLE AS changed_old
    FOR EACH STATEMENT EXECUTE FUNCTION contributions_image_country_codes();
CREATE TRIGGER contributions_image_country_codes_update
    AFTER UPDATE ON contributions_imagesubmission_countries
    REFERENCING OLD TABLE AS changed_old NEW TABLE AS changed_new
    FOR EACH STATEMENT EXECUTE FUNCTION contributions_image_country_codes();
CREATE TRIGGER contributions_image_country_codes_truncate
    AFTER TRUNCATE ON contributions_imagesubmission_countries
    FOR EACH STATEMENT EXECUTE FUNCTION contributions_image_country_codes();
UPDATE contributions_imagesubmission s SET country_codes = contributions_image_country_codes_of(s.id)
WHERE EXISTS (SELECT 1 FROM contributions_imagesubmission_countries m WHERE m.imagesubmission_id = s.id);
"""
DROP_TRIGGERS_SQL = """
DROP TRIGGER IF EXISTS contributions_image_country_codes_insert ON contributions_imagesubmission_countries;
DROP TRIGGER IF EXISTS contributions_image_country_codes_delete ON contributions_imagesubmission_countries;
DROP TRIGGER IF EXISTS contributions_image_country_codes_update ON contributions_imagesubmission_countries;
DROP TRIGGER IF EXISTS contributions_image_country_codes_truncate ON contributions_imagesubmission_countries;
DROP TRIGGER IF EXISTS contributions_image_country_codes_row_insert ON contributions_imagesubmission;
DROP TRIGGER IF EXISTS contributions_image_country_codes_row_update ON contributions_imagesubmission;
DROP FUNCTION IF EXISTS contributions_image_country_codes();
DROP FUNCTION IF EXISTS contributions_image_country_codes_row();
DROP FUNCTION IF EXISTS contributions_image_country_codes_of(bigint);
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGERS_SQL)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGERS_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("contributions", "0110_phash_four_bands"),
    ]

    operations = [
        migrations.AddField(
            model_name="imagesubmission",
            name="country_codes",
            field=models.TextField(blank=True, db_default="", default="", editable=False),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
