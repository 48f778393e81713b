"""Resumable uploads (issue 17): one photo sent in small parts, so a dropped link costs one part.

The browser declares the file (`resumable_upload_create`), asks where to send parts
(`resumable_part_targets`: presigned S3 PUTs, or the portal's own part endpoint in the embedded
default, which stores through `resumable_part_store`), sends them in any order and as often as it
likes, and asks which arrived (`resumable_upload_progress`) after a drop, a reload or a restart. The
storage is the truth: a part is done when its object is stored with its exact size, whatever the
browser believes. Completing (`resumable_upload_complete`, the finalize step) requires every part,
assembles them in order into `images/original/<key>` and creates the submission as a presigned POST's
finalize does; the parts go once it commits. The beat's sweep (contributions.sweeps) aborts what is
not completed in time.

Parts are objects of their own (`uploads/<upload id>/<number, 5 digits>`), not the parts of an S3
multipart upload, because S3 refuses multipart parts under 5 MiB and a 5 MiB part never gets through
a 50 KB/s link cut every minute.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import UnreadablePostError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.services import contributor_ensure_can_submit
from campaign.errors import Conflict, DomainError, NotFound
from contributions import conf, services, storage, uploads
from contributions.errors import FileTooLarge, UnsupportedImageType
from contributions.models import RESUMABLE_UPLOAD_MAX_BYTES, ImageSubmission, ResumableUpload

PART_URL_SECONDS = 3600
MAX_NUMBERS_PER_REQUEST = 100
MAX_PARTS = 10_000


class PartsMissing(Conflict):
    """Completing before every part arrived: `missing` names them (the first 50 in the message)."""

    code = "parts_missing"

    def __init__(self, missing: list[int]):
        self.missing = missing
        shown = ", ".join(str(number) for number in missing[:50]) + (" …" if len(missing) > 50 else "")
        message = ngettext(
            "The upload is not complete: part %(parts)s has not arrived. Send it, then finish again.",
            "The upload is not complete: parts %(parts)s have not arrived. Send them, then finish again.",
            len(missing),
        ) % {"parts": shown}
        self.errors = {"parts": [message]}
        super().__init__(message, field="parts")


class WrongPartSize(DomainError):
    code = "wrong_part_size"
    http_status = 400


class PartInterrupted(DomainError):
    """The part's body stopped before its end (the link dropped mid-part): nothing of it is kept."""

    code = "part_interrupted"
    http_status = 400


@dataclass(frozen=True)
class Progress:
    """Which parts the storage holds with their exact size, and what that adds up to."""

    upload: ResumableUpload
    parts_done: list[int]
    bytes_done: int
    expires_at: datetime

    @property
    def complete(self) -> bool:
        return len(self.parts_done) == self.upload.part_count


# ---------------------------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------------------------


def _expires_at(upload: ResumableUpload) -> datetime:
    return upload.created_at + timedelta(hours=conf.resumable_upload_max_age_hours())


def _not_found() -> NotFound:
    return NotFound(_("This upload is not known, or it expired."))


def resumable_upload_of(*, owner, upload_id, for_update: bool = False) -> ResumableUpload:
    """The owner's upload, still open and in time; someone else's, an unknown or an expired one is
    'not found' (the id is the secret: another user's upload does not exist for them)."""
    try:
        upload_id = uuid.UUID(str(upload_id))
    except ValueError:
        raise _not_found() from None
    queryset = ResumableUpload.objects.filter(pk=upload_id, owner=owner)
    if for_update:
        queryset = queryset.select_for_update()
    upload = queryset.first()
    if upload is None or (upload.state == ResumableUpload.State.OPEN and _expires_at(upload) <= timezone.now()):
        raise _not_found()
    return upload


def resumable_upload_by_key(*, owner, key: uuid.UUID) -> ResumableUpload | None:
    return ResumableUpload.objects.filter(owner=owner, key=key).first()


def _sizes_by_number(upload: ResumableUpload) -> dict[int, int]:
    sizes = {}
    for name, size in storage.sizes_under(upload.prefix).items():
        tail = name[len(upload.prefix) :]
        if len(tail) == 5 and tail.isdigit():  # anything else (a stray temporary) is not a part
            sizes[int(tail)] = size
    return sizes


