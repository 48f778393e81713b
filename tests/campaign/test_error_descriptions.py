"""A refused field names its error for screen readers: every id in a field's `aria-describedby` (Django
writes `<id>_helptext` and `<id>_error`) is an element on the page, so the error text is read with the
field it is about."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


class _References(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.described_by: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if attrs.get("aria-describedby"):
            for reference in attrs["aria-describedby"].split():
                self.described_by.append((attrs.get("name") or tag, reference))


def _dangling_references(html: str) -> tuple[list[tuple[str, str]], int]:
    parser = _References()
    parser.feed(html)
    return [(name, ref) for name, ref in parser.described_by if ref not in parser.ids], len(parser.described_by)


@pytest.mark.parametrize(
    ("url_name", "data"),
    [
        ("accounts:profile", {"display_name": "x" * 500, "country": "XX"}),
        ("contributions:new", {"description": ""}),
    ],
)
def test_each_refused_fields_description_is_on_the_page(client, contributor, url_name, data):
    client.force_login(contributor)
    response = client.post(reverse(url_name), data)
    assert response.status_code in (200, 400)  # the image form answers 400 to a refused post
    html = response.content.decode()
    assert 'aria-invalid="true"' in html  # the form was refused, field by field
    dangling, references = _dangling_references(html)
    assert references, "no field is described"
    assert dangling == []
    assert re.search(r'id="id_\w+_error"', html)
