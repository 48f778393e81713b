import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import ApiToken, Profile
from accounts.roles import CONTRIBUTOR, forget_cached_roles
from campaign.errors import NotFound, ProfileIncomplete
from campaign.languages import normalise_language
from campaign.messages import Message
from campaign.models import Country

TOKEN_PREFIX = "seavl_"  # noqa: S105 - a public marker, not a secret


def profile_get_or_create(*, user) -> Profile:
    profile, _created = Profile.objects.get_or_create(user=user)
    return profile


def discord_handle_from(extra_data: dict) -> str:
    """The handle Discord shows: the new unique username, or name#1234 for accounts that still have one."""
    username = str((extra_data or {}).get("username") or "").strip()
    discriminator = str((extra_data or {}).get("discriminator") or "").strip()
    if not username:
        return ""
    handle = username if discriminator in ("", "0") else f"{username}#{discriminator}"
    return handle[: Profile._meta.get_field("discord_handle").max_length]


def profile_fill_from_social(*, user, provider: str, extra_data: dict) -> Profile:
    """Signing in with Discord fills the profile's Discord handle, unless the contributor wrote one."""
    profile = profile_get_or_create(user=user)
    if provider == "discord" and not profile.discord_handle:
        handle = discord_handle_from(extra_data)
        if handle:
            profile.discord_handle = handle
            profile.save(update_fields=["discord_handle"])
    return profile


def user_join_contributors(*, user) -> None:
    """Everyone who signs up is a contributor, and gets an empty profile to complete."""
    group, _created = Group.objects.get_or_create(name=CONTRIBUTOR)
    user.groups.add(group)
    forget_cached_roles(user)
    profile_get_or_create(user=user)


def user_grant_role(*, user, role: str) -> None:
    group, _created = Group.objects.get_or_create(name=role)
    user.groups.add(group)
    forget_cached_roles(user)


def user_revoke_role(*, user, role: str) -> None:
    group = Group.objects.filter(name=role).first()
    if group:
        user.groups.remove(group)
    forget_cached_roles(user)


@transaction.atomic
def profile_update(
    *,
    user,
    display_name: str,
    use_pseudonym: bool,
    pseudonym: str,
    residence_country: Country | None,
    native_language: str,
    discord_handle: str = "",
    accept_terms: bool,
) -> Profile:
    """Saves the profile form's answers; residence_country None is the answer "Other / outside Southeast
    Asia" (the profile stays complete), which a profile that never answered doesn't have."""
    profile = Profile.objects.select_for_update().get(pk=profile_get_or_create(user=user).pk)
    language = normalise_language(native_language)
    profile.display_name = display_name.strip()
    profile.use_pseudonym = use_pseudonym
    profile.pseudonym = pseudonym.strip() if use_pseudonym else ""
    profile.residence_country = residence_country
    profile.resides_elsewhere = residence_country is None
    profile.native_language_name = language.name if language else ""
    profile.native_language_code = language.code if language else ""
    profile.discord_handle = discord_handle.strip()
    if accept_terms and profile.accepted_terms_at is None:
        profile.accepted_terms_at = timezone.now()
    profile.save()
    return profile


_PROFILE_INCOMPLETE = Message(
    gettext_noop(
        "Please complete your profile (display name, country, native language and the licence "
        "agreement) before contributing."
    )
)


