"""The glossary of the campaign's terms: every catalog uses its words, the organizers' Translations page
shows it and exports it (CSV, TBX), and each language's row tells how many strings a person checked."""

import csv
import io
from xml.etree import ElementTree

import polib
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from localization.checks import entry_problems
from localization.glossary import GLOSSARY_LANGUAGES, glossary_exception, glossary_terms, glossary_terms_in
from localization.progress import catalog_progress_between
from localization.selectors import catalog_languages, catalog_path
from tests.localization.page_text import _back_to_the_default_language  # noqa: F401 - autouse
from tests.localization.test_catalogs import upload_root  # noqa: F401 - fixture

TBX = "{urn:iso:std:iso:30042:ed-2}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _catalog(language: str) -> polib.POFile:
    return polib.pofile(str(catalog_path(language=language)))


def _translations(entry: polib.POEntry) -> list[str]:
    texts = [entry.msgstr] if not entry.msgid_plural else list(entry.msgstr_plural.values())
    return [text for text in texts if text]


def test_every_term_has_a_definition_and_a_word_in_every_language():
    assert set(GLOSSARY_LANGUAGES) == set(catalog_languages())
    terms = glossary_terms()
    assert {"contributor", "annotator", "screening test", "gold item", "consensus", "points group"} <= {
        term.term for term in terms
    }
    assert {"badge", "co-authorship", "take down", "prompt", "culturally relevant", "flag"} <= {
        term.term for term in terms
    }
    assert {"points follow", "lowest-paying group"} <= {term.term for term in terms}
    for term in terms:
        assert term.definition and term.matches(term.term), term.term
        assert set(term.words) == set(GLOSSARY_LANGUAGES), term.term
        assert all(words and all(words) for words in term.words.values()), term.term


@pytest.mark.parametrize("language", sorted(GLOSSARY_LANGUAGES))
def test_catalog_entries_use_the_glossary_words(language):
    """An entry whose English contains a glossary term says it with the glossary's word for that term."""
    wrong = []
    for entry in _catalog(language):
        if entry.obsolete or glossary_exception(language=language, msgid=entry.msgid):
            continue
        for term in glossary_terms_in(f"{entry.msgid} {entry.msgid_plural}"):
            for text in _translations(entry):
                if not term.used_in(language, text):
                    wrong.append(f"{entry.msgid!r} needs “{term.chosen_word(language)}” ({term.term}): {text!r}")
    assert wrong == []


@pytest.mark.parametrize(
    ("language", "msgid", "wrong", "right"),
    [
        ("th", "Points follow", "คะแนนตามมา", "คะแนนคิดตาม"),
        ("km", "Points follow", "ពិន្ទុតាមក្រោយ", "ពិន្ទុគិតតាម"),
        ("ta", "Points follow", "பின்தொடரும்", "கணக்கிடப்படும்"),
        ("id", "Co-authorship (300+ points)", "Salah satu penulis", "Kepenulisan bersama"),
        ("ms", "Gold accuracy", "emas", "item rujukan"),
        ("fil", "Gold accuracy", "Gold", "item na panukat"),
        ("vi", "Paused an annotator", "chú thích", "người gán nhãn"),
        ("lo", "Paused an annotator", "ຜູ້ໃສ່ຄຳອະທິບາຍ", "ຜູ້ປະເມີນ"),
        ("th", "Contributor", "ผู้ร่วมงาน", "ผู้มีส่วนร่วม"),
        ("ms", "a problem was flagged", "bendera", "ditandakan"),
        ("my", "Uphold a flag (rejection only)", "အလံ", "တိုင်ကြား"),
        ("km", "Submit high-quality text prompts", "ប្រអប់បញ្ជា", "prompt"),
        ("vi", "Lowest-paying group (adding a country never raises points)", "trả", "điểm thấp nhất"),
    ],
)
def test_the_words_the_review_found_wrong_are_corrected(language, msgid, wrong, right):
    entry = _catalog(language).find(msgid)
    assert entry is not None, msgid
    assert wrong not in entry.msgstr and right in entry.msgstr


def test_simplified_chinese_addresses_the_reader_one_way():
    """The drafts mixed the polite 您 and the familiar 你: the portal says 你 throughout."""
    assert [e.msgid for e in _catalog("zh-hans") if "您" in "".join(_translations(e))] == []


@pytest.mark.parametrize("language", sorted(GLOSSARY_LANGUAGES))
def test_catalog_translations_keep_the_placeholders_and_tags(language):
    assert [(e.msgid, entry_problems(e)) for e in _catalog(language) if entry_problems(e)] == []


@pytest.mark.django_db
def test_the_translations_page_shows_the_glossary(client, organizer):
    client.force_login(organizer)
    page = client.get(reverse("localization:catalogs")).content.decode()

    assert 'id="glossary"' in page
    assert '<th scope="row" lang="en">gold item</th>' in page
    assert "Nothing to do with the metal." in page
    assert '<span lang="th">ผู้มีส่วนร่วม</span>' in page  # Thai: contributor
    assert '<span lang="zh-Hans">金标准题</span>' in page
    assert reverse("localization:glossary-csv") in page and reverse("localization:glossary-tbx") in page


@pytest.mark.django_db
def test_organizers_export_the_glossary_as_csv(client, organizer):
    client.force_login(organizer)
    response = client.get(reverse("localization:glossary-csv"))

    assert response.status_code == 200
    assert 'filename="seavl-portal-glossary.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == len(glossary_terms())
    prompt = next(row for row in rows if row["term"] == "prompt")
    assert prompt["km"] == "prompt" and prompt["th"] == "พรอมต์" and prompt["zh-Hans"] == "提示"
    assert "command line" in prompt["definition"]


