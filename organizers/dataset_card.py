"""The dataset card of a release (its README.md): the `datasets` configs of the tables it holds, each
table's columns with their types and meanings, the licence, the counts and the change log of take-downs."""

import json
from collections.abc import Iterator

import pyarrow as pa

from organizers.release_tables import IMAGE_SCHEMA, TEXT_TABLES
from organizers.selectors import exports as export_selectors


def _yaml_configs(counts: dict) -> Iterator[str]:
    for name in ("images", *(table for table, _schema in TEXT_TABLES.values())):
        if name in counts:
            yield f"- config_name: {name}\n  data_files:\n  - split: train\n    path: {name}/data/train-*.parquet"


# What each column of each table means, for the dataset card (its type comes from the table's schema).
COLUMN_MEANINGS: dict[str, list[tuple[str, str]]] = {
    "images": [
        ("id", "the image's id in the portal; stable across releases"),
        ("image", "the photo (bytes and file name), upright, with location (GPS) metadata removed"),
        ("caption", "the contributor's description in English"),
        ("caption_native_lang", "the same description in the contributor's native language"),
        ("culture_relevant_loc", "the countries whose culture the image shows, comma-separated names"),
        ("native_lang", "the language of `caption_native_lang`, written `Name (ISO 639-3 code)`"),
        ("avg_cultural_relevance", "mean of the annotators' cultural relevance ratings, on a 1-5 scale"),
        ("avg_caption_fit", 'share of annotators answering yes to "the caption fits", from 0 to 1'),
        ("avg_img_quality", 'share of annotators answering yes to "the quality is acceptable", from 0 to 1'),
        ("n_annotator", "number of counted ratings the three scores are computed from"),
        ("license", "the licence of the row"),
        ("attribution", "the contributor's display name or chosen pseudonym"),
        ("location", "where the photo was taken, as the contributor wrote it"),
    ],
    "translations": [
        ("id", "the translation's id in the portal"),
        ("source_index", "the index of the prompt in its source benchmark"),
        ("language", "the language of the translation (ISO 639-3 code)"),
        ("prompt", "the English prompt that was translated"),
        ("translation", "the translation"),
        ("license", "the licence of the row"),
        ("attribution", "the translator's display name or chosen pseudonym"),
    ],
    "visual_questions": [
        ("id", "the question's id in the portal"),
        ("image", "the image the question is about (bytes and file name), so the table stands alone"),
        ("image_id", "the `id` of the image in the `images` table when it is a Task 1 image, else null"),
        ("image_source", "where an image not contributed in Task 1 came from"),
        ("language", "the language of the question and answer (ISO 639-3 code)"),
        ("question", "the question about the image"),
        ("answer", "its answer"),
        ("license", "the licence of the row"),
        ("attribution", "the writer's display name or chosen pseudonym"),
    ],
    "generation_prompts": [
        ("id", "the prompt's id in the portal"),
        ("country", "the country whose culture the prompt describes"),
        ("level", "the prompt's level in its chain: 1 (simple) to 3 (most specific)"),
        ("chain_id", "the chain the prompt belongs to; the levels of a chain share it"),
        ("prompt", "the image-generation prompt, in English"),
        ("license", "the licence of the row"),
        ("attribution", "the writer's display name or chosen pseudonym"),
    ],
}
TABLE_SCHEMAS = {"images": IMAGE_SCHEMA, **{name: schema for name, schema in TEXT_TABLES.values()}}


def _feature_type(schema: pa.Schema, column: str) -> str:
    features = json.loads(schema.metadata[b"huggingface"])["info"]["features"]
    feature = features[column]
    return feature["dtype"] if feature["_type"] == "Value" else feature["_type"]


def _schema_lines(name: str) -> list[str]:
    schema = TABLE_SCHEMAS[name]
    lines = ["| Column | Type | Meaning |", "| --- | --- | --- |"]
    for column, meaning in COLUMN_MEANINGS[name]:
        lines.append(f"| `{column}` | {_feature_type(schema, column)} | {meaning} |")
    return lines