def profile_ensure_complete(*, user) -> Profile:
    """The check every write path makes: no contribution before the profile is complete."""
    profile = Profile.objects.filter(user=user).select_related("residence_country").first()
    if profile is None or not profile.is_complete:
        raise ProfileIncomplete(_PROFILE_INCOMPLETE)
    return profile


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def api_token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """Returns the stored token and the secret, which is never stored and can't be shown again."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=(name or "API token").strip()[:64], prefix=secret[:12], key_hash=_hash_token(secret)
    )
    return token, secret


def api_token_revoke(*, user, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(user=user, pk=token_id).first()
    if token is None:
        raise NotFound(_("No such token."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(*, secret: str):
    """The user a token belongs to, or None for an unknown, revoked or inactive one."""
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 128:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash_token(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Writing on every request would make each API call a write; once a minute is enough to tell.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def contributor_ensure_can_submit(*, user, task_number: int) -> Profile:
    """The gate of every write path (web form, API, bulk import): the task is open, the profile complete.

    One query on the way through (the profile, with the task's status and schedule beside it); the
    refusals are the same, in the same order, as `task_ensure_open` then `profile_ensure_complete`."""
    profile = contributor_gate_profiles(user=user, task_number=task_number).first()
    return contributor_gate_check(user=user, task_number=task_number, profile=profile)


def contributor_gate_profiles(*, user, task_number: int) -> QuerySet[Profile]:
    """The user's profile with the task's status and schedule beside it: the read of
    `contributor_ensure_can_submit`, which another app may annotate with its own gate's reads (one query
    for both) before handing the row to `contributor_gate_check`."""
    from campaign.models import Task

    task = Task.objects.filter(number=task_number)
    return (
        Profile.objects.filter(user=user)
        .select_related("residence_country")
        .annotate(
            gate_task_status=Subquery(task.values("status")),
            gate_task_opens_at=Subquery(task.values("opens_at")),
            gate_task_closes_at=Subquery(task.values("closes_at")),
        )
    )


# `contributor_ensure_can_submit`'s read in SQL, for a caller's one statement on PostgreSQL (a row when the
# user has a profile; parameters %(gate_user)s, %(gate_task)s, %(gate_now)s): the columns
# `contributor_gate_profile_from` turns back into the row `contributor_gate_check` checks, and `gate_passes`,
# true exactly when that check lets the contributor through at `gate_now` (a test holds the two together),
# so that the statement may go on before Python has checked.
CONTRIBUTOR_GATE_COLUMNS = (
    "gate_profile_id, gate_display_name, gate_use_pseudonym, gate_pseudonym, gate_residence_country_id, "
    "gate_resides_elsewhere, gate_native_language_code, gate_accepted_terms_at, gate_task_status, "
    "gate_task_opens_at, gate_task_closes_at, gate_passes"
)
CONTRIBUTOR_GATE_SQL = """
SELECT p.id AS gate_profile_id, p.display_name AS gate_display_name, p.use_pseudonym AS gate_use_pseudonym,
       p.pseudonym AS gate_pseudonym, p.residence_country_id AS gate_residence_country_id,
       p.resides_elsewhere AS gate_resides_elsewhere, p.native_language_code AS gate_native_language_code,
       p.accepted_terms_at AS gate_accepted_terms_at, t.status AS gate_task_status,
       t.opens_at AS gate_task_opens_at, t.closes_at AS gate_task_closes_at,
       coalesce(t.status <> 'closed'
                AND (t.closes_at IS NULL OR %(gate_now)s::timestamptz < t.closes_at)
                AND (t.status <> 'scheduled' OR %(gate_now)s::timestamptz >= t.opens_at)
                AND p.display_name <> '' AND (p.residence_country_id IS NOT NULL OR p.resides_elsewhere)
                AND p.native_language_code <> '' AND p.accepted_terms_at IS NOT NULL
                AND (NOT p.use_pseudonym OR p.pseudonym <> ''), false) AS gate_passes
FROM accounts_profile p LEFT JOIN campaign_task t ON t.number = %(gate_task)s
WHERE p.user_id = %(gate_user)s
"""


def contributor_gate_profile_from(*, user, values) -> tuple[Profile | None, bool]:
    """The profile row (for `contributor_gate_check`) and `gate_passes` from the values of
    CONTRIBUTOR_GATE_COLUMNS, in order (all None when the user has no profile)."""
    (pk, display_name, use_pseudonym, pseudonym, country_id, elsewhere, language, accepted_at) = values[:8]
    status, opens_at, closes_at, passes = values[8:12]
    if pk is None:
        return None, False
    profile = Profile(
        pk=pk,
        user=user,
        display_name=display_name,
        use_pseudonym=use_pseudonym,
        pseudonym=pseudonym,
        residence_country_id=country_id,
        resides_elsewhere=elsewhere,
        native_language_code=language,
        accepted_terms_at=accepted_at,
    )
    profile.gate_task_status, profile.gate_task_opens_at, profile.gate_task_closes_at = (
        status,
        opens_at,
        closes_at,
    )
    return profile, bool(passes)


def contributor_gate_check(*, user, task_number: int, profile: Profile | None, now=None) -> Profile:
    """The refusals of `contributor_ensure_can_submit` on a row of `contributor_gate_profiles` (or None);
    `now`, the moment the task's schedule is read at (a statement's `gate_now`), else now."""
    from campaign.models import Task
    from campaign.services import task_check_open, task_ensure_open

    if profile is None or profile.gate_task_status is None:
        task_ensure_open(number=task_number)  # the task's own refusal (no such task), else the profile's
        return profile_ensure_complete(user=user)
    task = Task(
        number=task_number,
        status=profile.gate_task_status,
        opens_at=profile.gate_task_opens_at,
        closes_at=profile.gate_task_closes_at,
    )
    if now is not None:
        task.current_status = task.status_at(now)  # the same moment as the statement's reading
    task_check_open(task)
    if not profile.is_complete:
        raise ProfileIncomplete(_PROFILE_INCOMPLETE)
    return profile


def profile_set_preferred_language(*, user, language: str) -> Profile:
    """Remember the portal language a signed-in user chose with the language switcher."""
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"unknown portal language {language!r}")
    profile = profile_get_or_create(user=user)
    if profile.preferred_language != language:
        profile.preferred_language = language
        profile.save(update_fields=["preferred_language", "updated_at"])
    return profile
