"""A description that is a spreadsheet formula is refused on every way in, as the bulk import refuses it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from image_helpers import jpeg

from contributions.models import ImageSubmission

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://evil","x")'
MESSAGE = "starts with “=”: a spreadsheet formula, not a description. Write the text itself."


def fields(**overrides):
    data = {
        "description": "Pho seller in Hanoi's old quarter at dawn",
        "native_description": "Người bán phở ở phố cổ Hà Nội lúc bình minh",
        "native_language": "Vietnamese (vie)",
        "countries": "VN",
        "location": "Hanoi, Vietnam",
        "license_confirmed": "true",
    }
    return {**data, **overrides}


@pytest.mark.parametrize("field", ["description", "native_description", "location", "group"])
def test_the_api_refuses_a_formula_in_any_text_field(client, api_token, field):
    _user, secret = api_token
    data = {**fields(**{field: "  " + FORMULA}), "image": SimpleUploadedFile("a.jpg", jpeg())}

    response = client.post("/api/v1/images", data, HTTP_AUTHORIZATION=f"Bearer {secret}")

    assert response.status_code == 400, response.content
    assert MESSAGE in response.json()["errors"][field][0]
    assert not ImageSubmission.objects.exists()


def test_the_web_form_refuses_a_formula_description(client, contributor):
    client.force_login(contributor)
    data = {
        **fields(description=FORMULA, countries=["VN"], license_confirmed="on"),
        "image": SimpleUploadedFile("a.jpg", jpeg()),
    }

    response = client.post("/images/new/", data)

    assert response.status_code == 400
    assert "English description starts with “=”: a spreadsheet formula" in response.content.decode()
    assert not ImageSubmission.objects.exists()


def test_text_that_only_contains_an_equals_sign_is_kept(client, api_token):
    _user, secret = api_token
    data = {**fields(description="Price: 1 bowl = 40,000 dong"), "image": SimpleUploadedFile("a.jpg", jpeg())}

    response = client.post("/api/v1/images", data, HTTP_AUTHORIZATION=f"Bearer {secret}")

    assert response.status_code == 201, response.content
