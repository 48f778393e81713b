from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from campaign.errors import TaskNotOpen
from campaign.models import Country, Language, Task
from campaign.services import task_ensure_open, tasks_apply_schedule, tasks_set_status

pytestmark = pytest.mark.django_db


def test_reference_data_holds_the_spec_countries_groups_and_tasks():
    groups = {c.code: c.points_group for c in Country.objects.all()}
    assert groups == {
        "ID": 1, "SG": 1, "PH": 1,
        "TH": 2, "MY": 2, "VN": 2,
        "BN": 3, "TL": 3, "KH": 3, "LA": 3, "MM": 3,
    }  # fmt: skip
    assert list(Task.objects.values_list("number", flat=True)) == [1, 2, 3, 4, 5, 6]
    task3 = set(Task.objects.get(number=3).languages.values_list("code", flat=True))
    assert task3 == {"tha", "zsm", "fil", "lao", "khm", "tam", "cmn", "mya", "tet", "kxd"}
    task4 = set(Task.objects.get(number=4).languages.values_list("code", flat=True))
    assert task4 == task3 | {"ind", "vie"}
    assert Language.objects.get(code="kxd").label == "Bruneian Malay (kxd)"


def test_open_task_accepts_and_closed_task_refuses_with_a_message():
    assert task_ensure_open(number=1).number == 1

    tasks_set_status(numbers=[1], status=Task.Status.CLOSED)

    with pytest.raises(TaskNotOpen, match="Task 1 is closed"):
        task_ensure_open(number=1)


def test_scheduled_task_refuses_until_its_opening_time():
    with pytest.raises(TaskNotOpen, match="not open yet"):
        task_ensure_open(number=6)

    Task.objects.filter(number=6).update(opens_at=timezone.now() - timedelta(minutes=1))

    assert task_ensure_open(number=6).number == 6


def test_scheduled_closing_takes_effect_by_itself():
    Task.objects.filter(number=1).update(closes_at=timezone.now() - timedelta(seconds=1))

    # Refused at once, before any background job has stored the new status ...
    with pytest.raises(TaskNotOpen, match="closed"):
        task_ensure_open(number=1)
    # ... and the periodic job then stores it, so the admin list shows it too.
    assert tasks_apply_schedule() == [1]
    assert Task.objects.get(number=1).status == Task.Status.CLOSED
    assert tasks_apply_schedule() == []


def test_unknown_task_is_refused():
    with pytest.raises(TaskNotOpen):
        task_ensure_open(number=99)


def test_home_lists_tasks_with_status_and_closing_date(client):
    closing = timezone.now() + timedelta(days=10)
    Task.objects.filter(number=1).update(closes_at=closing)
    tasks_set_status(numbers=[3], status=Task.Status.CLOSED)

    html = client.get("/").content.decode()

    assert "Task 1: Submit a culturally-relevant image with description" in html
    assert (
        f"closes on {date_format(timezone.localtime(closing), 'DATE_FORMAT')}" in html
    )  # the locale's format
    assert 'data-task="3"' in html and "badge-closed" in html
    assert "badge-scheduled" in html  # Task 6
    assert "CC-BY-SA 4.0" in html


def test_admin_opens_and_closes_many_tasks_at_once(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "pw-for-admin-123")
    client.force_login(admin)

    response = client.post(
        "/admin/campaign/task/", {"action": "close_tasks", "_selected_action": ["3", "4", "5"]}, follow=True
    )

    assert response.status_code == 200
    assert set(Task.objects.filter(status="closed").values_list("number", flat=True)) == {3, 4, 5}
    client.post("/admin/campaign/task/", {"action": "open_tasks", "_selected_action": ["6"]})
    assert Task.objects.get(number=6).is_open


def test_home_links_each_open_task_to_where_its_work_starts(client, make_user):
    from accounts.roles import ANNOTATOR

    tasks_set_status(numbers=[4], status=Task.Status.CLOSED)

    html = client.get("/").content.decode()

    assert 'href="/images/new/"' in html and 'href="/translations/"' in html
    assert 'href="/review/screening/"' in html
    assert 'href="/visual-questions/"' not in html  # closed
    assert 'href="/text-prompts/"' not in html  # scheduled
    client.force_login(make_user(roles=(ANNOTATOR,)))
    annotator_home = client.get("/").content.decode()
    task2_card = annotator_home.split('data-task="2"', 1)[1].split("</li>", 1)[0]
    assert 'href="/review/"' in task2_card and "/review/screening/" not in task2_card
