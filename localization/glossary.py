"""The glossary of the campaign's own words: what each term means here, and the word chosen for it in
each language, so every translator of every page says "contributor" or "gold item" the same way.

The organizers' Translations page shows it and exports it (CSV, TBX). A test
(tests/localization/test_glossary.py) reads every catalog: an entry whose msgid contains a term (`source`,
a regular expression over the English) must use one of the term's words for that language (`words`: the
chosen word first, then the forms the language's grammar needs, matched as substrings, case-insensitive).
An entry that rightly says it otherwise is listed in `EXCEPTIONS` with the reason.

The words are drafts like the catalogs (see `STATUS`): a native speaker confirms them, then corrects the
catalogs to match (the test shows where).

The definitions stay in English: they are the source text of the glossary, read by translators next to
the English msgids, not text for contributors.
"""

import re
from dataclasses import dataclass, field

STATUS = "draft"
GLOSSARY_LANGUAGES = ("id", "th", "vi", "ms", "fil", "km", "lo", "my", "tet", "ta", "zh-hans")


@dataclass(frozen=True)
class GlossaryTerm:
    term: str
    definition: str
    source: str  # a regular expression, case-insensitive, over the msgid (and msgid_plural)
    words: dict[str, tuple[str, ...]] = field(default_factory=dict)
    part_of_speech: str = "noun"

    def matches(self, english: str) -> bool:
        return re.search(self.source, english, re.IGNORECASE) is not None

    def chosen_word(self, language: str) -> str:
        return self.words[language][0]

    def used_in(self, language: str, translation: str) -> bool:
        folded = translation.casefold()
        return any(word.casefold() in folded for word in self.words[language])


