import hashlib
import json
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.roles import is_annotator
from campaign.selectors import tasks_for_home

# Where each task's work starts (URL names of the apps that own the tasks).
TASK_PAGES = {
    1: "contributions:new",
    2: "review:screening",
    3: "texttasks:translations",
    4: "texttasks:visual-questions",
    5: "texttasks:generation-prompts",
    6: "texttasks:text-prompts",
}


def home(request):
    tasks = list(tasks_for_home())
    for task in tasks:
        page = TASK_PAGES.get(task.number)
        if task.number == 2 and is_annotator(request.user):
            page = "review:queue"
        task.page_url = reverse(page) if page and task.is_open else ""
    return render(request, "campaign/home.html", {"tasks": tasks})


def faq(request):
    return render(request, "campaign/faq.html")


# Installable, and the upload page offline (issue 17): the web app manifest and the service worker.

# The static files the upload page needs when it opens offline (its stylesheet, scripts and icon).
OFFLINE_ASSETS = (
    "css/portal.css",
    "js/language-switcher.js",
    "js/upload-store.js",
    "js/upload-protocol.js",
    "js/upload.js",
    "favicon.svg",
)
# What the service worker imports to send the photos that wait (the same protocol as the page's).
WORKER_SCRIPTS = ("js/upload-store.js", "js/upload-protocol.js")
THEME_COLOR = "#0b6e4f"  # --accent in css/portal.css
BACKGROUND_COLOR = "#fafbfc"  # --bg


@require_GET
def web_manifest(request):
    """The web app manifest: the portal can be installed on a phone's home screen and opens on the
    upload page, which works offline."""
    body = {
        "name": _("SEA-VL Phase 2: photos and texts of Southeast Asian culture"),
        "short_name": "SEA-VL",
        "description": _("Submit photos of Southeast Asian culture, even on a weak connection."),
        "lang": get_language(),
        "start_url": reverse("contributions:new"),
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "icons": [
            {"src": static("favicon.svg"), "sizes": "any", "type": "image/svg+xml"},
            {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        ],
    }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    patch_cache_control(response, public=True, max_age=3600)
    patch_vary_headers(response, ["Accept-Language", "Cookie"])
    return response


@require_GET
def service_worker(request):
    """The service worker at the root scope (its rules in templates/portal/sw.js). Its cache's name
    follows the static files' names and the script itself, so a deploy that changes either starts a new
    cache and deletes the old one; browsers check it again at every visit (no-cache)."""
    assets = [static(name) for name in OFFLINE_ASSETS]
    context = {
        "page_url_json": json.dumps(reverse("contributions:new")),
        "assets_json": json.dumps(assets),
        "account_urls_json": json.dumps([reverse("account_login"), reverse("account_logout")]),
        "worker_scripts_json": json.dumps([static(name) for name in WORKER_SCRIPTS]),
        "upload_urls_json": json.dumps(
            {
                "resumable": reverse("contributions:resumable-create"),
                "finalize": reverse("contributions:upload-finalize"),
            }
        ),
    }
    digest = hashlib.sha256(render_to_string("portal/sw.js", context).encode())
    if not settings.STATIC_MANIFEST:  # names without their content's hash: the content counts instead
        for name in OFFLINE_ASSETS:
            path = finders.find(name)
            digest.update(Path(path).read_bytes() if path else b"")
    version = digest.hexdigest()[:12]
    response = HttpResponse(
        render_to_string("portal/sw.js", {**context, "version": version}),
        content_type="text/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = "/"
    patch_cache_control(response, no_cache=True)
    return response
