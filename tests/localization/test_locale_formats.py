"""Numbers and dates in the reader's format; points keep their exact decimals."""

import datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from localization.templatetags.portal_i18n import points


@pytest.mark.parametrize(
    ("language", "value", "shown"),
    [
        ("en", Decimal("0.5"), "0.5"),
        ("en", Decimal("1.50"), "1.5"),
        ("en", Decimal("300.00"), "300"),
        ("en", Decimal("1234.25"), "1,234.25"),
        ("id", Decimal("0.5"), "0,5"),
        ("id", Decimal("1234.25"), "1.234,25"),
        ("vi", Decimal("2.75"), "2,75"),
        ("th", Decimal("1.5"), "1.5"),
        ("fil", Decimal("1234.5"), "1,234.5"),  # Django has no Filipino formats: the portal's own
        ("lo", Decimal("1234.5"), "1.234,5"),
        ("tet", Decimal("0.125"), "0,125"),  # never rounded
        ("zh-hans", Decimal("12.5"), "12.5"),
    ],
)
def test_points_keep_exact_decimals_in_the_locale_format(language, value, shown):
    with translation.override(language):
        assert points(value) == shown
        assert Template("{% load portal_i18n %}{{ v|points }}").render(Context({"v": value})) == shown


def test_points_accept_integers_and_strings_but_leave_nonsense_alone():
    with translation.override("en"):
        assert points(7) == "7"
        assert points("2.50") == "2.5"
        assert points(None) == ""
        assert points("n/a") == "n/a"


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        ("en", "Jan. 31, 2026"),
        ("id", "31 Jan. 2026"),
        ("vi", "Ngày 31 tháng 1 năm 2026"),
        ("fil", "Enero 31, 2026"),
        ("tet", "31 Janeiru 2026"),
        ("lo", "31 ມັງກອນ 2026"),
    ],
)
def test_dates_follow_the_locale(language, shown):
    with translation.override(language):
        rendered = Template('{{ d|date:"DATE_FORMAT" }}').render(Context({"d": datetime.date(2026, 1, 31)}))
    assert rendered == shown
