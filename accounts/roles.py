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
