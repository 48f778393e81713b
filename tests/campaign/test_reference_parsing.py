import pytest

from campaign.countries import country_code_for, parse_country_list
from campaign.languages import normalise_language


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Indonesian (ind)", "Indonesian (ind)"),
        ("ind", "Indonesian (ind)"),
        ("  indonesian ", "Indonesian (ind)"),
        ("Myanmar (mm)", "Burmese (mya)"),
        ("Portuguese (por)", "Portuguese (por)"),
        ("chinese", "Mandarin Chinese (cmn)"),
        ("Tagalog", "Filipino/Tagalog (fil)"),
        ("Lao (lao)", "Lao (lao)"),
        ("English (eng)", "English (eng)"),
        ("Klingon", "Klingon (und)"),
        ("Old Javanese (kaw)", "Old Javanese (kaw)"),
    ],
)
def test_language_text_normalises_to_name_and_iso_639_3(text, label):
    assert normalise_language(text).label == label


def test_empty_language_is_none():
    assert normalise_language("   ") is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Timor-Leste", "TL"),
        ("Viet Nam", "VN"),
        ("Brunei Darussalam", "BN"),
        ("th", "TH"),
        ("Atlantis", None),
    ],
)
def test_country_names_and_variants(text, code):
    assert country_code_for(text) == code


def test_comma_joined_countries_keep_order_and_report_unknown():
    assert parse_country_list("Indonesia, Malaysia,Indonesia,Narnia") == (["ID", "MY"], ["Narnia"])