@pytest.mark.django_db
def test_organizers_export_the_glossary_as_tbx(client, organizer):
    client.force_login(organizer)
    response = client.get(reverse("localization:glossary-tbx"))

    assert response.status_code == 200
    assert 'filename="seavl-portal-glossary.tbx"' in response["Content-Disposition"]
    root = ElementTree.fromstring(response.content)  # noqa: S314 - the portal's own file
    assert root.tag == f"{TBX}tbx" and root.get("type") == "TBX-Basic"
    concepts = root.findall(f".//{TBX}conceptEntry")
    assert len(concepts) == len(glossary_terms())
    annotator = next(c for c in concepts if c.get("id") == "annotator")
    words = {
        section.get(XML_LANG): section.find(f"{TBX}termSec/{TBX}term").text
        for section in annotator.findall(f"{TBX}langSec")
    }
    assert words["en"] == "annotator" and words["vi"] == "người gán nhãn" and words["lo"] == "ຜູ້ປະເມີນ"
    assert len(words) == 1 + len(GLOSSARY_LANGUAGES)
    definition = annotator.find(f"{TBX}langSec/{TBX}descrip[@type='definition']")
    assert "Not someone who writes captions." in definition.text


@pytest.mark.django_db
def test_only_organizers_reach_the_glossary_exports(client, contributor):
    client.force_login(contributor)
    assert client.get(reverse("localization:glossary-csv")).status_code == 403
    assert client.get(reverse("localization:glossary-tbx")).status_code == 403


@pytest.mark.django_db
def test_each_language_shows_the_strings_a_person_checked(client, organizer, upload_root):  # noqa: F811
    """An organizer uploads a catalog where a translator confirmed one draft and corrected another: the
    row of that language counts both as checked since the drafts, one of them corrected, and names them."""
    client.force_login(organizer)
    page = client.get(reverse("localization:catalogs")).content.decode()
    row = page[page.index('id="catalog-th"') :].split("</tr>")[0]
    assert "Checked by a person since the drafts: 0, of which 0 corrected." in row

    po = polib.pofile(
        b"".join(client.get(reverse("localization:catalog-download", args=["th"])).streaming_content).decode()
    )
    confirmed, corrected = po.find("Skip to content"), po.find("Leaderboard")
    confirmed.flags.remove("fuzzy")
    corrected.flags.remove("fuzzy")
    corrected.msgstr = "ตารางอันดับ"
    client.post(
        reverse("localization:catalog-upload", args=["th"]),
        {"catalog": SimpleUploadedFile("th.po", str(po).encode())},
    )

    page = client.get(reverse("localization:catalogs")).content.decode()
    row = page[page.index('id="catalog-th"') :].split("</tr>")[0]
    total = len([e for e in po if not e.obsolete])
    assert f"2 / {total}" in row
    assert "Checked by a person since the drafts: 2, of which 1 corrected." in row
    assert '<li lang="en">Skip to content</li>' in row and '<li lang="en">Leaderboard</li>' in row
    other = page[page.index('id="catalog-lo"') :].split("</tr>")[0]
    assert "Checked by a person since the drafts: 0, of which 0 corrected." in other


def test_checked_since_the_drafts_leaves_out_what_the_drafts_had_checked():
    def catalog(*entries):
        po = polib.POFile()
        for msgid, msgstr, fuzzy in entries:
            po.append(polib.POEntry(msgid=msgid, msgstr=msgstr, flags=["fuzzy"] if fuzzy else []))
        return po

    drafts = catalog(("A", "a", True), ("B", "b", True), ("C", "c", False), ("D", "d", True), ("E", "", False))
    current = catalog(("A", "a", False), ("B", "bb", False), ("C", "c", False), ("D", "dd", True), ("E", "e", False))

    progress = catalog_progress_between(language="th", current=current, drafts=drafts)

    assert progress.checked == 4  # A, B, C, E
    assert progress.checked_since_drafts == 3  # C was already checked; D is still fuzzy
    assert progress.corrected == 2 and progress.confirmed == 1  # B and E changed, A confirmed
    assert progress.recently_checked == ("A", "B", "E")


@pytest.mark.parametrize("language", sorted(GLOSSARY_LANGUAGES))
def test_words_with_two_senses_have_a_context_and_keep_their_draft(language):
    """A msgctxt makes a new entry: each one carries the draft of the entry it replaced, and the page shows it."""
    po = _catalog(language)
    with_context = [entry for entry in po if entry.msgctxt and not entry.obsolete]
    assert {("sort order of the leaderboard", "Order"), ("task status: it accepts contributions", "Open")} <= {
        (entry.msgctxt, entry.msgid) for entry in with_context
    }
    assert [entry.msgid for entry in with_context if not _translations(entry)] == []
    order = po.find("Order", msgctxt="sort order of the leaderboard")
    with translation.override(language):
        assert translation.pgettext("sort order of the leaderboard", "Order") == order.msgstr


def test_the_campaign_terms_carry_a_note_for_translators():
    po = _catalog("th")
    assert "never money" in po.find("Lowest-paying group (adding a country never raises points)").comment
    assert "not a national flag" in po.find("Uphold a flag (rejection only)").comment
    assert "not the metal" in po.find("Gold accuracy").comment
