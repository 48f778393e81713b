"""The stack fixture: one deployed stack (tests/stack/stack.py) per test module, killed at the end even
when a test fails. The modules of tests/stack/ run in one xdist worker (`xdist_group`, the Makefile
passes `--dist loadgroup`) so that two stacks never compete for the 2 cores at once."""

import re

import pytest

from tests.stack.stack import DEFAULT_PASSWORD, Stack, make_people  # noqa: F401 - for the tests

STACK_GROUP = pytest.mark.xdist_group("stack")


@pytest.fixture(scope="session")
def stack_static_root(tmp_path_factory):
    """One `collectstatic` (production settings, the manifest) for every stack of this process."""
    return tmp_path_factory.mktemp("stack-static")


def start_stack(static_root, **kwargs) -> Stack:
    return Stack(static_root=static_root, **kwargs).start()


@pytest.fixture(scope="module")
def stack(stack_static_root):
    started = start_stack(stack_static_root)
    yield started
    started.stop()


# --- HTTP, as a browser does it ------------------------------------------------------------------------


def csrf_of(session, html: str = "") -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    return found.group(1) if found else session.cookies.get("csrftoken", "")


def sign_in(url: str, email: str, password: str = DEFAULT_PASSWORD):
    import requests

    session = requests.Session()
    page = session.get(f"{url}/accounts/login/", timeout=30)
    assert page.status_code == 200, page.status_code
    response = session.post(
        f"{url}/accounts/login/",
        data={"login": email, "password": password, "csrfmiddlewaretoken": csrf_of(session, page.text)},
        timeout=30,
    )
    assert response.status_code == 200 and "sessionid" in session.cookies, (response.status_code, response.url)
    return session


def upload_photo(session, url: str, photo: bytes, *, description: str, timeout: float = 30):
    """The upload page's script: a ticket, the presigned POST straight to the bucket, the descriptions.

    Returns (ticket response, bucket response, finalize response); stops at the first that fails."""
    headers = {"X-CSRFToken": session.cookies.get("csrftoken", ""), "Referer": f"{url}/images/new/"}
    ticket = session.post(f"{url}/images/uploads/ticket/", headers=headers, timeout=timeout)
    if ticket.status_code != 200:
        return ticket, None, None
    payload = ticket.json()
    import requests

    bucket = requests.post(
        payload["url"],
        data={**payload["fields"], "Content-Type": "image/jpeg"},
        files={"file": ("photo.jpg", photo, "image/jpeg")},
        timeout=timeout,
    )
    if bucket.status_code >= 300:
        return ticket, bucket, None
    finalize = session.post(
        f"{url}/images/uploads/finalize/",
        headers=headers,
        data={
            "ticket": payload["ticket"],
            "filename": "photo.jpg",
            "description": description,
            "native_description": "ตลาดน้ำตอนเช้า",
            "native_language": "Thai (tha)",
            "countries": ["TH"],
            "location": "Damnoen Saduak",
            "group": "",
            "license_confirmed": "true",
        },
        timeout=timeout,
    )
    return ticket, bucket, finalize


def rate_next(session, url: str, *, relevance: int = 4):
    """An annotator's queue page, then its form answered as the guideline asks."""
    page = session.get(f"{url}/review/", timeout=30)
    assert page.status_code == 200, page.status_code
    found = re.search(r'action="(/review/served/[0-9a-f-]+/)"', page.text)
    assert found, "the queue served nothing"
    return session.post(
        url + found.group(1),
        data={
            "relevance": str(relevance),
            "caption_fit": "yes",
            "quality_ok": "yes",
            "flag": "",
            "flag_note": "",
            "csrfmiddlewaretoken": csrf_of(session, page.text),
        },
        timeout=30,
    )


def small_jpeg(seed: int = 1, size: tuple[int, int] = (640, 520)) -> bytes:
    """A small photo-like JPEG (noise over a gradient), different for each seed."""
    import io

    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    gradient = np.linspace(0, 255, size[0], dtype=np.float32)[None, :, None]
    pixels = np.clip(gradient + rng.normal(0, 40, (size[1], size[0], 3)), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()
