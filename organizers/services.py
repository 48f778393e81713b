"""Writes for organizers: the audit log (fed by `campaign.audit`, see receivers.py), start and run a dataset
export."""

import logging
from collections.abc import Callable
from datetime import date, timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.errors import DomainError
from campaign.models import Country
from contributions.models import ImageSubmission
from organizers.errors import ExportError
from organizers.models import AuditEvent, DatasetExport, ReleasedImage

logger = logging.getLogger(__name__)


def audit_record(
    *, actor, action: str, target: models.Model | None = None, details: dict | None = None
) -> AuditEvent:
    """Write one audit event: `actor` (a user or None for the system) did `action` to `target`.

    `action` is a short dotted verb ("task.open", "point_rule.change", "screening_item.change",
    "moderation.decide"); `details` is JSON (before/after values, reasons). Runs inside the caller's
    transaction, so a rolled-back change leaves no event behind.
    """
    target_type = target_id = target_repr = ""
    if target is not None:
        target_type = target._meta.label_lower
        target_id = str(target.pk)
        target_repr = str(target)[:200]
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action[:64],
        target_type=target_type,
        target_id=target_id,
        target_repr=target_repr,
        details=details or {},
    )


def dataset_export_start(
    *,
    requested_by,
    date_from: date | None = None,
    date_to: date | None = None,
    countries: list[str] | None = None,
    tasks: list[int] | None = None,
    enqueue: bool = True,
) -> DatasetExport:
    """Record an export request and hand it to a worker once the row is committed."""
    countries = sorted({code.strip().upper() for code in countries or [] if code.strip()})
    tasks = sorted(set(tasks or []))
    if date_from and date_to and date_from > date_to:
        raise DomainError(_("The start date must be on or before the end date."), field="date_from")
    unknown = sorted(
        set(countries) - set(Country.objects.filter(code__in=countries).values_list("code", flat=True))
    )
    if unknown:
        raise DomainError(
            _("Unknown country codes: %(codes)s.") % {"codes": ", ".join(unknown)}, field="countries"
        )
    not_exportable = [task for task in tasks if task not in DatasetExport.EXPORTABLE_TASKS]
    if not_exportable:
        raise DomainError(
            _("Only tasks %(tasks)s can be exported.")
            % {"tasks": ", ".join(str(t) for t in DatasetExport.EXPORTABLE_TASKS)},
            field="tasks",
        )
    with transaction.atomic():
        export = DatasetExport.objects.create(
            requested_by=requested_by, date_from=date_from, date_to=date_to, countries=countries, tasks=tasks
        )
        audit_record(
            actor=requested_by,
            action="dataset_export.start",
            target=export,
            details={
                "date_from": date_from.isoformat() if date_from else None,
                "date_to": date_to.isoformat() if date_to else None,
                "countries": countries,
                "tasks": tasks,
            },
        )
        if enqueue:
            from campaign.tasks import enqueue_on_commit
            from organizers.tasks import run_dataset_export

            enqueue_on_commit(run_dataset_export, export.pk)  # broker down: logged, never raised
    return export


