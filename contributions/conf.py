"""Task 1 settings with their defaults (each can be set in settings.py / the environment)."""

from django.conf import settings

from contributions import checks


def min_short_side() -> int:
    return int(getattr(settings, "IMAGE_MIN_SHORT_SIDE", 512))


def max_upload_bytes() -> int:
    return int(getattr(settings, "IMAGE_MAX_UPLOAD_BYTES", checks.MAX_UPLOAD_BYTES))


def max_pixels() -> int:
    return int(getattr(settings, "IMAGE_MAX_PIXELS", checks.MAX_PIXELS))


def blur_reject_below() -> float:
    return float(getattr(settings, "IMAGE_BLUR_REJECT_BELOW", checks.DEFAULT_BLUR_REJECT_BELOW))


def blur_flag_below() -> float:
    return float(getattr(settings, "IMAGE_BLUR_FLAG_BELOW", checks.DEFAULT_BLUR_FLAG_BELOW))


def near_duplicate_distance() -> int:
    """The SEA-VL team's threshold: perceptual hashes at most 8 bits apart are the same photo."""
    return int(getattr(settings, "IMAGE_NEAR_DUPLICATE_DISTANCE", 8))


def max_check_attempts() -> int:
    return int(getattr(settings, "IMAGE_CHECK_MAX_ATTEMPTS", 3))


def pending_requeue_seconds() -> int:
    """How long an image may stay pending, untouched, before the minute sweep queues its check again.

    A check takes seconds: past this the broker never took it (it was down) or its worker was lost.
    (IMAGE_PENDING_REQUEUE_MINUTES, the former setting, is still read when set.)"""
    minutes = getattr(settings, "IMAGE_PENDING_REQUEUE_MINUTES", None)
    if minutes is not None:
        return int(minutes) * 60
    return int(getattr(settings, "IMAGE_PENDING_REQUEUE_SECONDS", 90))


def orphan_min_age_minutes() -> int:
    return int(getattr(settings, "IMAGE_ORPHAN_MIN_AGE_MINUTES", 60))


def api_upload_rate() -> str:
    return str(getattr(settings, "IMAGE_API_UPLOAD_RATE", "120/m"))


def signed_url_seconds() -> int:
    return int(getattr(settings, "IMAGE_SIGNED_URL_SECONDS", 300))


def upload_chunk_bytes() -> int:
    """The size of each part of a resumable upload (the last may be smaller): 256 KiB by default, so a
    part completes between two drops of a slow mobile link."""
    return int(getattr(settings, "UPLOAD_CHUNK_BYTES", 256 * 1024))


def resumable_upload_max_age_hours() -> int:
    """A resumable upload not completed after this many hours is aborted by the beat's sweep."""
    return int(getattr(settings, "RESUMABLE_UPLOAD_MAX_AGE_HOURS", 24))


def resumable_upload_max_open() -> int:
    """How many incomplete resumable uploads one contributor may have at once."""
    return int(getattr(settings, "RESUMABLE_UPLOAD_MAX_OPEN", 50))
