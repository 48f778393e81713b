"""The campaign's reference data, from the SEA-VL Phase 2 page (../shared/seavl-phase2.md).

Loaded into the database by a data migration; admins see and edit the rows there. Code and tests read
the rows, this module is only the seed (and the list of name variants found in the campaign's files).
"""

# Points groups of the spec's points table, in its column order.
POINTS_GROUPS = {
    1: "Indonesia, Singapore, Philippines",
    2: "Thailand, Malaysia, Vietnam",
    3: "Brunei, East Timor, Cambodia, Laos, Myanmar",
}
UNDERREPRESENTED_GROUP = 3

# ISO 3166-1 alpha-2 code, name, points group.
COUNTRIES = [
    ("BN", "Brunei", 3),
    ("KH", "Cambodia", 3),
    ("TL", "East Timor", 3),
    ("ID", "Indonesia", 1),
    ("LA", "Laos", 3),
    ("MY", "Malaysia", 2),
    ("MM", "Myanmar", 3),
    ("PH", "Philippines", 1),
    ("SG", "Singapore", 1),
    ("TH", "Thailand", 2),
    ("VN", "Vietnam", 2),
]

# Names seen in the campaign's files and forms for each country.
COUNTRY_ALIASES = {
    "brunei darussalam": "BN",
    "brunei": "BN",
    "cambodia": "KH",
    "kampuchea": "KH",
    "east timor": "TL",
    "timor-leste": "TL",
    "timor leste": "TL",
    "timor": "TL",
    "indonesia": "ID",
    "laos": "LA",
    "lao pdr": "LA",
    "lao": "LA",
    "malaysia": "MY",
    "myanmar": "MM",
    "burma": "MM",
    "philippines": "PH",
    "the philippines": "PH",
    "singapore": "SG",
    "thailand": "TH",
    "vietnam": "VN",
    "viet nam": "VN",
}

# ISO 639-3 code, name, the country whose points group a contribution in this language earns.
LANGUAGES = [
    ("ind", "Indonesian", "ID"),
    ("tha", "Thai", "TH"),
    ("zsm", "Standard Malay", "MY"),
    ("fil", "Filipino/Tagalog", "PH"),
    ("lao", "Lao", "LA"),
    ("khm", "Khmer", "KH"),
    ("tam", "Tamil", "SG"),
    ("cmn", "Mandarin Chinese", "SG"),
    ("vie", "Vietnamese", "VN"),
    ("mya", "Burmese", "MM"),
    ("tet", "Tetun", "TL"),
    ("kxd", "Bruneian Malay", "BN"),
    ("eng", "English", None),
]

# The description of a task announced before it has one (Task 6): pages show it only until it opens.
TO_BE_OPENED = "To be opened at a later date."

# Task number, slug, name, status, languages (None: any), short description.
TASKS = [
    (
        1,
        "images",
        "Submit a culturally-relevant image with description",
        "open",
        None,
        "Share your own photos that reflect an aspect of Southeast Asian culture (food, places, "
        "events, everyday practices), with a description in English and in your native language.",
    ),
    (
        2,
        "review",
        "Review image-description pairs",
        "open",
        None,
        "Pass a short screening test, then rate submitted images for cultural relevance, caption fit "
        "and quality.",
    ),
    (
        3,
        "translations",
        "Translate benchmark datasets",
        "open",
        ["tha", "zsm", "fil", "lao", "khm", "tam", "cmn", "mya", "tet", "kxd"],
        "Translate English prompts from vision-language benchmarks into a language you speak "
        "natively or fluently. Three translators per language.",
    ),
    (
        4,
        "visual-questions",
        "Submit visual questions for multicultural images",
        "open",
        ["ind", "tha", "zsm", "fil", "tam", "cmn", "vie", "mya", "lao", "khm", "tet", "kxd"],
        "Write original questions, with their answers, about cultural images from Southeast Asia.",
    ),
    (
        5,
        "generation-prompts",
        "Submit high-quality text prompts for image generation",
        "open",
        ["eng"],
        "Write English prompts for image generation at three levels of complexity, each building on "
        "the one before, about the culture of a Southeast Asian country you know well.",
    ),
    (
        6,
        "text-prompts",
        "Submit high-quality text prompts",
        "scheduled",
        None,
        TO_BE_OPENED,
    ),
]

# Alternative spellings of languages met in the campaign's files ("Myanmar (mm)", "chinese", ...),
# and common other languages, so that free text normalises to a name and an ISO 639-3 code.
LANGUAGE_ALIASES = {
    "indonesian": "ind",
    "bahasa indonesia": "ind",
    "id": "ind",
    "thai": "tha",
    "th": "tha",
    "malay": "zsm",
    "standard malay": "zsm",
    "bahasa melayu": "zsm",
    "ms": "zsm",
    "msa": "zsm",
    "may": "zsm",
    "filipino": "fil",
    "tagalog": "fil",
    "filipino/tagalog": "fil",
    "tgl": "fil",
    "tl": "fil",
    "lao": "lao",
    "lo": "lao",
    "khmer": "khm",
    "km": "khm",
    "cambodian": "khm",
    "tamil": "tam",
    "ta": "tam",
    "mandarin": "cmn",
    "mandarin chinese": "cmn",
    "chinese": "cmn",
    "chinese mandarin": "cmn",
    "zh": "cmn",
    "zho": "cmn",
    "chi": "cmn",
    "vietnamese": "vie",
    "vi": "vie",
    "burmese": "mya",
    "myanmar": "mya",
    "mm": "mya",
    "my": "mya",
    "bur": "mya",
    "tetun": "tet",
    "tetum": "tet",
    "bruneian malay": "kxd",
    "brunei malay": "kxd",
    "english": "eng",
    "en": "eng",
}

OTHER_LANGUAGES = {
    "jav": "Javanese",
    "sun": "Sundanese",
    "ceb": "Cebuano",
    "ilo": "Ilocano",
    "hil": "Hiligaynon",
    "min": "Minangkabau",
    "ban": "Balinese",
    "bug": "Buginese",
    "ace": "Acehnese",
    "bjn": "Banjar",
    "mad": "Madurese",
    "yue": "Cantonese",
    "nan": "Min Nan Chinese",
    "hak": "Hakka Chinese",
    "shn": "Shan",
    "kac": "Kachin",
    "ksw": "S'gaw Karen",
    "hmn": "Hmong",
    "por": "Portuguese",
    "spa": "Spanish",
    "fra": "French",
    "deu": "German",
    "nld": "Dutch",
    "jpn": "Japanese",
    "kor": "Korean",
    "hin": "Hindi",
    "ben": "Bengali",
    "urd": "Urdu",
    "arb": "Arabic",
    "rus": "Russian",
    "ita": "Italian",
}
OTHER_LANGUAGE_ALIASES = {
    "javanese": "jav",
    "jawa": "jav",
    "sundanese": "sun",
    "cebuano": "ceb",
    "bisaya": "ceb",
    "ilocano": "ilo",
    "ilokano": "ilo",
    "hiligaynon": "hil",
    "minangkabau": "min",
    "balinese": "ban",
    "cantonese": "yue",
    "hokkien": "nan",
    "teochew": "nan",
    "hakka": "hak",
    "portuguese": "por",
    "pt": "por",
    "spanish": "spa",
    "es": "spa",
    "french": "fra",
    "fr": "fra",
    "german": "deu",
    "de": "deu",
    "dutch": "nld",
    "japanese": "jpn",
    "ja": "jpn",
    "korean": "kor",
    "ko": "kor",
    "hindi": "hin",
    "arabic": "arb",
    "russian": "rus",
    "italian": "ita",
}
