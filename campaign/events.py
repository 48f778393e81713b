"""Decisions that other parts of the campaign react to, published in the deciding transaction.

`contributions`, `review` and the text tasks publish; `points` subscribes (in its AppConfig.ready), so
the apps that decide never import the ledger and a rolled-back decision is never heard of.

`publish` writes the event to the outbox (`campaign.models.OutboxEvent`) in the deciding transaction:
the decision and the promise to credit it commit together. After commit the delivery is queued; if the
broker is down, or the subscriber fails (the database lost while it works), the row waits and the
minute sweep delivers it (`campaign.outbox`). Subscribers hear `contribution_event` at delivery, inside
the delivery's transaction, and must be idempotent (a row can be delivered again after a crash).
"""

from datetime import datetime
from typing import NamedTuple

from django.dispatch import Signal
from django.utils.dateparse import parse_datetime

# Sent with `event=<ContributionEvent>` when an outbox row is delivered (after the decision committed).
contribution_event = Signal()


class EventKind:
    ACCEPTED = "accepted"  # a submission was accepted: credit it
    REJECTED = "rejected"  # a submission was rejected: nothing to credit, pending points go away
    REVERSED = "reversed"  # an earlier credit is taken back (accepted image removed, rating revoked)
    COUNTED = "counted"  # a Task 2 rating counts towards consensus: credit it
    PENDING = "pending"  # submitted, not decided yet: shown apart, never counts (pending sources only)


class ContributionEvent(NamedTuple):
    """Immutable; a named tuple because the weekly recomputation builds millions of them."""

    kind: str
    task_number: int
    contributor_id: int
    source: str  # "app_label.model" of the record the event is about
    source_id: int
    occurred_at: datetime
    country_codes: tuple[str, ...] = ()  # the countries whose points group applies
    language_code: str = ""  # for tasks whose points follow the language
    reason: str = ""
    extra: tuple = ()  # (key, value) pairs, if an app needs to say more


def event_to_payload(event: ContributionEvent) -> dict:
    """The event as JSON values (the outbox row, a Celery message)."""
    return {
        "kind": event.kind,
        "task_number": event.task_number,
        "contributor_id": event.contributor_id,
        "source": event.source,
        "source_id": event.source_id,
        "occurred_at": event.occurred_at.isoformat(),
        "country_codes": list(event.country_codes),
        "language_code": event.language_code,
        "reason": event.reason,
        "extra": [list(pair) for pair in event.extra],
    }


def event_from_payload(payload: dict) -> ContributionEvent:
    return ContributionEvent(
        kind=payload["kind"],
        task_number=payload["task_number"],
        contributor_id=payload["contributor_id"],
        source=payload["source"],
        source_id=payload["source_id"],
        occurred_at=parse_datetime(payload["occurred_at"]),
        country_codes=tuple(payload.get("country_codes") or ()),
        language_code=payload.get("language_code") or "",
        reason=payload.get("reason") or "",
        extra=tuple(tuple(pair) for pair in payload.get("extra") or ()),
    )


def publish(event: ContributionEvent) -> None:
    """Write the event to the outbox in the current transaction; deliver it once that commits.

    A rolled-back decision leaves no row and is never heard of; a committed one is delivered even if
    the broker is down at that moment (the sweep), and never raises to the person who decided."""
    from campaign.outbox import outbox_event_write

    outbox_event_write(event_to_payload(event))


# Sources of credit: each app that decides contributions registers, in its AppConfig.ready, a function
# that yields one ContributionEvent (kind ACCEPTED or COUNTED) for every record that deserves points
# *now*. The weekly recomputation rebuilds every total from these, without importing the apps.
#
# A source may also describe the same records as querysets (`as_rows`), so that on PostgreSQL the
# recomputation builds them inside the database instead of streaming millions of events through
# Python. Each queryset's `.values()` names exactly the columns of EVENT_ROW_COLUMNS, and yields the
# same records, in the same terms, as the source's events (a test holds every source to that):
EVENT_ROW_COLUMNS = (
    "event_source",  # ContributionEvent.source
    "event_source_id",
    "event_contributor_id",
    "event_task_number",
    "event_occurred_at",
    "event_country_codes",  # the event's country codes joined by "," in the event's order ("" for none)
    "event_language_code",  # "" for none
)
CreditSource = "Callable[[], Iterable[ContributionEvent]]"
CreditRows = "Callable[[], Iterable[QuerySet]]"
_credit_sources: dict[str, object] = {}
_credit_rows: dict[str, object] = {}
_credit_covers: dict[str, tuple[str, ...]] = {}


def register_credit_source(name: str, source, *, as_rows=None, covers: tuple[str, ...] = ()) -> None:
    """`covers`: the record types (ContributionEvent.source) the source answers for, all of them, even
    when it yields none right now: the recomputation then takes back ledger credits of those types that
    no record deserves any more. Ledger entries of types no source covers are left alone and reported."""
    _credit_sources[name] = source
    _credit_covers[name] = tuple(covers)
    if as_rows is None:
        _credit_rows.pop(name, None)
    else:
        _credit_rows[name] = as_rows


def credit_sources() -> dict[str, object]:
    return dict(_credit_sources)


def credited_record_types() -> set[str]:
    """Every record type a registered credit source answers for (see `covers`)."""
    return {record_type for covers in _credit_covers.values() for record_type in covers}


def credit_source_rows() -> dict[str, object]:
    """The sources that can also be read as querysets (`as_rows`), by name."""
    return dict(_credit_rows)


# Sources of pending points: each app registers a function `fn(contributor_id=None)` that yields one
# ContributionEvent (kind PENDING, occurred_at = when it was submitted) per record submitted but not yet
# decided, for one contributor or (None) everyone. Pending points are shown apart and never count.
_pending_sources: dict[str, object] = {}


def register_pending_source(name: str, source) -> None:
    _pending_sources[name] = source


def pending_sources() -> dict[str, object]:
    return dict(_pending_sources)