def dataset_export_run(
    *, export_id: int, on_progress: Callable[[int, int], None] | None = None
) -> DatasetExport:
    """Write the files of one export (what the worker runs). Idempotent: a finished export is left as it
    is; an interrupted one (still `running`) is written again from the start, to the same names."""
    from organizers.export import export_build

    with transaction.atomic():
        export = DatasetExport.objects.select_for_update().get(pk=export_id)
        if export.status in (DatasetExport.Status.READY, DatasetExport.Status.FAILED):
            return export
        export.status = DatasetExport.Status.RUNNING
        export.started_at, export.progress, export.error = timezone.now(), 0, ""
        export.save(update_fields=["status", "started_at", "progress", "error"])

    last = {"percent": -1}

    def progress(done: int, total: int) -> None:
        percent = min(99, done * 100 // max(total, 1))
        if percent != last["percent"]:
            last["percent"] = percent
            DatasetExport.objects.filter(pk=export_id).update(progress=percent)
        if on_progress:
            on_progress(done, total)

    try:
        result = export_build(export=export, on_progress=progress)
    except Exception as error:
        logger.exception("Dataset export %s failed", export_id)
        export.status, export.error = DatasetExport.Status.FAILED, str(error) or error.__class__.__name__
        export.finished_at = timezone.now()
        export.save(update_fields=["status", "error", "finished_at"])
        _notify(export)
        if isinstance(error, ExportError):
            return export  # a problem in the data: retrying cannot fix it, the organizer is told
        raise
    with transaction.atomic():
        export.status, export.progress = DatasetExport.Status.READY, 100
        export.files, export.counts, export.finished_at = result.files, result.counts, timezone.now()
        export.save(update_fields=["status", "progress", "files", "counts", "finished_at"])
        ReleasedImage.objects.bulk_create(
            [ReleasedImage(export=export, submission_id=pk) for pk in sorted(result.image_ids)],
            batch_size=5000,
            ignore_conflicts=True,
        )
    _notify(export)
    # An image taken down while the release was being written: the release is superseded at once.
    for submission_id in ImageSubmission.objects.filter(
        pk__in=result.image_ids, status=ImageSubmission.Status.REMOVED
    ).values_list("pk", flat=True):
        dataset_exports_supersede(submission_id=submission_id)
    export.refresh_from_db()
    return export


def dataset_exports_supersede(*, submission_id: int) -> list[DatasetExport]:
    """An image was taken down: every release that holds it is superseded. Its files are deleted (no
    longer served, nor kept) once this commits, the take-down is listed on the release's page, and each
    organizer who started one of them is e-mailed which releases to replace. Idempotent: a release
    already superseded by this image is left as it is. Returns the releases this call changed."""
    submission = ImageSubmission.objects.filter(
        pk=submission_id, status=ImageSubmission.Status.REMOVED
    ).first()
    if submission is None:
        return []
    take_down = {
        "image_id": submission.pk,
        "taken_down_at": (submission.removed_at or timezone.now()).isoformat(),
        "reason": submission.removal_reason,
    }
    changed: list[DatasetExport] = []
    with transaction.atomic():
        holding = (
            DatasetExport.objects.select_for_update()
            .filter(
                status__in=(DatasetExport.Status.READY, DatasetExport.Status.SUPERSEDED),
                released_images__submission_id=submission.pk,
            )
            .order_by("pk")
        )
        now = timezone.now()
        for export in holding:
            if any(entry.get("image_id") == submission.pk for entry in export.take_downs):
                continue
            was = export.status
            export.status = DatasetExport.Status.SUPERSEDED
            export.superseded_at = export.superseded_at or now
            export.take_downs = [*export.take_downs, take_down]
            export.save(update_fields=["status", "superseded_at", "take_downs"])
            audit_record(
                actor=None,
                action="dataset_export.supersede",
                target=export,
                details={"image_id": submission.pk, "status_before": was, "status_after": export.status},
            )
            changed.append(export)
        names = [export.storage_name(file["path"]) for export in changed for file in export.files]
        transaction.on_commit(lambda: _delete_quietly(names))
        transaction.on_commit(lambda: _notify_superseded(changed, image_id=submission.pk))
    return changed


def _delete_quietly(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:  # a file already gone or a storage hiccup must not undo the take-down
            logger.exception("Could not delete %s of a superseded release", name)


def _notify_superseded(exports: list[DatasetExport], *, image_id: int) -> None:
    """Tell each organizer who started a superseded release which releases to replace, wherever they
    published them."""
    by_user: dict = {}
    for export in exports:
        if export.requested_by_id and export.requested_by.email:
            by_user.setdefault(export.requested_by, []).append(export)
    base = settings.SITE_URL.rstrip("/")
    for user, theirs in by_user.items():
        lines = "\n".join(
            "- "
            + _("Export %(id)s") % {"id": export.pk}
            + f": {base}{reverse('organizers:export-detail', args=[export.pk])}"
            for export in theirs
        )
        subject = _("Replace %(count)s dataset release(s): an image was taken down") % {"count": len(theirs)}
        body = _(
            "Image %(image)s was taken down. These releases you started held it; their files are no longer "
            "served. If you published any of them elsewhere (for example on the Hugging Face Hub), replace "
            "it with a new export:\n\n%(releases)s\n\nThe new release's dataset card lists the change.\n"
        ) % {"image": image_id, "releases": lines}
        send_mail(
            settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]
        )


def _notify(export: DatasetExport) -> None:
    """Tell the organizer who asked: a link to the export page, which holds the download links."""
    user = export.requested_by
    if user is None or not user.email:
        return
    link = settings.SITE_URL.rstrip("/") + reverse("organizers:export-detail", args=[export.pk])
    if export.status == DatasetExport.Status.READY:
        subject = _("Your dataset export %(id)s is ready") % {"id": export.pk}
        body = _("The dataset export you started is ready. Download its files here:\n\n%(link)s\n") % {
            "link": link
        }
    else:
        subject = _("Your dataset export %(id)s failed") % {"id": export.pk}
        body = _("The dataset export you started failed:\n\n%(error)s\n\nDetails: %(link)s\n") % {
            "error": export.error,
            "link": link,
        }
    send_mail(
        settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]
    )


EXPORT_REQUEUE_AFTER = timedelta(minutes=10)


def dataset_exports_requeue_queued(*, older_than: timedelta = EXPORT_REQUEUE_AFTER) -> list[int]:
    """The beat's sweep: queue again exports still `queued` long after they were asked for (the broker was
    down when the organizer started them). Returns their ids."""
    from campaign.tasks import enqueue
    from organizers.tasks import run_dataset_export

    ids = list(
        DatasetExport.objects.filter(
            status=DatasetExport.Status.QUEUED, created_at__lte=timezone.now() - older_than
        ).values_list("pk", flat=True)
    )
    for export_id in ids:
        enqueue(run_dataset_export, export_id)
    return ids
