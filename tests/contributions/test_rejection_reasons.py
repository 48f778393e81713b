"""Rejection reasons are stored as msgids with their values and shown in the reader's language."""

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation
from image_helpers import jpeg

from contributions.models import ImageSubmission
from contributions.reasons import REASON_MESSAGES, reason_text, reasons_text, rejection_reason

TOO_SMALL = REASON_MESSAGES["too_small"]
NEAR_DUPLICATE = REASON_MESSAGES["near_duplicate"]


def indonesian(msgid: str, **params) -> str:
    with translation.override("id"):
        text = translation.gettext(msgid)
    assert text != msgid, "the Indonesian catalog translates this message"
    return text % params if params else text


def render(item) -> str:
    return Template("{% load rejection_reasons %}{{ item|reason_text }}").render(Context({"item": item}))


def test_a_reason_with_a_number_is_translated_then_filled_in():
    item = rejection_reason("too_small", TOO_SMALL, {"px": 512})
    assert item == {"code": "too_small", "message": TOO_SMALL, "params": {"px": 512}}

    with translation.override("id"):
        shown, page = reason_text(item), render(item)
    assert shown == page == indonesian(TOO_SMALL, px=512)
    assert "512" in shown and "%(px)s" not in shown and "too small" not in shown
    with translation.override("en"):
        assert reason_text(item) == "This photo is too small: its shorter side must be at least 512 pixels."


def test_old_rows_without_params_are_shown_as_before():
    # Stored before the params: the English text, numbers already filled in.
    old_small = {
        "code": "too_small",
        "message": "This photo is too small: its shorter side must be at least 512 pixels.",
    }
    old_near = {"code": "near_duplicate", "message": NEAR_DUPLICATE}
    with translation.override("id"):
        assert reason_text(old_small) == render(old_small) == old_small["message"]
        assert reason_text(old_near) == render(old_near) == indonesian(NEAR_DUPLICATE)
        assert (
            reason_text({"code": "organizer_decision", "message": "Only loosely Thai."})
            == "Only loosely Thai."
        )


def test_an_organizers_note_follows_the_message_untranslated_and_escaped():
    note = "Logo <b>visible</b>."
    flag = rejection_reason("watermark", "An organizer found a watermark or logo on the image.", note=note)
    own_words = rejection_reason("organizer_decision", "", note=note)

    with translation.override("id"):
        assert reason_text(flag).endswith(" " + note) and len(reason_text(flag)) > len(note) + 1
        assert reason_text(own_words) == note  # never the catalog header that gettext("") returns
        assert render(own_words) == "Logo &lt;b&gt;visible&lt;/b&gt;."


def test_a_placeholder_the_values_do_not_fill_never_breaks_the_page():
    assert reason_text({"code": "x", "message": TOO_SMALL, "params": {"other": 1}}) == TOO_SMALL
    assert reasons_text([{"code": "x", "message": "Fine."}, "not a reason", None]) == [
        {"code": "x", "message": "Fine."}
    ]


@pytest.mark.django_db
def test_the_pages_and_the_api_show_the_reason_in_the_readers_language(
    client, contributor, submit, api_token
):
    user, secret = api_token
    small = submit(user, jpeg(size=(600, 400)))
    assert small.status == ImageSubmission.Status.REJECTED
    assert small.rejection_reasons == [{"code": "too_small", "message": TOO_SMALL, "params": {"px": 512}}]
    expected = indonesian(TOO_SMALL, px=512)

    body = client.get(
        f"/api/v1/images/{small.pk}", HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE="id"
    ).json()
    assert body["rejection_reasons"] == [{"code": "too_small", "message": expected}]
    english = client.get(
        f"/api/v1/images/{small.pk}", HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    assert english["rejection_reasons"][0]["message"].endswith("at least 512 pixels.")

    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    for url in ("/images/", f"/images/{small.pk}/"):
        page = client.get(url).content.decode()
        assert expected in page and "%(px)s" not in page, url


@pytest.mark.django_db
def test_an_old_row_still_shows_on_the_pages_and_in_the_api(client, submit, api_token):
    user, secret = api_token
    small = submit(user, jpeg(size=(600, 400)))
    old = [
        {
            "code": "too_small",
            "message": "This photo is too small: its shorter side must be at least 512 pixels.",
        }
    ]
    ImageSubmission.objects.filter(pk=small.pk).update(rejection_reasons=old)  # as rows were stored before

    body = client.get(f"/api/v1/images/{small.pk}", HTTP_AUTHORIZATION=f"Bearer {secret}").json()
    assert body["rejection_reasons"] == old
    client.force_login(user)
    assert old[0]["message"] in client.get(f"/images/{small.pk}/").content.decode()


def test_every_reason_the_review_gives_has_words_a_contributor_reads():
    from review.models import Flag

    review_codes = {"low_cultural_relevance", "caption_mismatch", "low_quality"} | {
        flag.value for flag in Flag if flag
    }
    check_codes = {
        "unsupported_type",
        "too_small",
        "too_blurry",
        "duplicate",
        "near_duplicate",
        "check_failed",
    }

    assert review_codes | check_codes <= REASON_MESSAGES.keys()
    for code in review_codes | check_codes:
        assert reason_text(rejection_reason(code, REASON_MESSAGES[code], {"px": 600}))
