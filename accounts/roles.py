"""Roles are Django groups: contributor (everyone), annotator (after screening), organizer.
Admins are superusers."""

CONTRIBUTOR = "contributor"
ANNOTATOR = "annotator"
ORGANIZER = "organizer"
ALL_ROLES = (CONTRIBUTOR, ANNOTATOR, ORGANIZER)


def _group_names(user) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._role_names = cached
    return cached


def is_organizer(user) -> bool:
    return bool(getattr(user, "is_superuser", False)) or ORGANIZER in _group_names(user)


def is_annotator(user) -> bool:
    return ANNOTATOR in _group_names(user)


def forget_cached_roles(user) -> None:
    if hasattr(user, "_role_names"):
        del user._role_names


def navigation_flags(user) -> dict[str, bool]:
    """What the site's menu shows a viewer (the `nav_*` of portal.context_processors.navigation): also a
    key of the pages rendered once per kind of viewer (points.views)."""
    signed_in = bool(user and user.is_authenticated)
    profile = getattr(user, "profile", None) if signed_in else None
    return {
        "nav_signed_in": signed_in,
        "nav_profile_complete": bool(profile and profile.is_complete),
        "nav_is_annotator": signed_in and is_annotator(user),
        "nav_is_organizer": signed_in and is_organizer(user),
        "nav_is_admin": signed_in and user.is_staff,
    }
