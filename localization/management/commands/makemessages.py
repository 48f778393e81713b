"""Django's makemessages, without msgmerge's fuzzy matching.

With fuzzy matching, a new source string inherits the translation of a similar old one, flagged `fuzzy`.
The portal uses `fuzzy` to mean "a draft no translator has checked yet" and shows those drafts
(compiled with --use-fuzzy), so a guessed translation of a *different* sentence must never get the
flag: new strings start empty instead.
"""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]
    # Some modules import gettext_lazy as `_lazy` (next to gettext as `_`): extract those strings too.
    xgettext_options = [
        *makemessages.Command.xgettext_options,
        "--keyword=_lazy",
        "--keyword=ngettext_noop:1,2",
    ]
