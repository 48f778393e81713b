import csv
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from campaign.spreadsheets import neutralise_cell as neutralise
from points.ledger import ledger_credit_event
from points.models import Certificate, CoauthorshipClaim, MerchandiseClaim
from points.recompute import points_recompute

pytestmark = pytest.mark.django_db


# Credits for records no credit source answers for (the recomputation leaves them alone): the page
# tests need totals, not the records behind them.
UNBACKED_SOURCE = "tests.pagepoints"


def give_points(user, points: int, *, task_number=2, start=0):
    """Task 2 points (1 each) through the ledger service."""
    from points.rules import RuleBook

    book = RuleBook.load()
    for n in range(points):
        ledger_credit_event(
            contributor_id=user.pk,
            task_number=task_number,
            source=UNBACKED_SOURCE,
            source_id=user.pk * 100_000 + start + n,
            occurred_at=timezone.now(),
            book=book,
        )


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_leaderboard_lists_the_latest_snapshot_with_badges_and_filters(
    client, make_user, decide_image, django_assert_num_queries
):
    leader = make_user(display_name="Sokha", country="KH")
    runner = make_user(display_name="Runner", country="TH")
    give_points(leader, 305)
    give_points(runner, 201)
    decide_image(runner, ("ID",))
    for n in range(52):
        give_points(make_user(display_name=f"Helper {n}", country="ID"), 1)
    points_recompute()

    # The countries (read once, for the filter and the table), the snapshot, its page of rows.
    with django_assert_num_queries(3):
        html = client.get("/leaderboard/").content.decode()
    assert "Sokha" in html and "Co-author" in html and "Certificate" in html
    assert "Page 1 of 2" in html and "54 contributors" in html
    assert html.index("Sokha") < html.index("Runner")

    html = client.get("/leaderboard/?country=TH").content.decode()
    assert "Runner" in html and "Sokha" not in html and "1 contributor" in html
    html = client.get("/leaderboard/?task=1").content.decode()
    assert "Runner" in html and "Helper" not in html
    html = client.get("/leaderboard/?page=2").content.decode()
    assert "Page 2 of 2" in html and "Sokha" not in html


def test_this_week_orders_by_the_last_seven_days_beside_all_time(client, make_user):
    from datetime import timedelta

    veteran, newcomer = make_user(display_name="Veteran"), make_user(display_name="Newcomer")
    for n in range(5):
        ledger_credit_event(
            contributor_id=veteran.pk,
            task_number=2,
            source=UNBACKED_SOURCE,
            source_id=900 + n,
            occurred_at=timezone.now() - timedelta(days=30),
        )
    give_points(newcomer, 2)
    points_recompute()

    all_time = client.get("/leaderboard/").content.decode()
    this_week = client.get("/leaderboard/?view=week").content.decode()

    assert all_time.index("Veteran") < all_time.index("Newcomer")
    assert this_week.index("Newcomer") < this_week.index("Veteran")


def test_leaderboard_before_any_snapshot_says_so(client):
    assert "first weekly recomputation" in client.get("/leaderboard/").content.decode()


def test_own_points_show_confirmed_pending_distance_and_explained_history(
    client, contributor, decide_image, image_in_review
):
    decide_image(contributor, ("LA",))
    decide_image(contributor, ("ID",))
    image_in_review(contributor, ("MM",))
    image_in_review(contributor, ("SG",), status="pending")
    client.force_login(contributor)

    html = client.get("/points/").content.decode()

    assert "<strong data-confirmed>3.5</strong>" in html
    assert "3.5 points pending" in html
    assert "196.5 more points to reach 200" in html
    assert html.count("accepted: ") == 2 and "Image submission #" in html
    assert "accepted: 0.5 points (task rule for points group 1 in force since " in html


