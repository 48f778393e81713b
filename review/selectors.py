"""Task 2 reads: who may rate (qualifications, pauses, gold accuracy), the screening test's allowance and
pages, the annotator's current lease, scores for the dataset, the organizers' lists and the agreement
report, and what the rating page shows."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import (
    CONTRIBUTOR_GATE_COLUMNS,
    CONTRIBUTOR_GATE_SQL,
    contributor_ensure_can_submit,
    contributor_gate_check,
    contributor_gate_profile_from,
)
from campaign.errors import NotAllowed
from campaign.models import Country
from campaign.prepared import prepared_fetchall
from review.agreement import krippendorff_alpha
from review.conf import conf
from review.models import (
    AnnotatorPause,
    AnnotatorQualification,
    GoldAnswer,
    Rating,
    ReviewDecisionLog,
    ReviewItem,
    ReviewLease,
    ScreeningAnswer,
    ScreeningAttempt,
    ScreeningExtraTry,
    ScreeningItem,
)

# --- annotators: qualifications, pauses, gold accuracy --------------------------------------------------


def annotator_country_codes(*, user) -> list[str]:
    return sorted(
        AnnotatorQualification.objects.filter(user=user).order_by().values_list("country_id", flat=True)
    )


def annotator_ensure_qualified(*, user) -> list[str]:
    """The gate of the queue (page and API): a passed screening test for at least one country."""
    codes = annotator_country_codes(user=user) if getattr(user, "is_authenticated", False) else []
    if not codes:
        raise NotAllowed(_("Pass the screening test to review images."), code="not_screened")
    return codes


def annotator_gate(*, user) -> tuple[list[str], bool]:
    """(qualified countries, paused) in one query; NotAllowed without a passed screening test."""
    paused = AnnotatorPause.objects.filter(user=user, reinstated_at__isnull=True)
    rows = list(
        AnnotatorQualification.objects.filter(user=user)
        .order_by()
        .annotate(paused=Exists(paused))
        .values_list("country_id", "paused")
    )
    if not rows:
        raise NotAllowed(_("Pass the screening test to review images."), code="not_screened")
    return sorted(code for code, _paused in rows), rows[0][1]


def annotator_gate_with_lease(*, user, key) -> tuple[list[str], bool, ReviewLease | None]:
    """`annotator_gate` and the annotator's lease of this key (or None), in one query: the answer's reads
    before its transaction. The lease carries what the answer needs (pk, item, screening item, served at)."""
    paused = AnnotatorPause.objects.filter(user=user, reinstated_at__isnull=True)
    lease = ReviewLease.objects.filter(key=key, annotator=user).order_by()
    rows = list(
        AnnotatorQualification.objects.filter(user=user)
        .order_by()
        .annotate(
            paused=Exists(paused),
            lease_pk=Subquery(lease.values("pk")),
            lease_item_id=Subquery(lease.values("item_id")),
            lease_screening_item_id=Subquery(lease.values("screening_item_id")),
            lease_created_at=Subquery(lease.values("created_at")),
        )
        .values_list(
            "country_id", "paused", "lease_pk", "lease_item_id", "lease_screening_item_id", "lease_created_at"
        )
    )
    if not rows:
        raise NotAllowed(_("Pass the screening test to review images."), code="not_screened")
    _code, is_paused, *lease_values = rows[0]
    return sorted(row[0] for row in rows), is_paused, _answered_lease(user=user, key=key, values=lease_values)


def _answered_lease(*, user, key, values) -> ReviewLease | None:
    """The lease an answer names, from its read (pk, item, screening item, served at), or None."""
    pk, item_id, screening_item_id, created_at = values
    if pk is None:
        return None
    return ReviewLease(
        pk=pk, key=key, annotator=user, item_id=item_id, screening_item_id=screening_item_id, created_at=created_at
    )


# The answer's reads before its transaction, one prepared statement: the contributor's gate
# (accounts.services.CONTRIBUTOR_GATE_SQL), the qualifications, the pause and the lease of this key.
_ANSWER_GATE_SQL = f"""
WITH contributor AS ({CONTRIBUTOR_GATE_SQL})
SELECT {CONTRIBUTOR_GATE_COLUMNS},
       ARRAY(SELECT q.country_id FROM review_annotatorqualification q WHERE q.user_id = %(gate_user)s),
       EXISTS (SELECT 1 FROM review_annotatorpause p WHERE p.user_id = %(gate_user)s AND p.reinstated_at IS NULL),
       l.id, l.item_id, l.screening_item_id, l.created_at
