import pytest

from accounts.models import Profile
from accounts.services import contributor_ensure_can_submit, profile_ensure_complete
from campaign.errors import ProfileIncomplete

pytestmark = pytest.mark.django_db


def _profile_form(**overrides):
    data = {
        "display_name": "Siti",
        "residence_country": "LA",
        "native_language": "lao",
        "native_language_other": "",
        "discord_handle": "siti#1234",
        "accept_terms": "on",
    }
    data.update(overrides)
    return data


def test_new_user_must_complete_the_profile_before_submitting(make_user):
    user = make_user(complete_profile=False)

    with pytest.raises(ProfileIncomplete):
        contributor_ensure_can_submit(user=user, task_number=1)


def test_completing_the_profile_through_the_page(client, make_user):
    user = make_user(complete_profile=False)
    client.force_login(user)

    response = client.post("/profile/", _profile_form(), follow=True)

    profile = Profile.objects.get(user=user)
    assert response.status_code == 200
    assert profile.is_complete
    assert profile.native_language_label == "Lao (lao)"
    assert profile.residence_country_id == "LA"
    assert contributor_ensure_can_submit(user=user, task_number=1) == profile


def test_other_native_language_is_normalised_to_name_and_code(client, make_user):
    user = make_user(complete_profile=False)
    client.force_login(user)

    client.post("/profile/", _profile_form(native_language="other", native_language_other="portuguese"))

    assert Profile.objects.get(user=user).native_language_label == "Portuguese (por)"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"accept_terms": ""}, "accept_terms", "accept the licence terms"),
        ({"use_pseudonym": "on", "pseudonym": ""}, "pseudonym", "Enter the pseudonym"),
        ({"native_language": "other"}, "native_language_other", "which language"),
        ({"residence_country": "XX"}, "residence_country", "Select a valid choice"),
        ({"display_name": ""}, "display_name", "This field is required"),
    ],
)
def test_profile_form_explains_each_bad_input(client, make_user, overrides, field, message):
    user = make_user(complete_profile=False)
    client.force_login(user)

    response = client.post("/profile/", _profile_form(**overrides))

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Profile.objects.get(user=user).is_complete


def test_pseudonym_is_the_public_name(client, make_user):
    user = make_user(complete_profile=False)
    client.force_login(user)

    client.post("/profile/", _profile_form(use_pseudonym="on", pseudonym="Night Heron"))

    profile = Profile.objects.get(user=user)
    assert profile.public_name == "Night Heron"
    assert profile.display_name == "Siti"


def test_profile_page_requires_sign_in(client):
    response = client.get("/profile/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_profile_ensure_complete_passes_a_complete_profile(contributor):
    assert profile_ensure_complete(user=contributor).is_complete


def test_optional_fields_say_optional_once(client, make_user):
    client.force_login(make_user(complete_profile=False))

    html = client.get("/profile/").content.decode()

    assert "(optional)</small>" in html
    assert "(optional) <small>" not in html
    assert html.count("Discord handle") == 1
