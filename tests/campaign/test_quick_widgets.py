"""campaign.widgets.QuickSelect writes what Django's own Select template writes (the leaderboard's filters
use it): the same elements, attributes, escaping and accessibility attributes, only without the blank
lines the per-option template leaves."""

import re

import pytest
from django import forms

from campaign.widgets import QuickSelect


class FilterForm(forms.Form):
    place = forms.ChoiceField(
        label="Place",
        required=False,
        help_text="Where the photo was taken",
        choices=[
            ("", "Anywhere"),
            ("Islands <&>", [("x&y", 'Say "hi" <b>'), ("2", "Two")]),
            (3, "Three"),
        ],
        widget=QuickSelect(attrs={"data-note": 'a"b', "required": True, "disabled": False}),
    )
    order = forms.TypedChoiceField(coerce=int, choices=[(1, "First"), (2, "Second")], widget=QuickSelect)


def django_markup(bound_field) -> str:
    widget = bound_field.field.widget
    template_select = forms.Select(attrs=widget.attrs)
    template_select.choices = widget.choices
    bound_field.field.widget = template_select
    try:
        return re.sub(r"\n\s*\n", "\n", str(bound_field))
    finally:
        bound_field.field.widget = widget


@pytest.mark.parametrize(
    "data",
    [None, {}, {"place": "x&y", "order": "2"}, {"place": "3"}, {"place": "nowhere", "order": "9"}],
)
def test_quick_select_writes_djangos_select_markup(data):
    form = FilterForm(data)
    form.is_valid()
    for name in form.fields:
        assert str(form[name]) == django_markup(form[name])


def test_a_refused_choice_is_announced_and_nothing_stays_selected():
    form = FilterForm({"place": "nowhere"})
    assert not form.is_valid()
    html = str(form["place"])
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_place_helptext id_place_error"' in html
    assert " selected" not in html
    assert '<optgroup label="Islands &lt;&amp;&gt;">' in html
    assert '<option value="x&amp;y">Say &quot;hi&quot; &lt;b&gt;</option>' in html
    assert ' data-note="a&quot;b" required ' in html and "disabled" not in html
