"""Task 1 writes on the way in: an image comes in (web, API, bulk) and its contributor edits it.

`image_submission_create` reads top to bottom: the gate, the fields, the size, the type, the same
upload already submitted, the file stored, the row created, the check queued once the row commits.
The rest of an image's life has its own modules: the worker's check (contributions.pipeline), the
review's decision and reopening (contributions.decisions), withdrawal and take-down
(contributions.removal), the beat's sweeps (contributions.sweeps).
"""

import hashlib
import io
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from accounts.services import contributor_ensure_can_submit
from campaign.countries import country_code_for
from campaign.errors import Conflict, DomainError
from campaign.languages import normalise_language
from campaign.models import Country
from campaign.text import looks_like_formula, strip_control_characters
from contributions import checks, conf, storage
from contributions.errors import FileTooLarge, InvalidFields, UnsupportedImageType
from contributions.models import ImageSubmission
from contributions.pipeline import image_submission_check_enqueue
from contributions.selectors import image_submission_lock_own

logger = logging.getLogger(__name__)


SOURCES = ("web", "api", "bulk", "demo")
DESCRIPTION_MAX = 2000
LOCATION_MAX = 200
GROUP_MAX = 200
HEAD_BYTES = 64
ENGLISH = "eng"


@dataclass(frozen=True)
class StoredUpload:
    """A file the browser already put into the default storage (presigned POST or the local upload
    endpoint), at the key the upload ticket named: `images/original/<key>`.

    `assemble`, for a resumable upload, puts the file there from its parts first (raising a domain
    error when some are missing) and returns its sha256."""

    key: uuid.UUID
    filename: str = ""
    assemble: Callable[[], str] | None = field(default=None, compare=False, repr=False)

    @property
    def name(self) -> str:
        return f"images/original/{self.key}"


# ---------------------------------------------------------------------------------------------
# Fields
# ---------------------------------------------------------------------------------------------


def _text(value, *, limit: int) -> str:
    text = "" if value is None else str(value)
    text = strip_control_characters(text.replace("\r\n", "\n")).strip()
    return text[: limit + 1]  # one more than allowed, so "too long" is still noticed


def _countries_clean(countries) -> tuple[list[str], list[str]]:
    """A list of ISO codes or names (each item may itself be comma-joined) -> (codes, unknown)."""
    if isinstance(countries, str):
        countries = [countries]
    codes: list[str] = []
    unknown: list[str] = []
    for item in countries or []:
        for part in str(item).split(","):
            part = strip_control_characters(part).strip()
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


def safe_filename(name: str) -> str:
    """The name a contributor's file came with, without its folders or control characters."""
    base = str(name).replace("\\", "/").rsplit("/", 1)[-1]
    return strip_control_characters(base).strip()[:255]


def image_upload_store(*, key: uuid.UUID, upload) -> str:
    """The embedded default's stand-in for S3's presigned POST: the browser's file, written once to the
    key its upload ticket named (images/original/<key>). Returns the stored name."""
    if upload is None:
        raise DomainError(_("No file was sent."), field="file")
    name = StoredUpload(key=key).name
    if storage.exists(name):
        raise Conflict(_("This upload was already sent."), code="already_uploaded")
    return default_storage.save(name, upload)


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
        filename=safe_filename(filename or original_name),
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
    assembled_sha256 = upload.assemble() if upload.assemble is not None else None
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
        upload_sha256 = assembled_sha256 or storage.sha256_of(name)
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
        filename=safe_filename(upload.filename),
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
            transaction.on_commit(lambda: image_submission_check_enqueue(submission.pk))  # never raises
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
    submission = image_submission_lock_own(contributor=contributor, submission_id=submission_id)
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

