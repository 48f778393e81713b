from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from campaign.audit import audit
from campaign.errors import TaskNotOpen
from campaign.messages import Message
from campaign.models import Task
from campaign.times import campaign_time


def task_ensure_open(*, number: int) -> Task:
    """The one check every write path makes before accepting a contribution to a task."""
    try:
        task = Task.objects.get(number=number)
    except Task.DoesNotExist:
        raise TaskNotOpen(Message.of(gettext_noop("This task does not exist."))) from None
    return task_check_open(task)


def task_check_open(task: Task) -> Task:
    """`task_ensure_open` on a task already read (its number, status and schedule are enough)."""
    number = task.number
    status = task.current_status
    if status == Task.Status.OPEN:
        return task
    if status == Task.Status.SCHEDULED:
        if task.opens_at:
            when = campaign_time(task.opens_at)
            raise TaskNotOpen(
                Message.of(gettext_noop("Task %(number)s opens on %(when)s."), number=number, when=when)
            )
        raise TaskNotOpen(Message.of(gettext_noop("Task %(number)s is not open yet."), number=number))
    raise TaskNotOpen(
        Message.of(
            gettext_noop("Task %(number)s is closed: it no longer accepts contributions."), number=number
        )
    )


def tasks_set_status(*, numbers: Iterable[int], status: str) -> int:
    """Open or close tasks now (the admin action). Clears a scheduled time that would undo it."""
    now = timezone.now()
    changed = 0
    with transaction.atomic():
        for task in Task.objects.select_for_update().filter(number__in=list(numbers)):
            task.status = status
            update_fields = ["status"]
            if status == Task.Status.OPEN and task.closes_at and task.closes_at <= now:
                task.closes_at = None
                update_fields.append("closes_at")
            if status == Task.Status.CLOSED and task.opens_at and task.opens_at > now:
                task.opens_at = None
                update_fields.append("opens_at")
            task.save(update_fields=update_fields)
            changed += 1
    return changed


def tasks_apply_schedule() -> list[int]:
    """Store the status that the scheduled times have already put in force (run by beat).

    Write paths read the status in force directly, so a missed run never lets a closed task accept.
    """
    changed = []
    now = timezone.now()
    with transaction.atomic():
        for task in Task.objects.select_for_update().exclude(status=Task.Status.CLOSED):
            status = task.status_at(now)
            if status != task.status:
                was = task.status
                task.status = status
                task.save(update_fields=["status"])
                changed.append(task.number)
                audit(
                    actor=None,
                    action="task.schedule_apply",
                    target=task,
                    details={
                        "status_before": was,
                        "status_after": status,
                        "opens_at": campaign_time(task.opens_at),
                        "closes_at": campaign_time(task.closes_at),
                    },
                )
    return changed


def task_schedule_changes(*, before: Task, after: Task) -> dict:
    """{field: {"old": ..., "new": ...}} for the scheduled times that differ, in the campaign's zone."""
    return {
        name: {"old": campaign_time(getattr(before, name)), "new": campaign_time(getattr(after, name))}
        for name in ("opens_at", "closes_at")
        if getattr(before, name) != getattr(after, name)
    }