FROM (SELECT 1) one
LEFT JOIN contributor ON true
LEFT JOIN review_reviewlease l ON l.key = %(key)s AND l.annotator_id = %(gate_user)s
"""  # noqa: S608 - fixed SQL, the values are parameters


def annotator_answer_gate(*, user, key, task_number: int) -> tuple[list[str], bool, ReviewLease | None]:
    """`contributor_ensure_can_submit` then `annotator_gate_with_lease`, refusing in that order, in one
    prepared statement on PostgreSQL."""
    if connection.vendor != "postgresql":
        contributor_ensure_can_submit(user=user, task_number=task_number)
        return annotator_gate_with_lease(user=user, key=key)
    params = {"gate_user": user.pk, "gate_task": task_number, "gate_now": timezone.now(), "key": key}
    row = prepared_fetchall(_ANSWER_GATE_SQL, params)[0]
    profile, _passes = contributor_gate_profile_from(user=user, values=row[:12])
    if profile is None or profile.gate_task_status is None:  # refused, or a race: the reads one by one
        contributor_gate_check(user=user, task_number=task_number, profile=profile)
        return annotator_gate_with_lease(user=user, key=key)
    contributor_gate_check(user=user, task_number=task_number, profile=profile)
    codes, paused, *lease_values = row[12:]
    if not codes:
        raise NotAllowed(_("Pass the screening test to review images."), code="not_screened")
    return sorted(codes), paused, _answered_lease(user=user, key=key, values=lease_values)


def annotator_is_paused(*, user) -> bool:
    return AnnotatorPause.objects.filter(user=user, reinstated_at__isnull=True).exists()


def gold_accuracy(*, user) -> tuple[float | None, int]:
    """Accuracy over the last REVIEW_GOLD_WINDOW gold answers since the last reinstatement."""
    answers = GoldAnswer.objects.filter(annotator=user, skipped=False)
    last_reinstated = (
        AnnotatorPause.objects.filter(user=user, reinstated_at__isnull=False)
        .order_by("-reinstated_at")
        .values_list("reinstated_at", flat=True)
        .first()
    )
    if last_reinstated:
        answers = answers.filter(created_at__gt=last_reinstated)
    window = list(
        answers.order_by("-created_at").values_list("correct", flat=True)[: conf("REVIEW_GOLD_WINDOW")]
    )
    if not window:
        return None, 0
    return sum(1 for c in window if c) / len(window), len(window)


# --- screening ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScreeningAllowance:
    can_start: bool
    message: str
    next_allowed_at: object = None
    attempts_used: int = 0
    attempts_allowed: int = 0


def screening_allowance(*, user, now=None) -> ScreeningAllowance:
    now = now or timezone.now()
    submitted = list(
        ScreeningAttempt.objects.filter(user=user, submitted_at__isnull=False).values_list(
            "submitted_at", "passed"
        )
    )
    grants = list(ScreeningExtraTry.objects.filter(user=user).values_list("created_at", flat=True))
    allowed = conf("REVIEW_SCREENING_MAX_ATTEMPTS") + len(grants)
    used = len(submitted)
    if used >= allowed:
        return ScreeningAllowance(
            False,
            _("You have used all %(n)s attempts. An organizer can grant you another try.") % {"n": allowed},
            attempts_used=used,
            attempts_allowed=allowed,
        )
    failed = [at for at, passed in submitted if passed is False]
    if failed:
        last_failed = max(failed)
        next_at = last_failed + timedelta(hours=conf("REVIEW_SCREENING_COOLDOWN_HOURS"))
        granted_since = any(g > last_failed for g in grants)
        if now < next_at and not granted_since:
            when = timezone.localtime(next_at).strftime("%Y-%m-%d %H:%M %Z")
            return ScreeningAllowance(
                False,
                _("You can take the test again after %(when)s.") % {"when": when},
                next_allowed_at=next_at,
                attempts_used=used,
                attempts_allowed=allowed,
            )
    return ScreeningAllowance(True, "", attempts_used=used, attempts_allowed=allowed)


def screening_pool(country_codes) -> QuerySet[ScreeningItem]:
    """The active screening items of these countries (the test's draw and the hidden gold items)."""
    through = ScreeningItem.countries.through
    return ScreeningItem.objects.filter(
        is_active=True,
        pk__in=through.objects.filter(country_id__in=list(country_codes)).values("screeningitem_id"),
    )


def screening_attempt_of(*, user, attempt_id: int, submitted: bool | None = None) -> ScreeningAttempt | None:
    """One of the user's own screening tests (None for someone else's); `submitted` narrows to a graded one
    (True) or an unfinished one (False)."""
    attempts = ScreeningAttempt.objects.filter(pk=attempt_id, user=user)
    if submitted is not None:
        attempts = attempts.filter(submitted_at__isnull=not submitted)
    return attempts.first()


def screening_answer_at(*, attempt_id: int, position: int) -> ScreeningAnswer | None:
    """The item at a position of a test, with its attempt (whose user may see its image)."""
    return (
        ScreeningAnswer.objects.filter(attempt_id=attempt_id, position=position)
        .select_related("attempt", "item")
        .first()
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


# --- the queue: the annotator's lease ------------------------------------------------------------------


def lease_current(*, annotator, now=None) -> ReviewLease | None:
    now = now or timezone.now()
    return (
        ReviewLease.objects.filter(annotator=annotator, state=ReviewLease.State.ACTIVE, expires_at__gt=now)
        .select_related("item__submission", "screening_item")
        .order_by("-created_at")
        .first()
    )


def lease_by_key(*, key) -> ReviewLease | None:
    """A served item by the key in its address, with what its image needs."""
    return ReviewLease.objects.filter(key=key).select_related("item__submission", "screening_item").first()


def review_item_exists(*, item_id: int) -> bool:
    return ReviewItem.objects.filter(pk=item_id).exists()


def countries_of(*, codes) -> QuerySet[Country]:
    """The countries of these ISO codes, by name (what a page lists)."""
    return Country.objects.filter(code__in=list(codes)).order_by("name")


# --- scores and the organizers' lists -------------------------------------------------------------------


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

    if lease.screening_item_id:
        source = lease.screening_item
        image = ShownImage(display=source.image, original=source.image)
        countries = list(source.countries.order_by("name")) if with_countries else []
        blur = False
    else:
        source = lease.item.submission
        image = ShownImage(display=source.display, original=source.original)
        codes = lease.item.country_code_list
        countries = list(countries_of(codes=codes)) if with_countries else []
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
