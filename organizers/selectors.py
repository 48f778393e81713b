"""Reads for organizers: the dashboard's aggregates, the rows a dataset export writes, the audit log.

Every dashboard figure comes from a GROUP BY query; the number of queries does not grow with the data.
"""

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.admin.models import LogEntry
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import Count, DateField, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.models import Country
from contributions.models import ImageSubmission
from organizers.errors import ExportError
from organizers.models import AuditEvent, DatasetExport

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
    """Task 3 per language: prompts translated (submitted or accepted) of all, translators enrolled of
    those needed. Four queries, whatever the numbers."""
    from campaign.models import Language
    from texttasks.models import BenchmarkPrompt, Translation, TranslatorEnrollment
    from texttasks.services import translators_per_language

    languages = list(Language.objects.filter(tasks__number=3).order_by("name"))
    total = BenchmarkPrompt.objects.count()
    done = dict(
        Translation.objects.filter(status__in=["pending", "accepted"])
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


# ---------------------------------------------------------------------------------------------------
# Audit log and exports


def audit_events() -> QuerySet[AuditEvent]:
    return AuditEvent.objects.select_related("actor__profile").order_by("-created_at", "-pk")


def admin_log_entries() -> QuerySet[LogEntry]:
    return LogEntry.objects.select_related("user__profile", "content_type").order_by("-action_time", "-pk")


def dataset_exports() -> QuerySet[DatasetExport]:
    return DatasetExport.objects.select_related("requested_by__profile").order_by("-created_at", "-pk")


# ---------------------------------------------------------------------------------------------------
# What an export writes


@dataclass(frozen=True)
class ExportFilters:
    date_from: date | None
    date_to: date | None
    countries: tuple[str, ...]
    country_names: tuple[str, ...]
    tasks: tuple[int, ...]

    @classmethod
    def of(cls, export: DatasetExport) -> "ExportFilters":
        codes = tuple(sorted(export.countries))
        names = tuple(Country.objects.filter(code__in=codes).order_by("name").values_list("name", flat=True))
        return cls(export.date_from, export.date_to, codes, names, tuple(export.effective_tasks))

    def created_in_range(self, queryset: QuerySet, created: str = "created_at") -> QuerySet:
        if self.date_from:
            queryset = queryset.filter(**{f"{created}__date__gte": self.date_from})
        if self.date_to:
            queryset = queryset.filter(**{f"{created}__date__lte": self.date_to})
        return queryset


def export_images(filters: ExportFilters) -> QuerySet[ImageSubmission]:
    """Accepted images in the filters, by id."""
    queryset = filters.created_in_range(
        ImageSubmission.objects.filter(status=ImageSubmission.Status.ACCEPTED)
    )
    if filters.countries:
        through = ImageSubmission.countries.through
        queryset = queryset.filter(
            Exists(
                through.objects.filter(imagesubmission_id=OuterRef("pk"), country_id__in=filters.countries)
            )
        )
    return queryset.order_by("pk")


def image_scores_for(submission_ids: list[int]) -> dict:
    """Task 2's scores per image: {id: ImageScores(avg_cultural_relevance, avg_caption_fit,
    avg_img_quality, n_annotator)}; the review app owns the rule that computes them."""
    from review.selectors import image_scores

    return image_scores(submission_ids=submission_ids)


def _public_name(display_name: str, use_pseudonym: bool, pseudonym: str) -> str:
    return pseudonym if use_pseudonym and pseudonym else (display_name or "")


def export_image_batches(filters: ExportFilters, *, batch_size: int, shard_rows: int) -> Iterator[list[dict]]:
    """Rows of the image export, in id order, a batch at a time (never crossing a shard boundary).

    Each batch costs four queries (rows, countries, scores, nothing per row) and holds at most
    `batch_size` images in memory. Only public fields are read: never e-mails or private profile fields.
    """
    queryset = export_images(filters)
    last_pk, written = 0, 0
    while True:
        size = min(batch_size, shard_rows - written % shard_rows)
        rows = list(
            queryset.filter(pk__gt=last_pk).values_list(
                "pk",
                "original",
                "description",
                "native_description",
                "native_language_name",
                "native_language_code",
                "location",
                "contributor__profile__display_name",
                "contributor__profile__use_pseudonym",
                "contributor__profile__pseudonym",
            )[:size]
        )
        if not rows:
            return
        ids = [row[0] for row in rows]
        countries: dict[int, list[str]] = defaultdict(list)
        through = ImageSubmission.countries.through
        for submission_id, name in (
            through.objects.filter(imagesubmission_id__in=ids)
            .order_by("imagesubmission_id", "country__name")
            .values_list("imagesubmission_id", "country__name")
        ):
            countries[submission_id].append(name)
        scores = image_scores_for(ids)
        batch = []
        for (
            pk,
            original,
            caption,
            native,
            lang_name,
            lang_code,
            location,
            display,
            use_pseudo,
            pseudo,
        ) in rows:
            if not original:
                raise ExportError(_("Image %(id)s has no stored file.") % {"id": pk})
            with default_storage.open(original, "rb") as handle:
                data = handle.read()
            score = scores.get(pk)
            batch.append(
                {
                    "id": pk,
                    "image_bytes": data,
                    "caption": caption,
                    "caption_native_lang": native,
                    "culture_relevant_loc": ",".join(countries[pk]),
                    "country_names": countries[pk],
                    "native_lang": f"{lang_name} ({lang_code})",
                    "avg_cultural_relevance": score.avg_cultural_relevance if score else None,
                    "avg_caption_fit": score.avg_caption_fit if score else None,
                    "avg_img_quality": score.avg_img_quality if score else None,
                    "n_annotator": score.n_annotator if score else 0,
                    "attribution": _public_name(display, use_pseudo, pseudo),
                    "location": location,
                }
            )
        yield batch
        last_pk, written = ids[-1], written + len(rows)


@dataclass
class TextSource:
    queryset: QuerySet
    to_row: Callable[[tuple], dict]
    fields: tuple[str, ...]

    def count(self) -> int:
        return self.queryset.count()

    def rows(self) -> Iterator[dict]:
        for values in self.queryset.values_list(*self.fields).iterator(chunk_size=5000):
            yield self.to_row(values)


def _attribution_fields(prefix: str = "contributor__profile__") -> tuple[str, ...]:
    return (f"{prefix}display_name", f"{prefix}use_pseudonym", f"{prefix}pseudonym")


def export_text_rows(*, task: int, filters: ExportFilters) -> TextSource | None:
    """Accepted text contributions of `task` in the filters, in a stable total order."""
    from texttasks.models import GenerationPrompt, Translation, VisualQuestion

    if task == 3:
        queryset = filters.created_in_range(Translation.objects.filter(status="accepted"))
        if filters.countries:
            queryset = queryset.filter(language__points_country_id__in=filters.countries)
        return TextSource(
            queryset.order_by("language_id", "prompt__benchmark", "prompt__position", "prompt_id", "pk"),
            lambda v: {
                "id": v[0],
                "source_index": v[1],
                "language": v[2],
                "prompt": v[3],
                "translation": v[4],
                "attribution": _public_name(*v[5:8]),
            },
            ("pk", "prompt__source_index", "language_id", "prompt__prompt", "text", *_attribution_fields()),
        )
    if task == 4:
        queryset = filters.created_in_range(VisualQuestion.objects.filter(status="accepted"))
        if filters.countries:
            queryset = queryset.filter(language__points_country_id__in=filters.countries)
        return TextSource(
            queryset.order_by("image_id", "language_id", "pk"),
            lambda v: {
                "id": v[0],
                "image_id": v[1],
                "image_source": v[2],
                "language": v[3],
                "question": v[4],
                "answer": v[5],
                "attribution": _public_name(*v[6:9]),
            },
            (
                "pk",
                "image__image_submission_id",
                "image__source_ref",
                "language_id",
                "question",
                "answer",
                *_attribution_fields(),
            ),
        )
    if task == 5:
        queryset = filters.created_in_range(GenerationPrompt.objects.filter(status="accepted"))
        if filters.countries:
            queryset = queryset.filter(country_id__in=filters.countries)
        return TextSource(
            queryset.order_by("country__name", "chain_id", "level", "pk"),
            lambda v: {
                "id": v[0],
                "country": v[1],
                "level": v[2],
                "chain_id": str(v[3]),
                "prompt": v[4],
                "attribution": _public_name(*v[5:8]),
            },
            ("pk", "country__name", "level", "chain_id", "text", *_attribution_fields()),
        )
    return None


def export_language_codes(counts: dict) -> list[str]:
    """ISO 639-3 codes of the languages in a release, for the dataset card's metadata."""
    codes = set()
    for table in counts.values():
        for key in table.get("by_language", {}):
            # image languages are written `Name (code)`; text tables hold the code itself
            codes.add(key.rsplit("(", 1)[-1].rstrip(")") if key.endswith(")") else key)
    if "generation_prompts" in counts or "images" in counts:
        codes.add("eng")
    return sorted(code for code in codes if code.isalpha() and len(code) == 3)


def export_review_description() -> list[str]:
    """How the released data was reviewed, from the rules in force (the dataset card's section)."""
    from review.conf import conf

    needed = conf("REVIEW_RATINGS_NEEDED")
    most = conf("REVIEW_RATINGS_MAX")
    mean = conf("REVIEW_MIN_MEAN_RELEVANCE")
    split_from = conf("REVIEW_SPLIT_MEAN_FROM")
    pass_mark = round(100 * conf("REVIEW_SCREENING_PASS_MARK"))
    return [
        "- Images (Task 1) passed automatic checks first: readable image type, minimum size, not blurry, "
        "not an exact or near duplicate (perceptual hash, Hamming distance of at most 8); location (GPS) "
        "metadata was removed from the stored copy.",
        f"- Each image was then rated by at least {needed} annotators from its countries (Task 2), who "
        f"passed a screening test ({pass_mark}% of answers matching the organizers') and are checked "
        "continuously with hidden gold items. Each rating gives cultural relevance (1-5), whether the "
        "caption fits, and whether the quality is acceptable.",
        f"- Consensus: an image is accepted when the mean relevance is at least {mean:g} and most "
        "annotators say the caption fits and the quality is acceptable; otherwise it is rejected. A split "
        f"(a mean from {split_from:g} up to {mean:g}, or a tie) asks for one more rating, up to {most}, then "
        "goes to an organizer, as does an image someone flagged (not the contributor's own photo, watermark, "
        "personal data, unsafe).",
        "- `avg_cultural_relevance`, `avg_caption_fit` and `avg_img_quality` are computed from the counted "
        "ratings; `n_annotator` is their number.",
        "- Text contributions (Tasks 3-5) were accepted by an organizer or by peer validators who write "
        "the same language; only accepted ones are released.",
    ]
