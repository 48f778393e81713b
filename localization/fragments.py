"""Markup that is the same for every reader of one language and time zone (the menu, the footer, a page's
filters): rendered once per process and what it depends on, then copied into each page.

A fragment's key is always the active language and time zone plus the values its user names (the
menu's: signed in or not, the roles; the filters': their choices and what is chosen). Nothing per viewer
beyond those may be inside: no CSRF token, no name, no message (the `{% rendered_once %}` tag, in
`portal_i18n`, refuses a `{% block %}` or `{% csrf_token %}` inside it). A catalog applied in this
process (`localization.services.translations_reload`) or a changed setting (the test suite) forgets
every copy: the next page renders them afresh.
"""

import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.core.signals import setting_changed
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

_generation = 0  # bumped by `fragments_forget`: every store drops what it kept before


def fragments_forget(**_kwargs) -> None:
    """Every fragment of this process is rendered again at its next use (new catalogs or settings)."""
    global _generation
    _generation += 1


setting_changed.connect(fragments_forget, dispatch_uid="localization-fragments-forget")


Fragment = TypeVar("Fragment")


class FragmentStore(Generic[Fragment]):
    """At most `size` rendered fragments (markup, or a `Shell`), the least recently used dropped first;
    safe across threads."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._copies: OrderedDict[Hashable, Fragment] = OrderedDict()
        self._generation = _generation
        self._lock = threading.Lock()

    def get_or_render(self, key: Hashable, render: Callable[[], Fragment]) -> Fragment:
        full_key = (translation.get_language(), timezone.get_current_timezone_name(), key)
        with self._lock:
            if self._generation != _generation:
                self._copies.clear()
                self._generation = _generation
            markup = self._copies.get(full_key)
            if markup is not None:
                self._copies.move_to_end(full_key)
                return markup
            generation = self._generation
        markup = render()  # outside the lock: two threads may both render once; they agree
        with self._lock:
            if generation == _generation == self._generation:
                self._copies[full_key] = markup
                if len(self._copies) > self.size:
                    self._copies.popitem(last=False)
        return markup


# A hole's mark: letters and digits only, so escaping leaves it as it is wherever a template puts it (an
# attribute, a text); random per process, so no text a page shows can pass for one.
_HOLE_MARK = f"seavlhole{secrets.token_hex(8)}"
_HOLE = re.compile(f"{_HOLE_MARK}([a-z]+){_HOLE_MARK}")


def hole(name: str) -> SafeString:
    """What a template is given in place of a per-request value (`name`: lowercase letters) when its page
    is rendered once as a `Shell`."""
    if not name.isalpha() or not name.islower():
        raise ValueError(name)
    return mark_safe(f"{_HOLE_MARK}{name}{_HOLE_MARK}")  # noqa: S308 - letters and digits


@dataclass(frozen=True)
class Shell:
    """A page rendered once with `hole`s where each request's own values go (its CSRF token, its path,
    its table): the markup between the holes and the holes' names, in order."""

    parts: tuple[str, ...]
    holes: tuple[str, ...]

    @classmethod
    def of(cls, markup: str) -> "Shell":
        pieces = _HOLE.split(markup)
        return cls(parts=tuple(pieces[0::2]), holes=tuple(pieces[1::2]))

    def fill(self, values: Mapping[str, str]) -> str:
        """The page with each hole's value (markup as it is: the caller escapes what needs it). A hole
        without a value is a KeyError, never a page with a mark in it."""
        pieces = [self.parts[0]]
        for name, part in zip(self.holes, self.parts[1:], strict=True):
            pieces += (values[name], part)
        return "".join(pieces)
