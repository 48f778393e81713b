"""Points listen to the deciding apps' events; the deciding apps never import points."""

from campaign.events import ContributionEvent


def on_contribution_event(sender, event: ContributionEvent, **kwargs) -> None:
    # Sent after the decision committed (campaign.events.publish): hand it to a worker as plain values.
    from points.ledger import event_as_payload
    from points.tasks import apply_contribution_event

    apply_contribution_event.delay(event_as_payload(event))