def test_the_points_history_reads_in_the_contributors_language(client, contributor, decide_image):
    """The ledger keeps its reasons as written (English, by a worker); the page shows them translated."""
    from django.utils import translation

    from accounts.services import profile_set_preferred_language
    from points.models import LedgerEntry

    image = decide_image(contributor, ("KH",))
    LedgerEntry.objects.create(  # an organizer's own words are shown as written
        contributor=contributor,
        task_number=1,
        source="contributions.imagesubmission",
        source_id=image.pk,
        kind="correction",
        points=Decimal("0.5"),
        reason="Bonus agreed on Discord",
        occurred_at=timezone.now(),
    )
    profile_set_preferred_language(user=contributor, language="id")
    client.force_login(contributor)
    stored = LedgerEntry.objects.get(kind="credit").reason
    assert stored.startswith("Image submission #") and "3.00 points" in stored

    with translation.override("id"):
        expected = translation.gettext("%(record)s accepted: %(points)s points (%(rule)s)")
    assert expected != "%(record)s accepted: %(points)s points (%(rule)s)", "the Indonesian catalog has it"
    client.cookies["django_language"] = "id"
    html = client.get("/points/").content.decode()

    assert stored not in html
    assert expected.split("%(record)s")[1].split("%(points)s")[0] in html  # the translated words around
    assert f"Kiriman gambar #{image.pk}: Bonus agreed on Discord" in html  # the record, in Indonesian


def test_own_points_page_costs_the_same_queries_with_a_long_history(
    client, make_user, django_assert_max_num_queries
):
    short, long = make_user(), make_user()
    give_points(short, 1)
    give_points(long, 60)
    client.force_login(short)
    # A fixed cost per pending source (images, the four text tasks), never one per ledger entry.
    with django_assert_max_num_queries(18) as short_queries:
        client.get("/points/")
    client.force_login(long)
    with django_assert_max_num_queries(18) as long_queries:
        html = client.get("/points/").content.decode()
    assert len(long_queries.captured_queries) == len(short_queries.captured_queries)
    assert "Page 1 of 3" in html


def test_own_points_page_needs_a_sign_in(client):
    assert client.get("/points/").status_code == 302


def test_reward_forms_open_only_past_their_threshold(client, make_user):
    almost = make_user()
    give_points(almost, 199)
    client.force_login(almost)
    assert client.get("/points/rewards/merchandise/").status_code == 403
    response = client.post(
        "/points/rewards/merchandise/",
        {"tshirt_size": "M", "recipient_name": "A", "shipping_address": "Jl. Sudirman 1, Jakarta"},
    )
    assert response.status_code == 403 and not MerchandiseClaim.objects.exists()
    assert "Claim your T-shirt" not in client.get("/points/").content.decode()

    give_points(almost, 1, start=500)
    assert "Claim your T-shirt" in client.get("/points/").content.decode()
    assert client.get("/points/rewards/co-authorship/").status_code == 403
    response = client.post(
        "/points/rewards/merchandise/",
        {"tshirt_size": "M", "recipient_name": "Ayu", "shipping_address": "Jl. Sudirman 1, Jakarta"},
    )
    assert response.status_code == 302
    assert MerchandiseClaim.objects.get(contributor=almost).shipping_address == "Jl. Sudirman 1, Jakarta"
    assert (
        client.post(
            "/points/rewards/co-authorship/", {"full_name": "Ayu Lestari", "affiliation": "UI"}
        ).status_code
        == 403
    )


def test_coauthorship_form_checks_the_orcid_checksum(client, make_user):
    author = make_user()
    give_points(author, 300)
    client.force_login(author)

    response = client.post(
        "/points/rewards/co-authorship/",
        {"full_name": "Ayu Lestari", "affiliation": "Universitas Indonesia", "orcid": "0000-0002-1825-0098"},
    )
    assert response.status_code == 200 and "check digit does not match" in response.content.decode()
    response = client.post(
        "/points/rewards/co-authorship/",
        {
            "full_name": "Ayu Lestari",
            "affiliation": "Universitas Indonesia",
            "orcid": "https://orcid.org/0000000218250097",
        },
    )
    assert response.status_code == 302
    assert CoauthorshipClaim.objects.get().orcid == "0000-0002-1825-0097"


