from celery import shared_task

from campaign.services import tasks_apply_schedule


@shared_task(name="campaign.apply_task_schedule", ignore_result=True)
def apply_task_schedule() -> list[int]:
    return tasks_apply_schedule()
