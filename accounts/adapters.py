from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.urls import reverse

from accounts.models import Profile
from accounts.services import user_join_contributors


def _profile_first(user) -> str | None:
    """Send a signed-in user with an incomplete profile to complete it first."""
    if not getattr(user, "is_authenticated", False):
        return None
    profile = Profile.objects.filter(user=user).first()
    if profile is None or not profile.is_complete:
        return reverse("accounts:profile")
    return None


class PortalAccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            user_join_contributors(user=user)
        return user

    def get_login_redirect_url(self, request):
        return _profile_first(request.user) or super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request):
        # A new account always has a profile to complete; this is where signing up ends.
        return reverse("accounts:profile")

    def get_email_verification_redirect_url(self, email_address):
        return _profile_first(email_address.user) or super().get_email_verification_redirect_url(
            email_address
        )


class PortalSocialAccountAdapter(DefaultSocialAccountAdapter):
    def save_user(self, request, sociallogin, form=None):
        user = super().save_user(request, sociallogin, form=form)
        user_join_contributors(user=user)
        return user