TERMS: tuple[GlossaryTerm, ...] = (
    GlossaryTerm(
        term="contributor",
        definition="A volunteer who contributes to the dataset (photos, ratings, texts) and earns points for it. Not a staff member or co-worker.",
        source=r"\bcontributors?\b",
        words={
            "id": ("kontributor",),
            "th": ("ผู้มีส่วนร่วม",),
            "vi": ("người đóng góp",),
            "ms": ("penyumbang",),
            "fil": ("contributor", "kontributor", "nag-ambag"),
            "km": ("អ្នករួមចំណែក",),
            "lo": ("ຜູ້ປະກອບສ່ວນ",),
            "my": ("ပံ့ပိုးသူ",),
            "tet": ("kontribuidór",),
            "ta": ("பங்களிப்பாளர்", "பங்களிப்பாளர"),
            "zh-hans": ("贡献者",),
        },
    ),
    GlossaryTerm(
        term="annotator",
        definition="A contributor who passed the screening test and rates other people's images (Task 2): cultural relevance, caption fit, quality. Not someone who writes captions.",
        source=r"\bannotators?\b",
        words={
            "id": ("anotator",),
            "th": ("ผู้ตรวจทาน",),
            "vi": ("người gán nhãn",),
            "ms": ("anotator",),
            "fil": ("annotator",),
            "km": ("អ្នកចំណារពន្យល់",),
            "lo": ("ຜູ້ປະເມີນ",),
            "my": ("မှတ်ချက်ပေးသူ",),
            "tet": ("anotadór",),
            "ta": ("குறிப்பாளர்", "குறிப்பாளர"),
            "zh-hans": ("标注者",),
        },
    ),
    GlossaryTerm(
        term="screening test",
        definition="The short test (rating a few known photos) a contributor passes before rating images as an annotator.",
        source=r"\bscreening\b",
        words={
            "id": ("tes penyaringan", "penyaringan"),
            "th": ("แบบทดสอบคัดกรอง", "คัดกรอง"),
            "vi": ("bài kiểm tra sàng lọc", "sàng lọc"),
            "ms": ("ujian saringan", "saringan"),
            "fil": ("screening test", "screening"),
            "km": ("តេស្តជ្រើសរើស", "ជ្រើសរើស"),
            "lo": ("ແບບທົດສອບຄັດເລືອກ", "ຄັດເລືອກ"),
            "my": ("စစ်ထုတ်စာမေးပွဲ", "စစ်ထုတ်"),
            "tet": ("teste seleksaun", "seleksaun"),
            "ta": ("தேர்வுச் சோதனை", "தேர்வு"),
            "zh-hans": ("筛选测试", "筛选"),
        },
    ),
    GlossaryTerm(
        term="gold item",
        definition="An image whose right answer the organizers know, hidden among the others in the review queue to check an annotator's accuracy. Nothing to do with the metal.",
        source=r"\bgold\b",
        words={
            "id": ("item acuan",),
            "th": ("รายการมาตรฐาน",),
            "vi": ("mục chuẩn",),
            "ms": ("item rujukan",),
            "fil": ("item na panukat",),
            "km": ("ធាតុគំរូ",),
            "lo": ("ລາຍການມາດຕະຖານ",),
            "my": ("စံနမူနာ",),
            "tet": ("item referénsia",),
            "ta": ("அளவுகோல் உருப்படி",),
            "zh-hans": ("金标准题", "金标准"),
        },
    ),
    GlossaryTerm(
        term="consensus",
        definition="The decision the annotators' ratings of one image reach together (agreement of most of them), which accepts or rejects it.",
        source=r"\bconsensus\b",
        words={
            "id": ("konsensus",),
            "th": ("ฉันทามติ",),
            "vi": ("đồng thuận",),
            "ms": ("konsensus",),
            "fil": ("consensus",),
            "km": ("ការឯកភាព", "មតិរួម"),
            "lo": ("ມະຕິເອກະສັນ",),
            "my": ("သဘောတူညီမှု",),
            "tet": ("konsensu",),
            "ta": ("ஒருமித்த கருத்து",),
            "zh-hans": ("共识",),
        },
    ),
    GlossaryTerm(
        term="points group",
        definition="The set of countries (or, for Tasks 3 and 4, of languages) that share one points table: a contribution earns the points of its group.",
        source=r"\bpoints? groups?\b",
        words={
            "id": ("kelompok poin",),
            "th": ("กลุ่มคะแนน",),
            "vi": ("nhóm điểm",),
            "ms": ("kumpulan mata",),
            "fil": ("grupo ng puntos",),
            "km": ("ក្រុមពិន្ទុ",),
            "lo": ("ກຸ່ມຄະແນນ",),
            "my": ("အမှတ်အုပ်စု",),
            "tet": ("grupu pontu",),
            "ta": ("புள்ளிக் குழு", "புள்ளிக் குழுவ"),
            "zh-hans": ("积分组",),
        },
    ),
    GlossaryTerm(
        term="points follow",
        definition="Which points group a contribution's points are counted in: the country (Tasks 1, 5, 6) or the language (Tasks 3, 4). Not “points will come later”.",
        source=r"\bpoints follow\b",
        words={
            "id": ("poin mengikuti",),
            "th": ("คะแนนคิดตาม",),
            "vi": ("điểm tính theo",),
            "ms": ("mata mengikut",),
            "fil": ("puntos ayon sa",),
            "km": ("ពិន្ទុគិតតាម",),
            "lo": ("ຄະແນນຄິດຕາມ",),
            "my": ("အမှတ်တွက်သည့်အခြေခံ",),
            "tet": ("pontu tuir",),
            "ta": ("புள்ளிகள் கணக்கிடப்படும் அடிப்படை",),
            "zh-hans": ("积分归属",),
        },
        part_of_speech="other",
    ),
    GlossaryTerm(
        term="lowest-paying group",
        definition="Of a contribution's countries, the points group that gives the fewest points; points, never money.",
        source=r"\blowest-paying\b",
        words={
            "id": ("poin terendah",),
            "th": ("คะแนนต่ำสุด",),
            "vi": ("điểm thấp nhất",),
            "ms": ("mata terendah",),
            "fil": ("pinakamababang puntos",),
            "km": ("ពិន្ទុទាបបំផុត",),
            "lo": ("ຄະແນນຕ່ຳສຸດ",),
            "my": ("အမှတ်အနည်းဆုံး",),
            "tet": ("pontu ki'ik liu",),
            "ta": ("குறைந்த புள்ளி",),
            "zh-hans": ("积分最低",),
        },
    ),
    GlossaryTerm(
        term="badge",
        definition="A reward level shown on the leaderboard and on “My points” (certificate, merchandise, co-authorship). Not a medal.",
        source=r"\bbadges?\b",
        words={
            "id": ("lencana",),
            "th": ("ตราสัญลักษณ์",),
            "vi": ("huy hiệu",),
            "ms": ("lencana",),
            "fil": ("badge",),
            "km": ("ស្លាកសញ្ញា",),
            "lo": ("ເຄື່ອງໝາຍ",),
            "my": ("တံဆိပ်",),
            "tet": ("emblema",),
            "ta": ("சின்னங்கள்", "சின்னம்"),
            "zh-hans": ("徽章",),
        },
    ),
    GlossaryTerm(
        term="co-authorship",
        definition="Being named as one of the authors of the SEA-VL paper (from 300 points). A co-author is one of several authors, not the author.",
        source=r"\bco-?author",
        words={
            "id": ("penulis pendamping", "kepenulisan bersama", "penulis bersama"),
            "th": ("ผู้ร่วมเขียน",),
            "vi": ("đồng tác giả",),
            "ms": ("pengarang bersama",),
            "fil": ("co-author", "kapwa-may-akda"),
            "km": ("សហអ្នកនិពន្ធ",),
            "lo": ("ຜູ້ຂຽນຮ່ວມ",),
            "my": ("ပူးတွဲစာရေးသူ",),
            "tet": ("ko-autór", "ko-autoria"),
            "ta": ("இணை ஆசிரியர்", "இணை ஆசிரிய"),
            "zh-hans": ("合著", "共同作者"),
        },
    ),
    GlossaryTerm(
        term="take down",
        definition="An organizer removes an accepted image for good (after a take-down request or a personal-data request): its files are deleted and its points taken back.",
        source=r"\btake(n)?[- ]?down\b",
        words={
            "id": ("turunkan", "diturunkan", "penurunan"),
            "th": ("นำออก", "นำภาพนี้ออก"),
            "vi": ("gỡ",),
            "ms": ("turunkan", "diturunkan", "penurunan"),
            "fil": ("tanggal", "tinanggal"),
            "km": ("ដកចេញ",),
            "lo": ("ນຳອອກ", "ນຳຮູບນີ້ອອກ"),
            "my": ("ဖယ်ရှား",),
            "tet": ("hasai",),
            "ta": ("அகற்",),
            "zh-hans": ("下架",),
        },
        part_of_speech="verb",
    ),
    GlossaryTerm(
        term="prompt",
        definition="A text given to a vision-language model: a benchmark question to translate (Task 3), or a text that asks a model to generate or describe an image (Tasks 5, 6). Not a command line or an input box.",
        source=r"\bprompts?\b",
        words={
            "id": ("prompt",),
            "th": ("พรอมต์",),
            "vi": ("prompt",),
            "ms": ("prompt",),
            "fil": ("prompt",),
            "km": ("prompt",),
            "lo": ("ພຣອມ", "prompt"),
            "my": ("prompt",),
            "tet": ("prompt",),
            "ta": ("prompt",),
            "zh-hans": ("提示",),
        },
    ),
    GlossaryTerm(
        term="culturally relevant",
        definition="Showing something of a Southeast Asian culture (food, places, events, everyday practices) that a person of that culture would recognize: the first thing annotators rate.",
        source=r"\bcultural(ly)?[- ]relevan",
        words={
            "id": ("budaya",),
            "th": ("วัฒนธรรม",),
            "vi": ("văn hóa",),
            "ms": ("budaya",),
            "fil": ("kultura",),
            "km": ("វប្បធម៌",),
            "lo": ("ວັດທະນະທຳ",),
            "my": ("ယဉ်ကျေးမှု",),
            "tet": ("kultur",),
            "ta": ("கலாச்சார",),
            "zh-hans": ("文化",),
        },
        part_of_speech="adjective",
    ),
    GlossaryTerm(
        term="flag",
        definition="An annotator's report that an image has a problem that must keep it out of the dataset (a face, personal data, not a photo…). Not a national flag.",
        source=r"\bflag(s|ged)?\b",
        words={
            "id": ("tanda", "ditandai"),
            "th": ("แจ้งปัญหา",),
            "vi": ("báo cáo",),
            "ms": ("tanda", "ditandakan"),
            "fil": ("flag",),
            "km": ("រាយការណ៍",),
            "lo": ("ແຈ້ງບັນຫາ",),
            "my": ("တိုင်ကြား",),
            "tet": ("sinál", "sinaliza"),
            "ta": ("சுட்டிக்காட்ட",),
            "zh-hans": ("举报",),
        },
    ),
)

# (language, msgid): why this entry rightly does not use the glossary's word ("*": every language).
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("*", "the field “prompt” (or “question”) is missing"): "“prompt” names a JSON field of the import file: it stays as it is.",
    ("*", "%(where)s: the field “prompt” is missing"): "“prompt” names a JSON field of the import file: it stays as it is.",
}


def glossary_exception(*, language: str, msgid: str) -> str | None:
    """Why an entry need not use the glossary's word (None when it must)."""
    return EXCEPTIONS.get((language, msgid)) or EXCEPTIONS.get(("*", msgid))


def glossary_terms() -> tuple[GlossaryTerm, ...]:
    return TERMS


def glossary_terms_in(english: str) -> list[GlossaryTerm]:
    """The glossary's terms an English text contains."""
    return [term for term in TERMS if term.matches(english)]
