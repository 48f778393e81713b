"""The catalogs: one per campaign language, each compiles under msgfmt's checks, drafts are marked
unchecked, and organizers replace a catalog with a corrected one without a developer."""

import shutil
import subprocess
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from campaign import reference
from localization import reference_strings
from localization.selectors import catalog_languages, catalog_path
from localization.services import translations_reload
from tests.localization.page_text import _back_to_the_default_language  # noqa: F401 - autouse

CAMPAIGN_LANGUAGES = {"id", "th", "vi", "ms", "fil", "km", "lo", "my", "tet", "ta", "zh-hans"}


def test_every_campaign_language_has_a_catalog():
    assert set(catalog_languages()) == CAMPAIGN_LANGUAGES
    for language in CAMPAIGN_LANGUAGES:
        po = polib.pofile(str(catalog_path(language=language)))
        assert po.metadata["Language"].replace("_", "-").lower() == language
        assert "Plural-Forms" in po.metadata


@pytest.mark.parametrize("language", sorted(CAMPAIGN_LANGUAGES))
def test_catalog_compiles_under_msgfmt_checks(language, tmp_path):
    """Placeholders (python-format), plural forms and the header are checked; a broken catalog fails here."""
    result = subprocess.run(
        [
            "msgfmt",
            "--check",
            "--use-fuzzy",
            "-o",
            str(tmp_path / "django.mo"),
            str(catalog_path(language=language)),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_drafts_are_marked_unchecked_and_still_shown():
    po = polib.pofile(str(catalog_path(language="km")))
    entry = po.find("Skip to content")
    assert entry.msgstr and "fuzzy" in entry.flags
    with translation.override("km"):
        assert translation.gettext("Skip to content") == entry.msgstr


def test_task_texts_in_the_catalogs_follow_the_reference_data():
    """The home page translates task names and descriptions through the catalogs, by their English text."""
    assert [text for task in reference.TASKS for text in (task[2], task[5])] == reference_strings.TASK_TEXTS
    assert [name for _code, name, _group in reference.COUNTRIES] == reference_strings.COUNTRY_NAMES
    assert [name for _code, name, _country in reference.LANGUAGES] == reference_strings.LANGUAGE_NAMES


@pytest.fixture
def upload_root(tmp_path):
    """Uploaded catalogs go to a scratch directory that comes first in LOCALE_PATHS, as in production."""
    root = tmp_path / "locale"
    with override_settings(TRANSLATION_UPLOAD_ROOT=root, LOCALE_PATHS=[root, *settings.LOCALE_PATHS]):
        translations_reload()
        yield root
    translations_reload()


def _exported(client, language: str) -> polib.POFile:
    response = client.get(reverse("localization:catalog-download", args=[language]))
    assert response.status_code == 200
    assert 'filename="seavl-portal-' in response["Content-Disposition"]
    return polib.pofile(b"".join(response.streaming_content).decode())


@pytest.mark.django_db
def test_organizer_exports_corrects_and_imports_a_catalog(client, organizer, upload_root):
    client.force_login(organizer)
    page = client.get(reverse("localization:catalogs"))
    assert page.status_code == 200 and "Tetun" in page.content.decode()

    po = _exported(client, "tet")
    entry = po.find("Skip to content")
    entry.msgstr = "Bá kontéudu prinsipál"
    entry.flags.remove("fuzzy")  # a translator checked it
    po.append(polib.POEntry(msgid="A string the portal does not have", msgstr="x"))
    upload = SimpleUploadedFile("tet.po", str(po).encode(), content_type="text/x-gettext-translation")
    response = client.post(
        reverse("localization:catalog-upload", args=["tet"]), {"catalog": upload}, follow=True
    )
    assert "1 strings changed, 1 unknown strings ignored" in response.content.decode()

    saved = polib.pofile(str(catalog_path(language="tet", root=upload_root)))
    assert saved.find("Skip to content").msgstr == "Bá kontéudu prinsipál"
    assert "fuzzy" not in saved.find("Skip to content").flags
    assert saved.find("A string the portal does not have") is None
    assert (upload_root / "tet" / "LC_MESSAGES" / "django.mo").exists()
    # Applied right away, in this process.
    home = client.get("/", HTTP_ACCEPT_LANGUAGE="tet").content.decode()
    assert "Bá kontéudu prinsipál" in home
    # The repository's catalog is untouched.
    assert polib.pofile(str(catalog_path(language="tet"))).find("Skip to content").msgstr == "Bá kontéudu"


@pytest.mark.django_db
def test_a_catalog_that_does_not_compile_is_refused_and_changes_nothing(client, organizer, upload_root):
    client.force_login(organizer)
    po = _exported(client, "vi")
    entry = po.find("Task %(number)s: %(name)s")
    entry.msgstr = "Nhiệm vụ %(number)d: %(name)s"  # the right name, a conversion msgfmt refuses
    upload = SimpleUploadedFile("vi.po", str(po).encode())
    response = client.post(
        reverse("localization:catalog-upload", args=["vi"]), {"catalog": upload}, follow=True
    )
    assert "The catalog does not compile" in response.content.decode()
    assert not catalog_path(language="vi", root=upload_root).exists()


@pytest.mark.django_db
def test_a_catalog_for_another_language_or_not_a_catalog_is_refused(client, organizer, upload_root):
    client.force_login(organizer)
    thai = _exported(client, "th")
    response = client.post(
        reverse("localization:catalog-upload", args=["lo"]),
        {"catalog": SimpleUploadedFile("th.po", str(thai).encode())},
        follow=True,
    )
    assert "This catalog is for “th”, not “lo”." in response.content.decode()
    response = client.post(
        reverse("localization:catalog-upload", args=["lo"]),
        {"catalog": SimpleUploadedFile("photo.po", b"\xff\xd8\xff\xe0 not text")},
        follow=True,
    )
    assert "not UTF-8 text" in response.content.decode()
    assert not catalog_path(language="lo", root=upload_root).exists()


@pytest.mark.django_db
def test_only_organizers_reach_the_catalogs(client, contributor):
    client.force_login(contributor)
    assert client.get(reverse("localization:catalogs")).status_code == 403
    assert client.get(reverse("localization:catalog-download", args=["th"])).status_code == 403
    response = client.post(
        reverse("localization:catalog-upload", args=["th"]), {"catalog": SimpleUploadedFile("th.po", b"")}
    )
    assert response.status_code == 403


def test_msgfmt_is_installed():
    assert shutil.which("msgfmt"), "scripts/ensure-services installs GNU gettext"
    assert Path(settings.BASE_DIR, "locale").is_dir()


XSS_MSGSTR = "Knaar %(number)s: %(name)s<img src=x onerror=alert('po-xss')>"


def _upload(client, language: str, po: polib.POFile):
    return client.post(
        reverse("localization:catalog-upload", args=[language]),
        {"catalog": SimpleUploadedFile(f"{language}.po", str(po).encode())},
        follow=True,
    )


@pytest.mark.django_db
def test_a_translation_that_adds_html_is_refused_and_named(client, organizer, upload_root):
    client.force_login(organizer)
    po = _exported(client, "tet")
    po.find("Task %(number)s: %(name)s").msgstr = XSS_MSGSTR
    po.find("Skip to content").msgstr = "Bá kontéudu prinsipál"  # a good change in the same file

    page = _upload(client, "tet", po).content.decode()

    assert "The catalog is not applied" in page
    assert "“Task %(number)s: %(name)s”: the translation must keep the HTML tags" in page
    assert "<img src=x" not in page
    assert not catalog_path(language="tet", root=upload_root).exists()
    home = client.get("/", HTTP_ACCEPT_LANGUAGE="tet").content.decode()
    assert "po-xss" not in home and "Bá kontéudu prinsipál" not in home


@pytest.mark.django_db
def test_a_translation_with_other_placeholders_is_refused_and_named(client, organizer, upload_root):
    client.force_login(organizer)
    po = _exported(client, "vi")
    po.find("Task %(number)s: %(name)s").msgstr = "Nhiệm vụ %(numero)s: %(name)s"

    page = _upload(client, "vi", po).content.decode()

    assert "“Task %(number)s: %(name)s”: the translation must keep the placeholders" in page
    assert not catalog_path(language="vi", root=upload_root).exists()


@pytest.mark.django_db
def test_a_translation_that_keeps_the_tags_of_its_original_is_applied(client, organizer, upload_root):
    client.force_login(organizer)
    po = _exported(client, "tet")
    entry = next(e for e in po if e.msgid.startswith("Earn points for every contribution: <strong>"))
    entry.msgstr = (
        "Kada kontribuisaun hetan pontu: <strong>pontu 200+</strong> = sertifikadu no lembransa, "
        "<strong>pontu 300+</strong> = ko-autór iha artigu projetu nian."
    )
    entry.flags = [flag for flag in entry.flags if flag != "fuzzy"]

    page = _upload(client, "tet", po).content.decode()

    assert "1 strings changed" in page
    home = client.get("/", HTTP_ACCEPT_LANGUAGE="tet").content.decode()
    assert "<strong>pontu 200+</strong> = sertifikadu no lembransa" in home


@pytest.mark.parametrize(
    ("msgid", "msgstr", "problems"),
    [
        ("Task %(number)s: %(name)s", XSS_MSGSTR, ["markup"]),
        ("Task %(number)s: %(name)s", "Knaar %(number)s: %(name)s <img src=x onerror=alert(1) ", ["markup"]),
        ("Task %(number)s: %(name)s", "Knaar %(number)s: %(name)s <script>alert(1)</script>", ["markup"]),
        ("Task %(number)s: %(name)s", "Knaar %(number)s: %(name)s &lt;b&gt;", []),
        ("Task %(number)s: %(name)s", "Knaar %(name)s", ["placeholders"]),
        ("Task %(number)s: %(name)s", "<b>Knaar %(numero)s</b>: %(name)s", ["markup", "placeholders"]),
        ('Complete <a href="%(url)s">your profile</a>.', 'Kompleta <a href="%(url)s">perfíl</a>.', []),
        (
            'Complete <a href="%(url)s">your profile</a>.',
            'Kompleta <a href="%(url)s" onclick="x()">perfíl</a>.',
            ["markup"],
        ),
        (
            "Earn <strong>200+</strong> or <strong>300+</strong>",
            "<strong>300+</strong>, <strong>200+</strong>",
            [],
        ),
        (
            "Earn <strong>200+</strong> or <strong>300+</strong>",
            "<strong>300+</strong>, <em>200+</em>",
            ["markup"],
        ),
    ],
)
def test_entry_problems(msgid, msgstr, problems):
    from localization.checks import entry_problems

    assert entry_problems(polib.POEntry(msgid=msgid, msgstr=msgstr)) == problems


def test_plural_forms_may_leave_out_the_count_but_add_nothing():
    from localization.checks import entry_problems

    def plural(*forms):
        return polib.POEntry(
            msgid="%(count)d task is now %(status)s.",
            msgid_plural="%(count)d tasks are now %(status)s.",
            msgstr_plural=dict(enumerate(forms)),
        )

    assert entry_problems(plural("One task is now %(status)s.", "%(count)d tasks: %(status)s.")) == []
    assert entry_problems(plural("%(count)d: %(state)s", "%(count)d: %(status)s")) == ["placeholders"]
    assert entry_problems(plural("%(count)d: %(status)s<br>", "%(count)d: %(status)s")) == ["markup"]


@pytest.mark.django_db
def test_a_catalog_upload_is_audited_with_who_what_and_the_counts(client, organizer, upload_root):
    from organizers.models import AuditEvent

    client.force_login(organizer)
    po = _exported(client, "tet")
    po.find("Skip to content").msgstr = "Bá kontéudu prinsipál"
    upload = SimpleUploadedFile("tet.po", str(po).encode(), content_type="text/x-gettext-translation")

    client.post(reverse("localization:catalog-upload", args=["tet"]), {"catalog": upload})

    event = AuditEvent.objects.get(action="catalog.upload")
    assert event.actor == organizer
    assert event.details["language"] == "tet" and event.details["updated"] == 1
    assert len(event.details["sha256"]) == 64
