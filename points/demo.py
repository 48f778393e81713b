"""Demo points for `make run`: a few volunteers with points in several tasks, then a recomputation so the
leaderboard shows something. Idempotent (a second run credits nothing twice)."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.services import profile_get_or_create, user_join_contributors
from campaign.models import Country
from points.rules import RuleBook
from points.services import AlreadyCredited, ledger_credit_event, points_recompute

DEMO_SOURCE = "demo.contribution"
# email, display name, pseudonym, country, [(task, count, country or language)]
VOLUNTEERS = [
    ("contributor@seavl.local", None, "", "LA", [(1, 40, ("LA",)), (4, 20, "lao")]),
    ("annotator@seavl.local", None, "", "TH", [(2, 150, ()), (3, 30, "tha")]),
    ("volunteer1@seavl.local", "Nguyen Thi Mai", "", "VN", [(1, 120, ("VN",)), (2, 90, ())]),
    ("volunteer2@seavl.local", "Rizal Santos", "Kalabaw", "PH", [(1, 300, ("PH",)), (5, 40, ("PH",))]),
    ("volunteer3@seavl.local", "Sokha Chan", "", "KH", [(1, 70, ("KH",)), (2, 100, ())]),
    ("volunteer4@seavl.local", "Aung Min", "", "MM", [(4, 60, "mya"), (3, 20, "mya")]),
    ("volunteer5@seavl.local", "Dewi Lestari", "", "ID", [(1, 60, ("ID",)), (2, 20, ())]),
]


def _volunteer(email: str, display_name: str | None, pseudonym: str, country: str):
    user_model = get_user_model()
    user = user_model.objects.filter(email=email).first()
    if user is None:
        user = user_model.objects.create_user(username=email.split("@")[0], email=email)
        user.set_unusable_password()
        user.save(update_fields=["password"])
    user_join_contributors(user=user)
    profile = profile_get_or_create(user=user)
    if display_name and not profile.display_name:
        profile.display_name = display_name
        profile.pseudonym = pseudonym
        profile.use_pseudonym = bool(pseudonym)
        profile.residence_country = Country.objects.get(code=country)
        profile.native_language_code, profile.native_language_name = "eng", "English"
        profile.accepted_terms_at = timezone.now()
        profile.save()
    return user


def seed(stdout) -> None:
    book = RuleBook.load()
    now = timezone.now()
    credited = 0
    for email, display_name, pseudonym, country, work in VOLUNTEERS:
        user = _volunteer(email, display_name, pseudonym, country)
        for task_number, count, where in work:
            for n in range(count):
                try:
                    ledger_credit_event(
                        contributor_id=user.pk,
                        task_number=task_number,
                        source=DEMO_SOURCE,
                        source_id=user.pk * 1_000_000 + task_number * 10_000 + n,
                        occurred_at=now - timedelta(hours=n * 5),
                        country_codes=where if isinstance(where, tuple) else (),
                        language_code=where if isinstance(where, str) else "",
                        reason=f"Demo contribution to Task {task_number}",
                        book=book,
                    )
                    credited += 1
                except AlreadyCredited:
                    pass
    result = points_recompute()
    stdout.write(f"Points: {credited} demo credits, leaderboard of {result.snapshot.row_count} contributors.")
