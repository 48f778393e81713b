"""Task 1 writes: an image comes in (web, API, bulk), is checked by a worker, edited, withdrawn, decided.

`image_submission_create` reads top to bottom: the gate, the fields, the size, the type, the same
upload already submitted, the file stored, the row created, the check queued once the row commits.
`image_submission_check` is what the worker runs after that.
"""

import hashlib
import io
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.roles import is_organizer
from accounts.services import contributor_ensure_can_submit
from campaign.audit import audit
from campaign.countries import country_code_for
from campaign.errors import Conflict, DomainError, NotAllowed, NotFound
from campaign.events import ContributionEvent, EventKind, publish
from campaign.languages import normalise_language
from campaign.models import Country
from contributions import checks, conf, storage
from contributions.bulk import looks_like_formula
from contributions.errors import FileTooLarge, InvalidFields, UnsupportedImageType
from contributions.hashing import bands_of
from contributions.models import ImageSubmission
from contributions.reasons import rejection_reason
from contributions.selectors import is_valid_id, near_duplicate_candidates
from contributions.signals import image_entered_review, image_removed

logger = logging.getLogger(__name__)

IMAGE_SOURCE = "contributions.imagesubmission"
SOURCES = ("web", "api", "bulk", "demo")
DESCRIPTION_MAX = 2000
LOCATION_MAX = 200
GROUP_MAX = 200
HEAD_BYTES = 64
ENGLISH = "eng"
# Control characters other than tab and newline never belong in a description (PostgreSQL also
# refuses NUL in text).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# What a contributor reads for each check outcome: msgids, translated when shown (contributions.reasons).
REASON_MESSAGES = {
    "unsupported_type": gettext_noop("This file is not a JPEG, PNG, WebP or HEIC photo."),
    "animated": gettext_noop("Animated images are not accepted: upload a still photo."),
    "too_large": gettext_noop("This file is larger than 25 MB. Please upload a smaller photo."),
    "too_many_pixels": gettext_noop(
        "This photo has too many pixels (more than 120 megapixels). Please upload a smaller one."
    ),
    "corrupt": gettext_noop(
        "This photo could not be read: the file is damaged or incomplete. Please upload it again."
    ),
    "too_small": gettext_noop("This photo is too small: its shorter side must be at least %(px)s pixels."),
    "too_blurry": gettext_noop("This photo is too blurry. Please upload a sharper photo."),
    "duplicate": gettext_noop("This exact photo was already submitted."),
    "near_duplicate": gettext_noop("This photo is very similar to one already submitted."),
    "check_failed": gettext_noop(
        "We could not process this photo after several tries. Please try another file or contact us."
    ),
    "file_missing": gettext_noop(
        "The uploaded file was lost before it could be checked. Please upload it again."
    ),
}


def reason(code: str) -> dict:
    """The stored reason for a check outcome: its msgid and the numbers it shows."""
    params = {"px": conf.min_short_side()} if code == "too_small" else None
    return rejection_reason(code, REASON_MESSAGES[code], params)


@dataclass(frozen=True)
class StoredUpload:
    """A file the browser already put into the default storage (presigned POST or the local upload
    endpoint), at the key the upload ticket named: `images/original/<key>`."""

    key: uuid.UUID
    filename: str = ""

    @property
    def name(self) -> str:
        return f"images/original/{self.key}"


# ---------------------------------------------------------------------------------------------
# Fields
# ---------------------------------------------------------------------------------------------


def _text(value, *, limit: int) -> str:
    text = "" if value is None else str(value)
    text = _CONTROL.sub("", text.replace("\r\n", "\n")).strip()
    return text[: limit + 1]  # one more than allowed, so "too long" is still noticed


def _countries_clean(countries) -> tuple[list[str], list[str]]:
    """A list of ISO codes or names (each item may itself be comma-joined) -> (codes, unknown)."""
    if isinstance(countries, str):
        countries = [countries]
    codes: list[str] = []
    unknown: list[str] = []
    for item in countries or []:
        for part in str(item).split(","):
            part = _CONTROL.sub("", part).strip()
            if not part:
                continue
            code = country_code_for(part[:64])
            if code is None:
                unknown.append(part[:64])
            elif code not in codes:
                codes.append(code)
    return codes, unknown


@dataclass(frozen=True)
class _Fields:
    description: str
    native_description: str
    language_code: str
    language_name: str
    country_codes: list[str]
    location: str
    group: str


