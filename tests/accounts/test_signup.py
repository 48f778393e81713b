import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail

from accounts.roles import CONTRIBUTOR

pytestmark = pytest.mark.django_db

PASSWORD = "sea-vl-Phase-2-passphrase"


def _sign_up(client, email="new.volunteer@example.org"):
    return client.post(
        "/accounts/signup/", {"email": email, "password1": PASSWORD, "password2": PASSWORD}, follow=True
    )


def test_sign_up_sends_a_verification_link_and_the_link_verifies(client):
    response = _sign_up(client)

    assert response.status_code == 200
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.volunteer@example.org"]
    link = re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+/", message.body).group(0)
    user = get_user_model().objects.get(email="new.volunteer@example.org")
    assert not EmailAddress.objects.get(user=user).verified
    assert user.groups.filter(name=CONTRIBUTOR).exists()

    path = link.split("://", 1)[1].split("/", 1)[1]
    assert client.get("/" + path).status_code == 200
    response = client.post("/" + path, follow=True)

    assert EmailAddress.objects.get(user=user).verified
    # Verified and signed in: the next stop is the profile to complete.
    assert response.redirect_chain[-1][0].startswith("/profile/")


def test_unverified_account_cannot_sign_in(client):
    _sign_up(client)
    client.logout()

    response = client.post(
        "/accounts/login/", {"login": "new.volunteer@example.org", "password": PASSWORD}, follow=True
    )

    assert "/accounts/confirm-email/" in response.redirect_chain[-1][0]
    assert "_auth_user_id" not in client.session


def test_sign_up_twice_with_one_email_creates_no_second_account(client):
    _sign_up(client)
    client.logout()
    _sign_up(client)

    assert get_user_model().objects.filter(email="new.volunteer@example.org").count() == 1
    # A stranger is not told the address is taken; its owner gets the mail.
    assert mail.outbox[-1].to == ["new.volunteer@example.org"]


def test_password_reset_mails_a_link(client, contributor):
    response = client.post("/accounts/password/reset/", {"email": contributor.email}, follow=True)

    assert response.status_code == 200
    assert any("/accounts/password/reset/key/" in message.body for message in mail.outbox)


def test_too_many_failed_logins_are_rate_limited(client, contributor):
    pages = [
        client.post("/accounts/login/", {"login": contributor.email, "password": "wrong"}).content.decode()
        for _ in range(7)
    ]

    assert "Too many failed login attempts" in pages[-1]
    assert "Too many failed login attempts" not in pages[0]
    # Even the right password is refused while the limit holds.
    right = client.post(
        "/accounts/login/", {"login": contributor.email, "password": "a-long-test-passphrase-42"}
    )
    assert "_auth_user_id" not in client.session and right.status_code in (200, 429)


def test_admin_login_goes_through_allauth(client):
    response = client.get("/admin/login/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_one_locked_account_does_not_lock_others_out_of_the_same_ip(client, make_user):
    """Mobile networks put many people behind one IP (CGNAT): one person's failed sign-ins lock their
    account for a while, not everyone's."""
    from tests.conftest import DEFAULT_PASSWORD

    locked = make_user("typo.prone@example.org")
    other = make_user("neighbour@example.org")
    pages = [
        client.post("/accounts/login/", {"login": locked.email, "password": "wrong"}).content.decode()
        for _ in range(12)
    ]
    assert "Too many failed login attempts" in pages[-1]

    client.post("/accounts/login/", {"login": other.email, "password": DEFAULT_PASSWORD})

    assert client.session["_auth_user_id"] == str(other.pk)
    client.logout()
    # The locked account stays locked, even with its right password.
    client.post("/accounts/login/", {"login": locked.email, "password": DEFAULT_PASSWORD})
    assert "_auth_user_id" not in client.session
