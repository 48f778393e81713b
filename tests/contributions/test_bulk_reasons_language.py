"""A bulk row's refusal is kept untranslated and read in the reader's language, not the import's."""

import csv
import io

import pytest
from bulk_fixtures import HEADER, csv_from, photo, row, zip_of
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.html import escape

from campaign.messages import Message
from contributions.models import BulkImport, BulkImportRow
from contributions.reasons import BULK_ROW_MESSAGES, REASON_MESSAGES, bulk_row_message, reason_text
from localization.checks import named_placeholders

UNKNOWN_COUNTRY = BULK_ROW_MESSAGES["unknown_country"][0]
FILE_MISSING = BULK_ROW_MESSAGES["file_missing"]
DESCRIBE_IN = "Describe the photo in %(language)s too (or choose English (eng) as your language)."
DUPLICATE = "This exact image was already submitted."
UNKNOWN_COLUMNS = "These columns are not part of the bulk format and were ignored: %(columns)s."
PORTAL_LANGUAGES = [code for code, _name in settings.LANGUAGES]


def words(reader: str, msgid: str, **params) -> str:
    """The catalog's own words for a message (never the English: the test would prove nothing)."""
    with translation.override(reader):
        text = translation.gettext(msgid)
        shown = {
            name: translation.gettext(value) if name == "language" else value
            for name, value in params.items()
        }
    assert text != msgid, f"the {reader} catalog translates {msgid!r}"
    return text % shown if shown else text


@pytest.fixture
def imported_in_english(client, api_token, django_capture_on_commit_callbacks):
    """An import run with English active (as a worker runs it), with refusals of every origin."""
    user, secret = api_token
    archive = zip_of({"good.jpg": photo(1), "same.jpg": photo(1), "lao.jpg": photo(2), "notes.txt": b"x"})
    rows = [
        row("good.jpg"),
        row("atlantis.jpg", text_culture_loc="Atlantis"),  # the CSV
        row("gone.jpg"),  # the ZIP
        row("same.jpg"),  # the image service: a duplicate of good.jpg
        row("lao.jpg", text_cap_native="", text_submitter_native_lang="Lao (lao)"),  # its fields
    ]
    data = {
        "archive": SimpleUploadedFile("photos.zip", archive, content_type="application/zip"),
        "csv": SimpleUploadedFile(
            "bulk.csv", csv_from(rows, header=HEADER + ",mood"), content_type="text/csv"
        ),
        "license_confirmed": "true",
    }
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/images/bulk", data, HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.status_code == 202
    bulk_import = BulkImport.objects.get(pk=response.json()["id"])
    assert bulk_import.status == BulkImport.Status.DONE
    return user, secret, bulk_import


def expected_reasons(language: str) -> dict[str, str]:
    return {
        "atlantis.jpg": words(language, UNKNOWN_COUNTRY, names="Atlantis"),
        "gone.jpg": words(language, FILE_MISSING, name="gone.jpg"),
        "same.jpg": words(language, DUPLICATE),
        "lao.jpg": words(language, DESCRIBE_IN, language="Lao"),  # the language named in the reader's words
    }


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["id", "th"])
def test_refusals_written_in_english_read_in_the_readers_language(client, imported_in_english, language):
    user, secret, bulk_import = imported_in_english
    refused = dict(
        bulk_import.rows.filter(status=BulkImportRow.Status.REFUSED).values_list("file_name", "reason_code")
    )
    assert refused == {
        "atlantis.jpg": "unknown_country",
        "gone.jpg": "file_missing",
        "same.jpg": "duplicate",
        "lao.jpg": "invalid",
    }
    expected = expected_reasons(language)

    api = client.get(
        f"/api/v1/images/bulk/{bulk_import.pk}",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
        HTTP_ACCEPT_LANGUAGE=language,
    ).json()
    assert {r["image"]: r["reason"] for r in api["rows"] if r["result"] == "refused"} == expected

    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(f"/images/bulk/{bulk_import.pk}/").content.decode()
    for text in expected.values():
        assert escape(text) in page, text
    assert "%(" not in page
    # The import's warnings and the files it set aside, too.
    unknown_column = words(language, UNKNOWN_COLUMNS, columns="mood")
    not_an_image = words(language, "not an image: ignored")
    assert escape(unknown_column) in page and escape(not_an_image) in page
    assert (api["warnings"], api["ignored_files"]) == (
        [unknown_column],
        [{"name": "notes.txt", "reason": not_an_image}],
    )
    report = client.get(f"/images/bulk/{bulk_import.pk}/report.csv").content.decode("utf-8-sig")
    reasons = {r["image"]: r["reason"] for r in csv.DictReader(io.StringIO(report))}
    assert {image: reasons[image] for image in expected} == expected

    del client.cookies[settings.LANGUAGE_COOKIE_NAME]
    english = client.get(
        f"/api/v1/images/bulk/{bulk_import.pk}",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
        HTTP_ACCEPT_LANGUAGE="en",
    ).json()
    by_image = {r["image"]: r["reason"] for r in english["rows"]}
    assert by_image["lao.jpg"] == DESCRIBE_IN % {"language": "Lao"}
    assert by_image["gone.jpg"] == "The archive has no file named “gone.jpg”."


