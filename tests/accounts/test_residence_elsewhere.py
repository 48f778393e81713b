"""Contributors living outside the campaign's 11 countries: "Other…" is an answer, not a missing one."""

import io
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from accounts.models import Profile
from accounts.services import contributor_ensure_can_submit
from campaign.errors import ProfileIncomplete
from contributions.models import ImageSubmission

pytestmark = pytest.mark.django_db

PASSWORD = "sea-vl-Phase-2-passphrase"


def _profile_form(**overrides):
    data = {
        "display_name": "Maria Abroad",
        "residence_country": "other",
        "native_language": "fil",
        "native_language_other": "",
        "discord_handle": "",
        "accept_terms": "on",
    }
    data.update(overrides)
    return data


def _jpeg() -> bytes:
    from skimage import data

    image = Image.fromarray(data.coffee()).convert("RGB").resize((768, 576), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def _sign_up_and_verify(client, email: str):
    client.post("/accounts/signup/", {"email": email, "password1": PASSWORD, "password2": PASSWORD})
    link = re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+/", mail.outbox[-1].body).group(0)
    return client.post("/" + link.split("://", 1)[1].split("/", 1)[1], follow=True)


def test_the_profile_offers_other_after_the_countries(client, make_user):
    client.force_login(make_user(complete_profile=False))

    html = client.get("/profile/").content.decode()

    select = re.search(r'<select name="residence_country".*?</select>', html, re.S).group(0)
    assert re.findall(r'<option value="([^"]*)"', select)[-1] == "other"
    assert 'value="other">Other…</option>' in select


def test_never_answered_and_other_are_told_apart(client, make_user):
    user = make_user(complete_profile=False)
    client.force_login(user)

    response = client.post("/profile/", _profile_form(residence_country=""))
    assert "This field is required" in " ".join(response.context["form"].errors["residence_country"])
    profile = Profile.objects.get(user=user)
    assert not profile.is_complete and not profile.resides_elsewhere

    client.post("/profile/", _profile_form())
    profile.refresh_from_db()
    assert profile.is_complete and profile.resides_elsewhere and profile.residence_country_id is None
    # Opened again, the page shows the answer that was given.
    assert client.get("/profile/").context["form"]["residence_country"].value() == "other"

    client.post("/profile/", _profile_form(residence_country="PH"))
    profile.refresh_from_db()
    assert profile.residence_country_id == "PH" and not profile.resides_elsewhere


def test_a_profile_without_any_country_answer_still_cannot_submit(make_user):
    user = make_user(complete_profile=False)
    Profile.objects.filter(user=user).update(
        display_name="No answer", native_language_code="fil", accepted_terms_at=timezone.now()
    )

    with pytest.raises(ProfileIncomplete):
        contributor_ensure_can_submit(user=user, task_number=1)


def test_someone_abroad_signs_up_submits_and_appears_on_the_pages(
    client, make_user, django_capture_on_commit_callbacks
):
    from accounts.roles import ORGANIZER
    from points.recompute import points_recompute

    verified = _sign_up_and_verify(client, "maria.abroad@example.org")
    assert verified.redirect_chain[-1][0].startswith("/profile/")

    response = client.post("/profile/", _profile_form(), follow=True)
    assert response.redirect_chain[-1][0] == "/"

    assert client.get("/images/new/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/images/new/",
            {
                "description": "Jeepney decorated for the Sinulog festival in Cebu",
                "native_description": "Jeepney na may palamuti para sa Sinulog",
                "native_language": "Filipino/Tagalog (fil)",
                "countries": ["PH"],
                "location": "Cebu City, Philippines",
                "group": "",
                "license_confirmed": "on",
                "image": SimpleUploadedFile("jeepney.jpg", _jpeg()),
            },
            follow=True,
        )
    submission = ImageSubmission.objects.get(contributor__email="maria.abroad@example.org")
    assert response.redirect_chain[-1][0] == f"/images/{submission.pk}/"

    from contributions.decisions import image_submission_decide

    with django_capture_on_commit_callbacks(execute=True):
        image_submission_decide(submission_id=submission.pk, accepted=True, reasons=None)
    points_recompute()

    board = client.get("/leaderboard/")
    assert board.status_code == 200 and "Maria Abroad" in board.content.decode()
    assert client.get("/leaderboard/?country=PH").status_code == 200
    assert "Maria Abroad" not in client.get("/leaderboard/?country=PH").content.decode()

    client.force_login(make_user("organizer@example.org", roles=(ORGANIZER,)))
    assert client.get("/organizers/").status_code == 200
    assert client.get("/points/organizers/").status_code == 200
    csv = b"".join(client.get("/points/organizers/leaderboard.csv").streaming_content).decode("utf-8-sig")
    assert "Maria Abroad" in csv


@pytest.mark.parametrize(
    "path",
    [
        "/text-tasks/",
        "/visual-questions/",
        "/generation-prompts/",
        "/text-prompts/",
        "/validate/?task=4",
        "/validate/?task=5",
        "/validate/?task=6",
        "/review/screening/",
    ],
)
def test_pages_that_read_the_residence_country_open_for_someone_abroad(client, make_user, path):
    user = make_user(complete_profile=False)
    client.force_login(user)
    client.post("/profile/", _profile_form())
    assert Profile.objects.get(user=user).resides_elsewhere

    assert client.get(path).status_code == 200
