"""Pure checks over the text contributors write: normalising questions, English-only, prompt chains,
the rule-breaking questions Task 4's page forbids, the spec's own examples and spreadsheet formulas."""

import re
import string
import unicodedata

from django.utils.translation import gettext as _

from campaign.text import looks_like_formula as _looks_like_formula

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)

# Common English words: function words and the vocabulary of image prompts. A prompt in another
# language written in Latin letters (Indonesian, Vietnamese, Tagalog, Malay) shares almost none of them.
_COMMON_ENGLISH_TEXT = """
    a an the this that these those of in on at to for from by with without into onto over under above
    below near next behind beside between among around across through during before after while as and
    or but not no nor so if then than too very also only just all any some many much more most few each
    every other another both either neither such same own is are was were be been being am do does did
    has have had having will would can could should may might must shall it its they them their theirs he
    him his she her hers we us our you your i me my who whom whose which what where when why how there
    here up down out off about against again once one two three four five several group
    draw drawing image picture photo photograph painting illustration scene show showing shows depict
    depicting create generate render style view background foreground close wide
    people person man men woman women child children boy girl family friends crowd old young little
    big small large tall long short red blue green yellow white black brown orange purple pink golden
    traditional modern local street market house home village city temple river sea beach field table
    food dish bowl plate cup glass drink drinking eating eat cooking cook selling sitting standing
    walking wearing holding playing dancing making carrying riding looking smiling
    day night morning evening sunset rain festival celebration ceremony dress shirt hat clothes
    """
COMMON_ENGLISH = frozenset(_COMMON_ENGLISH_TEXT.split())
MIN_ENGLISH_SHARE = 0.25
MAX_NON_LATIN_SHARE = 0.2
MIN_KEPT_SHARE = 0.6


