"""Demo points for `make run`: the demo accounts get points in several tasks, then a recomputation so the
leaderboard shows something. Idempotent (a second run credits nothing twice)."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from points.ledger import AlreadyCredited, ledger_credit_event
from points.models import LedgerEntry
from points.recompute import points_recompute
from points.rules import RuleBook

DEMO_SOURCE = "demo.contribution"
# email, [(task, count, countries or language)]
VOLUNTEERS = [
    ("contributor@seavl.local", [(1, 40, ("LA",)), (4, 20, "lao")]),
    ("annotator@seavl.local", [(2, 150, ()), (3, 30, "tha"), (1, 120, ("TH",))]),
    ("organizer@seavl.local", [(1, 300, ("SG",)), (5, 40, ("SG",))]),
    ("admin@seavl.local", [(1, 60, ("ID",)), (2, 20, ())]),
]


def seed(stdout) -> None:
    book = RuleBook.load()
    now = timezone.now()
    credited = 0
    already_seeded = LedgerEntry.objects.filter(source=DEMO_SOURCE).exists()
    for email, work in [] if already_seeded else VOLUNTEERS:
        user = get_user_model().objects.filter(email=email).first()
        if user is None:  # the demo accounts come first (portal.demo)
            continue
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
