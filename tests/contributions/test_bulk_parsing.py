"""Reading bulk uploads: the campaign's real CSV shape, and hostile archives refused before any read."""

import io
import zipfile

import pytest
from bulk_fixtures import HEADER, SAMPLE_FILES, csv_from, photo, row, sample_csv, zip_of

from campaign.spreadsheets import neutralise_cell
from contributions.bulk import archive as zip_archive
from contributions.bulk import parser as bulk
from contributions.bulk.archive import NotAZip
from contributions.bulk.parser import BulkInputError, BulkTooLarge

pytestmark = pytest.mark.django_db  # parsing reads no table, but gettext and settings want Django


def test_sample_file_of_the_campaign_parses_as_is():
    parsed = bulk.parse_csv(sample_csv())

    assert [r.file_name for r in parsed.rows] == SAMPLE_FILES
    first, second, third, fourth = parsed.rows
    assert first.countries == ["ID"] and first.native_language == "Indonesian (ind)" and first.group == ""
    assert (
        second.countries == ["ID", "MY"]
        and second.description == "Lemang (glutinous rice cooked in bamboo), cut open"
    )
    assert second.location == "Padang, Indonesia"
    assert second.group == third.group == "3f2b8c1e-5d47-4c1a-9a3e-7b1f0d2c6e91-Sample_Contributor-1"
    assert fourth.countries == ["LA"] and fourth.native_language == "Lao (lao)"
    assert fourth.native_description == "ພະສົງເດີນຜ່ານປະຕູວັດໃນຕອນເຊົ້າ"
    # Records are separated by blank lines: the row number counts records, the line number lines.
    assert [(r.row_number, r.line_number) for r in parsed.rows] == [(1, 2), (2, 4), (3, 6), (4, 8)]
    assert not any(r.error is not None for r in parsed.rows) and parsed.warnings == []


def test_bom_crlf_and_quoted_commas_are_read():
    data = "\ufeff".encode() + csv_from(
        [row("a.jpg", text_culture_loc="Viet Nam, Timor-Leste", text_cap_en='Pho, "with" herbs')],
        newline="\r\n",
    )

    [parsed] = bulk.parse_csv(data).rows

    assert parsed.countries == ["VN", "TL"] and parsed.description == 'Pho, "with" herbs'


@pytest.mark.parametrize(
    ("cell", "name"),
    [
        ("https://example.org/sea-vl/data/Fil%20%281%29%20-%20Name.jpg", "Fil (1) - Name.jpg"),
        ("http://x.org/a/b/caf%C3%A9.jpg?download=1", "café.jpg"),
        ("Temple gate.jpg", "Temple gate.jpg"),
        ("photos\\2025\\Temple gate.jpg", "Temple gate.jpg"),
        ("photos/Temple gate.jpg", "Temple gate.jpg"),
        ("cafe\u0301.jpg", "café.jpg"),  # decomposed accent, as macOS writes it
    ],
)
def test_image_cell_names_the_file_by_its_last_segment(cell, name):
    assert bulk.file_name_from_cell(cell) == name


def test_language_is_normalised_and_defaults_to_the_profile():
    data = csv_from(
        [
            row("a.jpg", text_submitter_native_lang="Myanmar (mm)"),
            row("b.jpg", text_submitter_native_lang="chinese"),
            row("c.jpg", text_submitter_native_lang=""),
        ]
    )

    rows = bulk.parse_csv(data, default_language="Thai (tha)").rows

    assert rows[0].native_language.endswith("(mya)")
    assert rows[1].native_language == "Mandarin Chinese (cmn)"
    assert rows[2].native_language == "Thai (tha)"


def test_missing_columns_are_named():
    data = b"image,text_cap_en,text_culture_loc\na.jpg,x,Indonesia\n"

    with pytest.raises(BulkInputError) as error:
        bulk.parse_csv(data)

    assert "text_cap_native, text_image_loc, text_submitter_native_lang, similarity_id" in error.value.message
    assert error.value.code == "csv_missing_columns"


@pytest.mark.parametrize("data", [b"", b"\n\n  \r\n", (HEADER + "\r\n\r\n").encode(), b"\xef\xbb\xbf"])
def test_empty_csv_is_refused(data):
    with pytest.raises(BulkInputError) as error:
        bulk.parse_csv(data)

    assert error.value.code in ("csv_empty", "csv_missing_columns") and error.value.message


