"""The organizers' dashboard: contributions per country and task, weekly activity, language coverage.

Every dashboard figure comes from a GROUP BY query; the number of queries does not grow with the data.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, DateField, F, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone

from campaign.models import Country
from contributions.models import ImageSubmission

STATUS_KEYS = ("pending", "in_review", "accepted", "rejected")


@dataclass
class CountryTaskCounts:
    country_code: str
    country_name: str
    underrepresented: bool
    task: int
    pending: int = 0
    in_review: int = 0
    accepted: int = 0
    rejected: int = 0

    @property
    def submitted(self) -> int:
        return self.pending + self.in_review + self.accepted + self.rejected


@dataclass
class WeekRow:
    week: date
    values: dict[str, int] = field(default_factory=dict)


@dataclass
class LanguageCoverage:
    code: str
    name: str
    prompts_done: int
    prompts_total: int
    translators: int
    translators_needed: int

    @property
    def percent(self) -> int:
        return (
            round(100 * min(self.prompts_done, self.prompts_total) / self.prompts_total)
            if self.prompts_total
            else 0
        )


@dataclass
class Dashboard:
    countries: list[Country]
    by_country: list[CountryTaskCounts]
    weekly_submissions: list[WeekRow]  # values: one key per task ("task1", ...)
    review_weekly: list[WeekRow]  # values: submitted, ratings, decided, backlog (images)
    backlog: dict[str, int]
    coverage: list[LanguageCoverage]
    active_weekly: list[WeekRow]  # values: contributors
    tasks: list[int]


# ---------------------------------------------------------------------------------------------------
# Sources per task. Each gives (a) counts per country and status, (b) a queryset of (week, contributor)
# rows for submissions. Task 1 is images; the text tasks join after their app lands.


def _image_counts_by_country() -> list[tuple[int, str, str, int]]:
    through = ImageSubmission.countries.through
    rows = (
        through.objects.exclude(imagesubmission__status=ImageSubmission.Status.WITHDRAWN)
        .values_list("country_id", "imagesubmission__status")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [(1, country, status, n) for country, status, n in rows]


def _week(value) -> date:
    if isinstance(value, str):  # SQLite (the embedded default) answers raw SQL with text
        return date.fromisoformat(value[:10])
    return value.date() if isinstance(value, datetime) else value


def _weekly_counts(queryset: QuerySet, date_field: str) -> dict[date, int]:
    rows = (
        queryset.annotate(week=TruncWeek(date_field, output_field=DateField()))
        .values_list("week")
        .annotate(n=Count("pk"))
        .order_by("week")
    )
    return {_week(week): n for week, n in rows}


def _submission_sources() -> list[tuple[int, QuerySet, str, str]]:
    """(task number, queryset of submissions, created field, contributor field) for every task."""
    return [
        (
            1,
            ImageSubmission.objects.exclude(status=ImageSubmission.Status.WITHDRAWN),
            "created_at",
            "contributor_id",
        ),
        *_texttask_submission_sources(),
    ]


# Text tasks: statuses draft (not submitted), pending (waiting for a decision: "in review" here),
# accepted, rejected, withdrawn. The country of a translation or visual question is its language's.
TEXT_STATUS_KEYS = {"pending": "in_review", "accepted": "accepted", "rejected": "rejected"}


def _text_models() -> dict[int, tuple[type, str]]:
    """{task number: (model, the path to its country)}"""
    from texttasks.models import GenerationPrompt, TextPrompt, Translation, VisualQuestion

    return {
        3: (Translation, "language__points_country_id"),
        4: (VisualQuestion, "language__points_country_id"),
        5: (GenerationPrompt, "country_id"),
        6: (TextPrompt, "country_id"),
    }


def _texttask_submission_sources() -> list[tuple[int, QuerySet, str, str]]:
    return [
        (task, model.objects.filter(status__in=TEXT_STATUS_KEYS), "created_at", "contributor_id")
        for task, (model, _country) in _text_models().items()
    ]


def _texttask_counts_by_country() -> list[tuple[int, str, str, int]]:
    rows = []
    for task, (model, country) in _text_models().items():
        counts = (
            model.objects.filter(status__in=TEXT_STATUS_KEYS, **{f"{country}__isnull": False})
            .values_list(country, "status")
            .annotate(n=Count("pk"))
            .order_by()
        )
        rows += [(task, code, TEXT_STATUS_KEYS[status], n) for code, status, n in counts]
    return rows


def _rating_source() -> tuple[int, QuerySet, str, str]:
    """Task 2: every rating given (its annotator is an active contributor that week)."""
    from review.models import Rating

    return (2, Rating.objects.filter(skipped=False), "created_at", "annotator_id")


def _active_contributors_weekly(sources) -> dict[date, int]:
    """Distinct contributors per week over every task, in one query (COUNT DISTINCT over a UNION ALL of
    the sources: one sort, instead of a de-duplicating UNION and then a second one)."""
    parts, params = [], []
    for _task, queryset, created, contributor in sources:
        sub = (
            queryset.annotate(week=TruncWeek(created, output_field=DateField()), active_user=F(contributor))
            .values_list("week", "active_user")
            .order_by()
        )
        sql, sub_params = sub.query.sql_with_params()
        parts.append(sql)
        params.extend(sub_params)
    # The parts are SQL compiled by Django with their parameters kept apart; nothing here is user text.
    sql = (
        "SELECT week, COUNT(DISTINCT active_user) FROM ("  # noqa: S608
        + " UNION ALL ".join(parts)
        + ") active GROUP BY week ORDER BY week"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {_week(week): n for week, n in cursor.fetchall()}


def translation_coverage() -> list[LanguageCoverage]:
    """Task 3 per language: prompts translated (an accepted translation: one still waiting for review
    does not count yet) of all, translators enrolled of those needed. Four queries, whatever the
    numbers."""
    from campaign.models import Language
    from texttasks.models import BenchmarkPrompt, Translation, TranslatorEnrollment
    from texttasks.selectors import translators_per_language

    languages = list(Language.objects.filter(tasks__number=3).order_by("name"))
    total = BenchmarkPrompt.objects.count()
    done = dict(
        Translation.objects.filter(status="accepted")
        .values_list("language_id")
        .annotate(n=Count("prompt_id", distinct=True))
        .order_by()
    )
    enrolled = dict(
        TranslatorEnrollment.objects.values_list("language_id").annotate(n=Count("pk")).order_by()
    )
    needed = translators_per_language()
    return [
        LanguageCoverage(
            language.code,
            language.name,
            done.get(language.code, 0),
            total,
            enrolled.get(language.code, 0),
            needed,
        )
        for language in languages
    ]


def dashboard_get() -> Dashboard:
    countries = list(Country.objects.order_by("name"))
    names = {c.code: c for c in countries}
    sources = _submission_sources()
    tasks = [task for task, *_ in sources]

    cells: dict[tuple[str, int], CountryTaskCounts] = {}
    for country in countries:
        for task in tasks:
            cells[(country.code, task)] = CountryTaskCounts(
                country.code, country.name, country.is_underrepresented, task
            )
    for task, country_code, status, n in _image_counts_by_country() + _texttask_counts_by_country():
        cell = cells.get((country_code, task))
        if cell is not None and status in STATUS_KEYS:
            setattr(cell, status, getattr(cell, status) + n)
    # Underrepresented countries first, so they stand out at the top of every table and chart.
    by_country = sorted(
        cells.values(), key=lambda c: (not c.underrepresented, names[c.country_code].name, c.task)
    )

    weekly: dict[date, dict[str, int]] = defaultdict(dict)
    per_task: dict[int, dict[date, int]] = {}
    for task, queryset, created, _contributor in sources:
        per_task[task] = _weekly_counts(queryset, created)
        for week, n in per_task[task].items():
            weekly[week][f"task{task}"] = n
    weekly_submissions = [
        WeekRow(week, {f"task{t}": weekly[week].get(f"task{t}", 0) for t in tasks}) for week in sorted(weekly)
    ]

    images = ImageSubmission.objects.exclude(status=ImageSubmission.Status.WITHDRAWN)
    submitted = per_task[1]  # the same query as Task 1's weekly submissions
    decided = _weekly_counts(images.filter(decided_at__isnull=False), "decided_at")
    _task, ratings_queryset, rated_at, _annotator = _rating_source()
    ratings = _weekly_counts(ratings_queryset, rated_at)
    review_weekly, backlog_running = [], 0
    for week in sorted(set(submitted) | set(decided) | set(ratings)):
        backlog_running += submitted.get(week, 0) - decided.get(week, 0)
        review_weekly.append(
            WeekRow(
                week,
                {
                    "submitted": submitted.get(week, 0),
                    "ratings": ratings.get(week, 0),
                    "decided": decided.get(week, 0),
                    "backlog": backlog_running,
                },
            )
        )
    backlog = images.aggregate(
        pending=Count("pk", filter=Q(status=ImageSubmission.Status.PENDING)),
        in_review=Count("pk", filter=Q(status=ImageSubmission.Status.IN_REVIEW)),
    )

    active = _active_contributors_weekly([*sources, _rating_source()])
    return Dashboard(
        countries=countries,
        by_country=by_country,
        weekly_submissions=weekly_submissions,
        review_weekly=review_weekly,
        backlog=backlog,
        coverage=translation_coverage(),
        active_weekly=[WeekRow(week, {"contributors": n}) for week, n in sorted(active.items())],
        tasks=tasks,
    )


def dashboard_cached(*, max_age: int, refresh: bool = False) -> tuple[Dashboard, datetime]:
    """The dashboard and when it was computed, from the cache when it is at most `max_age` seconds old
    (0: always computed). At campaign scale a computation takes seconds, not a page view's budget."""
    key = "organizers:dashboard:v1"
    if max_age and not refresh:
        cached = cache.get(key)
        if cached is not None:
            return cached
    value = (dashboard_get(), timezone.now())
    if max_age:
        cache.set(key, value, max_age)
    return value
