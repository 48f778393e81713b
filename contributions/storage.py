"""The few storage operations Task 1 needs beyond Django's Storage API, for local disk and S3 alike.

Files live in the default storage: a private S3 bucket in production (django-storages), local disk in
the embedded default. Keys are unguessable (a random UUID per submission), and nothing is public: people
get a file through a view that checks who asks, which streams it or redirects to a short-lived signed URL.
"""

import hashlib
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import default_storage

CHUNK = 1024 * 1024


def is_s3() -> bool:
    return hasattr(default_storage, "bucket_name") and hasattr(default_storage, "connection")


def read_head(name: str, length: int = 64) -> bytes:
    """The first bytes of a stored file, without fetching the rest (a range request on S3)."""
    if is_s3():
        response = default_storage.connection.meta.client.get_object(
            Bucket=default_storage.bucket_name, Key=name, Range=f"bytes=0-{length - 1}"
        )
        return response["Body"].read(length)
    with default_storage.open(name, "rb") as handle:
        return handle.read(length)


def iter_chunks(name: str) -> Iterator[bytes]:
    """A stored file in chunks, streamed (never all in memory)."""
    if is_s3():
        response = default_storage.connection.meta.client.get_object(
            Bucket=default_storage.bucket_name, Key=name
        )
        yield from response["Body"].iter_chunks(CHUNK)
        return
    with default_storage.open(name, "rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def sha256_of(name: str) -> str:
    digest = hashlib.sha256()
    for chunk in iter_chunks(name):
        digest.update(chunk)
    return digest.hexdigest()


def read_all(name: str) -> bytes:
    return b"".join(iter_chunks(name))


def size_of(name: str) -> int:
    return default_storage.size(name)


def exists(name: str) -> bool:
    return bool(name) and default_storage.exists(name)


def delete_quietly(*names: str) -> None:
    """Delete stored files, ignoring those already gone (a cleanup must never fail the caller)."""
    for name in names:
        if not name:
            continue
        try:
            default_storage.delete(name)
        except Exception:  # noqa: BLE001, S112 - the orphan sweep retries what is left behind
            continue


def iter_stored(prefix: str) -> Iterator[tuple[str, datetime]]:
    """(name, last modified) of every stored file under `prefix`, page by page."""
    if is_s3():
        paginator = default_storage.connection.meta.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=default_storage.bucket_name, Prefix=prefix):
            for entry in page.get("Contents", ()):
                yield entry["Key"], entry["LastModified"]
        return
    root = default_storage.path("")
    top = os.path.join(root, prefix)
    for directory, _dirs, files in os.walk(top):
        for filename in files:
            path = os.path.join(directory, filename)
            name = os.path.relpath(path, root).replace(os.sep, "/")
            try:
                modified = datetime.fromtimestamp(os.stat(path).st_mtime, tz=UTC)
            except FileNotFoundError:
                continue
            yield name, modified


def _public_client():
    """A boto3 client for URLs that browsers use (the public endpoint may differ from the servers')."""
    import boto3
    from botocore.client import Config

    options = default_storage
    endpoint = getattr(settings, "AWS_S3_PUBLIC_ENDPOINT_URL", "") or options.endpoint_url
    return boto3.client(
        "s3",
        endpoint_url=endpoint or None,
        aws_access_key_id=options.access_key or None,
        aws_secret_access_key=options.secret_key or None,
        region_name=options.region_name or None,
        config=Config(signature_version="s3v4", s3={"addressing_style": options.addressing_style or "path"}),
    )


def content_disposition(filename: str, *, inline: bool = True) -> str:
    """A header value that is safe whatever the contributor's file was called."""
    ascii_name = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in filename)[:100] or "image"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename[:100])}"


def signed_url(name: str, *, content_type: str, filename: str, seconds: int) -> str:
    """A short-lived URL of a private S3 object, served with our type and a safe file name."""
    return _public_client().generate_presigned_url(
        "get_object",
        Params={
            "Bucket": default_storage.bucket_name,
            "Key": name,
            "ResponseContentType": content_type,
            "ResponseContentDisposition": content_disposition(filename),
        },
        ExpiresIn=seconds,
    )


def presigned_post(name: str, *, max_bytes: int, seconds: int = 3600) -> dict:
    """A form the browser posts the file with, straight to the bucket: only this key, at most max_bytes."""
    return _public_client().generate_presigned_post(
        Bucket=default_storage.bucket_name,
        Key=name,
        Fields={"acl": "private"},
        Conditions=[
            {"acl": "private"},
            ["content-length-range", 1, max_bytes],
            ["starts-with", "$Content-Type", ""],
        ],
        ExpiresIn=seconds,
    )
