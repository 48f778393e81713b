"""The tables of a dataset release: their Arrow schemas, carrying the `datasets` feature types, and the
licence. Shared by the writer (organizers/export.py) and the dataset card (organizers/dataset_card.py)."""

import json

import pyarrow as pa

LICENSE = "CC-BY-SA-4.0"


def feature_value(dtype: str) -> dict:
    return {"dtype": dtype, "_type": "Value"}


def table_schema(fields: list[tuple[str, pa.DataType, dict]]) -> pa.Schema:
    """An Arrow schema carrying the `datasets` feature types (so `image` loads as an Image)."""
    features = {name: feature for name, _type, feature in fields}
    metadata = {
        "huggingface": json.dumps({"info": {"features": features}}, sort_keys=True, separators=(",", ":"))
    }
    return pa.schema([pa.field(name, dtype) for name, dtype, _feature in fields], metadata=metadata)


IMAGE_SCHEMA = table_schema(
    [
        ("id", pa.int64(), feature_value("int64")),
        ("image", pa.struct([("bytes", pa.binary()), ("path", pa.string())]), {"_type": "Image"}),
        ("caption", pa.string(), feature_value("string")),
        ("caption_native_lang", pa.string(), feature_value("string")),
        ("culture_relevant_loc", pa.string(), feature_value("string")),
        ("native_lang", pa.string(), feature_value("string")),
        ("avg_cultural_relevance", pa.float64(), feature_value("float64")),
        ("avg_caption_fit", pa.float64(), feature_value("float64")),
        ("avg_img_quality", pa.float64(), feature_value("float64")),
        ("n_annotator", pa.int64(), feature_value("int64")),
        ("license", pa.string(), feature_value("string")),
        ("attribution", pa.string(), feature_value("string")),
        ("location", pa.string(), feature_value("string")),
    ]
)

TEXT_TABLES: dict[int, tuple[str, pa.Schema]] = {
    3: (
        "translations",
        table_schema(
            [
                ("id", pa.int64(), feature_value("int64")),
                ("source_index", pa.string(), feature_value("string")),
                ("language", pa.string(), feature_value("string")),
                ("prompt", pa.string(), feature_value("string")),
                ("translation", pa.string(), feature_value("string")),
                ("license", pa.string(), feature_value("string")),
                ("attribution", pa.string(), feature_value("string")),
            ]
        ),
    ),
    4: (
        "visual_questions",
        table_schema(
            [
                ("id", pa.int64(), feature_value("int64")),
                ("image", pa.struct([("bytes", pa.binary()), ("path", pa.string())]), {"_type": "Image"}),
                ("image_id", pa.int64(), feature_value("int64")),
                ("image_source", pa.string(), feature_value("string")),
                ("language", pa.string(), feature_value("string")),
                ("question", pa.string(), feature_value("string")),
                ("answer", pa.string(), feature_value("string")),
                ("license", pa.string(), feature_value("string")),
                ("attribution", pa.string(), feature_value("string")),
            ]
        ),
    ),
    5: (
        "generation_prompts",
        table_schema(
            [
                ("id", pa.int64(), feature_value("int64")),
                ("country", pa.string(), feature_value("string")),
                ("level", pa.int64(), feature_value("int64")),
                ("chain_id", pa.string(), feature_value("string")),
                ("prompt", pa.string(), feature_value("string")),
                ("license", pa.string(), feature_value("string")),
                ("attribution", pa.string(), feature_value("string")),
            ]
        ),
    ),
}