def test_unknown_countries_are_named_on_their_row():
    data = csv_from([row("a.jpg"), row("b.jpg", text_culture_loc="Indonesia, Atlantis,Narnia")])

    good, bad = bulk.parse_csv(data).rows

    assert not good.error
    assert (
        bad.error_code == "unknown_country" and "Atlantis, Narnia" in str(bad.error) and bad.row_number == 2
    )


def test_formula_cells_are_refused_but_leading_plus_or_dash_text_is_kept():
    data = csv_from(
        [
            row("a.jpg", text_cap_en="=cmd|' /C calc'!A0"),
            row("b.jpg", text_image_loc=' =HYPERLINK("http://evil")'),
            row("c.jpg", text_cap_en="-fried bananas, +62 street food"),
        ]
    )

    formula, hidden, text = bulk.parse_csv(data).rows

    assert formula.error_code == "formula" and "text_cap_en" in str(formula.error)
    assert hidden.error_code == "formula" and "text_image_loc" in str(hidden.error)
    assert not text.error and text.description == "-fried bananas, +62 street food"


def test_repeated_file_is_refused_on_its_second_row():
    data = csv_from([row("a.jpg"), row("A.JPG")])

    first, second = bulk.parse_csv(data).rows

    assert not first.error and second.error_code == "repeated_file" and "row 1" in str(second.error)


def test_windows_1252_is_read_with_a_warning_and_garbage_is_refused():
    data = csv_from([row("a.jpg", text_cap_en="Café terrace")]).decode().encode("cp1252")

    parsed = bulk.parse_csv(data)

    assert parsed.rows[0].description == "Café terrace" and "Windows-1252" in str(parsed.warnings[0])
    with pytest.raises(BulkInputError, match="encoding"):
        bulk.parse_csv(csv_from([row("a.jpg")]) + b"\x81\x8d")
    with pytest.raises(BulkInputError, match="UTF-16"):
        bulk.parse_csv(csv_from([row("a.jpg")]).decode().encode("utf-16"))


def test_a_quote_never_closed_refuses_the_csv_instead_of_swallowing_the_rows_after_it():
    good = csv_from(
        [row("a.jpg", text_cap_en="A market\non two lines"), row("b.jpg", text_cap_en='A 5" print')]
    )
    assert [r.file_name for r in bulk.parse_csv(good).rows] == ["a.jpg", "b.jpg"]  # quotes used right
    unclosed = ',,,,,,c.jpg,,"A market,Pasar,Indonesia,Jakarta,Indonesian (ind),,\n'
    plain = {"text_image_loc": "Jakarta"}
    after = csv_from([row("d.jpg", **plain), row("e.jpg", **plain)]).split(b"\n", 1)[1]  # no quotes

    with pytest.raises(BulkInputError) as error:
        bulk.parse_csv(good + b"\n" + unclosed.encode() + after)

    # Read leniently, c.jpg would take d.jpg and e.jpg into its description and they would vanish.
    assert error.value.code == "csv_unclosed_quote" and error.value.field == "csv"
    assert "line 6" in error.value.message


def test_semicolon_csv_from_excel_is_read():
    data = csv_from([row("a.jpg", text_culture_loc="Thailand,Laos")]).decode()
    import csv

    rows = list(csv.reader(io.StringIO(data)))
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(rows)

    [parsed] = bulk.parse_csv(out.getvalue().encode()).rows

    assert parsed.countries == ["TH", "LA"]


def test_too_many_rows_are_refused_whole(settings):
    settings.BULK_MAX_ROWS = 3

    with pytest.raises(BulkTooLarge, match="more than 3 rows"):
        bulk.parse_csv(csv_from([row(f"{n}.jpg") for n in range(4)]))
    assert len(bulk.parse_csv(csv_from([row(f"{n}.jpg") for n in range(3)])).rows) == 3


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("=cmd()", "'=cmd()"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=x", "'\t=x"),
        ("ok", "ok"),
        (7, "7"),
    ],
)
def test_report_cells_are_neutralised(value, shown):
    assert neutralise_cell(value) == shown


# --- archives -------------------------------------------------------------------------------------


def _open(data: bytes) -> zipfile.ZipFile:
    return zip_archive.open_archive(io.BytesIO(data))


def test_images_in_subfolders_are_found_by_base_name_and_noise_is_skipped():
    archive = _open(
        zip_of(
            {
                "trip/day 1/a.jpg": b"x",
                "__MACOSX/trip/._a.jpg": b"x",
                "trip/.DS_Store": b"x",
                "notes.txt": b"x",
                "bulk.csv": b"x",
            }
        )
    )

    manifest = zip_archive.inspect_archive(archive)

    member, problem = manifest.find("a.jpg")
    assert member.name == "trip/day 1/a.jpg" and problem == ""
    assert manifest.find("A.JPG")[0].name == "trip/day 1/a.jpg"
    assert manifest.find("b.jpg") == (None, "missing")
    assert [m.name for m in manifest.csv_members] == ["bulk.csv"]
    assert manifest.ignored == [{"name": "notes.txt", "reason": "not an image: ignored"}]