def _change_log_lines(change_log: list[dict]) -> list[str]:
    if not change_log:
        return []
    lines = [
        "## Change log",
        "",
        "Images taken down after an earlier release (at a contributor's request or for personal data) are "
        "not in this release. Copies of the earlier releases below must be replaced by this one.",
        "",
        "| Earlier release | Released | Superseded | Images taken down |",
        "| --- | --- | --- | --- |",
    ]
    for entry in change_log:
        images = ", ".join(str(i) for i in entry["image_ids"])
        lines.append(f"| {entry['release']} | {entry['released']} | {entry['superseded']} | {images} |")
    return [*lines, ""]


def dataset_card(
    *, filters: "export_selectors.ExportFilters", counts: dict, change_log: list[dict] | None = None
) -> str:
    """The README.md of a release: what it holds (each table's columns, types and meaning), counts per
    country and language, licence, how it was reviewed, and which earlier releases it replaces."""
    lines = [
        "---",
        "license: cc-by-sa-4.0",
        "pretty_name: SEA-VL Phase 2 (crowdsourced)",
        "language:",
        *[f"- {code}" for code in export_selectors.export_language_codes(counts)],
        "configs:",
        *_yaml_configs(counts),
        "---",
        "",
        "# SEA-VL Phase 2: crowdsourced culturally-relevant data from Southeast Asia",
        "",
        "Contributed by volunteers of the SEA-VL Phase 2 campaign (SEACrowd) through the contribution portal.",
        "",
        "License: CC-BY-SA-4.0 (Creative Commons Attribution-ShareAlike 4.0), see below.",
        "",
        "## Selection",
        "",
        f"- Submissions created from: {filters.date_from or 'the start of the campaign'}",
        f"- Submissions created until: {filters.date_to or 'the export'}",
        f"- Countries: {', '.join(filters.country_names) or 'all'}",
        f"- Tasks: {', '.join(str(t) for t in filters.tasks)}",
        "- Only accepted submissions. Images are the stored copies, with location (GPS) metadata removed.",
        "- Tables with no rows in this selection are left out.",
        "",
    ]
    if "images" in counts:
        images = counts["images"]
        lines += [
            "## Images (Task 1, rated in Task 2)",
            "",
            f"{images['rows']} images. Columns: `id`, `image`, `caption` (English), `caption_native_lang`, "
            "`culture_relevant_loc` (country names), `native_lang` (`Name (code)`), "
            "`avg_cultural_relevance` (mean of 1-5 ratings), `avg_caption_fit` and `avg_img_quality` "
            "(share of annotators answering yes), `n_annotator`, `license`, `attribution` (the contributor's "
            "display name or chosen pseudonym), `location` (as the contributor wrote it).",
            "",
            *_schema_lines("images"),
            "",
            "Images per country (an image showing two countries counts in both):",
            "",
            "| Country | Images |",
            "| --- | ---: |",
            *[f"| {name} | {n} |" for name, n in images["by_country"].items()],
            "",
            "| Native language | Images |",
            "| --- | ---: |",
            *[f"| {name} | {n} |" for name, n in images["by_language"].items()],
            "",
        ]
    titles = {
        "translations": "Translations (Task 3): columns `id`, `source_index`, `language`, `prompt`, `translation`",
        "visual_questions": "Visual questions (Task 4): columns `id`, `image`, `image_id`, `image_source`, "
        "`language`, `question`, `answer`",
        "generation_prompts": "Image-generation prompts (Task 5): columns `id`, `country`, `level`, `chain_id`, "
        "`prompt`",
    }
    for name, title in titles.items():
        if name not in counts:
            continue
        table = counts[name]
        key = "by_language" if "by_language" in table else "by_country"
        heading = "Language" if key == "by_language" else "Country"
        lines += [
            f"## {title}",
            "",
            f"{table['rows']} rows.",
            "",
            *_schema_lines(name),
            "",
            f"| {heading} | Rows |",
            "| --- | ---: |",
            *[f"| {group} | {n} |" for group, n in table[key].items()],
            "",
        ]
    lines += [
        "## How the data was reviewed",
        "",
        *export_selectors.export_review_description(),
        "",
        *_change_log_lines(change_log or []),
        "## License",
        "",
        "Every contribution is the contributor's own work, licensed under Creative Commons "
        "Attribution-ShareAlike 4.0 (CC-BY-SA-4.0), as each contributor confirmed when submitting. "
        "Attribute with the `attribution` column. No e-mail addresses or private profile fields are included.",
        "",
    ]
    return "\n".join(lines)
