"""The checks every page of the portal must pass, for every role, on a phone, a tablet and a laptop.

`walk(browser, live_server, user, pages)` opens one browser context per screen size (signed in once),
loads each page once and returns what is wrong, so that one failing test lists every problem at once:

- the page answers 200 and nothing scrolls sideways;
- the main navigation is visible and reachable with Tab (on a phone: the Menu button, then its links;
  from 900 px: every link of the menu, in the header);
- axe-core (shipped inside the axe-playwright-python package, never downloaded) finds no violation of
  WCAG 2.0/2.1/2.2 A and AA.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

SIZES = {"phone": (360, 740), "tablet": (768, 1024), "laptop": (1280, 800)}
WIDE_NAVIGATION_FROM = 900  # px: from there the menu's links sit in the header (portal.css)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PASSWORD = "a-long-test-passphrase-42"  # tests/conftest.py's DEFAULT_PASSWORD


@dataclass
class Walk:
    problems: list[str] = field(default_factory=list)
    pages_checked: int = 0

    def add(self, where: str, what: str) -> None:
        self.problems.append(f"{where}: {what}")

    def report(self) -> str:
        return f"{len(self.problems)} problem(s) on {self.pages_checked} page loads:\n" + "\n".join(
            self.problems
        )


_axe = None


def axe_violations(page) -> list[str]:
    """axe-core's WCAG 2.2 AA violations on the page as it is now, one line each."""
    global _axe
    if _axe is None:
        from axe_playwright_python.sync_playwright import Axe

        _axe = Axe()
    results = _axe.run(
        page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    )
    lines = []
    for violation in results.response["violations"]:
        for node in violation["nodes"][:3]:
            summary = (node.get("failureSummary") or "").replace("\n", " ")[:160]
            lines.append(f"axe {violation['id']} at {node['target']}: {summary}")
    return lines


def sideways(page) -> int:
    """How many CSS pixels the page scrolls sideways (0 when it fits)."""
    return page.evaluate(
        "Math.max(0, document.documentElement.scrollWidth - document.documentElement.clientWidth)"
    )


_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const nav = el.closest('nav[aria-label]');
  return {tag: el.tagName, href: el.getAttribute('href'), text: (el.innerText || '').trim().slice(0, 40),
          inMenu: !!el.closest('.nav-menu'), summary: el.tagName === 'SUMMARY' && !!el.closest('.nav-menu'),
          visible: !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length), nav: nav && nav.getAttribute('aria-label')};
}"""


_START = """() => {
  let start = document.getElementById('walk-start');
  if (!start) {
    start = document.createElement('span');
    start.id = 'walk-start';
    start.tabIndex = -1;
    document.body.prepend(start);
  }
  start.focus();
}"""


def _tab_through(page, presses: int) -> list[dict]:
    """Tab from the top of the page (a blur alone keeps the browser's sequential focus starting point)."""
    page.evaluate(_START)
    seen = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        focused = page.evaluate(_FOCUSED)
        if focused:
            seen.append(focused)
    return seen


def navigation_problems(page, width: int) -> list[str]:
    """The main menu is visible and every one of its links can be reached with Tab."""
    menu_links = page.locator(".nav-menu nav a")
    hrefs = menu_links.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    if not hrefs:
        return ["no main navigation"]
    problems = []
    if width >= WIDE_NAVIGATION_FROM:
        hidden = [href for n, href in enumerate(hrefs) if not menu_links.nth(n).is_visible()]
        if hidden:
            problems.append(f"menu links not visible at {width}px: {hidden}")
        reached = {f["href"] for f in _tab_through(page, len(hrefs) + 8) if f["inMenu"] and f["visible"]}
        missing = [h for h in hrefs if h not in reached]
        if missing:
            problems.append(f"menu links not reachable by Tab at {width}px: {missing}")
        return problems
    toggle = page.locator(".nav-menu summary")
    if not toggle.is_visible():
        return [f"no visible Menu button at {width}px"]
    # Tab until the Menu button, open it with Enter: its links show and Tab reaches them.
    page.evaluate(_START)
    for _ in range(8):
        page.keyboard.press("Tab")
        if (page.evaluate(_FOCUSED) or {}).get("summary"):
            break
    else:
        return [f"the Menu button is not reachable by Tab at {width}px"]
    page.keyboard.press("Enter")
    if not menu_links.first.is_visible():
        problems.append(f"the menu's links do not show after Enter at {width}px")
    reached = set()
    for _ in range(len(hrefs)):
        page.keyboard.press("Tab")
        focused = page.evaluate(_FOCUSED) or {}
        if focused.get("inMenu") and focused.get("visible"):
            reached.add(focused.get("href"))
    missing = [h for h in hrefs if h not in reached]
    if missing:
        problems.append(f"menu links not reachable by Tab after opening the menu at {width}px: {missing}")
    return problems


def sign_in(page, base_url: str, user) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_load_state()


def check_page(page, walk: Walk, *, base_url: str, name: str, path: str, size: str) -> None:
    width = SIZES[size][0]
    where = f"{size} {name} ({path})"
    response = page.goto(f"{base_url}{path}")
    page.wait_for_load_state("load")
    walk.pages_checked += 1
    if response is None or response.status != 200:
        walk.add(where, f"answered {response and response.status}")
        return
    extra = sideways(page)
    if extra:
        walk.add(where, f"scrolls sideways by {extra}px")
    for line in axe_violations(page):
        walk.add(where, line)
    for line in navigation_problems(page, width):
        walk.add(where, line)


def walk(browser, base_url: str, user, pages: dict[str, str], *, sizes=tuple(SIZES), language: str = "") -> Walk:
    """Every page of `pages` ({name: path}) at every size, signed in as `user` (None: signed out)."""
    result = Walk()
    for size in sizes:
        width, height = SIZES[size]
        context = browser.new_context(viewport={"width": width, "height": height}, locale="en-US")
        if language:
            context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base_url}])
        try:
            page = context.new_page()
            page.set_default_timeout(15_000)
            if user is not None:
                sign_in(page, base_url, user)
            for name, path in pages.items():
                check_page(page, result, base_url=base_url, name=name, path=path, size=size)
        finally:
            context.close()
    return result