def image_fields_clean(
    *,
    profile,
    description,
    native_description,
    native_language,
    countries,
    location,
    group,
    license_confirmed,
) -> _Fields:
    """Every field checked at once: raises InvalidFields with a message per bad field."""
    errors: dict[str, list[str]] = {}
    description = _text(description, limit=DESCRIPTION_MAX)
    native_description = _text(native_description, limit=DESCRIPTION_MAX)
    location = _text(location, limit=LOCATION_MAX).replace("\n", " ")
    group = _text(group, limit=GROUP_MAX).replace("\n", " ")
    if not description:
        errors["description"] = [_("Describe in English what the photo shows.")]
    elif len(description) > DESCRIPTION_MAX:
        errors["description"] = [_("Keep the description under %(n)s characters.") % {"n": DESCRIPTION_MAX}]
    language = normalise_language(_text(native_language, limit=64)[:64]) if native_language else None
    if language is None and profile is not None and profile.native_language_code:
        language = normalise_language(profile.native_language_label)
    if language is None:
        errors["native_language"] = [_("Tell us the language of the native description.")]
    if len(native_description) > DESCRIPTION_MAX:
        errors["native_description"] = [
            _("Keep the description under %(n)s characters.") % {"n": DESCRIPTION_MAX}
        ]
    elif language is not None and language.code != ENGLISH and not native_description:
        errors["native_description"] = [
            _("Describe the photo in %(language)s too (or choose English (eng) as your language).")
            % {"language": language.name}
        ]
    codes, unknown = _countries_clean(countries)
    if unknown:
        errors["countries"] = [
            _("Unknown country: %(names)s. Choose among the 11 Southeast Asian countries.")
            % {"names": ", ".join(unknown[:5])}
        ]
    elif not codes:
        errors["countries"] = [_("Choose at least one country whose culture the photo shows.")]
    if len(location) > LOCATION_MAX:
        errors["location"] = [_("Keep the location under %(n)s characters.") % {"n": LOCATION_MAX}]
    if len(group) > GROUP_MAX:
        errors["group"] = [_("Keep the group name under %(n)s characters.") % {"n": GROUP_MAX}]
    labels = {
        "description": _("English description"),
        "native_description": _("native-language description"),
        "location": _("where it was taken"),
        "group": _("group of related shots"),
    }
    texts = {
        "description": description,
        "native_description": native_description,
        "location": location,
        "group": group,
    }
    for name, text in texts.items():
        if looks_like_formula(text):  # refused as the bulk import refuses it, with its words
            errors[name] = [
                _(
                    "%(columns)s starts with “=”: a spreadsheet formula, not a description. Write the text itself."
                )
                % {"columns": capfirst(labels[name])}
            ]
    if license_confirmed is not True:
        errors["license_confirmed"] = [
            _("Confirm that you took this photo, hold its copyright and license it under CC-BY-SA 4.0.")
        ]
    if errors:
        raise InvalidFields(errors)
    return _Fields(
        description=description,
        native_description=native_description if language.code != ENGLISH or native_description else "",
        language_code=language.code,
        language_name=language.name,
        country_codes=codes,
        location=location,
        group=group,
    )


# ---------------------------------------------------------------------------------------------
# Upload
# ---------------------------------------------------------------------------------------------


def _as_file(upload) -> tuple[File, str, int]:
    """(a seekable file, the name it came with, its size) without reading it into memory."""
    if isinstance(upload, bytes | bytearray | memoryview):
        data = bytes(upload)
        return ContentFile(data), "", len(data)
    name = str(getattr(upload, "name", "") or "")
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, io.SEEK_END)
        size = upload.tell()
    upload.seek(0)
    return File(upload, name=name), name, int(size)


def _read_head(file: File) -> bytes:
    file.seek(0)
    head = file.read(HEAD_BYTES)
    file.seek(0)
    return head


def _sha256_of(file: File) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def _ensure_not_submitted(upload_sha256: str) -> None:
    already = (
        ImageSubmission.objects.filter(upload_sha256=upload_sha256)
        .exclude(status=ImageSubmission.Status.WITHDRAWN)
        .exists()
    )
    if already:
        raise Conflict(_("This exact image was already submitted."), field="image", code="duplicate")