def resumable_upload_progress(*, upload: ResumableUpload) -> Progress:
    """The parts the storage holds with their exact size (never what the browser says it sent)."""
    if upload.state == ResumableUpload.State.COMPLETED:
        done = list(range(1, upload.part_count + 1))
        return Progress(upload=upload, parts_done=done, bytes_done=upload.size, expires_at=_expires_at(upload))
    sizes = _sizes_by_number(upload)
    done = [n for n in range(1, upload.part_count + 1) if sizes.get(n) == upload.part_size(n)]
    return Progress(
        upload=upload,
        parts_done=done,
        bytes_done=sum(upload.part_size(n) for n in done),
        expires_at=_expires_at(upload),
    )


# ---------------------------------------------------------------------------------------------
# Writes
# ---------------------------------------------------------------------------------------------


def _int(value, *, field: str) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise DomainError(_("Give a whole number."), field=field) from None


def resumable_upload_create(*, owner, size, filename: str = "", content_type: str = "") -> ResumableUpload:
    """Declare one photo to come in parts. Refused when Task 1 is not open to this contributor (403),
    when the declared size is above the limit (413, the usual message), or when the contributor already
    has too many uploads in progress."""
    contributor_ensure_can_submit(user=owner, task_number=1)
    size = _int(size, field="size")
    if size <= 0:
        raise DomainError(_("The file is empty."), field="size")
    if size > min(conf.max_upload_bytes(), RESUMABLE_UPLOAD_MAX_BYTES):
        raise FileTooLarge(field="size")
    content_type = str(content_type or "").strip()[:100]
    if content_type and not content_type.lower().startswith("image/"):
        raise UnsupportedImageType(field="content_type")
    chunk = max(conf.upload_chunk_bytes(), -(-size // MAX_PARTS))
    with transaction.atomic():
        # One contributor's uploads are counted one at a time: two tabs cannot both take the last place.
        get_user_model().objects.select_for_update().filter(pk=owner.pk).first()
        open_count = ResumableUpload.objects.filter(
            owner=owner,
            state=ResumableUpload.State.OPEN,
            created_at__gt=timezone.now() - timedelta(hours=conf.resumable_upload_max_age_hours()),
        ).count()
        limit = conf.resumable_upload_max_open()
        if open_count >= limit:
            raise Conflict(
                _(
                    "You have %(n)s uploads in progress: finish or remove some of them before starting another."
                )
                % {"n": open_count},
                code="too_many_uploads",
            )
        return ResumableUpload.objects.create(
            owner=owner,
            size=size,
            chunk_size=chunk,
            content_type=content_type,
            filename=services.safe_filename(filename),
        )


def _numbers(upload: ResumableUpload, numbers) -> list[int]:
    if isinstance(numbers, str | int):
        numbers = [numbers]
    parsed = []
    for value in list(numbers or [])[: MAX_NUMBERS_PER_REQUEST + 1]:
        parsed.append(_int(value, field="numbers"))
    if not parsed:
        raise DomainError(_("Name the parts to send."), field="numbers")
    if len(parsed) > MAX_NUMBERS_PER_REQUEST:
        raise DomainError(
            _("Ask for at most %(n)s parts at a time.") % {"n": MAX_NUMBERS_PER_REQUEST}, field="numbers"
        )
    wrong = sorted({n for n in parsed if not 1 <= n <= upload.part_count})
    if wrong:
        raise DomainError(
            _("This upload has parts 1 to %(count)s, not %(parts)s.")
            % {"count": upload.part_count, "parts": ", ".join(str(n) for n in wrong[:10])},
            field="numbers",
        )
    return list(dict.fromkeys(parsed))


def resumable_part_targets(*, upload: ResumableUpload, numbers, local_url) -> list[dict]:
    """Where and how to send each part: a presigned S3 PUT (its exact size signed, valid an hour), or
    in the embedded default the portal's part endpoint (`local_url(upload, number)`)."""
    if upload.state != ResumableUpload.State.OPEN:
        raise Conflict(_("This upload is already finished."), code="already_completed")
    targets = []
    for number in _numbers(upload, numbers):
        size = upload.part_size(number)
        if storage.is_s3():
            url = storage.presigned_put(upload.part_name(number), size=size, seconds=PART_URL_SECONDS)
        else:
            url = local_url(upload, number)
        targets.append({"number": number, "url": url, "method": "PUT", "headers": {}, "size": size})
    return targets


def resumable_part_store(*, owner, upload_id, number, stream, content_length) -> int:
    """The embedded default's stand-in for a presigned PUT: exactly the part's size, streamed to its
    name (a part sent again replaces itself). Returns the size stored."""
    upload = resumable_upload_of(owner=owner, upload_id=upload_id)
    if upload.state != ResumableUpload.State.OPEN:
        raise Conflict(_("This upload is already finished."), code="already_completed")
    (number,) = _numbers(upload, [number])
    size = upload.part_size(number)
    message = _("Part %(number)s must be exactly %(size)s bytes.") % {"number": number, "size": size}
    try:
        declared = int(content_length) if content_length not in (None, "") else None
    except (TypeError, ValueError):
        declared = None
    if declared != size:
        raise WrongPartSize(message, field="size")
    try:
        storage.save_exact(upload.part_name(number), stream, size=size)
    except ValueError:
        raise WrongPartSize(message, field="size") from None
    except UnreadablePostError:  # an expected event on a mobile link, not a server error to log as one
        raise PartInterrupted(
            _("Part %(number)s did not arrive whole: the connection dropped. Please send it again.")
            % {"number": number}
        ) from None
    return size


def resumable_upload_cancel(*, owner, upload_id) -> None:
    """The contributor removes an upload in progress: its parts and its row go."""
    with transaction.atomic():
        upload = resumable_upload_of(owner=owner, upload_id=upload_id, for_update=True)
        if upload.state == ResumableUpload.State.COMPLETED:
            raise Conflict(_("This upload is already finished: withdraw the photo instead."), code="already_completed")
        prefix = upload.prefix
        upload.delete()
        transaction.on_commit(lambda: storage.delete_under(prefix))


def _assembler(upload: ResumableUpload):
    def assemble() -> str:
        sizes = _sizes_by_number(upload)
        missing = [n for n in range(1, upload.part_count + 1) if sizes.get(n) != upload.part_size(n)]
        if missing:
            raise PartsMissing(missing)
        parts = [upload.part_name(n) for n in range(1, upload.part_count + 1)]
        return storage.assemble(upload.original_name, parts, content_type=upload.content_type)

    return assemble


def resumable_upload_complete(
    *, contributor, upload_id, source: str = "web", filename: str = "", **fields
) -> ImageSubmission:
    """Finish an upload: every part there with its exact size, assembled in order into the original,
    and the submission created with its descriptions as any finalize creates it (same refusals).

    Once only: the upload's row is locked while it completes, and a completed upload answers its
    submission again (a browser that lost the first answer retries safely)."""
    with transaction.atomic():
        upload = resumable_upload_of(owner=contributor, upload_id=upload_id, for_update=True)
        if upload.state == ResumableUpload.State.COMPLETED:
            submission = ImageSubmission.objects.filter(key=upload.key).first()
            if submission is not None:
                return submission
            raise Conflict(_("This upload was already submitted."), code="already_completed")
        submission = services.image_submission_create(
            contributor=contributor,
            upload=services.StoredUpload(
                key=upload.key, filename=filename or upload.filename, assemble=_assembler(upload)
            ),
            source=source,
            **fields,
        )
        upload.state = ResumableUpload.State.COMPLETED
        upload.completed_at = timezone.now()
        upload.save(update_fields=["state", "completed_at"])
        prefix = upload.prefix
        transaction.on_commit(lambda: storage.delete_under(prefix))
    return submission


def resumable_upload_body(*, progress: Progress, user) -> dict:
    """The state of an upload as the browser and API clients read it (docs/uploads.md)."""
    upload = progress.upload
    return {
        "upload": str(upload.id),
        "ticket": uploads.ticket_for_resumable(user=user, key=upload.key),
        "chunk_size": upload.chunk_size,
        "part_count": upload.part_count,
        "parts_done": progress.parts_done,
        "bytes_done": progress.bytes_done,
        "complete": progress.complete,
        "state": upload.state,
        "expires_at": progress.expires_at.isoformat(),
    }
