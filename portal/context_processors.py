from accounts.roles import navigation_flags


def navigation(request) -> dict:
    return {
        # The language switcher's way back (a context value, so a page rendered once as a shell can
        # leave a hole for it: localization.fragments.Shell).
        "page_path": request.get_full_path(),
        **navigation_flags(getattr(request, "user", None)),
    }
