"""Layout shifts: the Cumulative Layout Shift of each page as a phone on a slow link sees it, in a real browser.

Starts the portal on a free port (a scratch SQLite database with the demo data, made here and deleted at
the end), opens each page in Debian's headless chromium at 360x740 on a throttled link (Slow 4G: 150 ms,
1.6 Mbit/s down, 750 kbit/s up; the CPU is not slowed, as a slowed CPU paints late enough
to hide the shifts a late photo causes) and reads the browser's own `layout-shift` entries
(PerformanceObserver, shifts right after input excluded), grouped into session windows as Lighthouse and
Chrome's CLS do (gaps under 1 s, windows at most 5 s; the largest window counts). Goal: under 0.05.

    .venv/bin/python bench/page_cls.py            (or `make bench`)
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
SCRATCH = tempfile.mkdtemp(prefix="seavl-page-cls-")
ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "seavl_portal.settings",
    "DATABASE_URL": f"sqlite:///{SCRATCH}/bench.sqlite3",
    "DEBUG": "1",
    "REDIS_URL": "",
    "CELERY_TASK_ALWAYS_EAGER": "1",
    "MEDIA_ROOT": f"{SCRATCH}/media",
    "ACCOUNT_EMAIL_VERIFICATION": "none",
}
os.environ.update({k: v for k, v in ENV.items() if k != "PATH"})
GOAL = 0.05
PASSWORD = "seavl-demo-2025"
VIEWPORT = {"width": 360, "height": 740}
SLOW_4G = {"offline": False, "latency": 150, "downloadThroughput": 1_600_000 // 8, "uploadThroughput": 750_000 // 8}

# The largest session window of layout shifts so far (web-vitals' definition), kept on window.__cls.
OBSERVER = """
window.__cls = 0;
(function () {
  var windowValue = 0, first = 0, last = 0;
  new PerformanceObserver(function (list) {
    list.getEntries().forEach(function (entry) {
      if (entry.hadRecentInput) return;
      if (windowValue && entry.startTime - last < 1000 && entry.startTime - first < 5000) {
        windowValue += entry.value;
      } else {
        windowValue = entry.value;
        first = entry.startTime;
      }
      last = entry.startTime;
      window.__cls = Math.max(window.__cls, windowValue);
    });
  }).observe({ type: "layout-shift", buffered: true });
})();
"""


def _manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=ENV, check=True, capture_output=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(url: str, server: subprocess.Popen) -> None:
    import urllib.request

    for _ in range(300):
        if server.poll() is not None:
            raise SystemExit("the server stopped: " + (server.stderr.read().decode() if server.stderr else ""))
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310 (our own loopback server)
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"the server did not answer at {url}")


def _pages() -> list[tuple[str, str, str | None]]:
    """(label, path, who) for every page a contributor, annotator or text-task volunteer opens."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from contributions.models import ImageSubmission
    from texttasks.models import BenchmarkPrompt

    users = get_user_model().objects
    contributor = users.get(email="contributor@seavl.local")
    pages = [
        ("home", "/", None),
        ("FAQ", "/faq/", None),
        ("sign in", "/accounts/login/", None),
        ("profile", "/profile/", "contributor"),
        ("upload", "/images/new/", "contributor"),
        ("my images", "/images/", "contributor"),
    ]
    image = ImageSubmission.objects.filter(contributor=contributor).exclude(display="").first()
    if image:
        pages.append(("a submission", f"/images/{image.pk}/", "contributor"))
    pages += [
        ("bulk", "/images/bulk/", "contributor"),
        ("points", "/points/", "contributor"),
        ("leaderboard", "/leaderboard/", None),
        ("screening", "/review/screening/", "contributor"),
        ("rating", "/review/", "annotator"),
        ("text tasks", "/text-tasks/", "contributor"),
        ("task 3", "/translations/", "contributor"),
    ]
    prompt = BenchmarkPrompt.objects.order_by("position").first()
    if prompt:
        pages.append(("task 3 prompt", f"/translations/prompts/{prompt.pk}/", "contributor"))
    pages += [
        ("task 4", "/visual-questions/", "contributor"),
        ("task 5", "/generation-prompts/", "contributor"),
        ("organizers", "/organizers/hub/", "organizer"),
        ("dashboard", "/organizers/", "organizer"),
    ]
    return pages


def _screening_test_page() -> tuple[str, str, str] | None:
    """The screening test itself, started for the demo contributor (the test's pictures load late)."""
    from django.contrib.auth import get_user_model

    from review.screening import screening_attempt_start

    user = get_user_model().objects.get(email="contributor@seavl.local")
    try:
        attempt = screening_attempt_start(user=user, country_codes=["ID", "TH", "KH", "VN", "PH", "MY"])
    except Exception as error:  # noqa: BLE001 (a bench: say why the page is left out)
        print(f"screening test left out: {error}")
        return None
    return ("screening test", f"/review/screening/{attempt.pk}/", "contributor")


def _cls_of(browser, base: str, path: str, email: str | None) -> float:
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    try:
        page = context.new_page()
        if email:
            page.goto(f"{base}/accounts/login/")
            page.fill("input[name=login]", email)
            page.fill("input[name=password]", PASSWORD)
            page.click("form button[type=submit]")
            page.wait_for_load_state()
        page.add_init_script(OBSERVER)
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send("Network.emulateNetworkConditions", SLOW_4G)
        page.goto(f"{base}{path}", wait_until="load", timeout=120_000)
        page.wait_for_load_state("networkidle", timeout=120_000)
        page.wait_for_timeout(500)  # the last frames after the network settles
        return float(page.evaluate("window.__cls"))
    finally:
        context.close()


def main() -> int:
    _manage("migrate", "--noinput")
    _manage("load_demo_data")
    pages = _pages()
    screening = _screening_test_page()
    if screening:
        pages.insert(pages.index(next(p for p in pages if p[0] == "rating")), screening)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=BASE_DIR,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    worst = 0.0
    try:
        _wait_for(f"{base}/", server)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            print(f"{'page':<16} {'who':<12} {'CLS':>7}  goal < {GOAL} (360x740, Slow 4G)")
            for label, path, who in pages:
                email = f"{who}@seavl.local" if who else None
                value = _cls_of(browser, base, path, email)
                worst = max(worst, value)
                print(f"{label:<16} {who or 'anyone':<12} {value:>7.3f}  {'ok' if value < GOAL else 'OVER'}")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"largest CLS: {worst:.3f} (goal < {GOAL})")
    return 0 if worst < GOAL else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        import shutil

        shutil.rmtree(SCRATCH, ignore_errors=True)
