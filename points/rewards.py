"""Rewards: the T-shirt and keychain claim past 200 confirmed points, the co-authorship claim past 300,
and the certificate of a contributor's confirmed points (drawn by `points.certificate`)."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import is_organizer
from campaign.audit import audit
from campaign.errors import Conflict, DomainError, NotAllowed, NotFound
from campaign.text import strip_control_characters
from points.models import (
    COAUTHORSHIP_THRESHOLD,
    MERCHANDISE_THRESHOLD,
    Certificate,
    ClaimStatus,
    CoauthorshipClaim,
    MerchandiseClaim,
)
from points.orcid import orcid_normalise
from points.rules import CENT
from points.selectors import confirmed_points_of, credited_task_numbers_of


def _ensure_threshold(user, threshold: Decimal) -> Decimal:
    points = confirmed_points_of(user=user)
    if points < threshold:
        raise NotAllowed(
            _("This opens at %(threshold)s confirmed points; you have %(points)s.")
            % {"threshold": threshold, "points": points}
        )
    return points


@transaction.atomic
def merchandise_claim_save(
    *, user, tshirt_size: str, recipient_name: str, shipping_address: str, phone: str = ""
) -> MerchandiseClaim:
    points = _ensure_threshold(user, MERCHANDISE_THRESHOLD)
    claim, _created = MerchandiseClaim.objects.select_for_update().get_or_create(
        contributor=user,
        defaults={
            "tshirt_size": tshirt_size,
            "recipient_name": recipient_name,
            "shipping_address": shipping_address,
            "phone": phone,
            "points_at_claim": points,
        },
    )
    claim.tshirt_size, claim.recipient_name = tshirt_size, recipient_name
    claim.shipping_address, claim.phone = shipping_address, phone
    claim.save()
    return claim


@transaction.atomic
def coauthorship_claim_save(*, user, full_name: str, affiliation: str, orcid: str = "") -> CoauthorshipClaim:
    points = _ensure_threshold(user, COAUTHORSHIP_THRESHOLD)
    orcid = orcid_normalise(orcid) if orcid else ""
    claim, _created = CoauthorshipClaim.objects.select_for_update().get_or_create(
        contributor=user,
        defaults={
            "full_name": full_name,
            "affiliation": affiliation,
            "orcid": orcid,
            "points_at_claim": points,
        },
    )
    claim.full_name, claim.affiliation, claim.orcid = full_name, affiliation, orcid
    claim.save()
    return claim


@transaction.atomic
def certificate_issue(*, user) -> Certificate:
    """The certificate for the contributor's confirmed points now (the same one while nothing changes)."""
    points = _ensure_threshold(user, MERCHANDISE_THRESHOLD)
    profile = getattr(user, "profile", None)
    name = (profile.display_name if profile else "") or user.get_username()
    tasks = credited_task_numbers_of(user=user)
    certificate, _created = Certificate.objects.get_or_create(
        contributor=user, points=points.quantize(CENT), name=name, defaults={"task_numbers": tasks}
    )
    if certificate.revoked_at is not None:
        raise NotAllowed(
            _(
                "The organizers revoked your certificate for these points. Write to them if you think this is wrong."
            )
        )
    return certificate


def certificate_revoke(*, certificate_id: int, actor, reason: str) -> Certificate:
    """An organizer revokes a certificate (issued in error, points taken back): its public page then says
    it was revoked and when. Audited; a second revocation changes nothing."""
    if not is_organizer(actor):
        raise NotAllowed(_("Only organizers can revoke a certificate."))
    reason = strip_control_characters(str(reason or "")).strip()
    if not reason:
        raise DomainError(_("Say why the certificate is revoked."), field="reason")
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().filter(pk=certificate_id).first()
        if certificate is None:
            raise NotFound()
        if certificate.revoked_at is not None:
            return certificate
        certificate.revoked_at, certificate.revoked_by = timezone.now(), actor
        certificate.revocation_reason = reason
        certificate.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
        audit(
            actor=actor,
            action="certificate.revoke",
            target=certificate,
            details={
                "reason": reason,
                "contributor": certificate.contributor_id,
                "points": str(certificate.points),
                "status_before": "genuine",
                "status_after": "revoked",
            },
        )
    return certificate


CLAIM_MODELS = {"merchandise": MerchandiseClaim, "coauthorship": CoauthorshipClaim}


def reward_claim_advance(
    *, kind: str, claim_id: int, status: str, actor
) -> MerchandiseClaim | CoauthorshipClaim:
    """An organizer moves a claim on: submitted -> approved -> shipped (merchandise) or listed as
    co-author (co-authorship), one step at a time; who and when are kept on the claim and audited with
    the old and the new status."""
    if not is_organizer(actor):
        raise NotAllowed(_("Only organizers can move a reward claim on."))
    model = CLAIM_MODELS[kind]
    steps = [ClaimStatus.SUBMITTED, ClaimStatus.APPROVED, model.FINAL_STATUS]
    if status not in steps:
        raise DomainError(_("This claim cannot take that status."), field="status")
    with transaction.atomic():
        claim = model.objects.select_for_update().filter(pk=claim_id).first()
        if claim is None:
            raise NotFound()
        was = claim.status
        if was == status:
            return claim
        if steps.index(status) != steps.index(was) + 1:
            raise Conflict(
                _("A claim that is %(was)s cannot become %(status)s: one step at a time.")
                % {"was": ClaimStatus(was).label.lower(), "status": ClaimStatus(status).label.lower()},
                code="claim_step",
            )
        claim.status, claim.status_changed_at, claim.status_changed_by = status, timezone.now(), actor
        claim.save(update_fields=["status", "status_changed_at", "status_changed_by", "updated_at"])
        audit(
            actor=actor,
            action=f"{kind}_claim.status",
            target=claim,
            details={"status_before": was, "status_after": status, "contributor": claim.contributor_id},
        )
    return claim
