"""The OpenAPI document a script author (or a client generator) reads: every operation lists every error
status it can answer, with the one error body and an example; 429 and 503 say when to retry."""

import pytest

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "patch", "put", "delete")


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(document):
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield f"{method.upper()} {path}", item[method]


def test_every_operation_documents_its_errors_with_the_error_body(document):
    assert set(document["components"]["schemas"]["ErrorOut"]["required"]) == {"detail", "errors"}
    seen = 0
    for name, operation in operations(document):
        seen += 1
        responses = operation["responses"]
        errors = {int(code) for code in responses if int(code) >= 400}
        assert {500, 503} <= errors, name
        if operation.get("security"):
            assert 401 in errors, name
        if operation.get("parameters") or operation.get("requestBody"):
            assert 400 in errors, name
        if any(parameter["in"] == "path" for parameter in operation.get("parameters", ())):
            assert 404 in errors, name
        for code in errors:
            content = responses[str(code)]["content"]["application/json"]
            assert content["schema"] == {"$ref": "#/components/schemas/ErrorOut"}, (name, code)
            assert set(content["example"]) == {"detail", "errors"}, (name, code)
            if code in (429, 503):
                assert "Retry-After" in responses[str(code)]["headers"], (name, code)
    assert seen >= 40


def test_the_statuses_of_the_services_are_documented_where_they_answer(document):
    paths = document["paths"]

    upload = paths["/api/v1/images"]["post"]["responses"]
    rating = paths["/api/v1/review/items/{item_id}/ratings"]["post"]["responses"]
    leaderboard = paths["/api/v1/organizers/leaderboard"]["get"]["responses"]

    assert {"201", "403", "409", "413", "415", "429"} <= set(upload)
    assert {"403", "409", "429"} <= set(rating)
    assert "403" in leaderboard


def test_a_nul_character_is_a_400_with_the_error_body(client, contributor_token):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {contributor_token}"}

    query = client.get("/api/v1/visual-questions/next-image?countries=T%00H", **headers)
    body = client.post(
        "/api/v1/text-prompts",
        '{"language": "tha", "country": "T\\u0000H", "text": "A market at dawn"}',
        content_type="application/json",
        **headers,
    )

    for response in (query, body):
        assert response.status_code == 400, response.content
        assert response.json()["detail"] and response.json()["errors"]


def test_an_unknown_api_path_with_a_newline_is_the_apis_json_404(client, contributor_token):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {contributor_token}"}

    for url in ("/api/v1/images/o%0A/display/", "/api/v1/organizers/exports/1/files/a%0Ab"):
        response = client.get(url, **headers)
        assert response.status_code == 404, url
        assert response["Content-Type"].startswith("application/json") and response.json()["detail"]


def test_a_bulk_archive_key_with_a_nul_is_a_400(client, contributor_token):
    response = client.post(
        "/api/v1/images/bulk",
        {"archive_key": "uploads/\x00.zip", "license_confirmed": "true"},
        HTTP_AUTHORIZATION=f"Bearer {contributor_token}",
    )

    assert response.status_code == 400, response.content
    assert response.json()["errors"]["archive_key"]
