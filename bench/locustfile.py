"""The campaign's mix for Locust, against a running portal (bench/load_stack.py starts one and drives this):

- contributors (3 in 10): sign in, then upload photos as the upload page's script does (a ticket from
  the portal, a presigned POST straight to the bucket, the descriptions), and look at their images and
  points;
- annotators (2 in 10): sign in, then take the next image from the queue and rate it (or find the queue
  empty), now and then their points;
- visitors (5 in 10): the home page, the leaderboard and the FAQ, signed out.

Accounts come from the JSON file named by LOAD_ACCOUNTS ({"contributors": [...], "annotators": [...]},
each an email; the password in LOAD_PASSWORD). Each simulated person takes the next account of its kind.
Every photo is a new small JPEG (the portal refuses the same bytes twice). The bucket's answer is named
"S3 presigned POST": it is the bucket's time, not the portal's.

    locust -f bench/locustfile.py --host http://127.0.0.1:8000 --headless -u 20 -r 5 -t 60s
"""

import io
import itertools
import json
import os
import random
import re
from pathlib import Path

from locust import HttpUser, between, task

ACCOUNTS = json.loads(Path(os.environ["LOAD_ACCOUNTS"]).read_text()) if os.environ.get("LOAD_ACCOUNTS") else {}
PASSWORD = os.environ.get("LOAD_PASSWORD", "")
_next = {kind: itertools.cycle(emails) for kind, emails in ACCOUNTS.items() if emails}
_seeds = itertools.count(random.randrange(10**6) * 1000)
SERVED = re.compile(r'action="(/review/served/[0-9a-f-]+/)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def photo() -> bytes:
    """A new photo-like JPEG (640 x 520: noise over a gradient), different every time."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(next(_seeds))
    gradient = np.linspace(0, 255, 640, dtype=np.float32)[None, :, None]
    pixels = np.clip(gradient + rng.normal(0, 40, (520, 640, 3)), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


class SignedIn(HttpUser):
    abstract = True
    kind = ""

    def on_start(self):
        email = next(_next[self.kind])
        page = self.client.get("/accounts/login/", name="/accounts/login/")
        found = CSRF.search(page.text)
        self.client.post(
            "/accounts/login/",
            data={"login": email, "password": PASSWORD, "csrfmiddlewaretoken": found.group(1) if found else ""},
            name="/accounts/login/ (POST)",
        )

    def headers(self, referer: str) -> dict:
        return {"X-CSRFToken": self.client.cookies.get("csrftoken", ""), "Referer": self.host + referer}


class Contributor(SignedIn):
    weight = 3
    kind = "contributors"
    wait_time = between(2, 6)

    @task(2)
    def upload(self):
        headers = self.headers("/images/new/")
        with self.client.post("/images/uploads/ticket/", headers=headers, catch_response=True) as ticket:
            if ticket.status_code != 200:
                ticket.failure(f"ticket {ticket.status_code}")
                return
            payload = ticket.json()
        with self.client.post(
            payload["url"],
            data={**payload["fields"], "Content-Type": "image/jpeg"},
            files={"file": ("photo.jpg", photo(), "image/jpeg")},
            name="S3 presigned POST",
            catch_response=True,
        ) as bucket:
            if bucket.status_code != 204:
                bucket.failure(f"bucket {bucket.status_code}")
                return
        with self.client.post(
            "/images/uploads/finalize/",
            headers=headers,
            data={
                "ticket": payload["ticket"],
                "filename": "photo.jpg",
                "description": "A street market in the evening",
                "native_description": "ตลาดนัดตอนเย็น",
                "native_language": "Thai (tha)",
                "countries": ["TH"],
                "location": "Chiang Mai",
                "license_confirmed": "true",
            },
            catch_response=True,
        ) as finalize:
            if finalize.status_code != 201:
                finalize.failure(f"finalize {finalize.status_code}: {finalize.text[:200]}")

    @task(2)
    def my_images(self):
        self.client.get("/images/")

    @task(1)
    def upload_page(self):
        self.client.get("/images/new/")

    @task(1)
    def my_points(self):
        self.client.get("/points/")


class Annotator(SignedIn):
    weight = 2
    kind = "annotators"
    wait_time = between(3, 8)  # looking at the photo and answering three questions

    @task(5)
    def rate(self):
        page = self.client.get("/review/")
        served = SERVED.search(page.text)
        if not served:
            return  # the queue is empty for now
        csrf = CSRF.search(page.text)
        self.client.post(
            served.group(1),
            data={
                "relevance": str(random.choice([3, 4, 4, 5])),
                "caption_fit": "yes",
                "quality_ok": "yes",
                "flag": "",
                "flag_note": "",
                "csrfmiddlewaretoken": csrf.group(1) if csrf else "",
            },
            name="/review/served/[key]/",
        )

    @task(1)
    def my_points(self):
        self.client.get("/points/")


class Visitor(HttpUser):
    weight = 5
    wait_time = between(2, 6)

    @task(3)
    def leaderboard(self):
        self.client.get("/leaderboard/")

    @task(2)
    def home(self):
        self.client.get("/")

    @task(1)
    def faq(self):
        self.client.get("/faq/")


if __name__ == "__main__":
    print("A Locust file: run `python bench/load_stack.py` (it starts the stack and drives this file).")