@pytest.mark.django_db
def test_a_row_refused_before_keeps_its_text_as_written(client, imported_in_english):
    user, secret, bulk_import = imported_in_english
    legacy = "Tidak ada berkas bernama “gone.jpg” di arsip."  # written in the language the import ran in
    bulk_import.rows.filter(file_name="gone.jpg").update(reasons=[], legacy_reason=legacy)

    for language in ("en", "th"):
        api = client.get(
            f"/api/v1/images/bulk/{bulk_import.pk}",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
            HTTP_ACCEPT_LANGUAGE=language,
        ).json()
        assert {r["image"]: r["reason"] for r in api["rows"]}["gone.jpg"] == legacy
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "th"
    assert legacy in client.get(f"/images/bulk/{bulk_import.pk}/").content.decode()


@pytest.mark.django_db
def test_a_refused_row_needs_a_reason_kept_or_written(imported_in_english):
    _user, _secret, bulk_import = imported_in_english
    refused = bulk_import.rows.filter(file_name="gone.jpg")
    with pytest.raises(IntegrityError), transaction.atomic():
        refused.update(reasons=[], legacy_reason="")
    assert refused.update(reasons=[], legacy_reason="Written before.") == 1


def _params_for(msgid: str) -> dict:
    return {name: "x" for name in named_placeholders(msgid)}


@pytest.mark.parametrize("language", PORTAL_LANGUAGES)
def test_every_reason_renders_in_every_language_with_its_placeholders(language):
    registry = {**BULK_ROW_MESSAGES, **REASON_MESSAGES}
    for code, msgid in registry.items():
        forms = msgid if isinstance(msgid, tuple) else (msgid,)
        for n in (1, 2) if isinstance(msgid, tuple) else (None,):
            params = _params_for(forms[0]) | ({"n": n} if n is not None else {})
            message = Message.of(msgid, **params)
            with translation.override(language):
                if n is None:
                    translated = translation.gettext(forms[0])
                else:
                    translated = translation.ngettext(forms[0], forms[1], n)
                shown = reason_text(message.stored(code))
            original = forms[0] if n in (None, 1) else forms[1]
            # The catalog's words are used (not the English fallback a lost placeholder falls back to).
            assert named_placeholders(translated) <= named_placeholders(original), (language, code)
            if n is None:
                assert named_placeholders(translated) == named_placeholders(original), (language, code)
            assert shown == translated % params, (language, code)
            assert "%(" not in shown, (language, code)


def test_numbers_and_names_are_shown_as_the_reader_writes_them():
    long_text = Message.of("Keep the description under %(n)s characters.", n=2000)
    with translation.override("id"):
        assert "2.000" in str(long_text)
    with translation.override("en"):
        assert "2,000" in str(long_text)
    lao = bulk_row_message("file_missing", name="Lao")  # a file's name is never translated
    with translation.override("th"):
        assert "Lao" in str(lao)
