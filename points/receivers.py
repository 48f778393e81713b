"""Points listen to the deciding apps' events; the deciding apps never import points."""

from campaign.events import ContributionEvent, event_to_payload


def on_contribution_event(sender, event: ContributionEvent, **kwargs) -> None:
    # Sent when the event's outbox row is delivered (campaign.outbox), inside the delivery's
    # transaction: the credit and the row's "delivered" commit together, and an error here (the
    # database lost) leaves the row waiting for the delivery's retry or the sweep. A second delivery
    # changes nothing (the ledger remembers each decision).
    from points.ledger import ledger_apply_event

    ledger_apply_event(payload=event_to_payload(event))
