"""The reasons of ledger entries, in the reader's language.

The ledger stores each entry's reason as written (append-only, the record of what happened, in the
language of whoever wrote it: usually a worker, in English). The standard reasons are written from the
templates below; when a stored reason is one of them, it is shown again through gettext with its values
(the record's name, the points in the reader's number format), so a contributor reading in Khmer sees
Khmer. Any other reason (an organizer's own words) is shown as written, after the record it is about.
"""

import re
from collections.abc import Mapping

from django.apps import apps
from django.utils.translation import gettext, gettext_noop

from localization.templatetags.portal_i18n import points as points_text

CREDITED = gettext_noop("%(record)s accepted: %(points)s points (%(rule)s)")
AWARD_RULE = gettext_noop("task rule for points group %(group)s in force since %(date)s")
NO_LONGER_COUNTS = gettext_noop("%(record)s no longer counts")
CORRECTION_ADDED = gettext_noop(
    "Recomputation: %(record)s earns %(expected)s points but the ledger had none."
)
CORRECTION_TAKEN_BACK = gettext_noop("Recomputation: %(record)s no longer earns points; %(net)s taken back.")
CORRECTION_CHANGED = gettext_noop(
    "Recomputation: %(record)s earns %(expected)s points under the rules in force; the ledger had %(net)s."
)
STANDARD_REASONS = (CREDITED, NO_LONGER_COUNTS, CORRECTION_ADDED, CORRECTION_TAKEN_BACK, CORRECTION_CHANGED)
AMOUNTS = ("points", "expected", "net")
_PLACEHOLDER = re.compile(r"%\\\((\w+)\\\)s")


def record_label(source: str, source_id: int) -> str:
    """`Image submission #12`: the record's model name, looked up without importing its app."""
    try:
        name = str(apps.get_model(source)._meta.verbose_name)
    except (LookupError, ValueError):
        name = source
    return f"{name[:1].upper()}{name[1:]} #{source_id}"


def _pattern(template: str) -> re.Pattern:
    return re.compile("^" + _PLACEHOLDER.sub(r"(?P<\1>.+?)", re.escape(template)) + "$", re.DOTALL)


_PATTERNS = [(template, _pattern(template)) for template in STANDARD_REASONS]
_RULE_PATTERN = _pattern(AWARD_RULE)


def _fill(template: str, values: Mapping[str, str]) -> str:
    try:
        return gettext(template) % values
    except (KeyError, ValueError, TypeError):  # a translation that lost a placeholder: English then
        return template % values


def reason_text(*, reason: str, source: str, source_id: int) -> str:
    """A stored reason as the reader sees it, in the active language."""
    for template, pattern in _PATTERNS:
        match = pattern.match(reason)
        if match is None:
            continue
        values = dict(match.groupdict())
        values["record"] = record_label(source, source_id)
        for name in AMOUNTS:
            if name in values:
                values[name] = points_text(values[name])
        if "rule" in values:
            rule = _RULE_PATTERN.match(values["rule"])
            if rule is None:
                return reason
            values["rule"] = _fill(AWARD_RULE, rule.groupdict())
        return _fill(template, values)
    # Someone's own words (an organizer taking an image down): say which record they are about.
    record = record_label(source, source_id)
    return reason if record in reason else f"{record}: {reason}"
