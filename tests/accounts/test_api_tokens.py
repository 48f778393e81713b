import pytest
from django.core.management import call_command

from accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def _bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_token_created_on_the_profile_page_is_shown_once_and_stored_hashed(client, contributor):
    client.force_login(contributor)

    response = client.post("/profile/tokens/", {"name": "laptop script"})

    secret = response.context["secret"]
    token = ApiToken.objects.get(user=contributor)
    assert secret.startswith("seavl_") and secret in response.content.decode()
    assert secret not in token.key_hash and token.prefix == secret[:12]
    assert secret not in client.get("/profile/").content.decode()
    client.logout()
    assert client.get("/api/v1/me", **_bearer(secret)).json()["email"] == contributor.email


def test_revoked_token_is_refused_with_401_json(client, api_token):
    user, secret = api_token
    client.force_login(user)
    token = ApiToken.objects.get(user=user)

    client.post(f"/profile/tokens/{token.id}/revoke/")
    client.logout()
    response = client.get("/api/v1/me", **_bearer(secret))

    assert response.status_code == 401
    assert response.json() == {"detail": "A valid API token is required.", "errors": {}}


@pytest.mark.parametrize(
    "header", [None, "Bearer", "Bearer nonsense", "Basic dXNlcjpwdw==", "Bearer " + "x" * 5000]
)
def test_missing_or_bad_token_is_401(client, header):
    kwargs = {"HTTP_AUTHORIZATION": header} if header else {}

    response = client.get("/api/v1/me", **kwargs)

    assert response.status_code == 401
    assert response.json()["detail"]


def test_someone_else_cannot_revoke_my_token(client, api_token, make_user):
    user, secret = api_token
    client.force_login(make_user())

    client.post(f"/profile/tokens/{ApiToken.objects.get(user=user).id}/revoke/")

    assert client.get("/api/v1/me", **_bearer(secret)).status_code == 200


def test_create_api_token_command_prints_a_working_token(client, contributor, capsys):
    call_command("create_api_token", contributor.email)

    secret = capsys.readouterr().out.strip()
    assert client.get("/api/v1/me", **_bearer(secret)).status_code == 200


def test_openapi_document_and_docs_are_served(client):
    schema = client.get("/api/v1/openapi.json")

    assert schema.status_code == 200
    assert schema.json()["info"]["title"] == "SEA-VL portal API"
    assert client.get("/api/v1/docs").status_code == 200
