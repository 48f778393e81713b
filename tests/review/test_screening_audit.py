"""Screening items changed in the admin reach the organizers' audit log."""

import pytest

from organizers.models import AuditEvent
from review.models import ScreeningItem

pytestmark = pytest.mark.django_db


def test_a_screening_item_deleted_in_the_admin_is_audited(client, django_user_model, make_screening_item):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "pw-for-admin-123")
    item = make_screening_item()
    client.force_login(admin)

    client.post(f"/admin/review/screeningitem/{item.pk}/delete/", {"post": "yes"})

    assert not ScreeningItem.objects.filter(pk=item.pk).exists()
    assert AuditEvent.objects.filter(
        action="screening_item.delete", actor=admin, target_id=str(item.pk)
    ).exists()
