import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType

from campaign.models import Task
from organizers.models import AuditEvent
from organizers.services import audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.org", "pw-for-admin-123")


def test_closing_a_task_in_the_admin_is_recorded_with_who_and_when(client, admin_user):
    client.force_login(admin_user)

    response = client.post(
        "/admin/campaign/task/", {"action": "close_tasks", "_selected_action": ["3", "4"]}, follow=True
    )

    assert response.status_code == 200
    assert Task.objects.get(number=3).status == Task.Status.CLOSED
    events = AuditEvent.objects.order_by("target_id")
    assert [(e.action, e.target_type, e.target_id, e.actor) for e in events] == [
        ("task.close", "campaign.task", "3", admin_user),
        ("task.close", "campaign.task", "4", admin_user),
    ]
    assert events[0].details == {"status": "closed"}


def test_organizers_read_the_audit_log_of_portal_actions_and_admin_changes(client, organizer, admin_user):
    task = Task.objects.get(number=5)
    audit_record(actor=admin_user, action="task.open", target=task, details={"status": "open"})
    audit_record(actor=None, action="point_rule.change", details={"task": 1, "points": "3"})
    LogEntry.objects.create(
        user=admin_user,
        content_type=ContentType.objects.get_for_model(Task),
        object_id="5",
        object_repr=str(task),
        action_flag=CHANGE,
        change_message="Changed closes at.",
    )
    client.force_login(organizer)

    portal = client.get("/organizers/audit/").content.decode()
    admin_changes = client.get("/organizers/audit/?source=admin").content.decode()

    assert 'data-action="task.open"' in portal and str(task) in portal
    assert 'data-action="point_rule.change"' in portal and "the system" in portal
    assert "Changed closes at." in admin_changes and str(task) in admin_changes


def test_a_rolled_back_change_leaves_no_audit_event(admin_user):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=admin_user, action="task.open", target=Task.objects.get(number=1))
        raise RuntimeError

    assert not AuditEvent.objects.exists()


def test_starting_an_export_is_audited(client, organizer):
    client.force_login(organizer)

    response = client.post("/organizers/exports/", {"countries": ["LA"], "tasks": ["1"]})

    assert response.status_code == 302
    event = AuditEvent.objects.get()
    assert event.action == "dataset_export.start" and event.actor == organizer
    assert event.details["countries"] == ["LA"] and event.details["tasks"] == [1]


def test_the_audit_log_is_read_only_in_the_admin(client, admin_user):
    audit_record(actor=admin_user, action="task.open", target=Task.objects.get(number=1))
    client.force_login(admin_user)

    assert client.get("/admin/organizers/auditevent/").status_code == 200
    assert client.get("/admin/organizers/auditevent/add/").status_code == 403
    assert client.get("/admin/admin/logentry/").status_code == 200