def _detect(head: bytes) -> str:
    detected = checks.detect_format(head)
    if detected is None:
        raise UnsupportedImageType(
            _("This is not a JPEG, PNG, WebP or HEIC image (the type is read from the content)."),
            field="image",
        )
    return detected


def _safe_filename(name: str) -> str:
    base = str(name).replace("\\", "/").rsplit("/", 1)[-1]
    return _CONTROL.sub("", base).strip()[:255]


def _enqueue_check(submission_id: int) -> None:
    """Queue the check; if the broker is down, the submission stays pending and the sweep re-queues it."""
    from kombu.exceptions import OperationalError

    from contributions.tasks import check_image_submission

    try:
        check_image_submission.delay(submission_id)
    except (OperationalError, ConnectionError, OSError):
        logger.warning("Could not queue the check of image %s; the pending sweep will.", submission_id)


def image_submission_create(
    *,
    contributor,
    upload,
    description: str,
    native_description: str = "",
    native_language: str = "",
    countries,
    location: str = "",
    group: str = "",
    license_confirmed: bool,
    source: str = "web",
    filename: str = "",
) -> ImageSubmission:
    """One image from any way in (web form, two-step web upload, API, bulk import).

    `upload` is a file object (with .name/.size), bytes, or a StoredUpload the browser already put in
    storage. The image is refused with 413 when too large (before it is read), 415 when its content is
    not an accepted image type, 409 when the same bytes were already submitted by anyone.
    """
    profile = contributor_ensure_can_submit(user=contributor, task_number=1)
    fields = image_fields_clean(
        profile=profile,
        description=description,
        native_description=native_description,
        native_language=native_language,
        countries=countries,
        location=location,
        group=group,
        license_confirmed=license_confirmed,
    )
    if isinstance(upload, StoredUpload):
        return _create_from_stored(contributor=contributor, upload=upload, fields=fields, source=source)

    if upload is None:
        raise InvalidFields({"image": [_("Choose an image to upload.")]})
    file, original_name, size = _as_file(upload)
    if size > conf.max_upload_bytes():
        raise FileTooLarge(field="image")
    if size == 0:
        raise InvalidFields({"image": [_("The file is empty.")]})
    detected = _detect(_read_head(file))
    upload_sha256 = _sha256_of(file)
    _ensure_not_submitted(upload_sha256)

    key = uuid.uuid4()
    file.content_type = checks.ACCEPTED_FORMATS[detected]
    stored_name = default_storage.save(f"images/original/{key}", file)
    return _create_row(
        contributor=contributor,
        key=key,
        stored_name=stored_name,
        fields=fields,
        source=source,
        filename=_safe_filename(filename or original_name),
        content_type=checks.ACCEPTED_FORMATS[detected],
        size=size,
        upload_sha256=upload_sha256,
    )


def _create_from_stored(
    *, contributor, upload: StoredUpload, fields: _Fields, source: str
) -> ImageSubmission:
    name = upload.name
    if ImageSubmission.objects.filter(key=upload.key).exists():
        raise Conflict(_("This upload was already submitted."), field="image")
    try:
        size = storage.size_of(name)
    except FileNotFoundError:
        raise InvalidFields(
            {"image": [_("The upload did not arrive. Please send the file again.")]}
        ) from None
    try:
        if size > conf.max_upload_bytes():
            raise FileTooLarge(field="image")
        if size == 0:
            raise InvalidFields({"image": [_("The file is empty.")]})
        detected = _detect(storage.read_head(name, HEAD_BYTES))
        upload_sha256 = storage.sha256_of(name)
        _ensure_not_submitted(upload_sha256)
    except DomainError:
        storage.delete_quietly(name)
        raise
    return _create_row(
        contributor=contributor,
        key=upload.key,
        stored_name=name,
        fields=fields,
        source=source,
        filename=_safe_filename(upload.filename),
        content_type=checks.ACCEPTED_FORMATS[detected],
        size=size,
        upload_sha256=upload_sha256,
    )


