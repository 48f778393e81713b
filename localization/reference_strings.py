"""The campaign's reference texts that pages show from the database (task names and descriptions, country
and language names), repeated here (never called) so that `makemessages` puts them in the catalogs.

Templates translate the stored value (`{% translate task.name %}`), so a row an organizer rewrites in the
admin shows as written (untranslated) until its new text is added here and translated. Keep in step with
campaign/reference.py (a test checks it).
"""

from django.utils.translation import gettext_noop

TASK_TEXTS = [
    gettext_noop("Submit a culturally-relevant image with description"),
    gettext_noop(
        "Share your own photos that reflect an aspect of Southeast Asian culture (food, places, "
        "events, everyday practices), with a description in English and in your native language."
    ),
    gettext_noop("Review image-description pairs"),
    gettext_noop(
        "Pass a short screening test, then rate submitted images for cultural relevance, caption "
        "fit and quality."
    ),
    gettext_noop("Translate benchmark datasets"),
    gettext_noop(
        "Translate English prompts from vision-language benchmarks into a language you speak "
        "natively or fluently. Three translators per language."
    ),
    gettext_noop("Submit visual questions for multicultural images"),
    gettext_noop("Write original questions, with their answers, about cultural images from Southeast Asia."),
    gettext_noop("Submit high-quality text prompts for image generation"),
    gettext_noop(
        "Write English prompts for image generation at three levels of complexity, each building on "
        "the one before, about the culture of a Southeast Asian country you know well."
    ),
    gettext_noop("Submit high-quality text prompts"),
    gettext_noop("To be opened at a later date."),
]
COUNTRY_NAMES = [
    gettext_noop("Brunei"),
    gettext_noop("Cambodia"),
    gettext_noop("East Timor"),
    gettext_noop("Indonesia"),
    gettext_noop("Laos"),
    gettext_noop("Malaysia"),
    gettext_noop("Myanmar"),
    gettext_noop("Philippines"),
    gettext_noop("Singapore"),
    gettext_noop("Thailand"),
    gettext_noop("Vietnam"),
]
LANGUAGE_NAMES = [
    gettext_noop("Indonesian"),
    gettext_noop("Thai"),
    gettext_noop("Standard Malay"),
    gettext_noop("Filipino/Tagalog"),
    gettext_noop("Lao"),
    gettext_noop("Khmer"),
    gettext_noop("Tamil"),
    gettext_noop("Mandarin Chinese"),
    gettext_noop("Vietnamese"),
    gettext_noop("Burmese"),
    gettext_noop("Tetun"),
    gettext_noop("Bruneian Malay"),
    gettext_noop("English"),
]