def normalise_question(text: str) -> str:
    """Casefold, strip punctuation, collapse whitespace: `What  is THIS?` and `what is this` are the same."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    # Punctuation and symbols become spaces; letters, combining marks (Thai, Khmer, Burmese vowels) and
    # digits stay.
    # Invisible format characters (zero-width spaces used as word-break hints) are dropped.
    kept = "".join(_normalised_char(char) for char in text)
    return " ".join(kept.split())


def normalise_text(text: str) -> str:
    """The form a duplicate is recognised by (the same as Task 4's questions): case, spacing and
    punctuation do not make a text new."""
    return normalise_question(text)


def _normalised_char(char: str) -> str:
    category = unicodedata.category(char)
    if category == "Cf":
        return ""
    return " " if category[0] in "PSZC" else char


def _is_latin(char: str) -> bool:
    try:
        return unicodedata.name(char).startswith("LATIN")
    except ValueError:
        return False


def english_problem(text: str) -> str | None:
    """None when `text` reads as English; otherwise a message a contributor can act on.

    A light heuristic: letters mostly outside the Latin script (Thai, Khmer, Chinese, Burmese...) are
    not English; Latin text is English when a fair share of its words are common English words.
    """
    letters = [char for char in text if char.isalpha()]
    if not letters:
        return _("Write the prompt in English.")
    non_latin = sum(1 for char in letters if not _is_latin(char))
    if non_latin / len(letters) > MAX_NON_LATIN_SHARE:
        return _("This prompt is not in English. Task 5 takes English prompts only.")
    words = [word.casefold().replace("’", "'") for word in _WORD.findall(text)]
    common = sum(1 for word in words if word.split("'")[0] in COMMON_ENGLISH)
    if not common or common / len(words) < MIN_ENGLISH_SHARE:
        return _(
            "This prompt does not read as English. Task 5 takes English prompts only; write it in "
            "English (names of dishes, places and clothes can stay as they are)."
        )
    return None


def content_words(text: str) -> set[str]:
    words = {word.casefold().strip(string.punctuation) for word in _WORD.findall(text)}
    return {word for word in words if word and word not in COMMON_ENGLISH or word in _CONTENT_KEEP}


# Common words that still carry the picture's content (kept when comparing levels).
_CONTENT_KEEP_TEXT = (
    "people person man men woman women child children drinking eating wearing holding food dish"
)
_CONTENT_KEEP = frozenset(_CONTENT_KEEP_TEXT.split())


def chain_problems(levels: list[str]) -> dict[int, str]:
    """Level (1-based) -> message, for a chain where a level does not build on the one before.

    Each level must be longer than the previous one and keep most of its content words (the spec's
    example: `people drinking cendol` -> `... with durian topping` -> `... while wearing kebaya`).
    """
    problems: dict[int, str] = {}
    for number in range(2, len(levels) + 1):
        previous, current = levels[number - 2].strip(), levels[number - 1].strip()
        if not previous or not current:
            continue
        if len(current.split()) <= len(previous.split()):
            problems[number] = _("Level %(level)s must add detail to level %(previous)s: make it longer.") % {
                "level": number,
                "previous": number - 1,
            }
            continue
        before = content_words(previous)
        if before:
            kept = len(before & content_words(current)) / len(before)
            if kept < MIN_KEPT_SHARE:
                problems[number] = _(
                    "Level %(level)s must build on level %(previous)s: keep its subject and add to it."
                ) % {"level": number, "previous": number - 1}
    return problems


# --- The spec's own examples -------------------------------------------------------------------------

# Task 5's example chain on the campaign page (and in the form's help): copying it is not a contribution.
SPEC_EXAMPLE_PROMPTS = (
    "Draw an image of people drinking cendol.",
    "Draw an image of people drinking cendol with durian topping.",
    "Draw an image of people drinking cendol with durian topping while wearing kebaya.",
)
_SPEC_EXAMPLES_NORMALISED = frozenset(normalise_text(text) for text in SPEC_EXAMPLE_PROMPTS)


def is_spec_example(text: str) -> bool:
    return normalise_text(text) in _SPEC_EXAMPLES_NORMALISED


# --- Task 4's rules: no generic questions, no counting questions ------------------------------------

# Only whole questions that say nothing about the image's content: a question with any word of its own
# ("What is in this bowl?", "What sport is played in this image?") passes.
_IMAGE = r"(?:image|picture|photo|photograph|pic|scene)"
_THIS = r"(?:this|the|that)"
_GENERIC_QUESTIONS = re.compile(
    r"^(?:"
    rf"what (?:is|s) (?:this|that|it|(?:in|on|shown in|shown on|happening in|going on in|depicted in) {_THIS} {_IMAGE})"
    rf"|what (?:is|s) (?:shown|depicted|happening|going on)(?: (?:in|on) {_THIS} {_IMAGE})?"
    rf"|what (?:do|can|could) (?:you|we|i) see(?: (?:in|on) {_THIS} {_IMAGE})?"
    rf"|what (?:does|do) {_THIS} {_IMAGE} (?:show|depict|contain)"
    rf"|what (?:is|s) {_THIS} {_IMAGE}(?: about| of)?"
    rf"|(?:please )?describe {_THIS} {_IMAGE}"
    r")$"
)
_COUNTING = re.compile(r"(?:^| )how many(?: |$)")

# The same two rules in the campaign's other languages where the phrasing is unambiguous: whole generic
# questions, and counting phrases (a counting word with its classifier, so that "how much does it cost"
# or "how old" are not caught). Questions are normalised first (casefolded, punctuation gone).
_GENERIC_ELSEWHERE = re.compile(
    r"^(?:"
    r"apa (?:ini|itu)|apa yang (?:ada|terlihat|kelihatan) (?:di|dalam|pada) (?:gambar|foto) ini"
    r"|(?:jelaskan|terangkan|gambarkan) (?:gambar|foto) ini"  # Indonesian, Malay
    r"|đây là (?:gì|cái gì)|cái gì đây|(?:bức )?(?:ảnh|hình) này có gì|có gì trong (?:bức )?(?:ảnh|hình) này"
    r"|mô tả (?:bức )?(?:ảnh|hình) này"  # Vietnamese
    r"|นี่(?:คือ)?อะไร|(?:ใน)?ภาพนี้มีอะไร(?:บ้าง)?|อธิบายภาพนี้"  # Thai
    r"|ano (?:ito|iyan)|ano ang (?:nasa|makikita sa) (?:larawan|litrato) na ito"
    r"|ilarawan ang (?:larawan|litrato) na ito"  # Filipino
    r"|这是什么|(?:这张)?(?:图片|照片|图)(?:里|中)有什么|描述(?:一下)?这张(?:图片|照片)"  # Chinese
    r"|(?:តើ ?)?នេះ ?(?:គឺ ?)?ជា ?អ្វី|(?:តើ ?)?មាន ?អ្វី ?(?:នៅ ?)?(?:ក្នុង ?)?រូប(?:ភាព|ថត)? ?នេះ"
    r"|ពិពណ៌នា ?រូប(?:ភាព|ថត)? ?នេះ"  # Khmer
    r"|ນີ້ ?(?:ແມ່ນ|ຄື) ?ຫຍັງ|(?:ໃນ ?)?ຮູບ(?:ພາບ)? ?ນີ້ ?ມີ ?ຫຍັງ(?: ?ແດ່)?|ອະທິບາຍ ?ຮູບ(?:ພາບ)? ?ນີ້"  # Lao
    r"|ဒါ ?(?:ဘာ ?လဲ|ဘာ ?လည်း)|ဒီ ?(?:ဓာတ်)?ပုံ ?(?:ထဲ ?(?:မှာ|တွင်)|မှာ) ?ဘာ ?(?:တွေ ?)?ရှိ ?(?:လဲ|သလဲ)"
    r"|ဒီ ?(?:ဓာတ်)?ပုံ ?(?:ကို ?)?ဖော်ပြ ?(?:ပါ|ပေးပါ)"  # Burmese
    r"|இது என்ன|இந்த(?:ப்)? படத்தில் என்ன (?:இருக்கிறது|உள்ளது)|இந்த(?:ப்)? படத்தை விவரி(?:க்கவும்|யுங்கள்)?"  # Tamil
    r"|(?:ne ?e|nee) saida|saida mak (?:ne ?e|nee)|saida mak iha (?:imajen|foto|retratu) (?:ne ?e|nee)"
    r"|deskreve (?:imajen|foto|retratu) (?:ne ?e|nee)"  # Tetun (the apostrophe of ne'e is gone)
    r")$"
)
_COUNTING_ELSEWHERE = re.compile(
    r"(?:^| )(?:ada berapa|berapa (?:banyak|jumlah|buah|orang|ekor))(?: |$)"  # Indonesian, Malay
    r"|(?:^| )bao nhiêu (?:người|cái|con|chiếc|món|bát|đĩa|quả|ngôi|em bé)(?: |$)"  # Vietnamese
    r"|มีกี่|กี่(?:คน|ตัว|อัน|ชิ้น|ใบ|จาน|ลูก|หลัง)"  # Thai
    r"|(?:^| )ilan (?:ang|ang mga)(?: |$)"  # Filipino
    r"|几个|多少个|多少人|几只|几碗|几盘"  # Chinese
    r"|ប៉ុន្មាន ?(?:នាក់|ក្បាល|ដើម|គ្រាប់|ចាន|ផ្លែ|ដុំ|គ្រឿង|ខ្នង|ប្រអប់)"  # Khmer (not តម្លៃ/អាយុ ប៉ុន្មាន)
    r"|ຈັກ ?(?:ຄົນ|ໂຕ|ອັນ|ໜ່ວຍ|ຈານ|ຫຼັງ|ລູກ|ຖ້ວຍ)"  # Lao (not ຈັກປີ, an age; not ເທົ່າໃດ, a price)
    r"|ဘယ် ?နှစ် ?(?:ယောက်|ကောင်|ခု|လုံး|ပွဲ|ချပ်|ပင်|စီး|ဦး)"  # Burmese (not ဘယ်လောက်, a price or age)
    r"|(?:^| )எத்தனை(?! வயது)(?: |$)"  # Tamil (not எத்தனை வயது, an age; எவ்வளவு is a price)
    r"|(?:^| )(?:ema|na in|ikun|fuan|sasan) hira(?: |$)"  # Tetun (not folin hira, a price)
)


def question_rule_problem(question: str) -> str | None:
    """None for a question Task 4's rules allow; otherwise the rule it breaks, as the page states it."""
    normalised = normalise_question(question)
    if (
        _COUNTING.search(normalised)
        or _GENERIC_QUESTIONS.match(normalised)
        or _COUNTING_ELSEWHERE.search(normalised)
        or _GENERIC_ELSEWHERE.match(normalised)
    ):
        # The rule as the page states it (texttasks.views.QUESTION_RULES): one string to translate.
        return _("No generic questions (“What is in this image?”) and no counting questions (“How many…?”).")
    return None


# --- Spreadsheet formulas ----------------------------------------------------------------------------


def looks_like_formula(text: str) -> bool:
    """A text a spreadsheet would run rather than show: `=cmd()`, `=HYPERLINK(...)`, `+SUM(A1)`.
    The rule is campaign.text's, with the signed forms (`+`, `-`, `@`) the text tasks also refuse."""
    return _looks_like_formula(text, signed=True)
