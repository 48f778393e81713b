"""Every audited action appears in the log with its old and new values, the schedule task is registered
in beat, campaign times are written in the campaign's zone with the zone named, and organizers filter,
search, page and download the log (formulas neutralised)."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from campaign.models import Task
from campaign.services import tasks_apply_schedule
from campaign.times import campaign_time
from organizers.models import AuditEvent
from organizers.services import audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.org", "pw-for-admin-123")


def test_the_schedule_task_is_registered_in_beat():
    task = PeriodicTask.objects.get(task="campaign.apply_task_schedule")
    assert task.enabled and task.interval.every == 1 and task.interval.period == "minutes"


def test_a_scheduled_close_taking_effect_is_audited_and_stored():
    task = Task.objects.get(number=4)
    Task.objects.filter(pk=task.pk).update(
        status=Task.Status.OPEN, opens_at=None, closes_at=timezone.now() - timedelta(minutes=1)
    )

    assert 4 in tasks_apply_schedule()

    task.refresh_from_db()
    assert task.status == Task.Status.CLOSED
    event = AuditEvent.objects.get(action="task.schedule_apply", target_id=str(task.pk))
    assert event.actor is None
    assert (event.details["status_before"], event.details["status_after"]) == ("open", "closed")
    assert event.details["closes_at"].endswith("WIB (Asia/Jakarta)")
    assert tasks_apply_schedule() == []  # nothing left to apply: no second event
    assert AuditEvent.objects.filter(action="task.schedule_apply").count() == 1


def test_a_close_time_change_logs_the_old_and_the_new_time(client, admin_user):
    task = Task.objects.get(number=3)
    old = datetime(2025, 3, 1, 17, 0, tzinfo=UTC)  # 2025-03-02 00:00 in Jakarta
    Task.objects.filter(pk=task.pk).update(opens_at=None, closes_at=old)
    client.force_login(admin_user)

    response = client.post(
        f"/admin/campaign/task/{task.pk}/change/",
        {
            "number": task.number,
            "slug": task.slug,
            "name": task.name,
            "description": task.description,
            "instructions": task.instructions,
            "status": task.status,
            "opens_at_0": "",
            "opens_at_1": "",
            "closes_at_0": "2025-03-10",
            "closes_at_1": "00:00:00",
            "languages": [str(pk) for pk in task.languages.values_list("pk", flat=True)],
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    event = AuditEvent.objects.get(action="task.schedule_change")
    assert event.actor == admin_user
    assert event.details == {
        "closes_at": {
            "old": "2025-03-02 00:00 WIB (Asia/Jakarta)",
            "new": "2025-03-10 00:00 WIB (Asia/Jakarta)",
        }
    }
    entry = LogEntry.objects.get(object_id=str(task.pk))
    assert "from 2025-03-02 00:00 WIB (Asia/Jakarta) to 2025-03-10 00:00 WIB (Asia/Jakarta)" in (
        entry.get_change_message()
    )


def test_campaign_times_are_in_the_campaigns_zone_with_the_zone_named():
    from points.models import PointRule

    effective = datetime(2025, 2, 28, 17, 0, tzinfo=UTC)  # 2025-03-01 00:00 WIB
    assert campaign_time(effective) == "2025-03-01 00:00 WIB (Asia/Jakarta)"
    rule = PointRule(task_number=1, points_group=1, points="2.00", effective_from=effective)
    assert "from 2025-03-01 00:00 WIB (Asia/Jakarta)" in str(rule)


def test_organizers_filter_search_page_and_download_the_log(client, organizer, make_user):
    other = make_user("other-organizer@example.org", roles=("organizer",), display_name="Dara")
    task = Task.objects.get(number=5)
    audit_record(actor=organizer, action="task.open", target=task, details={"status": "open"})
    audit_record(actor=other, action="task.close", target=task, details={"status": "closed"})
    audit_record(actor=other, action="point_rule.change", details={"note": '=HYPERLINK("http://x")'})
    old = audit_record(actor=organizer, action="task.close", target=Task.objects.get(number=6))
    AuditEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    for n in range(55):
        audit_record(actor=None, action="catalog.upload", details={"language": "tet", "n": n})
    client.force_login(organizer)

    def ids(**query):
        response = client.get("/organizers/audit/", query)
        assert response.status_code == 200
        return [event.pk for event in response.context["page"]]

    assert len(ids()) == 50  # paginated
    second_page = client.get("/organizers/audit/", {"action": "catalog.", "page": 2})
    assert len(second_page.context["page"]) == 5
    assert "action=catalog." in second_page.content.decode()  # the pages keep the filters

    closes = AuditEvent.objects.filter(action="task.close").order_by("-created_at", "-pk")
    assert ids(action="task.close") == [e.pk for e in closes]
    assert set(ids(action="task.")) == set(
        AuditEvent.objects.filter(action__startswith="task.").values_list("pk", flat=True)
    )
    assert ids(actor="Dara", action="task.close") == [closes[0].pk]
    assert ids(target=f"campaign.task:{task.pk}", actor="other-organizer") == [closes[0].pk]
    today = timezone.localdate()
    assert old.pk not in ids(action="task.close", date_from=(today - timedelta(days=7)).isoformat())
    assert ids(action="task.close", date_to=(today - timedelta(days=30)).isoformat()) == [old.pk]
    assert ids(q="HYPERLINK") == [AuditEvent.objects.get(action="point_rule.change").pk]

    response = client.get("/organizers/audit.csv", {"actor": "other-organizer"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:4] == ["when", "actor_email", "actor_name", "action"]
    assert {row[3] for row in rows[1:]} == {"task.close", "point_rule.change"}
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows[1:] for cell in row)
    assert any(row[7].startswith("{") and "HYPERLINK" in row[7] for row in rows[1:])


def test_only_organizers_read_the_log_csv(client, contributor):
    client.force_login(contributor)
    assert client.get("/organizers/audit.csv").status_code == 403
