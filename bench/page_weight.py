"""Page weight: what a phone downloads for each page contributors and annotators use, before images.

Renders each page in-process (Django's test client, a scratch SQLite database made here and deleted at
the end), finds the CSS, JS and fonts it references (stylesheets, scripts, preloads, url() in CSS) and
sums the bytes as they travel: static files as WhiteNoise serves them to a browser that accepts brotli
(CompressedManifestStaticFilesStorage writes .br and .gz next to each file), the HTML as Django sends it
(uncompressed: the portal does not compress HTML itself; its gzip size is shown for a proxy that does).
The naive baseline is the same page with nothing compressed. Budget: 150 KB per page.

    .venv/bin/python bench/page_weight.py            (or `make bench`)
"""

import gzip
import os
import re
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
SCRATCH = tempfile.mkdtemp(prefix="seavl-page-weight-")
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "seavl_portal.settings",
        "DATABASE_URL": f"sqlite:///{SCRATCH}/bench.sqlite3",
        "DEBUG": "1",
        "REDIS_URL": "",
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "MEDIA_ROOT": f"{SCRATCH}/media",
        "SEAVL_TESTING": "1",
    }
)

import brotli  # noqa: E402
import django  # noqa: E402

django.setup()

from django.contrib.staticfiles import finders  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402

BUDGET = 150 * 1024
LANGUAGES_SHOWN = ("en", "km", "my")  # Latin, and the two scripts with the longest UTF-8 text


class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if (
            tag == "link"
            and a.get("href")
            and ({"stylesheet", "preload", "icon"} & set((a.get("rel") or "").split()))
        ):
            self.urls.append(a["href"])
        if tag == "script" and a.get("src"):
            self.urls.append(a["src"])


def _static_bytes(url: str) -> bytes | None:
    from django.conf import settings

    if not url.startswith(settings.STATIC_URL):
        return None
    path = finders.find(url[len(settings.STATIC_URL) :].split("?")[0])
    return Path(path).read_bytes() if path else None


def _assets_of(html: str) -> dict[str, bytes]:
    parser = _Assets()
    parser.feed(html)
    found: dict[str, bytes] = {}
    queue = list(parser.urls)
    while queue:
        url = queue.pop()
        if url in found:
            continue
        data = _static_bytes(url)
        if data is None:
            continue
        found[url] = data
        if url.endswith(".css"):  # fonts and imports the stylesheet pulls in
            base = url.rsplit("/", 1)[0]
            for ref in re.findall(rb"url\(['\"]?([^'\")]+)['\"]?\)", data):
                ref = ref.decode()
                if not ref.startswith(("data:", "http")):
                    queue.append(ref if ref.startswith("/") else f"{base}/{ref}")
    return found


def _setup_users():
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    from accounts.roles import ANNOTATOR
    from accounts.services import profile_update, user_grant_role, user_join_contributors
    from campaign.models import Country

    users = {}
    for role in ("contributor", "annotator"):
        email = f"{role}@bench.local"
        user = get_user_model().objects.create_user(
            username=role, email=email, password="bench-passphrase-42"
        )
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        user_join_contributors(user=user)
        if role == "annotator":
            user_grant_role(user=user, role=ANNOTATOR)
            try:  # qualified, as a passed screening test leaves an annotator
                from review.models import AnnotatorQualification

                AnnotatorQualification.objects.create(user=user, country_id="KH")
            except ImportError:
                pass
        profile_update(
            user=user,
            display_name=f"Bench {role}",
            use_pseudonym=False,
            pseudonym="",
            residence_country=Country.objects.get(code="KH"),
            native_language="Khmer (khm)",
            accept_terms=True,
        )
        users[role] = user
    return users


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


# (label, URL name or path, who looks at it)
PAGES = [
    ("home", "campaign:home", None),
    ("FAQ", "campaign:faq", None),
    ("sign in", "account_login", None),
    ("sign up", "account_signup", None),
    ("profile", "accounts:profile", "contributor"),
    ("upload", "contributions:new", "contributor"),
    ("my images", "contributions:my-images", "contributor"),
    ("screening", "review:screening", "contributor"),
    ("review", "review:queue", "annotator"),
    ("leaderboard", "points:leaderboard", None),
    ("my points", "points:mine", "contributor"),
]


def main() -> int:
    setup_test_environment()
    call_command("migrate", verbosity=0)
    users = _setup_users()
    print(
        f"{'page':<12} {'lang':<8} {'HTML':>8} {'HTML gz':>8} {'CSS+JS+fonts br':>16} {'total':>8} "
        f"{'naive':>8}  budget 150 KB"
    )
    worst = 0
    for label, name, who in PAGES:
        path = _url(name)
        if path is None:
            print(f"{label:<12} (not in this build)")
            continue
        for language in LANGUAGES_SHOWN:
            client = Client(HTTP_ACCEPT_LANGUAGE=language)
            if who:
                client.force_login(users[who])
            response = client.get(path, follow=True)
            if response.status_code != 200:
                print(f"{label:<12} {language:<8} status {response.status_code}")
                continue
            html = response.content
            assets = _assets_of(html.decode())
            static_br = sum(len(brotli.compress(data)) for data in assets.values())
            static_raw = sum(len(data) for data in assets.values())
            total = len(html) + static_br
            naive = len(html) + static_raw
            worst = max(worst, total)
            verdict = "ok" if total <= BUDGET else "OVER"
            print(
                f"{label:<12} {language:<8} {len(html):>8,} {len(gzip.compress(html, 9)):>8,} {static_br:>16,} "
                f"{total:>8,} {naive:>8,}  {verdict} ({total / BUDGET:.0%})"
            )
    print(f"heaviest page: {worst:,} bytes ({worst / BUDGET:.0%} of the budget)")
    return 0 if worst <= BUDGET else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        import shutil

        shutil.rmtree(SCRATCH, ignore_errors=True)
