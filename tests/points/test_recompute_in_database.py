"""The recomputation applies the rules inside PostgreSQL for the sources that offer querysets. It must give
every record exactly the points, group and rule that the Python path (the rule book, event by event)
gives, whatever the countries, the language, the multi-country rule and the rule changes."""

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from campaign.models import Language
from contributions.models import ImageSubmission
from points.models import LedgerEntry
from points.recompute import points_recompute
from points.rules import RuleBook, point_rule_save, points_settings_update

pytestmark = pytest.mark.django_db

START = timezone.now() - timedelta(days=40)
COUNTRY_SETS = [("ID",), ("MM",), ("KH", "ID"), ("SG", "TH", "LA"), ("VN", "MY"), ()]


def _day(n: float):
    return START + timedelta(days=n)


def _accepted_images(contributors, image_in_review) -> list[ImageSubmission]:
    images = []
    for index, countries in enumerate(COUNTRY_SETS * 2):
        # The upload refuses an image without a country; one naming none (as rows from before that rule
        # do) is uploaded with one and its countries cleared.
        contributor = contributors[index % len(contributors)]
        image = image_in_review(contributor, countries or ("ID",), status="accepted")
        if not countries:
            image.countries.clear()
        ImageSubmission.objects.filter(pk=image.pk).update(decided_at=_day(index * 3))
        images.append(image)
    # Accepted before decisions were timed (no decided_at): it counts from when it was submitted.
    untimed = image_in_review(contributors[0], ("TH",), status="accepted")
    ImageSubmission.objects.filter(pk=untimed.pk).update(decided_at=None, created_at=_day(30))
    images.append(untimed)
    return images


def _counted_ratings(contributors, images) -> None:
    from review.models import Rating, ReviewItem

    for index, (image, codes) in enumerate(zip(images, ["TH,ID", "", "MM", "LA,SG,VN", "KH"], strict=False)):
        item = ReviewItem.objects.create(
            submission=image, contributor=image.contributor, country_codes=codes, created_at=_day(index)
        )
        rating = Rating.objects.create(
            item=item,
            annotator=contributors[(index + 1) % len(contributors)],
            relevance=4,
            caption_fit=True,
            quality_ok=True,
            counted=True,
        )
        Rating.objects.filter(pk=rating.pk).update(created_at=_day(index * 7))


def _accepted_texts(contributors) -> None:
    from texttasks.models import BenchmarkPrompt, GenerationPrompt, Translation

    prompt = BenchmarkPrompt.objects.create(
        benchmark="cvqa", source_index="1", prompt="What is this dish?", image_1="benchmarks/cvqa/1.png"
    )
    mapped = list(Language.objects.filter(points_country__isnull=False).order_by("code")[:4])
    unmapped = Language.objects.filter(points_country__isnull=True).order_by("code").first()
    for index, language in enumerate([*mapped, unmapped]):
        if language is None:
            continue
        Translation.objects.create(
            contributor=contributors[index % len(contributors)],
            prompt=prompt,
            language=language,
            text=f"Translation {index}",
            status="accepted",
            decided_at=_day(index * 8),
        )
    for index, country in enumerate(["LA", "ID", "TH"]):
        GenerationPrompt.objects.create(
            contributor=contributors[index % len(contributors)],
            chain_id=f"00000000-0000-0000-0000-00000000000{index}",
            level=1,
            country_id=country,
            text=f"Draw a market in {country}",
            status="accepted",
            decided_at=_day(index * 11 + 1),
        )


def _rule_changes(admin) -> None:
    """Rules changing mid-campaign, so records on either side of a change earn differently."""
    for task_number, group, day, points in [
        (1, 1, 10, "1.5"),
        (1, 3, 20, "2.5"),
        (1, 2, 25, "0.5"),
        (2, 2, 15, "2"),
        (3, 1, 12, "0.5"),
        (5, 3, 18, "4"),
    ]:
        point_rule_save(
            rule=None,
            task_number=task_number,
            points_group=group,
            points=Decimal(points),
            effective_from=_day(day),
            changed_by=admin,
        )


def _corrections_written(*, in_database: bool) -> list[tuple]:
    """Recompute on an empty ledger (so every record comes back as a correction), note what it wrote,
    and roll it all back."""
    with transaction.atomic():
        savepoint = transaction.savepoint()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")  # past the append-only trigger
            cursor.execute("DELETE FROM points_ledgerentry")
            cursor.execute("SET LOCAL session_replication_role = origin")
        result = points_recompute(in_database=in_database, force_snapshot=True)
        written = sorted(
            LedgerEntry.objects.filter(kind="correction").values_list(
                "source",
                "source_id",
                "contributor_id",
                "task_number",
                "points",
                "points_group",
                "rule_id",
                "occurred_at",
            )
        )
        assert result.corrections == len(written)
        transaction.savepoint_rollback(savepoint)
    return written


