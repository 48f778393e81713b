"""The few storage operations Task 1 needs beyond Django's Storage API, for local disk and S3 alike.

Files live in the default storage: a private S3 bucket in production (django-storages), local disk in
the embedded default. Keys are unguessable (a random UUID per submission), and nothing is public: people
get a file through a view that checks who asks, which streams it or redirects to a short-lived signed URL.
"""

import contextlib
import hashlib
import io
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


# --- Resumable uploads: parts as their own objects, assembled in order into the original ------------

ASSEMBLY_PART_BYTES = 8 * 1024 * 1024  # each part of the assembly's S3 multipart upload (S3: >= 5 MiB)
ASSEMBLY_FETCHES = 8  # parts fetched at once while assembling on S3 (each GET waits on S3's first byte)


def sizes_under(prefix: str) -> dict[str, int]:
    """{name: size} of every stored file under `prefix` (S3: ListObjectsV2 with sizes; local: the folder)."""
    if is_s3():
        paginator = default_storage.connection.meta.client.get_paginator("list_objects_v2")
        sizes = {}
        for page in paginator.paginate(Bucket=default_storage.bucket_name, Prefix=prefix):
            for entry in page.get("Contents", ()):
                sizes[entry["Key"]] = int(entry["Size"])
        return sizes
    root = default_storage.path("")
    top = os.path.join(root, prefix)
    sizes = {}
    if not os.path.isdir(top):
        return sizes
    for directory, _dirs, files in os.walk(top):
        for filename in files:
            path = os.path.join(directory, filename)
            try:
                sizes[os.path.relpath(path, root).replace(os.sep, "/")] = os.stat(path).st_size
            except FileNotFoundError:
                continue
    return sizes


def delete_under(prefix: str) -> int:
    """Delete every stored file under `prefix` (and, locally, the emptied folder). Returns how many."""
    names = list(sizes_under(prefix))
    if is_s3():
        client = default_storage.connection.meta.client
        for start in range(0, len(names), 1000):
            client.delete_objects(
                Bucket=default_storage.bucket_name,
                Delete={"Objects": [{"Key": name} for name in names[start : start + 1000]], "Quiet": True},
            )
        return len(names)
    delete_quietly(*names)
    with contextlib.suppress(OSError):
        os.rmdir(os.path.join(default_storage.path(""), prefix))
    return len(names)


def presigned_put(name: str, *, size: int, seconds: int = 3600) -> str:
    """A URL the browser PUTs exactly `size` bytes to, at this key only (Content-Length is signed)."""
    return _public_client().generate_presigned_url(
        "put_object",
        Params={"Bucket": default_storage.bucket_name, "Key": name, "ContentLength": size},
        ExpiresIn=seconds,
    )


def save_exact(name: str, stream, *, size: int) -> None:
    """Store exactly `size` bytes read from `stream` at `name`, replacing what was there (local disk).

    Reads at most size + 1 bytes, streamed; raises ValueError when the body is shorter or longer."""
    path = default_storage.path(name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = f"{path}.{os.getpid()}.{id(stream)}.part"
    received = 0
    try:
        with open(temporary, "wb") as handle:
            while received <= size:
                chunk = stream.read(min(CHUNK, size + 1 - received))
                if not chunk:
                    break
                received += len(chunk)
                handle.write(chunk)
        if received != size:
            raise ValueError(received)
        os.replace(temporary, path)  # atomic: a part is there whole, or not at all
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def assemble(name: str, parts: list[str], *, content_type: str) -> str:
    """Concatenate stored `parts` in order into `name`, streamed (one buffer at most in memory), and
    return the sha256 of the whole. On S3 it is itself a multipart upload of >= 5 MiB parts, aborted
    if anything fails; locally, a file written next to its place and moved there whole."""
    digest = hashlib.sha256()
    if not is_s3():
        path = default_storage.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        temporary = f"{path}.{os.getpid()}.assembling"
        try:
            with open(temporary, "wb") as out:
                for part in parts:
                    for chunk in iter_chunks(part):
                        digest.update(chunk)
                        out.write(chunk)
            os.replace(temporary, path)
        finally:
            if os.path.exists(temporary):
                os.remove(temporary)
        return digest.hexdigest()
    client = default_storage.connection.meta.client
    bucket = default_storage.bucket_name
    upload = client.create_multipart_upload(
        Bucket=bucket, Key=name, ContentType=content_type or "application/octet-stream"
    )
    upload_id = upload["UploadId"]
    done = []
    buffer = io.BytesIO()
    try:

        def send() -> None:
            nonlocal buffer
            number = len(done) + 1
            buffer.seek(0)
            answer = client.upload_part(Bucket=bucket, Key=name, UploadId=upload_id, PartNumber=number, Body=buffer)
            done.append({"PartNumber": number, "ETag": answer["ETag"]})
            buffer = io.BytesIO()

        for chunk in _fetched_in_order(client, bucket, parts):
            digest.update(chunk)
            buffer.write(chunk)
            if buffer.tell() >= ASSEMBLY_PART_BYTES:
                send()
        if buffer.tell() or not done:
            send()
        client.complete_multipart_upload(
            Bucket=bucket, Key=name, UploadId=upload_id, MultipartUpload={"Parts": done}
        )
    except BaseException:
        with contextlib.suppress(Exception):  # the beat's sweep aborts what is left
            client.abort_multipart_upload(Bucket=bucket, Key=name, UploadId=upload_id)
        raise
    return digest.hexdigest()


def _fetched_in_order(client, bucket: str, parts: list[str]) -> Iterator[bytes]:
    """The parts' bytes in order, ASSEMBLY_FETCHES fetched at once (at most that many parts in memory)."""
    from concurrent.futures import ThreadPoolExecutor

    def fetch(name: str) -> bytes:
        return client.get_object(Bucket=bucket, Key=name)["Body"].read()

    with ThreadPoolExecutor(max_workers=ASSEMBLY_FETCHES) as pool:
        for start in range(0, len(parts), ASSEMBLY_FETCHES):
            yield from pool.map(fetch, parts[start : start + ASSEMBLY_FETCHES])


def incomplete_multipart_uploads(prefix: str) -> Iterator[tuple[str, str, datetime]]:
    """(key, upload id, initiated) of every incomplete S3 multipart upload under `prefix` (none locally)."""
    if not is_s3():
        return
    paginator = default_storage.connection.meta.client.get_paginator("list_multipart_uploads")
    for page in paginator.paginate(Bucket=default_storage.bucket_name, Prefix=prefix):
        for entry in page.get("Uploads", ()):
            yield entry["Key"], entry["UploadId"], entry["Initiated"]


def abort_multipart_upload(key: str, upload_id: str) -> None:
    client = default_storage.connection.meta.client
    with contextlib.suppress(client.exceptions.NoSuchUpload):
        client.abort_multipart_upload(Bucket=default_storage.bucket_name, Key=key, UploadId=upload_id)