def test_private_claim_fields_are_hidden_from_others_and_the_public(client, make_user, organizer):
    author = make_user(display_name="Public Name")
    give_points(author, 300)
    client.force_login(author)
    client.post(
        "/points/rewards/merchandise/",
        {"tshirt_size": "L", "recipient_name": "Secret Recipient", "shipping_address": "Secret Street 9"},
    )
    client.post(
        "/points/rewards/co-authorship/", {"full_name": "Secret Fullname", "affiliation": "Secret Uni"}
    )
    points_recompute()

    other = make_user()
    for viewer in (None, other):
        client.logout()
        if viewer:
            client.force_login(viewer)
        pages = [client.get(url) for url in ("/leaderboard/", "/points/")]
        for response in pages:
            text = response.content.decode() if response.status_code == 200 else ""
            assert "Secret" not in text
        for url in (
            "/points/organizers/merchandise.csv",
            "/points/organizers/co-authors.csv",
            "/points/organizers/ledger.csv",
        ):
            assert client.get(url).status_code in (302, 403)

    client.force_login(organizer)
    rows = csv_rows(client.get("/points/organizers/merchandise.csv"))
    assert rows[1][4] == "Secret Street 9"
    assert csv_rows(client.get("/points/organizers/co-authors.csv"))[1][1] == "Secret Fullname"


def test_csv_exports_neutralise_formula_cells(client, make_user, organizer):
    sneaky = make_user(display_name='=HYPERLINK("http://evil")')
    give_points(sneaky, 2)
    points_recompute()
    client.force_login(organizer)

    rows = csv_rows(client.get("/points/organizers/leaderboard.csv"))
    assert rows[1][1] == '\'=HYPERLINK("http://evil")'
    ledger = csv_rows(client.get("/points/organizers/ledger.csv"))
    assert len(ledger) == 3
    for value, expected in (
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Ayu", "Ayu"),
    ):
        assert neutralise(value) == expected