def _create_row(
    *,
    contributor,
    key: uuid.UUID,
    stored_name: str,
    fields: _Fields,
    source: str,
    filename: str,
    content_type: str,
    size: int,
    upload_sha256: str,
) -> ImageSubmission:
    """The row, in one transaction with the stored file: if the row is not written, the file goes."""
    try:
        with transaction.atomic():
            submission = ImageSubmission(
                key=key,
                contributor=contributor,
                status=ImageSubmission.Status.PENDING,
                source=source if source in SOURCES else "web",
                description=fields.description,
                native_description=fields.native_description,
                native_language_code=fields.language_code,
                native_language_name=fields.language_name,
                location=fields.location,
                group=fields.group,
                license_confirmed_at=timezone.now(),
                original_filename=filename,
                content_type=content_type,
                file_size=size,
                upload_sha256=upload_sha256,
            )
            submission.original.name = stored_name
            submission.save()
            submission.countries.set(Country.objects.filter(code__in=fields.country_codes))
            transaction.on_commit(lambda: _enqueue_check(submission.pk))
    except IntegrityError:
        storage.delete_quietly(stored_name)
        raise Conflict(
            _("This exact image was already submitted."), field="image", code="duplicate"
        ) from None
    except BaseException:
        storage.delete_quietly(stored_name)
        raise
    return submission


# ---------------------------------------------------------------------------------------------
# Changes by the contributor
# ---------------------------------------------------------------------------------------------


def _own_locked(*, contributor, submission_id: int) -> ImageSubmission:
    if not is_valid_id(submission_id):
        raise NotFound()
    submission = (
        ImageSubmission.objects.select_for_update().filter(pk=submission_id, contributor=contributor).first()
    )
    if submission is None:
        raise NotFound()
    return submission


@transaction.atomic
def image_submission_update_descriptions(
    *,
    contributor,
    submission_id: int,
    description: str,
    native_description: str,
    native_language: str = "",
) -> ImageSubmission:
    """The contributor corrects the descriptions while the image is not yet decided."""
    submission = _own_locked(contributor=contributor, submission_id=submission_id)
    if not submission.is_editable:
        raise DomainError(_("This image was already reviewed: its descriptions can no longer change."))
    fields = image_fields_clean(
        profile=None,
        description=description,
        native_description=native_description,
        native_language=native_language or submission.native_language_label,
        countries=list(submission.countries.values_list("code", flat=True)),
        location=submission.location,
        group=submission.group,
        license_confirmed=True,
    )
    submission.description = fields.description
    submission.native_description = fields.native_description
    submission.native_language_code = fields.language_code
    submission.native_language_name = fields.language_name
    submission.save(
        update_fields=[
            "description",
            "native_description",
            "native_language_code",
            "native_language_name",
            "updated_at",
        ]
    )
    return submission


@transaction.atomic
def image_submission_withdraw(*, contributor, submission_id: int) -> ImageSubmission:
    """The contributor takes an undecided image back; its files are deleted once this commits."""
    submission = _own_locked(contributor=contributor, submission_id=submission_id)
    if submission.status == ImageSubmission.Status.WITHDRAWN:
        raise Conflict(_("This image is already withdrawn."), code="already_withdrawn")
    if submission.status == ImageSubmission.Status.REMOVED:
        raise Conflict(_("This image was removed by the organizers."), code="removed")
    if not submission.can_be_withdrawn:
        raise DomainError(_("This image was already decided: it can no longer be withdrawn."))
    names = [submission.original.name, submission.thumbnail.name, submission.display.name]
    submission.status = ImageSubmission.Status.WITHDRAWN
    submission.original.name = submission.thumbnail.name = submission.display.name = ""
    submission.save(update_fields=["status", "original", "thumbnail", "display", "updated_at"])
    transaction.on_commit(lambda: storage.delete_quietly(*names))
    transaction.on_commit(lambda: image_removed.send(sender=ImageSubmission, submission_id=submission.pk))
    return submission


# ---------------------------------------------------------------------------------------------
# The check (run by the worker)
# ---------------------------------------------------------------------------------------------


class _Stale(Exception):
    """The submission changed (withdrawn, or checked by another worker) while this one worked."""


def _reject_now(submission: ImageSubmission, reasons: list[dict], *, delete_files: bool) -> None:
    """Inside a transaction holding the row: reject with reasons (and drop unusable files)."""
    names = [submission.original.name, submission.thumbnail.name, submission.display.name]
    submission.status = ImageSubmission.Status.REJECTED
    submission.rejection_reasons = reasons
    submission.checked_at = submission.decided_at = timezone.now()
    update_fields = ["status", "rejection_reasons", "checked_at", "decided_at", "updated_at"]
    if delete_files:
        submission.original.name = submission.thumbnail.name = submission.display.name = ""
        update_fields += ["original", "thumbnail", "display"]
        transaction.on_commit(lambda: storage.delete_quietly(*names))
    submission.save(update_fields=update_fields)
    publish(image_submission_event(submission, EventKind.REJECTED, reason=reasons[0]["code"]))