def test_same_name_in_two_folders_is_ambiguous():
    manifest = zip_archive.inspect_archive(_open(zip_of({"a/x.jpg": b"1", "b/x.jpg": b"2"})))

    assert manifest.find("x.jpg") == (None, "ambiguous")


@pytest.mark.parametrize(
    "name", ["../evil.jpg", "photos/../../etc/cron.d/x.jpg", "/etc/passwd", "C:\\x.jpg", "..\\x.jpg"]
)
def test_paths_leaving_the_archive_refuse_it_whole(name):
    with pytest.raises(BulkInputError) as error:
        zip_archive.inspect_archive(_open(zip_of({"ok.jpg": b"x", name: b"x"})))

    assert error.value.code == "unsafe_path" and name in error.value.message


def test_symlinks_nested_archives_and_encrypted_members_are_set_aside():
    data = zip_of({"inner.zip": zip_of({"a.jpg": b"x"}), "a.jpg": b"x"}, symlinks={"b.jpg": "/etc/passwd"})

    manifest = zip_archive.inspect_archive(_open(data))

    reasons = {item["name"]: item["reason"] for item in manifest.ignored}
    assert "symbolic link" in reasons["b.jpg"] and "archive inside" in reasons["inner.zip"]
    assert set(manifest.images) == {"a.jpg"}


def test_zip_bomb_is_refused_from_its_declared_sizes_before_any_read():
    bomb = zip_of({"a.jpg": b"\0" * (20 * bulk.MB)})  # 20 MB of zeros packs to ~20 KB

    with pytest.raises(BulkInputError) as error:
        zip_archive.inspect_archive(_open(bomb))

    assert error.value.code == "zip_bomb" and "a.jpg" in error.value.message


def test_archive_unpacking_over_the_total_cap_is_refused(settings):
    settings.BULK_MAX_TOTAL_BYTES = 100_000
    data = zip_of({f"{n}.jpg": photo(n) for n in range(3)})

    with pytest.raises(BulkTooLarge):
        zip_archive.inspect_archive(_open(data))


def test_too_many_members_are_refused(settings):
    settings.BULK_MAX_MEMBERS = 5

    with pytest.raises(BulkTooLarge, match="6 entries"):
        zip_archive.inspect_archive(_open(zip_of({f"{n}.jpg": b"x" for n in range(6)})))


def test_a_member_lying_about_its_size_is_never_read_past_it():
    data = bytearray(zip_of({"a.jpg": b"A" * 5000}))
    # Make the central directory claim 10 bytes: the reader stops there and reports damage.
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = archive.getinfo("a.jpg")
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    member = zip_archive.Member("a.jpg", "a.jpg", archive.getinfo("a.jpg").file_size, info.compress_size)

    with pytest.raises(zip_archive.MemberError) as error:
        zip_archive.read_member(archive, member)

    assert error.value.code in ("corrupt_member", "zip_bomb")


def test_member_over_the_per_file_cap_is_refused_before_reading(settings):
    settings.BULK_MAX_MEMBER_BYTES = 1000
    archive = _open(zip_of({"a.jpg": photo(1)}))
    member = zip_archive.inspect_archive(archive).find("a.jpg")[0]

    with pytest.raises(zip_archive.MemberError) as error:
        zip_archive.read_member(archive, member)

    assert error.value.code == "file_too_large"


@pytest.mark.parametrize("data", [b"", b"not a zip at all", photo(3), b"PK\x03\x04broken"])
def test_non_zip_is_refused(data):
    with pytest.raises(NotAZip):
        zip_archive.open_archive(io.BytesIO(data))


def test_csv_inside_the_archive_must_be_single():
    archive = _open(zip_of({"a.csv": b"x", "b/c.csv": b"y"}))

    with pytest.raises(BulkInputError, match="several CSV"):
        zip_archive.csv_bytes_from(archive, zip_archive.inspect_archive(archive))
    empty = _open(zip_of({"a.jpg": b"x"}))
    with pytest.raises(BulkInputError, match="No CSV"):
        zip_archive.csv_bytes_from(empty, zip_archive.inspect_archive(empty))