@pytest.mark.parametrize("multi_country_rule", ["lowest", "highest", "first"])
def test_the_database_path_credits_every_record_as_the_python_path_does(
    multi_country_rule, make_user, image_in_review
):
    admin = make_user()
    contributors = [make_user() for _ in range(3)]
    images = _accepted_images(contributors, image_in_review)
    _counted_ratings(contributors, images)
    _accepted_texts(contributors)
    _rule_changes(admin)
    points_settings_update(multi_country_rule=multi_country_rule, updated_by=admin)

    in_python = _corrections_written(in_database=False)
    in_database = _corrections_written(in_database=True)

    assert in_database == in_python
    assert {row[0] for row in in_database} == {
        "contributions.imagesubmission",
        "review.rating",
        "texttasks.translation",
        "texttasks.generationprompt",
    }
    # Every accepted image is credited, including the one that names no country.
    assert sum(row[0] == "contributions.imagesubmission" for row in in_database) == len(images)
    # Spot check against the spec's table: an image of Cambodia and Indonesia, decided on day 6 (before
    # any rule change), earns Indonesia's 0.5 under "lowest" and "first" (the codes are named in sorted order: ID
    # before KH) and Cambodia's 3 under "highest".
    khid = next(
        image for image in images if set(image.countries.values_list("code", flat=True)) == {"KH", "ID"}
    )
    points = next(
        row[4] for row in in_database if row[1] == khid.pk and row[0] == "contributions.imagesubmission"
    )
    assert (
        points
        == {"lowest": Decimal("0.50"), "highest": Decimal("3.00"), "first": Decimal("0.50")}[
            multi_country_rule
        ]
    )


def test_a_second_recompute_after_the_database_path_writes_nothing(make_user, image_in_review):
    admin = make_user()
    contributors = [make_user() for _ in range(2)]
    images = _accepted_images(contributors, image_in_review)
    _counted_ratings(contributors, images)
    _accepted_texts(contributors)
    _rule_changes(admin)

    first = points_recompute(in_database=True)
    second_in_python = points_recompute(in_database=False)
    third_in_database = points_recompute(in_database=True)

    assert first.corrections > 0
    assert second_in_python.corrections == 0
    assert third_in_database.corrections == 0


def test_award_windows_answer_what_the_rule_book_answers_at_every_moment(make_user):
    admin = make_user()
    _rule_changes(admin)
    point_rule_save(
        rule=None,
        task_number=1,
        points_group=1,
        points=Decimal("0.5"),
        effective_from=_day(30),
        changed_by=admin,
    )
    rng = random.Random(3)
    for rule in ("lowest", "highest", "first"):
        points_settings_update(multi_country_rule=rule, updated_by=admin)
        book = RuleBook.load()
        for task_number in (1, 2, 3, 5):
            for countries in COUNTRY_SETS:
                windows = book.award_windows(task_number=task_number, country_codes=countries)
                assert windows, (task_number, countries)
                assert windows[0][0] is None and windows[-1][1] is None
                moments = [_day(rng.uniform(-400, 400)) for _ in range(40)]
                moments += [start for start, _end, _award in windows if start is not None]
                for moment in moments:
                    (award,) = [
                        award
                        for start, end, award in windows
                        if (start is None or moment >= start) and (end is None or moment < end)
                    ]
                    assert award == book.award(
                        task_number=task_number, occurred_at=moment, country_codes=countries
                    )


def test_an_image_whose_countries_change_after_acceptance_earns_what_its_countries_say_now(
    make_user, image_in_review
):
    """The database path reads an image's countries from the column the database keeps from them
    (contributions migration 0111): it follows every change, including a save() of an instance read
    before the change, exactly as the Python path that reads the countries themselves."""
    contributor = make_user()
    moved = image_in_review(contributor, ("ID",), status="accepted")  # group 1: 0.5
    widened = image_in_review(contributor, ("KH",), status="accepted")  # group 3: 3
    emptied = image_in_review(contributor, ("TH", "VN"), status="accepted")  # group 2: 1
    assert points_recompute(in_database=True).corrections == 3
    assert _total(contributor) == Decimal("4.50")

    stale = ImageSubmission.objects.get(pk=moved.pk)
    moved.countries.set(["KH"])  # 0.5 -> 3
    stale.save()  # every column written, the countries' column as it was read
    widened.countries.add("ID")  # the lowest of the two: 3 -> 0.5
    emptied.countries.clear()  # no country: the lowest of any group, 0.5
    ImageSubmission.objects.filter(pk=emptied.pk).update(location="Hue")

    assert _corrections_written(in_database=True) == _corrections_written(in_database=False)
    assert points_recompute(in_database=True).corrections == 3
    assert _total(contributor) == Decimal("4.00")
    assert points_recompute(in_database=False).corrections == 0


def _total(contributor) -> Decimal:
    from django.db.models import Sum

    return LedgerEntry.objects.filter(contributor=contributor).aggregate(total=Sum("points"))["total"]
