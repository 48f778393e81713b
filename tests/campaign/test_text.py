"""The text rules every way in shares (campaign.text): the bulk CSV and the image descriptions refuse a
leading "=", the text tasks also the signed calls; control characters are dropped, line breaks kept.
The bulk CSV's own refusal is in tests/contributions/test_bulk_parsing.py."""

import pytest

from campaign.text import looks_like_formula, strip_control_characters
from texttasks.checks import looks_like_formula as text_task_formula


def test_control_characters_go_but_tabs_and_line_breaks_stay():
    assert strip_control_characters("Pasar\x00 terapung\x07\x1b[31m\x7f\tBanjarmasin\r\nKalimantan") == (
        "Pasar terapung[31m\tBanjarmasin\r\nKalimantan"
    )


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "  =cmd|' /C calc'!A0", "=1+1"])
def test_a_leading_equals_sign_is_a_formula_everywhere(text):
    assert looks_like_formula(text) and looks_like_formula(text, signed=True) and text_task_formula(text)


@pytest.mark.parametrize("text", ["+SUM(A1)", "@SUM(A1)", "-cmd|' /C calc'!A0"])
def test_signed_calls_are_formulas_for_the_text_tasks_only(text):
    assert text_task_formula(text) and looks_like_formula(text, signed=True)
    assert not looks_like_formula(text)  # a caption may start so; the CSV's rule is "starts with ="


@pytest.mark.parametrize("text", ["-5 degrees in Da Lat", "+62 812 3456 7890", "@home in Hue", "", "a = b"])
def test_ordinary_text_is_not_a_formula(text):
    assert not looks_like_formula(text, signed=True) and not text_task_formula(text)
