"""Rewards: the T-shirt and keychain claim past 200 confirmed points, the co-authorship claim past 300,
and the certificate of a contributor's confirmed points (drawn by `points.certificate`)."""

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from campaign.errors import NotAllowed
from points.models import (
    COAUTHORSHIP_THRESHOLD,
    MERCHANDISE_THRESHOLD,
    Certificate,
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
    return certificate
