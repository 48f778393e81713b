"""Reads: the glossary as rows for the Translations page and its CSV, and as a TBX file (ISO 30042,
TBX-Basic) that PO editors and CAT tools (Poedit, Weblate, OmegaT, memoQ) import as a termbase."""

from dataclasses import dataclass
from xml.etree import ElementTree

from django.utils.translation import get_language_info

from localization.glossary import GLOSSARY_LANGUAGES, STATUS, GlossaryTerm, glossary_terms

TBX_NAMESPACE = "urn:iso:std:iso:30042:ed-2"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass(frozen=True)
class GlossaryWord:
    language: str
    language_name: str
    word: str
    other_forms: tuple[str, ...]


@dataclass(frozen=True)
class GlossaryRow:
    term: str
    slug: str
    definition: str
    part_of_speech: str
    words: tuple[GlossaryWord, ...]


def _bcp47(language: str) -> str:
    """Django's language code as a BCP 47 tag (`zh-hans` → `zh-Hans`), as TBX and `lang=` expect."""
    base, _sep, script = language.partition("-")
    return f"{base}-{script.title()}" if len(script) == 4 else language


def _row(term: GlossaryTerm) -> GlossaryRow:
    return GlossaryRow(
        term=term.term,
        slug=term.term.replace(" ", "-"),
        definition=term.definition,
        part_of_speech=term.part_of_speech,
        words=tuple(
            GlossaryWord(
                language=_bcp47(language),
                language_name=get_language_info(language)["name_translated"],
                word=term.words[language][0],
                other_forms=term.words[language][1:],
            )
            for language in GLOSSARY_LANGUAGES
        ),
    )


def glossary_rows() -> list[GlossaryRow]:
    return [_row(term) for term in glossary_terms()]


def glossary_csv_header() -> list[str]:
    """One column per language (its BCP 47 tag), after the English term and its definition."""
    return ["term", "definition", "part_of_speech", *(_bcp47(code) for code in GLOSSARY_LANGUAGES)]


def glossary_csv_rows() -> list[list[str]]:
    return [
        [row.term, row.definition, row.part_of_speech, *(word.word for word in row.words)]
        for row in glossary_rows()
    ]


def glossary_tbx() -> bytes:
    """The glossary as TBX-Basic: one concept per term, the English term and definition, then the chosen
    word of each language (its other accepted forms as a note), marked as drafts until checked."""
    ElementTree.register_namespace("", TBX_NAMESPACE)

    def element(parent, tag: str, text: str | None = None, **attributes) -> ElementTree.Element:
        node = ElementTree.SubElement(parent, f"{{{TBX_NAMESPACE}}}{tag}", attributes)
        node.text = text
        return node

    root = ElementTree.Element(
        f"{{{TBX_NAMESPACE}}}tbx", {"type": "TBX-Basic", "style": "dca", XML_LANG: "en"}
    )
    header = element(root, "tbxHeader")
    file_description = element(header, "fileDesc")
    element(element(file_description, "titleStmt"), "title", "SEA-VL portal glossary")
    element(
        element(file_description, "sourceDesc"),
        "p",
        "The campaign's terms and the word chosen for each in every portal language "
        f"(status: {STATUS}, to be confirmed by native speakers).",
    )
    body = element(element(root, "text"), "body")
    for row in glossary_rows():
        concept = element(body, "conceptEntry", id=row.slug)
        english = element(concept, "langSec", **{XML_LANG: "en"})
        element(english, "descrip", row.definition, type="definition")
        term_section = element(english, "termSec")
        element(term_section, "term", row.term)
        element(term_section, "termNote", row.part_of_speech, type="partOfSpeech")
        for word in row.words:
            language_section = element(concept, "langSec", **{XML_LANG: word.language})
            term_section = element(language_section, "termSec")
            element(term_section, "term", word.word)
            element(term_section, "termNote", row.part_of_speech, type="partOfSpeech")
            element(
                term_section,
                "termNote",
                "preferredTerm-admn-sts" if STATUS != "draft" else "admittedTerm-admn-sts",
                type="administrativeStatus",
            )
            if word.other_forms:
                element(term_section, "note", "Also accepted: " + ", ".join(word.other_forms))
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
