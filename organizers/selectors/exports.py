"""Dataset releases: the list of exports and the rows, files and texts an export writes."""

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from django.core.files.storage import default_storage
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from campaign.models import Country
from contributions.models import ImageSubmission
from organizers.errors import ExportError
from organizers.models import DatasetExport


def dataset_exports() -> QuerySet[DatasetExport]:
    return DatasetExport.objects.select_related("requested_by__profile").order_by("-created_at", "-pk")


def export_change_log(*, before: DatasetExport) -> list[dict]:
    """The earlier releases a take-down superseded, oldest first, for a release's change log: values
    only (no storage names, no reasons, which may name a person)."""
    superseded = DatasetExport.objects.filter(
        status=DatasetExport.Status.SUPERSEDED, created_at__lte=before.created_at
    ).exclude(pk=before.pk)
    return [
        {
            "release": export.pk,
            "released": export.finished_at.date().isoformat() if export.finished_at else "",
            "superseded": export.superseded_at.date().isoformat() if export.superseded_at else "",
            "image_ids": sorted({entry["image_id"] for entry in export.take_downs}),
        }
        for export in superseded.order_by("created_at", "pk")
    ]


def dataset_exports_holding(*, submission_id: int) -> QuerySet[DatasetExport]:
    """The ready releases that hold the Task 1 image `submission_id`."""
    return DatasetExport.objects.filter(
        status=DatasetExport.Status.READY, released_images__submission_id=submission_id
    ).order_by("pk")


def dataset_export_file_name(*, export_id: int, path: str) -> str | None:
    """The storage name of one file of a ready export; None when the export is not ready or has no such file."""
    export = DatasetExport.objects.filter(pk=export_id, status=DatasetExport.Status.READY).first()
    if export is None or path not in {f["path"] for f in export.files}:
        return None
    return export.storage_name(path)


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
        queryset = filters.created_in_range(VisualQuestion.objects.filter(status="accepted")).exclude(
            image__image_submission__status=ImageSubmission.Status.REMOVED  # its image was taken down
        )
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
                "image_submission_id": v[1],
                "image_file": v[9] or v[10],
            },
            (
                "pk",
                "image__image_submission_id",
                "image__source_ref",
                "language_id",
                "question",
                "answer",
                *_attribution_fields(),
                "image__image_submission__original",
                "image__file",
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
