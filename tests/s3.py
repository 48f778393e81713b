"""S3 on loopback for the tests that are about storage: moto's server mode, a real HTTP endpoint.

`s3_server` starts one moto server per test process (each xdist worker has its own) on a free port of
127.0.0.1; `s3_storage` gives a test its own private bucket and makes it the default storage.

moto stores whatever a browser's POST form sends; S3 checks the form against its signed policy first.
`s3_policy_server` / `s3_policy_storage` add that check (`PostPolicyCheck`, after AWS's "Creating a
POST policy" and "Calculating a signature" for SigV4 POST), so a test can see the bucket refuse what
the policy forbids: another key, a file over `content-length-range`, an expired or forged policy.
"""

import base64
import hashlib
import hmac
import io
import json
import socket
import uuid
from datetime import UTC, datetime

import pytest

ACCESS_KEY = "testing-access-key"
SECRET_KEY = "testing-secret-key"  # noqa: S105 - moto accepts any
REGION = "us-east-1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def s3_server():
    """The endpoint URL of a moto S3 server on loopback, for this test process."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def s3_client(endpoint: str):
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
    )


@pytest.fixture
def s3_storage(s3_server, settings):
    """A fresh private bucket as the default storage (S3Storage, signed URLs), for one test.

    Yields (boto3 client, bucket name)."""
    yield _bucket_as_default_storage(s3_server, settings)


@pytest.fixture
def s3_policy_storage(s3_policy_server, settings):
    """Like `s3_storage`, on a server that checks browsers' POST forms against their policy as S3 does."""
    yield _bucket_as_default_storage(s3_policy_server, settings)


# The bucket's CORS as docs/deploy.md asks for it (here any origin: the live server's port varies): the
# browser POSTs a whole file (presigned POST), PUTs the parts of a resumable upload and reads their ETag.
BROWSER_CORS = {
    "CORSRules": [
        {
            "AllowedOrigins": ["*"],
            "AllowedMethods": ["GET", "POST", "PUT"],
            "AllowedHeaders": ["*"],
            "ExposeHeaders": ["ETag"],
            "MaxAgeSeconds": 3600,
        }
    ]
}


def _bucket_as_default_storage(s3_server: str, settings):
    bucket = f"seavl-test-{uuid.uuid4().hex[:16]}"
    client = s3_client(s3_server)
    client.create_bucket(Bucket=bucket)
    client.put_bucket_cors(Bucket=bucket, CORSConfiguration=BROWSER_CORS)
    settings.AWS_STORAGE_BUCKET_NAME = bucket
    settings.AWS_S3_PUBLIC_ENDPOINT_URL = s3_server
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": s3_server,
                "access_key": ACCESS_KEY,
                "secret_key": SECRET_KEY,
                "region_name": REGION,
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": 600,
                "file_overwrite": False,
                "addressing_style": "path",
                "signature_version": "s3v4",
            },
        },
    }
    return client, bucket


@pytest.fixture(scope="session")
def s3_policy_server():
    """The endpoint URL of a moto S3 server on loopback whose POST forms are checked as S3 checks them."""
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    class PolicyCheckingMotoServer(ThreadedMotoServer):
        def _server_entry(self) -> None:
            app = PostPolicyCheck(DomainDispatcherApplication(create_backend_app), secret_key=SECRET_KEY)
            self._server = make_server(
                self._ip_address, self._port, app, True, request_handler=MotoRequestHandler
            )
            self._server_ready_event.set()
            self._server.serve_forever()

    port = _free_port()
    server = PolicyCheckingMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


class PostPolicyCheck:
    """WSGI middleware: a POST form carrying a `policy` reaches moto only if S3 would accept it.

    The policy's SigV4 signature, its expiration, every condition (exact values, `starts-with`,
    `content-length-range` on the file) and no form field that no condition names."""

    UNCHECKED_FIELDS = {"policy", "x-amz-signature", "file"}

    def __init__(self, app, *, secret_key: str):
        self.app = app
        self.secret_key = secret_key

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] != "POST" or not environ.get("CONTENT_TYPE", "").startswith(
            "multipart/form-data"
        ):
            return self.app(environ, start_response)
        from werkzeug.formparser import parse_form_data

        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        _stream, form, files = parse_form_data({**environ, "wsgi.input": io.BytesIO(body)})
        if "policy" in form:
            refusal = self.refusal(environ.get("PATH_INFO", ""), form, files)
            if refusal is not None:
                status, code, message = refusal
                xml = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>".encode()
                start_response(
                    status, [("Content-Type", "application/xml"), ("Content-Length", str(len(xml)))]
                )
                return [xml]
        environ["wsgi.input"] = io.BytesIO(body)
        return self.app(environ, start_response)

    def refusal(self, path: str, form, files) -> tuple[str, str, str] | None:
        fields = {name.lower(): value for name, value in form.items()}
        fields["bucket"] = path.strip("/").split("/")[0]
        upload = files.get("file")
        size = len(upload.read()) if upload is not None else 0
        credential = fields.get("x-amz-credential", "")
        try:
            _access_key, date, region, service, _terminal = credential.split("/")
        except ValueError:
            return "403 Forbidden", "AccessDenied", "Invalid according to Policy: no credential"
        key = ("AWS4" + self.secret_key).encode()
        for part in (date, region, service, "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        expected = hmac.new(key, fields["policy"].encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, fields.get("x-amz-signature", "")):
            return "403 Forbidden", "SignatureDoesNotMatch", "The policy signature does not match"
        policy = json.loads(base64.b64decode(fields["policy"]))
        expiration = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
        if expiration < datetime.now(UTC):
            return "403 Forbidden", "AccessDenied", "Invalid according to Policy: Policy expired."
        named = set()
        for condition in policy["conditions"]:
            if isinstance(condition, dict):
                ((name, value),) = condition.items()
                condition = ["eq", f"${name}", value]
            operator = condition[0].lower()
            if operator == "content-length-range":
                low, high = int(condition[1]), int(condition[2])
                if size > high:
                    return (
                        "400 Bad Request",
                        "EntityTooLarge",
                        "Your proposed upload exceeds the maximum allowed size",
                    )
                if size < low:
                    return (
                        "400 Bad Request",
                        "EntityTooSmall",
                        "Your proposed upload is smaller than the minimum allowed size",
                    )
                continue
            name = condition[1].lstrip("$").lower()
            named.add(name)
            value = fields.get(name)
            if value is None:
                return "403 Forbidden", "AccessDenied", f"Invalid according to Policy: missing {name}"
            if operator == "eq" and value != condition[2]:
                return (
                    "403 Forbidden",
                    "AccessDenied",
                    f"Invalid according to Policy: {name} is not {condition[2]}",
                )
            if operator == "starts-with" and not value.startswith(condition[2]):
                return "403 Forbidden", "AccessDenied", f"Invalid according to Policy: {name}"
        extra = set(fields) - named - self.UNCHECKED_FIELDS - {"bucket"}
        extra = {name for name in extra if not name.startswith("x-ignore-")}
        if extra:
            return (
                "403 Forbidden",
                "AccessDenied",
                f"Invalid according to Policy: Extra input fields: {sorted(extra)}",
            )
        return None
