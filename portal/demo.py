"""Demo accounts for `make run`: one per role, with complete profiles. Idempotent."""

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.roles import ANNOTATOR, ORGANIZER
from accounts.services import profile_get_or_create, user_grant_role, user_join_contributors
from campaign.models import Country

DEMO_PASSWORD = "seavl-demo-2025"  # noqa: S105 - printed for local demo use only

DEMO_ACCOUNTS = [
    # email, display name, country, native language (code, name), roles, superuser
    ("admin@seavl.local", "Demo Admin", "ID", ("ind", "Indonesian"), [ORGANIZER], True),
    ("organizer@seavl.local", "Demo Organizer", "SG", ("eng", "English"), [ORGANIZER], False),
    ("annotator@seavl.local", "Demo Annotator", "TH", ("tha", "Thai"), [ANNOTATOR], False),
    ("contributor@seavl.local", "Demo Contributor", "LA", ("lao", "Lao"), [], False),
]


def seed_accounts() -> list[tuple[str, str]]:
    """Create (or leave as they are) the demo accounts; returns (email, role) pairs to print."""
    user_model = get_user_model()
    created = []
    for email, display_name, country, (language_code, language_name), roles, superuser in DEMO_ACCOUNTS:
        user = user_model.objects.filter(email=email).first()
        if user is None:
            user = user_model.objects.create_user(
                username=email.split("@")[0], email=email, password=DEMO_PASSWORD
            )
            user.is_superuser = user.is_staff = superuser
            user.save(update_fields=["is_superuser", "is_staff"])
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        user_join_contributors(user=user)
        for role in roles:
            user_grant_role(user=user, role=role)
        profile = profile_get_or_create(user=user)
        if not profile.is_complete:
            profile.display_name = display_name
            profile.residence_country = Country.objects.get(code=country)
            profile.native_language_code = language_code
            profile.native_language_name = language_name
            profile.accepted_terms_at = timezone.now()
            profile.save()
        created.append((email, "admin" if superuser else (roles[0] if roles else "contributor")))
    return created
