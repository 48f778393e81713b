"""What every text task (3 to 6) accepts, checked the same way by each of them: one of the task's
languages, one of the campaign's countries, a text that is neither empty, too long nor a formula.

Each refusal is a `DomainError` on the form's field, with a message a contributor can read.
"""

from django.utils.translation import gettext as _

from campaign.errors import DomainError
from campaign.models import Country, Language
from texttasks.checks import looks_like_formula
from texttasks.language import language_refusal, language_verdict

MAX_TEXT = 4000


def task_language(*, task_number: int, code: str) -> Language:
    """A language the task takes (its list in the catalogue; any campaign language when it has none)."""
    code = (code or "").strip().lower()
    languages = Language.objects.filter(tasks__number=task_number)
    if not languages.exists():
        languages = Language.objects.all()
    language = languages.filter(code=code).first()
    if language is None:
        raise DomainError(
            _("Task %(number)s does not take this language.") % {"number": task_number}, field="language"
        )
    return language


def campaign_country(*, code: str) -> Country:
    """One of the campaign's countries, by its ISO code (any case)."""
    country = Country.objects.filter(code=(code or "").strip().upper()).first()
    if country is None:
        raise DomainError(_("Choose one of the campaign's 11 countries."), field="country")
    return country


def text_clean(text: str, *, field: str, label: str) -> str:
    """The text without surrounding spaces; refused when empty, too long or starting like a formula."""
    text = (text or "").strip()
    if not text:
        raise DomainError(_("%(label)s cannot be empty.") % {"label": label}, field=field)
    if len(text) > MAX_TEXT:
        raise DomainError(
            _("%(label)s is too long (at most %(max)s characters).") % {"label": label, "max": MAX_TEXT},
            field=field,
        )
    if looks_like_formula(text):
        raise DomainError(
            _(
                "%(label)s starts like a spreadsheet formula (“=”, “+”, “-” or “@” followed by a formula). "
                "Write the text itself."
            )
            % {"label": label},
            field=field,
            code="formula",
        )
    return text


def text_language_check(text: str, *, language_code: str, field: str) -> str:
    """Refuse a text clearly written in another language than the chosen one (naming what it reads as);
    return a note for the moderators when it only might be ("" when it reads as the chosen language)."""
    verdict = language_verdict(text, expected=language_code)
    if verdict.refused:
        raise DomainError(language_refusal(verdict, expected=language_code), field=field, code="wrong_language")
    return verdict.note if verdict.flagged else ""
