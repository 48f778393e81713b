"""Markup that is the same for every reader of one language and time zone (the menu, the footer, a page's
filters): rendered once per process and what it depends on, then copied into each page.

A fragment's key is always the active language and time zone plus the values its user names (the
menu's: signed in or not, the roles; the filters': their choices and what is chosen). Nothing per viewer
beyond those may be inside: no CSRF token, no name, no message (the `{% rendered_once %}` tag, in
`portal_i18n`, refuses a `{% block %}` or `{% csrf_token %}` inside it). A catalog applied in this
process (`localization.services.translations_reload`) or a changed setting (the test suite) forgets
every copy: the next page renders them afresh.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from django.core.signals import setting_changed
from django.utils import timezone, translation

_generation = 0  # bumped by `fragments_forget`: every store drops what it kept before


def fragments_forget(**_kwargs) -> None:
    """Every fragment of this process is rendered again at its next use (new catalogs or settings)."""
    global _generation
    _generation += 1


setting_changed.connect(fragments_forget, dispatch_uid="localization-fragments-forget")


class FragmentStore:
    """At most `size` rendered fragments, the least recently used dropped first; safe across threads."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._copies: OrderedDict[Hashable, str] = OrderedDict()
        self._generation = _generation
        self._lock = threading.Lock()

    def get_or_render(self, key: Hashable, render: Callable[[], str]) -> str:
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
