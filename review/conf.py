"""Review settings, each overridable in Django settings (e.g. `REVIEW_SCREENING_ITEMS = 12`)."""

from django.conf import settings

DEFAULTS = {
    "REVIEW_SCREENING_ITEMS": 10,
    "REVIEW_SCREENING_PASS_MARK": 0.8,
    "REVIEW_SCREENING_COOLDOWN_HOURS": 24,
    "REVIEW_SCREENING_MAX_ATTEMPTS": 3,
    "REVIEW_LEASE_MINUTES": 10,
    "REVIEW_RATINGS_NEEDED": 3,
    "REVIEW_RATINGS_MAX": 5,
    "REVIEW_REOPEN_EXTRA_RATINGS": 2,
    # One served item in N is a hidden gold item on average (0 turns gold items off); the gap between two
    # gold items is drawn evenly from 1 to 2N - 1 served items, so never more than 2N - 2 go without one.
    "REVIEW_GOLD_RATE": 20,
    "REVIEW_GOLD_WINDOW": 20,
    "REVIEW_GOLD_MIN_ANSWERS": 10,
    "REVIEW_GOLD_MIN_ACCURACY": 0.7,
    # Consensus rule: accepted when mean relevance >= this, and most say fits and quality is fine.
    "REVIEW_MIN_MEAN_RELEVANCE": 3.0,
    # A mean in [this, REVIEW_MIN_MEAN_RELEVANCE) is a split: one more rating, up to REVIEW_RATINGS_MAX.
    "REVIEW_SPLIT_MEAN_FROM": 2.5,
    # An answer (not a skip) is accepted this many seconds after the item was served, no sooner.
    "REVIEW_MIN_SECONDS_PER_ITEM": 3,
    # How often (seconds) serving the queue also picks up images in review that have no queue row.
    "REVIEW_SYNC_EVERY_SECONDS": 60,
}


def conf(name: str):
    return getattr(settings, name, DEFAULTS[name])
