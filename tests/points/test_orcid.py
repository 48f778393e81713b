import pytest

from campaign.errors import DomainError
from points.orcid import orcid_normalise


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("0000-0002-1825-0097", "0000-0002-1825-0097"),
        ("https://orcid.org/0000-0001-5109-3700", "0000-0001-5109-3700"),
        ("0000-0002-1694-233x", "0000-0002-1694-233X"),
        (" 0000000218250097 ", "0000-0002-1825-0097"),
    ],
)
def test_valid_orcid_ids_are_normalised(given, expected):
    assert orcid_normalise(given) == expected


@pytest.mark.parametrize("given", ["0000-0002-1825-0098", "0000-0002-1694-2330", "1234", "orcid please"])
def test_invalid_orcid_ids_are_refused_with_a_message(given):
    with pytest.raises(DomainError) as error:
        orcid_normalise(given)
    assert error.value.field == "orcid"
