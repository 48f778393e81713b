"""Task 2 reads: scores for the dataset, the organizers' lists and the agreement report."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from review.agreement import krippendorff_alpha
from review.models import (
    AnnotatorPause,
    AnnotatorQualification,
    GoldAnswer,
    Rating,
    ReviewDecisionLog,
    ReviewItem,
    ScreeningAnswer,
    ScreeningAttempt,
)


@dataclass(frozen=True)
class ImageScores:
    avg_cultural_relevance: float
    avg_caption_fit: float  # share of "yes"
    avg_img_quality: float  # share of "yes"
    n_annotator: int


def image_scores(*, submission_ids) -> dict[int, ImageScores]:
    """The dataset's per-image scores from the counted ratings; images without any are left out."""
    rows = (
        Rating.objects.filter(item_id__in=list(submission_ids), counted=True)
        .values("item_id")
        .annotate(
            n=Count("pk"),
            relevance_sum=Coalesce(Sum("relevance"), 0),
            fits=Count("pk", filter=Q(caption_fit=True)),
            quality=Count("pk", filter=Q(quality_ok=True)),
        )
        .order_by()
    )
    return {
        row["item_id"]: ImageScores(
            avg_cultural_relevance=row["relevance_sum"] / row["n"],
            avg_caption_fit=row["fits"] / row["n"],
            avg_img_quality=row["quality"] / row["n"],
            n_annotator=row["n"],
        )
        for row in rows
    }


def _count(queryset, group_field: str):
    return Coalesce(
        Subquery(queryset.order_by().values(group_field).annotate(c=Count("pk")).values("c")[:1]),
        Value(0),
        output_field=IntegerField(),
    )


def _agrees_with_consensus() -> Q:
    would_accept = Q(relevance__gte=3, caption_fit=True, quality_ok=True)
    return (Q(item__outcome=ReviewItem.Outcome.ACCEPTED) & would_accept) | (
        Q(item__outcome=ReviewItem.Outcome.REJECTED) & ~would_accept
    )


def annotators_overview():
    """Every annotator with their countries, counts, gold accuracy and agreement with consensus (the counts
    are computed for the shown page only, so the list is ordered by when they joined)."""
    ratings = Rating.objects.filter(annotator=OuterRef("pk"), skipped=False)
    gold = GoldAnswer.objects.filter(annotator=OuterRef("pk"), skipped=False)
    decided = ratings.filter(counted=True, item__state=ReviewItem.State.DECIDED)
    return (
        get_user_model()
        .objects.filter(Exists(AnnotatorQualification.objects.filter(user=OuterRef("pk"))))
        .select_related("profile")
        .prefetch_related(
            Prefetch(
                "annotator_qualifications", queryset=AnnotatorQualification.objects.select_related("country")
            )
        )
        .annotate(
            n_ratings=_count(ratings, "annotator"),
            n_counted=_count(ratings.filter(counted=True), "annotator"),
            n_skipped=_count(Rating.objects.filter(annotator=OuterRef("pk"), skipped=True), "annotator"),
            n_gold=_count(gold, "annotator"),
            n_gold_correct=_count(gold.filter(correct=True), "annotator"),
            n_decided=_count(decided, "annotator"),
            n_agree=_count(decided.filter(_agrees_with_consensus()), "annotator"),
            is_paused=Exists(AnnotatorPause.objects.filter(user=OuterRef("pk"), reinstated_at__isnull=True)),
        )
        .order_by("pk")
    )


def adjudication_list():
    return (
        ReviewItem.objects.filter(state=ReviewItem.State.ADJUDICATION)
        .select_related("submission")
        .prefetch_related(
            Prefetch(
                "ratings",
                queryset=Rating.objects.filter(counted=True)
                .select_related("annotator__profile")
                .order_by("pk"),
                to_attr="counted_list",
            )
        )
        .order_by("created_at")
    )


def decided_items():
    return (
        ReviewItem.objects.filter(state=ReviewItem.State.DECIDED)
        .select_related("submission")
        .order_by("-decided_at")
    )


def paused_annotators():
    return (
        AnnotatorPause.objects.filter(reinstated_at__isnull=True)
        .select_related("user__profile")
        .order_by("paused_at")
    )


def decision_log():
    return ReviewDecisionLog.objects.select_related("actor__profile", "subject_user__profile").order_by(
        "-created_at"
    )


def screening_attempts_of(*, user):
    return ScreeningAttempt.objects.filter(user=user).order_by("-started_at")


