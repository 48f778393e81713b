"""Reward operations organizers can trust: eligibility lists per threshold with claim status and date
(CSV neutralised), claims moving through their states with who and when, a certificate that can be
revoked (its public page says so and when), a certificate naming its tasks with a clickable link, and
leaderboard filters that rank within what they show and sort by what they name."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from test_pages import UNBACKED_SOURCE, csv_rows, give_points

from accounts.roles import ORGANIZER
from campaign.errors import Conflict, DomainError, NotAllowed
from organizers.models import AuditEvent
from points.ledger import ledger_credit_event
from points.models import Certificate, ClaimStatus, CoauthorshipClaim, MerchandiseClaim
from points.recompute import points_recompute
from points.rewards import (
    certificate_issue,
    certificate_revoke,
    coauthorship_claim_save,
    merchandise_claim_save,
    reward_claim_advance,
)
from points.selectors import eligible_contributors, leaderboard_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def organizer(make_user):
    return make_user("organizer@example.org", roles=(ORGANIZER,))


def test_a_revoked_certificates_page_says_it_was_revoked_and_when(client, make_user, organizer):
    holder = make_user(display_name="Siti Rahma")
    holder = type(holder).objects.get(pk=holder.pk)  # with its completed profile
    give_points(holder, 200)
    certificate = certificate_issue(user=holder)
    with pytest.raises(NotAllowed):
        certificate_revoke(certificate_id=certificate.pk, actor=holder, reason="mine")
    with pytest.raises(DomainError):
        certificate_revoke(certificate_id=certificate.pk, actor=organizer, reason="  ")

    revoked = certificate_revoke(
        certificate_id=certificate.pk, actor=organizer, reason="Points taken back after a take-down"
    )

    assert revoked.revoked_at is not None and revoked.revoked_by == organizer
    page = client.get(f"/certificates/{certificate.key}/").content.decode()
    assert "This certificate is genuine." not in page
    assert "revoked on" in page and "Revoked on" in page
    event = AuditEvent.objects.get(action="certificate.revoke")
    assert event.actor == organizer and event.target_id == str(certificate.pk)
    assert event.details["reason"] == "Points taken back after a take-down"
    assert (event.details["status_before"], event.details["status_after"]) == ("genuine", "revoked")
    # A second revocation changes nothing; the same total gets no fresh "genuine" certificate.
    assert certificate_revoke(certificate_id=certificate.pk, actor=organizer, reason="again").revoked_at == (
        revoked.revoked_at
    )
    assert AuditEvent.objects.filter(action="certificate.revoke").count() == 1
    with pytest.raises(NotAllowed):
        certificate_issue(user=holder)
    client.force_login(holder)
    assert client.get("/points/certificate.pdf").status_code == 302  # back to their points, with why


def test_organizers_revoke_in_the_admin_with_a_reason(client, admin_user, make_user):
    holder = make_user()
    give_points(holder, 200)
    certificate = certificate_issue(user=holder)
    client.force_login(admin_user)

    client.post(
        "/admin/points/certificate/",
        {"action": "revoke", "_selected_action": [str(certificate.pk)], "reason": "Issued in error"},
    )

    certificate.refresh_from_db()
    assert certificate.revoked_at is not None and certificate.revocation_reason == "Issued in error"


def test_the_certificate_names_its_tasks_and_its_link_is_clickable(client, make_user):
    holder = make_user(display_name="Siti Rahma")
    give_points(holder, 150, task_number=2)
    give_points(holder, 100, task_number=1, start=5000)  # 0.5 each without a country
    client.force_login(holder)

    pdf = client.get("/points/certificate.pdf").content

    certificate = Certificate.objects.get()
    assert certificate.task_numbers == [1, 2]
    verify = f"http://testserver/certificates/{certificate.key}/".encode()
    assert b"/URI" in pdf and verify in pdf  # a link annotation a reader opens with a click
    page = client.get(f"/certificates/{certificate.key}/").content.decode()
    assert "Task 1: Submit a culturally-relevant image with description" in page
    assert "Task 2: Review image-description pairs" in page


def test_claims_move_through_their_states_with_who_and_when(make_user, organizer):
    holder = make_user(display_name="Ayu")
    give_points(holder, 300)
    merch = merchandise_claim_save(
        user=holder, tshirt_size="M", recipient_name="Ayu", shipping_address="Jl. Merdeka 1, Bandung"
    )
    coauthor = coauthorship_claim_save(user=holder, full_name="Ayu Lestari", affiliation="ITB")
    assert merch.status == coauthor.status == ClaimStatus.SUBMITTED

    with pytest.raises(Conflict):  # one step at a time
        reward_claim_advance(kind="merchandise", claim_id=merch.pk, status="shipped", actor=organizer)
    with pytest.raises(NotAllowed):
        reward_claim_advance(kind="merchandise", claim_id=merch.pk, status="approved", actor=holder)
    with pytest.raises(DomainError):  # a merchandise claim is shipped, never "listed"
        reward_claim_advance(kind="merchandise", claim_id=merch.pk, status="listed", actor=organizer)

    reward_claim_advance(kind="merchandise", claim_id=merch.pk, status="approved", actor=organizer)
    shipped = reward_claim_advance(kind="merchandise", claim_id=merch.pk, status="shipped", actor=organizer)
    reward_claim_advance(kind="coauthorship", claim_id=coauthor.pk, status="approved", actor=organizer)
    listed = reward_claim_advance(kind="coauthorship", claim_id=coauthor.pk, status="listed", actor=organizer)

    assert shipped.status == "shipped" and shipped.status_changed_by == organizer
    assert shipped.status_changed_at is not None
    assert listed.status == "listed" and listed.get_status_display() == "Listed as co-author"
    steps = AuditEvent.objects.filter(action="merchandise_claim.status").order_by("pk")
    assert [(e.details["status_before"], e.details["status_after"]) for e in steps] == [
        ("submitted", "approved"),
        ("approved", "shipped"),
    ]
    assert all(e.actor == organizer for e in steps)
    # The contributor editing their address later does not move it back.
    merchandise_claim_save(user=holder, tshirt_size="L", recipient_name="Ayu", shipping_address="Elsewhere")
    assert MerchandiseClaim.objects.get(pk=merch.pk).status == "shipped"
    assert CoauthorshipClaim.objects.get(pk=coauthor.pk).status == "listed"


def test_eligibility_lists_per_threshold_with_claims_and_a_neutralised_csv(client, make_user, organizer):
    coauthor = make_user("coauthor@example.org", display_name='=HYPERLINK("x")', country="LA")
    merch_only = make_user("merch@example.org", display_name="Somchai", country="TH")
    below = make_user("below@example.org", display_name="Below")
    give_points(coauthor, 310)
    give_points(merch_only, 205)
    give_points(below, 199)
    merchandise_claim_save(user=merch_only, tshirt_size="S", recipient_name="S", shipping_address="Bangkok")
    coauthorship_claim_save(user=coauthor, full_name="Full Name", affiliation="NUOL")

    at_200 = eligible_contributors(threshold=Decimal("200"))
    at_300 = eligible_contributors(threshold=Decimal("300"))

    assert [(r.email, r.points, r.claim_status) for r in at_200] == [
        ("coauthor@example.org", Decimal("310"), ""),
        ("merch@example.org", Decimal("205"), "submitted"),
    ]
    assert at_200[1].country == "Thailand" and at_200[1].claimed_at is not None
    assert [(r.email, r.claim_status, r.country) for r in at_300] == [
        ("coauthor@example.org", "submitted", "Laos")
    ]

    client.force_login(organizer)
    page = client.get("/points/organizers/eligible/200/").content.decode()
    assert "merch@example.org" in page and "Submitted" in page and "Not claimed" in page
    assert "below@example.org" not in page
    rows = csv_rows(client.get("/points/organizers/eligible/300.csv"))
    assert rows[0] == [
        "name",
        "email",
        "country",
        "points",
        "claim_status",
        "claimed_at",
        "status_changed_at",
    ]
    assert rows[1][0] == '\'=HYPERLINK("x")' and rows[1][1:5] == [
        "coauthor@example.org",
        "Laos",
        "310.00",
        "submitted",
    ]
    assert client.get("/points/organizers/eligible/250/").status_code == 404
    client.force_login(below)
    assert client.get("/points/organizers/eligible/200.csv").status_code == 403


def _week_old(user, points: int, *, task_number: int, start: int) -> None:
    for n in range(points):
        ledger_credit_event(
            contributor_id=user.pk,
            task_number=task_number,
            source=UNBACKED_SOURCE,
            source_id=user.pk * 100_000 + start + n,
            occurred_at=timezone.now() - timedelta(days=30),
        )


def test_leaderboard_filters_rank_within_what_they_show_sort_by_what_they_name_and_combine_with_the_week(
    client, make_user
):
    top = make_user(display_name="Top", country="ID")
    lao_a = make_user(display_name="Lao A", country="LA")
    lao_b = make_user(display_name="Lao B", country="LA")
    reviewer = make_user(display_name="Reviewer", country="ID")
    _week_old(top, 40, task_number=1, start=0)  # Task 1 (0.5 each): 20 all time, nothing this week
    _week_old(lao_a, 20, task_number=1, start=0)
    give_points(lao_a, 2, task_number=2, start=50)  # 12 all time, 2 of Task 2 this week
    give_points(lao_b, 10, task_number=2)  # 10, all Task 2, this week
    give_points(reviewer, 15, task_number=2)  # 15, all Task 2, this week
    points_recompute()

    def shown(**filters):
        return [(row.public_name, row.shown_rank) for row in leaderboard_page(**filters).rows]

    assert shown() == [("Top", 1), ("Reviewer", 2), ("Lao A", 3), ("Lao B", 4)]
    # A country ranks within itself (Laos: 1 and 2, not the global 3 and 4).
    assert shown(country="LA") == [("Lao A", 1), ("Lao B", 2)]
    # task=2 sorts and ranks by Task 2's points, not by the total.
    assert shown(task_number=2) == [("Reviewer", 1), ("Lao B", 2), ("Lao A", 3)]
    assert shown(task_number=2, country="LA") == [("Lao B", 1), ("Lao A", 2)]
    # "This week" combines with the filters instead of being ignored.
    assert shown(week=True)[:3] == [("Reviewer", 1), ("Lao B", 2), ("Lao A", 3)]
    assert shown(week=True, country="LA") == [("Lao B", 1), ("Lao A", 2)]
    assert shown(week=True, task_number=1) == [("Lao A", 1), ("Top", 2)]

    html = client.get("/leaderboard/?country=LA&view=week").content.decode()
    assert html.index("Lao B") < html.index("Lao A")
    html = client.get("/leaderboard/?task=2").content.decode()
    assert html.index("Reviewer") < html.index("Lao B") < html.index("Lao A")
