from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from accounts.roles import is_organizer
from accounts.services import profile_ensure_complete
from campaign.errors import ProfileIncomplete


def profile_required(view):
    """Signed in, with a complete profile; otherwise to the profile page with a message."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            profile_ensure_complete(user=request.user)
        except ProfileIncomplete as error:
            messages.warning(request, error.message)
            return redirect(f"{reverse('accounts:profile')}?{urlencode({'next': request.get_full_path()})}")
        return view(request, *args, **kwargs)

    return wrapped


def organizer_required(view):
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_organizer(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