def test_certificate_downloads_past_200_and_its_link_confirms_it(client, make_user):
    holder = make_user(display_name="Siti Rahma")
    give_points(holder, 200)
    client.force_login(holder)

    response = client.get("/points/certificate.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    certificate = Certificate.objects.get()
    assert (
        certificate.name == "Siti Rahma"
        and certificate.points == Decimal("200")
        and certificate.task_numbers == [2]
    )
    client.get("/points/certificate.pdf")
    assert Certificate.objects.count() == 1

    client.logout()
    genuine = client.get(f"/certificates/{certificate.key}/")
    assert genuine.status_code == 200 and "This certificate is genuine." in genuine.content.decode()
    assert "Siti Rahma" in genuine.content.decode()
    unknown = client.get("/certificates/7d1f4c2e-1111-4222-8333-944455556666/")
    assert unknown.status_code == 404 and "No certificate with this code" in unknown.content.decode()


def test_certificate_is_refused_below_200(client, make_user):
    user = make_user()
    give_points(user, 10)
    client.force_login(user)
    response = client.get("/points/certificate.pdf", follow=True)
    assert "This opens at 200 confirmed points; you have 10" in response.content.decode()
    assert not Certificate.objects.exists()


def test_organizers_see_accepted_and_rejected_rates(client, make_user, organizer, decide_image):
    careless = make_user(display_name="Careless")
    careful = make_user(display_name="Careful")
    decide_image(careless, ("ID",))
    for _n in range(3):
        decide_image(careless, ("ID",), accepted=False)
    decide_image(careful, ("ID",))
    client.force_login(organizer)

    html = client.get("/points/organizers/").content.decode()

    assert html.index("Careless") < html.index("Careful")
    assert "75%" in html
    client.force_login(careful)
    assert client.get("/points/organizers/").status_code == 403


def test_admin_can_change_a_rule_with_history_and_run_the_recompute(
    client, django_user_model, contributor, decide_image
):
    from points.models import LeaderboardSnapshot, PointRule, PointRuleChange

    admin = django_user_model.objects.create_superuser("root", "root@example.org", "pw-for-admin-123")
    decide_image(contributor, ("ID",))
    client.force_login(admin)
    rule = PointRule.objects.get(task_number=6, points_group=3)
    form = client.get(f"/admin/points/pointrule/{rule.pk}/change/").context["adminform"].form
    inline = (
        client.get(f"/admin/points/pointrule/{rule.pk}/change/").context["inline_admin_formsets"][0].formset
    )
    data = {
        "points": "2.5",
        **{f"{inline.prefix}-{key}": value for key, value in inline.management_form.initial.items()},
    }
    for index, inline_form in enumerate(inline.forms):
        data[f"{inline.prefix}-{index}-id"] = inline_form.instance.pk
        data[f"{inline.prefix}-{index}-rule"] = rule.pk
    response = client.post(f"/admin/points/pointrule/{rule.pk}/change/", data)
    assert response.status_code == 302, (form.errors, response.context and response.context.get("errors"))
    change = PointRuleChange.objects.filter(rule=rule).latest("changed_at")
    assert (
        change.changed_by == admin
        and change.old_points == Decimal("1")
        and change.new_points == Decimal("2.5")
    )

    assert "Recompute points now" in client.get("/admin/points/leaderboardsnapshot/").content.decode()
    client.post("/admin/points/leaderboardsnapshot/recompute/")
    assert LeaderboardSnapshot.objects.count() == 1
    assert client.get("/admin/points/ledgerentry/").status_code == 200
    entry_id = contributor.ledger_entries.get().pk
    assert client.post(f"/admin/points/ledgerentry/{entry_id}/delete/").status_code == 403


@pytest.mark.parametrize(
    ("name", "drawn_with"),
    [
        ("Nguyễn Thị Ánh", b"DejaVuSans"),
        ("สมชาย ใจดี", b"NotoSansThai"),
        ("王小明", b"WenQuanYi"),
        # Marks that reorder or stack: shaped (HarfBuzz, through Pillow's Raqm) into an image.
        ("မောင်မောင်", b"/Subtype /Image"),
        ("ស៊ុន ដារ៉ា", b"/Subtype /Image"),
        ("முருகன்", b"/Subtype /Image"),
    ],
)
def test_the_certificate_draws_names_in_every_campaign_script(client, make_user, name, drawn_with):
    """Helvetica draws none of these; the certificate embeds a font that has every character, or a
    shaped image of the name (`make test` installs the Dockerfile's fonts: DejaVu, Noto, WenQuanYi)."""
    holder = make_user(display_name=name)
    give_points(holder, 200)
    client.force_login(holder)

    pdf = client.get("/points/certificate.pdf").content

    assert Certificate.objects.get().name == name
    assert b"/FontFile2" in pdf and drawn_with in pdf


def test_a_latin_certificate_is_all_text():
    from types import SimpleNamespace

    from points.certificate import certificate_pdf

    holder = SimpleNamespace(
        name="Siti Rahma", points=Decimal("200"), task_numbers=[2], issued_at=timezone.now()
    )
    pdf = certificate_pdf(holder, verify_url="https://portal.example.org/certificates/x/")
    assert b"/Subtype /Image" not in pdf and b"DejaVuSans" in pdf


def test_leaderboard_and_own_points_dates_follow_the_language(client, make_user):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    holder = make_user(display_name="Mei")
    give_points(holder, 3)
    points_recompute(now=datetime(2026, 11, 21, 17, 0, tzinfo=ZoneInfo("UTC")))  # Sunday 00:00 in Jakarta
    client.force_login(holder)

    english = client.get("/leaderboard/").content.decode()
    client.cookies["django_language"] = "zh-hans"
    chinese = client.get("/leaderboard/").content.decode()

    assert "Nov. 22, 2026" in english and "WIB" in english
    assert "2026年11月22日" in chinese and "WIB" in chinese
    assert "2026年11月22日" in client.get("/points/").content.decode()  # "rank … as of" on the own page


def test_the_ledger_writes_its_reasons_in_the_campaign_language_whoever_decides(contributor, decide_image):
    """A decision taken on a page in Thai (the credit runs in that request when tasks run eagerly) still
    stores the standard English reason, which every reader then sees in their own language."""
    from django.utils import translation

    from points.models import LedgerEntry

    with translation.override("th"):
        image = decide_image(contributor, ("TH",))

    assert LedgerEntry.objects.get(source_id=image.pk).reason.startswith(
        f"Image submission #{image.pk} accepted"
    )
