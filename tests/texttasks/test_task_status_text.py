"""Task 6's "to be opened" text shows only while it is not open; the moderation form's reason label."""

import pytest

from campaign.models import Task
from campaign.services import tasks_set_status

pytestmark = pytest.mark.django_db
PLACEHOLDER = "To be opened at a later date."
PAGES = ["/", "/text-tasks/", "/text-prompts/"]


def _task6_card(html: str) -> str:
    if 'data-task="6"' not in html:
        return html  # the task's own page
    return html.split('data-task="6"', 1)[1].split("</li>", 1)[0]


def test_the_to_be_opened_text_shows_only_until_task6_opens(client, make_user):
    client.force_login(make_user())
    before = {url: _task6_card(client.get(url).content.decode()) for url in PAGES}

    tasks_set_status(numbers=[6], status=Task.Status.OPEN)
    after = {url: _task6_card(client.get(url).content.decode()) for url in PAGES}

    assert all(PLACEHOLDER in html for html in before.values())
    for url, html in after.items():
        assert "badge-open" in html, url
        assert PLACEHOLDER not in html, url


def test_an_open_task_keeps_a_description_an_organizer_wrote(client, make_user):
    Task.objects.filter(number=6).update(description="Write prompts about the festivals of your town.")
    tasks_set_status(numbers=[6], status=Task.Status.OPEN)
    client.force_login(make_user())

    for url in PAGES:
        assert "Write prompts about the festivals of your town." in client.get(url).content.decode(), url


def test_the_moderation_reason_says_when_it_is_needed_once(client, organizer):
    client.force_login(organizer)

    html = client.get("/moderation/texts/").content.decode()
    label = html.split('for="id_reason"', 1)[1].split("</label>", 1)[0]

    assert "Reason (required to reject; the contributors see it)" in label
    assert "optional" not in label
