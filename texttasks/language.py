"""Is a text written in the language its author chose? The script first, then a language identifier.

Thai, Lao, Khmer, Burmese, Tamil and Chinese have scripts of their own: a Thai question in Lao script
is told by its letters alone. Indonesian, Malay (and Bruneian Malay), Filipino, Vietnamese and Tetun
share the Latin script with English: there `lingua` (lingua-language-detector, whose models ship inside
its wheel: nothing is downloaded at run time) tells them apart, restricted to the candidates that matter
here. What is clearly another language is refused, naming what was detected; what is only likely
(short texts, mixed Taglish, Tetun, which no identifier knows) goes to moderation flagged, not refused.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from django.utils.translation import gettext as _

# The script each campaign language is written in (ISO 639-3 code -> script).
LATIN, THAI, LAO, KHMER, MYANMAR, TAMIL, HAN = "Latin", "Thai", "Lao", "Khmer", "Myanmar", "Tamil", "Han"
LANGUAGE_SCRIPT = {
    "tha": THAI,
    "lao": LAO,
    "khm": KHMER,
    "mya": MYANMAR,
    "tam": TAMIL,
    "cmn": HAN,
    "ind": LATIN,
    "zsm": LATIN,
    "kxd": LATIN,
    "fil": LATIN,
    "vie": LATIN,
    "tet": LATIN,
    "eng": LATIN,
}
# The language a script stands for when it is the wrong one (named in the refusal).
SCRIPT_LANGUAGE = {THAI: "tha", LAO: "lao", KHMER: "khm", MYANMAR: "mya", TAMIL: "tam", HAN: "cmn"}
_UNICODE_PREFIX = {
    "LATIN": LATIN,
    "THAI": THAI,
    "LAO": LAO,
    "KHMER": KHMER,
    "MYANMAR": MYANMAR,
    "TAMIL": TAMIL,
    "CJK": HAN,
}

# A text is in a script when this share of its letters is; below the lower line it is not.
SCRIPT_CLEAR = 0.6
SCRIPT_MIXED = 0.3
# The identifier's confidence (0-1) above which another language is "clearly" it.
CLEARLY = 0.8
LIKELY = 0.5
# Tetun: flagged only when English, or Indonesian/Malay, is at least this likely.
TETUN_FLAG = 0.65
TETUN_MALAY_FLAG = 0.9
# Fewer words than this: the identifier is not trusted to refuse, only to flag.
MIN_WORDS_TO_REFUSE = 4

# Languages that read as one another's (Indonesian and Malay share most of their words): accepted
# for each other, never refused as the other.
_SAME_FAMILY = {"ind": {"ind", "zsm", "kxd"}, "zsm": {"ind", "zsm", "kxd"}, "kxd": {"ind", "zsm", "kxd"}}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# Letters only Vietnamese uses among the campaign's Latin languages (ơ ư ă đ and the stacked tones).
_VIETNAMESE_LETTERS = set("ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")

# lingua's names of the languages it can tell apart here (no Tetun, Khmer, Lao or Burmese in it).
_LINGUA_CODES = {"ENGLISH": "eng", "INDONESIAN": "ind", "MALAY": "zsm", "TAGALOG": "fil", "VIETNAMESE": "vie"}


@dataclass(frozen=True)
class LanguageVerdict:
    """`ok` (reads as the chosen language), `flag` (let through, for a moderator to check) or `refuse`."""

    outcome: str
    detected: str = ""  # ISO 639-3 code of what it reads as, or "" when unsure
    confidence: float = 0.0
    note: str = ""  # for moderators: what was detected and how sure

    @property
    def refused(self) -> bool:
        return self.outcome == "refuse"

    @property
    def flagged(self) -> bool:
        return self.outcome == "flag"


OK = LanguageVerdict("ok")


def script_shares(text: str) -> dict[str, float]:
    """Share of the text's letters (combining vowel signs included) in each script."""
    counts: dict[str, int] = {}
    total = 0
    for char in text:
        category = unicodedata.category(char)
        if category[0] not in "LM":
            continue
        try:
            prefix = unicodedata.name(char).split(" ", 1)[0]
        except ValueError:
            continue
        script = _UNICODE_PREFIX.get(prefix, "Other")
        counts[script] = counts.get(script, 0) + 1
        total += 1
    return {script: count / total for script, count in counts.items()} if total else {}


@cache
def _detector():
    from lingua import Language, LanguageDetectorBuilder

    languages = [getattr(Language, name) for name in _LINGUA_CODES]
    return LanguageDetectorBuilder.from_languages(*languages).with_minimum_relative_distance(0.0).build()


def identify(text: str) -> list[tuple[str, float]]:
    """(ISO 639-3 code, confidence) among English and the campaign's Latin-script languages, best first.

    Indonesian and Malay split their confidence between them: they count as one, named by the likelier.
    """
    values = _detector().compute_language_confidence_values(text)
    scores = {_LINGUA_CODES[value.language.name]: float(value.value) for value in values}
    malay_family = scores.pop("ind", 0.0), scores.pop("zsm", 0.0)
    scores["ind" if malay_family[0] >= malay_family[1] else "zsm"] = sum(malay_family)
    return sorted(scores.items(), key=lambda item: -item[1])


