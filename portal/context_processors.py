from accounts.roles import is_annotator, is_organizer


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    profile = getattr(user, "profile", None) if signed_in else None
    return {
        "nav_signed_in": signed_in,
        "nav_profile_complete": bool(profile and profile.is_complete),
        "nav_is_annotator": signed_in and is_annotator(user),
        "nav_is_organizer": signed_in and is_organizer(user),
        "nav_is_admin": signed_in and user.is_staff,
    }
