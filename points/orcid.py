"""ORCID iDs: 16 characters in four groups, the last a ISO 7064 MOD 11-2 check character."""

import re

from django.utils.translation import gettext as _

from campaign.errors import DomainError

ORCID_PATTERN = re.compile(r"^(?:https?://orcid\.org/)?(\d{4})-?(\d{4})-?(\d{4})-?(\d{3}[\dXx])$")


def orcid_check_character(base_digits: str) -> str:
    total = 0
    for digit in base_digits:
        total = (total + int(digit)) * 2
    result = (12 - total % 11) % 11
    return "X" if result == 10 else str(result)


def orcid_normalise(value: str) -> str:
    """`0000-0002-1825-0097` from the iD or its URL; a DomainError when it is not a valid ORCID iD."""
    match = ORCID_PATTERN.match(value.strip())
    if not match:
        raise DomainError(_("Write the ORCID iD as 0000-0000-0000-0000."), field="orcid")
    digits = "".join(match.groups()).upper()
    if orcid_check_character(digits[:15]) != digits[15]:
        raise DomainError(_("This ORCID iD's check digit does not match: please check it."), field="orcid")
    return "-".join(digits[i : i + 4] for i in range(0, 16, 4))
