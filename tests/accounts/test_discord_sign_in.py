"""Sign-in with Discord, where the campaign's community lives: the button appears when its keys are set,
the flow goes to Discord and back to our callback, and the profile's Discord handle is filled."""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from django.conf import settings

from accounts.models import Profile
from accounts.services import discord_handle_from, profile_fill_from_social

ROOT = Path(__file__).resolve().parents[2]

# Runs in a fresh process: the provider is installed from the environment when settings load.
_PROBE = """
import json
import django
django.setup()
from django.test import Client
from django.urls import reverse

client = Client()
login_page = client.get("/accounts/login/").content.decode()
start = client.post("/accounts/discord/login/")
print(json.dumps({
    "button": "/accounts/discord/login/" in login_page,
    "status": start.status_code,
    "location": start.get("Location", ""),
    "callback": reverse("discord_callback"),
}))
"""


@pytest.mark.django_db(transaction=True)
def test_the_discord_button_and_flow_appear_when_its_keys_are_set():
    database = settings.DATABASES["default"]
    environment = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "SEAVL_TESTING": "1",
        "DISCORD_CLIENT_ID": "1234567890",
        "DISCORD_CLIENT_SECRET": "discord-test-secret",
        "SITE_URL": "http://testserver",
        "ALLOWED_HOSTS": "testserver",
    }
    result = subprocess.run(
        [sys.executable, "-c", _PROBE], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["button"] is True
    assert probe["status"] == 302
    authorize = urlparse(probe["location"])
    assert authorize.netloc == "discord.com" and authorize.path.endswith("/oauth2/authorize")
    query = parse_qs(authorize.query)
    assert query["client_id"] == ["1234567890"]
    assert query["redirect_uri"] == ["http://testserver" + probe["callback"]]
    assert "identify" in query["scope"][0] and "email" in query["scope"][0]


@pytest.mark.parametrize(
    ("extra_data", "handle"),
    [
        ({"id": "1", "username": "siti.rahma", "discriminator": "0", "global_name": "Siti"}, "siti.rahma"),
        ({"id": "2", "username": "budi", "discriminator": "4821"}, "budi#4821"),
        ({"id": "3"}, ""),
    ],
)
def test_the_handle_discord_shows(extra_data, handle):
    assert discord_handle_from(extra_data) == handle


@pytest.mark.django_db
def test_signing_in_with_discord_fills_the_handle_but_never_overwrites_one(make_user):
    newcomer = make_user("newcomer@example.org")
    profile_fill_from_social(user=newcomer, provider="discord", extra_data={"username": "newcomer", "discriminator": "0"})
    assert Profile.objects.get(user=newcomer).discord_handle == "newcomer"

    profile_fill_from_social(user=newcomer, provider="discord", extra_data={"username": "renamed"})
    assert Profile.objects.get(user=newcomer).discord_handle == "newcomer"

    other = make_user("github-user@example.org")
    profile_fill_from_social(user=other, provider="github", extra_data={"username": "octocat"})
    assert Profile.objects.get(user=other).discord_handle == ""
