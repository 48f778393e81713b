"""Celery workers apply newer uploaded catalogs before a task (emails, exports in the reader's language)."""

from localization.services import catalogs_sync_if_due, sync_every_seconds


def before_task(**kwargs) -> None:
    if sync_every_seconds() >= 0:
        catalogs_sync_if_due()


def connect() -> None:
    from celery.signals import task_prerun

    task_prerun.connect(before_task, dispatch_uid="localization-catalogs-before-task", weak=False)