def screening_answers_for_test(*, attempt):
    """What the test page shows: the items, never their expected answers (only fields the page needs)."""
    return (
        ScreeningAnswer.objects.filter(attempt=attempt)
        .select_related("item")
        .only(
            "pk",
            "position",
            "item_id",
            "attempt_id",
            "item__image",
            "item__description",
            "item__native_description",
            "item__native_language_name",
            "item__location",
        )
        .prefetch_related("item__countries")
        .order_by("position")
    )


def screening_answers_for_result(*, attempt):
    """What the result page shows of the missed items: the photo, the answers given and the explanation,
    never the expected answers (not even loaded: the same items also serve as hidden gold items)."""
    return (
        ScreeningAnswer.objects.filter(attempt=attempt)
        .select_related("item")
        .only(
            "pk",
            "position",
            "item_id",
            "attempt_id",
            "relevance",
            "caption_fit",
            "quality_ok",
            "correct",
            "item__description",
            "item__explanation",
        )
        .order_by("position")
    )


# --- agreement -----------------------------------------------------------------------------------------

QUESTIONS = (("relevance", "ordinal"), ("caption_fit", "nominal"), ("quality_ok", "nominal"))


@dataclass(frozen=True)
class AgreementRow:
    scope: str  # "" for all countries, else an ISO code
    n_items: int
    n_ratings: int
    alpha_relevance: float | None
    alpha_caption_fit: float | None
    alpha_quality: float | None


def agreement_report(*, max_items: int = 20_000, use_cache: bool = True) -> list[AgreementRow]:
    """Krippendorff's alpha per question (ordinal for relevance, nominal for yes/no), over all countries
    and per country, on the counted ratings of the most recent `max_items` items rated by two or more."""
    key = f"review:agreement:{max_items}"
    if use_cache and (cached := cache.get(key)) is not None:
        return cached
    item_ids = list(
        ReviewItem.objects.filter(counted_ratings__gte=2)
        .order_by("-created_at")
        .values_list("pk", flat=True)[:max_items]
    )
    units: dict[str, dict[str, dict[int, list]]] = {}
    counts: dict[str, int] = {}
    rows = Rating.objects.filter(item_id__in=item_ids, counted=True).values_list(
        "item_id", "item__country_codes", "relevance", "caption_fit", "quality_ok"
    )
    for item_id, codes, relevance, fits, quality in rows.iterator(chunk_size=10_000):
        for scope in ("", *[c for c in codes.split(",") if c]):
            per_question = units.setdefault(scope, {q: {} for q, _level in QUESTIONS})
            per_question["relevance"].setdefault(item_id, []).append(relevance)
            per_question["caption_fit"].setdefault(item_id, []).append(int(fits))
            per_question["quality_ok"].setdefault(item_id, []).append(int(quality))
            counts[scope] = counts.get(scope, 0) + 1
    report = []
    for scope in sorted(units):
        per_question = units[scope]
        alphas = {q: krippendorff_alpha(per_question[q], level=level) for q, level in QUESTIONS}
        report.append(
            AgreementRow(
                scope=scope,
                n_items=len(per_question["relevance"]),
                n_ratings=counts[scope],
                alpha_relevance=alphas["relevance"],
                alpha_caption_fit=alphas["caption_fit"],
                alpha_quality=alphas["quality_ok"],
            )
        )
    if use_cache:
        cache.set(key, report, timeout=600)
    return report


# --- what the rating page shows ------------------------------------------------------------------------


@dataclass(frozen=True)
class ShownImage:
    """The same shape for an image in review and a hidden gold item, so the page cannot tell them apart."""

    display: object
    original: object


@dataclass(frozen=True)
class ServedItem:
    key: str
    image: ShownImage
    image_url: str
    description: str
    native_description: str
    native_language_name: str
    location: str
    countries: list
    blur_flagged: bool
    expires_at: object


def served_item(*, lease, with_countries: bool = True) -> ServedItem:
    from django.urls import reverse

    from campaign.models import Country

    if lease.screening_item_id:
        source = lease.screening_item
        image = ShownImage(display=source.image, original=source.image)
        countries = list(source.countries.order_by("name")) if with_countries else []
        blur = False
    else:
        source = lease.item.submission
        image = ShownImage(display=source.display, original=source.original)
        codes = lease.item.country_code_list
        countries = list(Country.objects.filter(code__in=codes).order_by("name")) if with_countries else []
        blur = source.blur_flagged
    return ServedItem(
        key=str(lease.key),
        image=image,
        image_url=reverse("review:served-image", args=[lease.key]),
        description=source.description,
        native_description=source.native_description,
        native_language_name=source.native_language_name,
        location=source.location,
        countries=countries,
        blur_flagged=blur,
        expires_at=lease.expires_at,
    )
