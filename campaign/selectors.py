from django.db.models import QuerySet

from campaign.models import Country, Language, Task


def tasks_for_home() -> QuerySet[Task]:
    return Task.objects.all().order_by("number")


def task_get(*, number: int) -> Task:
    return Task.objects.get(number=number)


def countries_all() -> QuerySet[Country]:
    return Country.objects.all().order_by("name")


def languages_of_task(*, number: int) -> QuerySet[Language]:
    """The languages a task accepts; for a task without a list, every language of the campaign."""
    task_languages = Language.objects.filter(tasks__number=number)
    if task_languages.exists():
        return task_languages.order_by("name")
    return Language.objects.all().order_by("name")
