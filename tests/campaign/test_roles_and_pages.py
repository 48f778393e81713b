import pytest

from accounts.roles import ORGANIZER

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_sees_sign_up_and_no_member_links(client):
    html = client.get("/").content.decode()

    assert "/accounts/signup/" in html
    assert "/profile/" not in html
    assert "/admin/" not in html


def test_contributor_cannot_open_the_admin(client, contributor):
    client.force_login(contributor)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert "/admin/" not in client.get("/").content.decode()


def test_organizer_role_is_a_group_and_admin_is_superuser(make_user, django_user_model):
    from accounts.roles import is_annotator, is_organizer

    organizer = make_user(roles=(ORGANIZER,))
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "pw-for-admin-123")
    plain = make_user()

    assert is_organizer(organizer) and not is_annotator(organizer)
    assert is_organizer(admin)
    assert not is_organizer(plain)


def test_incomplete_profile_is_reminded_on_every_page(client, make_user):
    client.force_login(make_user(complete_profile=False))

    assert 'Complete <a href="/profile/">your profile</a>' in client.get("/faq/").content.decode()


def test_faq_answers_license_own_photos_and_abroad(client):
    html = client.get("/faq/").content.decode()

    assert "CC-BY-SA 4.0" in html
    assert "taken abroad are welcome" in html
    assert "phone-quality images are perfectly acceptable" in html