def language_verdict(text: str, *, expected: str) -> LanguageVerdict:
    """Whether ``text`` is written in ``expected`` (an ISO 639-3 code of the campaign)."""
    expected_script = LANGUAGE_SCRIPT.get(expected)
    shares = script_shares(text)
    if expected_script is None or not shares:
        return OK
    dominant, dominant_share = max(shares.items(), key=lambda item: item[1])
    own_share = shares.get(expected_script, 0.0)

    if expected_script != LATIN:
        if own_share >= SCRIPT_CLEAR:
            return OK
        if dominant != expected_script and dominant_share >= SCRIPT_CLEAR:
            if dominant == LATIN:
                return _latin_other(text, expected=expected)
            other = SCRIPT_LANGUAGE.get(dominant, "")
            return LanguageVerdict("refuse", other, dominant_share, _note(other or dominant, dominant_share))
        if own_share >= SCRIPT_MIXED:
            return LanguageVerdict("flag", "", own_share, _mixed_note(shares))
        return LanguageVerdict("refuse", SCRIPT_LANGUAGE.get(dominant, ""), dominant_share, _mixed_note(shares))

    # A Latin-script language (or English).
    if dominant != LATIN and dominant_share >= SCRIPT_CLEAR:
        other = SCRIPT_LANGUAGE.get(dominant, "")
        return LanguageVerdict("refuse", other, dominant_share, _note(other or dominant, dominant_share))
    if own_share < SCRIPT_CLEAR:
        return LanguageVerdict("flag", "", own_share, _mixed_note(shares))
    return _latin_language(text, expected=expected)


def _latin_other(text: str, *, expected: str) -> LanguageVerdict:
    """A text that should be in a script of its own came in Latin letters: what is it?"""
    ranked = identify(text)
    best, confidence = ranked[0] if ranked else ("", 0.0)
    long_enough = len(_WORD.findall(text)) >= MIN_WORDS_TO_REFUSE
    if best and (confidence >= CLEARLY or (long_enough and confidence >= LIKELY)):
        return LanguageVerdict("refuse", best, confidence, _note(best, confidence))
    # Latin letters, no clear language (a romanisation, names): not the chosen script either.
    return LanguageVerdict("refuse", "", confidence, _("Latin letters"))


def _english_word_share(words: list[str]) -> float:
    from texttasks.checks import COMMON_ENGLISH

    if not words:
        return 0.0
    return sum(1 for word in words if word.casefold() in COMMON_ENGLISH) / len(words)


def _latin_language(text: str, *, expected: str) -> LanguageVerdict:
    words = _WORD.findall(text)
    accepted = _SAME_FAMILY.get(expected, {expected})
    if expected == "vie" and any(char in _VIETNAMESE_LETTERS for char in text.casefold()):
        return OK
    ranked = identify(text)
    if not ranked:
        return OK
    best, confidence = ranked[0]
    if best in accepted:
        return OK
    # English among five candidates rarely scores above 0.8 even when plain; its function words tell.
    clearly = confidence >= CLEARLY or (
        best == "eng" and confidence >= LIKELY and _english_word_share(words) >= 0.5
    )
    long_enough = len(words) >= MIN_WORDS_TO_REFUSE
    if expected == "tet":
        return _tetun(best, confidence, clearly=clearly and long_enough)
    if clearly and long_enough:
        return LanguageVerdict("refuse", best, confidence, _note(best, confidence))
    if confidence >= LIKELY or clearly:
        return LanguageVerdict("flag", best, confidence, _note(best, confidence))
    return OK


def _tetun(best: str, confidence: float, *, clearly: bool) -> LanguageVerdict:
    """No identifier knows Tetun, which it takes for Malay or Tagalog at 0.3-0.8: only clear English is
    refused; text that is almost surely Indonesian/Malay (widely written in Timor-Leste, and Tetun
    borrows from it) is flagged for a moderator, never refused."""
    if best == "eng" and clearly:
        return LanguageVerdict("refuse", best, confidence, _note(best, confidence))
    if (best == "eng" and confidence >= TETUN_FLAG) or (best in ("ind", "zsm") and confidence >= TETUN_MALAY_FLAG):
        return LanguageVerdict("flag", best, confidence, _note(best, confidence))
    return OK


def language_name(code: str) -> str:
    """The language's name in the reader's language (the reference data's names are in the catalogs)."""
    from campaign.models import Language

    language = Language.objects.filter(code=code).first()
    return language.display_name if language else code


def detected_name(code: str) -> str:
    """What a text was detected as: Indonesian and Malay are told apart by nobody reliably, so both."""
    if code in ("ind", "zsm"):
        return _("%(first)s or %(second)s") % {"first": language_name("ind"), "second": language_name("zsm")}
    return language_name(code) if len(code) == 3 else code


def _note(code: str, confidence: float) -> str:
    name = detected_name(code)
    return _("%(language)s (%(percent)s%% sure)") % {"language": name, "percent": round(confidence * 100)}


def _mixed_note(shares: dict[str, float]) -> str:
    parts = sorted(shares.items(), key=lambda item: -item[1])
    return ", ".join(f"{script} {round(share * 100)}%" for script, share in parts)


def language_refusal(verdict: LanguageVerdict, *, expected: str) -> str:
    """The message a contributor reads when a text is refused as another language."""
    chosen = language_name(expected)
    if verdict.detected:
        return _(
            "This reads as %(detected)s, not %(chosen)s. Write it in %(chosen)s, or choose the language "
            "you wrote it in."
        ) % {"detected": detected_name(verdict.detected), "chosen": chosen}
    return _("This is not written in the script of %(chosen)s. Write it in %(chosen)s.") % {"chosen": chosen}
