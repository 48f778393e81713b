"""Volunteers hear back: digests, reward thresholds and weekly summaries, once per period, in their
language, with one-click unsubscribe that needs no session."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from notifications import services
from notifications.models import Notice, NoticeKind, NoticePreference


def _set_language(user, language: str) -> None:
    from accounts.models import Profile

    Profile.objects.filter(user=user).update(preferred_language=language)


def _today():
    return timezone.localdate()


@pytest.mark.django_db
def test_daily_digest_lists_decisions_with_reasons_in_each_recipients_language(
    make_user, decided_image, django_capture_on_commit_callbacks
):
    siti = make_user("siti@example.org")
    _set_language(siti, "id")
    ann = make_user("ann@example.org")
    decided_image(siti, accepted=True)
    decided_image(siti, accepted=False)
    decided_image(ann, accepted=True)

    with django_capture_on_commit_callbacks(execute=True):
        made = services.daily_digests_create(day=_today())

    assert made == 2
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {"siti@example.org", "ann@example.org"}
    indonesian = by_recipient["siti@example.org"]
    english = by_recipient["ann@example.org"]
    # English: the counts, and the reason of the rejected photo as the contributor reads it elsewhere.
    day = _today().isoformat()
    assert english.subject.endswith(f"Decisions on your submissions, {day}")
    assert "Accepted: 1." in english.body
    with translation.override("id"):
        title = gettext("Decisions on your submissions, %(day)s") % {"day": day}
        accepted = gettext("Accepted: %(count)s.") % {"count": 1}
        reason = gettext("Annotators found that the description does not fit the image.")
    assert "Decisions on your submissions" not in title  # the catalog has it in Indonesian
    assert indonesian.subject.endswith(title)
    assert accepted in indonesian.body and reason in indonesian.body
    assert "Annotators found that the description does not fit the image." not in indonesian.body
    assert Notice.objects.filter(kind=NoticeKind.DAILY_DIGEST, email_state="sent").count() == 2

    # The same day again makes nothing new and sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.daily_digests_create(day=_today()) == 0
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_no_digest_for_a_day_without_decisions(make_user, decided_image, django_capture_on_commit_callbacks):
    user = make_user()
    decided_image(user, accepted=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.daily_digests_create(day=_today() - timedelta(days=1)) == 0
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_make_and_send_each_digest_exactly_once(make_user, decided_image):
    users = [make_user(f"worker-race-{n}@example.org") for n in range(3)]
    for user in users:
        decided_image(user, accepted=True)
    barrier = threading.Barrier(3)
    errors = []

    def worker():
        try:
            barrier.wait(timeout=10)
            services.daily_digests_create(day=_today())  # on commit: the email task (eager)
            for notice_id in Notice.objects.values_list("pk", flat=True):
                services.notice_email_send(notice_id=notice_id)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert Notice.objects.filter(kind=NoticeKind.DAILY_DIGEST).count() == 3
    assert sorted(message.to[0] for message in mail.outbox) == sorted(user.email for user in users)


@pytest.mark.django_db
def test_every_email_carries_one_click_unsubscribe_that_works_without_signing_in(
    make_user, decided_image, django_capture_on_commit_callbacks
):
    user = make_user("unsub@example.org")
    decided_image(user, accepted=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.daily_digests_create(day=_today())
    (message,) = mail.outbox
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = message.extra_headers["List-Unsubscribe"]
    assert header.startswith("<http") and header.endswith(">")
    url = header[1:-1]
    path = url[url.index("/notices/unsubscribe/") :]
    assert url in message.body

    anonymous = Client(enforce_csrf_checks=True)
    # Opening the link (a link scanner does) only asks.
    page = anonymous.get(path)
    assert page.status_code == 200 and b"<form" in page.content
    assert NoticePreference.objects.filter(user=user, daily_digest=False).count() == 0
    # The mail client's one-click POST: no cookie, no CSRF token.
    answer = anonymous.post(path, {"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    preference = NoticePreference.objects.get(user=user)
    assert preference.daily_digest is False and preference.weekly_summary is True

    # The next day's digest is made (it shows on the site) but not emailed.
    Notice.objects.all().delete()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.daily_digests_create(day=_today())
    assert mail.outbox == []
    assert Notice.objects.get(user=user).email_state == Notice.EmailState.SKIPPED


@pytest.mark.django_db
def test_a_forged_unsubscribe_link_is_refused_with_a_message(make_user):
    user = make_user()
    token = services.unsubscribe_token(user_id=user.pk, kind="daily_digest")
    answer = Client().post(reverse("notifications:unsubscribe", args=[token[:-3] + "xyz"]))
    assert answer.status_code == 400
    assert b"not valid" in answer.content
    assert not NoticePreference.objects.filter(user=user).exists()


def _rich_rule(changed_by) -> None:
    """An admin's point weight that makes one accepted Indonesian image worth 200 points."""
    from decimal import Decimal

    from campaign.models import Country
    from points.rules import point_rule_save

    point_rule_save(
        rule=None,
        task_number=1,
        points_group=Country.objects.get(code="ID").points_group,
        points=Decimal("200"),
        effective_from=timezone.now() - timedelta(days=1),
        changed_by=changed_by,
    )