def _claim_attempt(submission_id: int) -> ImageSubmission | None:
    """Count this attempt before the work (so an image that kills its worker is not tried forever).

    Returns the submission to check, or None when there is nothing (more) to do."""
    with transaction.atomic():
        submission = ImageSubmission.objects.select_for_update().filter(pk=submission_id).first()
        if submission is None or submission.status != ImageSubmission.Status.PENDING:
            return None
        if submission.check_attempts >= conf.max_check_attempts():
            logger.warning(
                "Image %s failed its check %s times: rejected.", submission_id, submission.check_attempts
            )
            _reject_now(submission, [reason("check_failed")], delete_files=True)
            return None
        submission.check_attempts += 1
        submission.save(update_fields=["check_attempts", "updated_at"])
        return submission


def _lock_for_duplicates() -> None:
    """One check at a time compares and records hashes, so two copies checked at once are still caught."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [0x5EA71])


def _duplicate_reasons(submission: ImageSubmission, analysis) -> list[dict]:
    """Exact and near duplicates among every other checked submission, except the contributor's own
    rejected or withdrawn ones and (for near duplicates) shots in the same group of the same contributor."""
    others = ImageSubmission.objects.exclude(pk=submission.pk).exclude(
        contributor=submission.contributor,
        status__in=[ImageSubmission.Status.REJECTED, ImageSubmission.Status.WITHDRAWN],
    )
    if others.filter(content_sha256=analysis.sha256).exists():
        return [reason("duplicate")]
    candidates = near_duplicate_candidates(
        phash=analysis.phash, distance=conf.near_duplicate_distance(), exclude_id=submission.pk
    )
    if not candidates:
        return []
    near = others.filter(pk__in=[pk for pk, _phash in candidates])
    if submission.group:
        near = near.exclude(contributor=submission.contributor, group=submission.group)
    return [reason("near_duplicate")] if near.exists() else []


def image_submission_check(*, submission_id: int) -> ImageSubmission | None:
    """The worker's check of one pending image: decode, strip, derive, measure, compare, decide.

    Idempotent: anything but a pending submission is left as it is, so a redelivered task changes
    nothing twice. Ends with the submission `in_review` (maybe flagged as borderline blurry) or
    `rejected` with reasons a contributor understands.
    """
    submission = _claim_attempt(submission_id)
    if submission is None:
        return ImageSubmission.objects.filter(pk=submission_id).first()
    try:
        data = storage.read_all(submission.original.name) if submission.original.name else None
    except FileNotFoundError:
        data = None
    if data is None:
        with transaction.atomic():
            locked = ImageSubmission.objects.select_for_update().get(pk=submission_id)
            if locked.status == ImageSubmission.Status.PENDING:
                _reject_now(locked, [reason("file_missing")], delete_files=True)
        return locked

    try:
        analysis = checks.analyse_image(
            data, min_short_side=conf.min_short_side(), max_pixels=conf.max_pixels()
        )
    except checks.ImageCheckError as error:
        del data
        with transaction.atomic():
            locked = ImageSubmission.objects.select_for_update().get(pk=submission_id)
            if locked.status == ImageSubmission.Status.PENDING:
                code = error.code if error.code in REASON_MESSAGES else "corrupt"
                # The file is unusable (and may carry GPS data): it is not kept.
                _reject_now(locked, [reason(code)], delete_files=True)
        return locked
    del data

    key = submission.key
    extension = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}.get(analysis.mime_type, "img")
    clean = ContentFile(analysis.clean_bytes)
    clean.content_type = analysis.mime_type
    thumbnail = ContentFile(analysis.thumbnail_webp)
    thumbnail.content_type = "image/webp"
    display = ContentFile(analysis.display_webp)
    display.content_type = "image/webp"
    new_names = [
        default_storage.save(f"images/clean/{key}.{extension}", clean),
        default_storage.save(f"images/derived/{key}/thumbnail.webp", thumbnail),
        default_storage.save(f"images/derived/{key}/display.webp", display),
    ]
    try:
        with transaction.atomic():
            locked = ImageSubmission.objects.select_for_update().get(pk=submission_id)
            if locked.status != ImageSubmission.Status.PENDING:
                raise _Stale
            _lock_for_duplicates()
            reasons = _duplicate_reasons(locked, analysis)
            verdict = checks.blur_verdict(
                analysis.sharpness, reject_below=conf.blur_reject_below(), flag_below=conf.blur_flag_below()
            )
            if verdict == "reject":
                reasons.insert(0, reason("too_blurry"))
            upload_name = locked.original.name
            locked.original.name, locked.thumbnail.name, locked.display.name = new_names
            locked.content_type = analysis.mime_type
            locked.width, locked.height = analysis.width, analysis.height
            locked.content_sha256 = analysis.sha256
            locked.phash = analysis.phash
            locked.phash_band0, locked.phash_band1, locked.phash_band2 = bands_of(analysis.phash)
            locked.sharpness = analysis.sharpness
            locked.blur_flagged = verdict == "flag"
            locked.checked_at = timezone.now()
            locked.save()
            if upload_name not in new_names:
                transaction.on_commit(lambda: storage.delete_quietly(upload_name))
            if reasons:
                _reject_now(locked, reasons, delete_files=False)
            else:
                locked.status = ImageSubmission.Status.IN_REVIEW
                locked.rejection_reasons = []
                locked.save(update_fields=["status", "rejection_reasons", "updated_at"])
                transaction.on_commit(
                    lambda: image_entered_review.send(sender=ImageSubmission, submission_id=submission_id)
                )
    except _Stale:
        storage.delete_quietly(*new_names)
        return ImageSubmission.objects.filter(pk=submission_id).first()
    except BaseException:
        storage.delete_quietly(*new_names)
        raise
    return locked


# ---------------------------------------------------------------------------------------------
# Sweeps (beat)
# ---------------------------------------------------------------------------------------------


def image_submissions_requeue_pending(*, older_than_minutes: int | None = None, limit: int = 1000) -> int:
    """Queue again the checks of images left pending (the broker was down, or a worker died)."""
    minutes = conf.pending_requeue_minutes() if older_than_minutes is None else older_than_minutes
    cutoff = timezone.now() - timedelta(minutes=minutes)
    ids = list(
        ImageSubmission.objects.filter(status=ImageSubmission.Status.PENDING, updated_at__lte=cutoff)
        .order_by("updated_at")
        .values_list("pk", flat=True)[:limit]
    )
    for submission_id in ids:
        _enqueue_check(submission_id)
    return len(ids)


def stored_images_sweep_orphans(*, older_than_minutes: int | None = None, batch: int = 1000) -> int:
    """Delete stored image files that no submission refers to, once they are old enough that no upload
    can still be on its way to becoming a row. Returns how many were deleted."""
    minutes = conf.orphan_min_age_minutes() if older_than_minutes is None else older_than_minutes
    cutoff = timezone.now() - timedelta(minutes=minutes)
    deleted = 0
    page: list[str] = []

    def flush() -> int:
        keys = {}
        for name in page:
            match = re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", name)
            if match:
                keys[name] = match.group(0)
        referenced = set()
        rows = ImageSubmission.objects.filter(key__in=set(keys.values())).values_list(
            "original", "thumbnail", "display"
        )
        for row in rows:
            referenced.update(filter(None, row))
        orphans = [name for name in page if name not in referenced]
        storage.delete_quietly(*orphans)
        page.clear()
        return len(orphans)

    for name, modified in storage.iter_stored("images/"):
        if modified > cutoff:
            continue
        page.append(name)
        if len(page) >= batch:
            deleted += flush()
    if page:
        deleted += flush()
    return deleted


# ---------------------------------------------------------------------------------------------
# The review's decision (used by the review app)
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def image_submission_decide(
    *, submission_id: int, accepted: bool, reasons: list[dict] | None = None
) -> ImageSubmission:
    """Record the review's decision on an image that is in review, once, and announce it.

    `reasons` is a list of {"code", "message", "params"} (see contributions.reasons: a msgid and its
    values, translated when shown); required when rejecting.
    """
    submission = ImageSubmission.objects.select_for_update().get(pk=submission_id)
    if submission.status != ImageSubmission.Status.IN_REVIEW:
        raise DomainError(_("Only an image in review can be decided."), code="not_in_review")
    if not accepted and not reasons:
        raise DomainError(_("A rejection needs at least one reason."), code="reason_required")
    submission.status = ImageSubmission.Status.ACCEPTED if accepted else ImageSubmission.Status.REJECTED
    submission.rejection_reasons = [] if accepted else list(reasons)
    submission.decided_at = timezone.now()
    submission.save(update_fields=["status", "rejection_reasons", "decided_at", "updated_at"])
    publish(image_submission_event(submission, EventKind.ACCEPTED if accepted else EventKind.REJECTED))
    return submission


def image_submission_event(submission: ImageSubmission, kind: str, *, reason: str = "") -> ContributionEvent:
    return ContributionEvent(
        kind=kind,
        task_number=1,
        contributor_id=submission.contributor_id,
        source=IMAGE_SOURCE,
        source_id=submission.pk,
        occurred_at=submission.decided_at or timezone.now(),
        country_codes=tuple(sorted(submission.countries.values_list("code", flat=True))),
        reason=reason,
    )


@transaction.atomic
def image_submission_reopen(*, submission_id: int, reason: str) -> tuple[ImageSubmission, str]:
    """Send a decided image back to review (an organizer reopened it). Returns it and its former status.

    Taking back an acceptance is announced, so the ledger reverses its credit."""
    submission = ImageSubmission.objects.select_for_update().get(pk=submission_id)
    was = submission.status
    if was in (ImageSubmission.Status.ACCEPTED, ImageSubmission.Status.REJECTED):
        submission.status = ImageSubmission.Status.IN_REVIEW
        submission.rejection_reasons = []
        submission.decided_at = None
        submission.save(update_fields=["status", "rejection_reasons", "decided_at", "updated_at"])
        if was == ImageSubmission.Status.ACCEPTED:
            publish(image_submission_event(submission, EventKind.REVERSED, reason=reason or "reopened"))
    elif was != ImageSubmission.Status.IN_REVIEW:
        raise Conflict(_("This image has left review (withdrawn)."))
    return submission, was


# ---------------------------------------------------------------------------------------------
# Take-down (an organizer, in the admin)
# ---------------------------------------------------------------------------------------------


def image_submission_take_down(*, submission_id: int, actor, reason: str) -> tuple[ImageSubmission, bool]:
    """An organizer takes an image down (a takedown or personal-data request). Returns the image and
    whether this call removed it (False: it was already removed, and nothing changed).

    The rule for the files: a take-down always deletes them (original, display copy, thumbnail), once
    the change commits, whatever the request was. The row stays, without files, so the ledger, the audit
    log and the duplicate checks still refer to it (the same photo cannot be submitted again). An
    accepted image's points are taken back (a REVERSED event); a review item still open closes when the
    review sees the image is no longer in review.
    """
    if not is_organizer(actor):
        raise NotAllowed(_("Only organizers can take an image down."))
    reason = _CONTROL.sub("", str(reason or "")).strip()
    if not reason:
        raise InvalidFields({"reason": [_("Say why the image is taken down.")]})
    with transaction.atomic():
        submission = ImageSubmission.objects.select_for_update().filter(pk=submission_id).first()
        if submission is None:
            raise NotFound()
        was = submission.status
        if was == ImageSubmission.Status.REMOVED:
            return submission, False
        names = [
            name
            for name in (submission.original.name, submission.thumbnail.name, submission.display.name)
            if name
        ]
        submission.status = ImageSubmission.Status.REMOVED
        submission.removed_at = timezone.now()
        submission.removal_reason = reason
        submission.original.name = submission.thumbnail.name = submission.display.name = ""
        submission.save(
            update_fields=[
                "status",
                "removed_at",
                "removal_reason",
                "original",
                "thumbnail",
                "display",
                "updated_at",
            ]
        )
        if was == ImageSubmission.Status.ACCEPTED:
            event = image_submission_event(submission, EventKind.REVERSED, reason=reason)
            publish(event._replace(occurred_at=submission.removed_at))
        audit(
            actor=actor,
            action="image.take_down",
            target=submission,
            details={"reason": reason, "status_before": was, "files_deleted": names},
        )
        transaction.on_commit(lambda: storage.delete_quietly(*names))
        transaction.on_commit(lambda: image_removed.send(sender=ImageSubmission, submission_id=submission.pk))
    return submission, True
