"""Turning country names from forms and the campaign's files into ISO codes."""

from campaign.reference import COUNTRIES, COUNTRY_ALIASES

_CODES = {code for code, _name, _group in COUNTRIES}


def country_code_for(text: str) -> str | None:
    """`Thailand`, `Viet Nam`, `Timor-Leste`, `TH` -> ISO 3166-1 code; None when it is not one of the 11."""
    token = " ".join((text or "").split()).strip().lower()
    if not token:
        return None
    if token.upper() in _CODES:
        return token.upper()
    return COUNTRY_ALIASES.get(token)


def parse_country_list(text: str) -> tuple[list[str], list[str]]:
    """A comma-joined list (`Indonesia,Malaysia`) -> (codes in order without repeats, unknown names)."""
    codes: list[str] = []
    unknown: list[str] = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        code = country_code_for(part)
        if code is None:
            unknown.append(part)
        elif code not in codes:
            codes.append(code)
    return codes, unknown