@pytest.mark.django_db
def test_reaching_200_points_is_told_once_with_the_reward_link(
    make_user, organizer, decided_image, django_capture_on_commit_callbacks
):
    _rich_rule(organizer)
    user = make_user("rich@example.org")
    decided_image(user, accepted=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reward_threshold_notices_create() == 1
        assert services.reward_threshold_notices_create() == 0
    (message,) = mail.outbox
    assert "200" in message.subject
    assert reverse("points:merchandise") in message.body


@pytest.mark.django_db(transaction=True)
def test_the_recomputation_brings_one_weekly_summary_with_rank_and_distance_to_the_next_reward(
    make_user, organizer, decided_image
):
    from points.recompute import points_recompute

    _rich_rule(organizer)
    user = make_user("weekly@example.org")
    _set_language(user, "th")
    decided_image(user, accepted=True)
    mail.outbox.clear()

    points_recompute()  # publishes a snapshot: the weekly summary and the threshold notice follow
    summary = Notice.objects.get(user=user, kind=NoticeKind.WEEKLY_SUMMARY)
    assert summary.data["rank"] == 1 and summary.data["points"] == "200"
    assert summary.data["next_threshold"] == "300" and summary.data["to_next"] == "100"
    assert Notice.objects.filter(user=user, kind=NoticeKind.REWARD_THRESHOLD, period="200").count() == 1
    kinds = sorted(message.subject for message in mail.outbox)
    assert len(kinds) == 2

    points_recompute()  # the same week again: nothing new
    assert Notice.objects.filter(user=user, kind=NoticeKind.WEEKLY_SUMMARY).count() == 1
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_notices_page_and_settings_for_the_signed_in_volunteer(
    client, make_user, decided_image, django_capture_on_commit_callbacks
):
    user = make_user("pages@example.org")
    decided_image(user, accepted=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.daily_digests_create(day=_today())
    client.force_login(user)

    page = client.get(reverse("notifications:list"))
    assert page.status_code == 200
    assert b"Annotators found that the description does not fit the image." in page.content
    assert Notice.objects.get(user=user).read_at is not None

    answer = client.post(reverse("notifications:preferences"), {"daily_digest": "on", "reward_threshold": "on"})
    assert answer.status_code == 302
    preference = NoticePreference.objects.get(user=user)
    assert (preference.daily_digest, preference.reward_threshold, preference.weekly_summary) == (True, True, False)


def test_notice_pages_need_no_sign_in_only_for_unsubscribing(client, db):
    assert client.get(reverse("notifications:list")).status_code == 302
    assert client.get(reverse("notifications:preferences")).status_code == 302
